"""Hash functions. hash() is XXH64 (seed 0) over the value's bytes as Kusto lays them out: UTF-8
for strings, the 8-byte little-endian ticks for datetimes and timespans, 8-byte little-endian
longs and doubles for numbers (both checked against the docs' examples for strings and datetimes).
A 32-bit int column cannot be told from a long at run time, so it is hashed as a long."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from detections.kql import values
from detections.kql.functions.common import text
from detections.kql.registry import scalar
from detections.kql.types import KType

_P1, _P2, _P3, _P4, _P5 = (0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                           0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5)
_M64 = (1 << 64) - 1


def _rotl(value: int, bits: int) -> int:
    return ((value << bits) | (value >> (64 - bits))) & _M64


def _round(acc: int, lane: int) -> int:
    return (_rotl((acc + lane * _P2) & _M64, 31) * _P1) & _M64


def _merge(acc: int, value: int) -> int:
    return ((acc ^ _round(0, value)) * _P1 + _P4) & _M64


def xxh64(data: bytes, seed: int = 0) -> int:
    """XXH64 of `data` as an unsigned 64-bit integer (reference algorithm, pure Python)."""
    size, position = len(data), 0
    if size >= 32:
        v1, v2, v3, v4 = (seed + _P1 + _P2) & _M64, (seed + _P2) & _M64, seed, (seed - _P1) & _M64
        while position <= size - 32:
            lanes = [int.from_bytes(data[position + 8 * i:position + 8 * i + 8], "little") for i in range(4)]
            v1, v2, v3, v4 = _round(v1, lanes[0]), _round(v2, lanes[1]), _round(v3, lanes[2]), _round(v4, lanes[3])
            position += 32
        acc = (_rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)) & _M64
        for lane in (v1, v2, v3, v4):
            acc = _merge(acc, lane)
    else:
        acc = (seed + _P5) & _M64
    acc = (acc + size) & _M64
    while position + 8 <= size:
        lane = int.from_bytes(data[position:position + 8], "little")
        acc = ((_rotl(acc ^ _round(0, lane), 27) * _P1) + _P4) & _M64
        position += 8
    if position + 4 <= size:
        lane = int.from_bytes(data[position:position + 4], "little")
        acc = ((_rotl(acc ^ (lane * _P1) & _M64, 23) * _P2) + _P3) & _M64
        position += 4
    while position < size:
        acc = (_rotl(acc ^ (data[position] * _P5) & _M64, 11) * _P1) & _M64
        position += 1
    acc ^= acc >> 33
    acc = (acc * _P2) & _M64
    acc ^= acc >> 29
    acc = (acc * _P3) & _M64
    acc ^= acc >> 32
    return acc


def _signed(value: int) -> int:
    return value - (1 << 64) if value >> 63 else value


def _hash_bytes(value: Any) -> bytes:
    kind = type(value)
    if kind is datetime:
        return values.ticks(value - values.TICKS_ORIGIN).to_bytes(8, "little", signed=True)
    if kind is timedelta:
        return values.ticks(value).to_bytes(8, "little", signed=True)
    if kind is int:
        return (value & _M64).to_bytes(8, "little")
    if kind is float:
        return struct.pack("<d", value)
    return text(value).encode("utf-8")


@scalar("hash", 1, 2, KType.LONG)
def hash_value(value: Any, modulo: Any = None) -> int | None:
    """XXH64 of the value's bytes as a signed long; with a modulo, hash % modulo (non-negative)."""
    digest = _signed(xxh64(_hash_bytes(value)))
    if modulo is None:
        return digest
    return None if not modulo else digest % abs(int(modulo))


scalar("hash_xxhash64", 1, 2, KType.LONG, doc="alias of hash()")(hash_value)


def _hex_digest(algorithm: str) -> Callable[[Any], str]:
    def impl(value: Any) -> str:
        return hashlib.new(algorithm, text(value).encode("utf-8")).hexdigest()

    return impl


for _name, _algorithm in (("hash_sha256", "sha256"), ("hash_sha1", "sha1"), ("hash_md5", "md5")):
    scalar(_name, 1, 1, KType.STRING, doc=f"{_algorithm} of the UTF-8 text, lower-case hex")(_hex_digest(_algorithm))
