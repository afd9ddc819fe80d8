"""IP address functions (IPv4 as 32-bit integers, IPv6 via the ipaddress module). An address that
does not parse gives null. Addresses may carry a "/prefix" suffix, which masks them."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from typing import Any

from detections.kql.errors import KqlUnsupportedError
from detections.kql.functions.common import text
from detections.kql.registry import scalar
from detections.kql.types import KType

B, L, S, Y = KType.BOOL, KType.LONG, KType.STRING, KType.DYNAMIC
_FULL = 0xFFFFFFFF


@lru_cache(maxsize=65536)
def parse_v4(value: str) -> tuple[int, int] | None:
    """(address as int, prefix length) of "a.b.c.d" or "a.b.c.d/n"; None when invalid."""
    address, _, suffix = value.strip().partition("/")
    parts = address.split(".")
    if len(parts) != 4:
        return None
    number = 0
    for part in parts:
        if not part.isdigit() or len(part) > 3 or int(part) > 255:
            return None
        number = number << 8 | int(part)
    if not suffix:
        return number, 32
    if not suffix.isdigit() or int(suffix) > 32:
        return None
    return number, int(suffix)


def _mask(prefix: int) -> int:
    return (_FULL << (32 - prefix)) & _FULL if prefix else 0


def _v4(value: Any, prefix: Any = None) -> tuple[int, int] | None:
    if type(value) is int:
        parsed: tuple[int, int] | None = (value & _FULL, 32)
    else:
        parsed = parse_v4(text(value))
    if parsed is None:
        return None
    if prefix is not None:
        if not 0 <= int(prefix) <= 32:
            return None
        parsed = (parsed[0], min(parsed[1], int(prefix)))
    return parsed


_PRIVATE = [(0x0A000000, 8), (0xAC100000, 12), (0xC0A80000, 16)]


@scalar("ipv4_is_private", 1, 1, B)
def ipv4_is_private(value: Any) -> bool | None:
    """True for addresses in the RFC 1918 ranges 10/8, 172.16/12 and 192.168/16."""
    parsed = _v4(value)
    if parsed is None:
        return None
    address, prefix = parsed
    return any(prefix >= size and address & _mask(size) == network for network, size in _PRIVATE)


@scalar("parse_ipv4", 1, 1, L)
def parse_ipv4(value: Any) -> int | None:
    """The address as a long (a /prefix suffix masks it)."""
    parsed = _v4(value)
    return None if parsed is None else parsed[0] & _mask(parsed[1])


@scalar("parse_ipv4_mask", 2, 2, L)
def parse_ipv4_mask(value: Any, prefix: Any) -> int | None:
    """The address masked to `prefix` bits, as a long."""
    parsed = _v4(value, prefix)
    return None if parsed is None else parsed[0] & _mask(parsed[1])


@scalar("ipv4_netmask_suffix", 1, 1, L)
def ipv4_netmask_suffix(value: Any) -> int | None:
    """The /prefix of an address (32 without one)."""
    parsed = _v4(value)
    return None if parsed is None else parsed[1]


def _v4_pair(left: Any, right: Any, prefix: Any) -> tuple[int, int] | None:
    """Both addresses masked with the smaller of their prefixes (and the optional prefix)."""
    a, b = _v4(left, prefix), _v4(right, prefix)
    if a is None or b is None:
        return None
    mask = _mask(min(a[1], b[1]))
    return a[0] & mask, b[0] & mask


@scalar("ipv4_compare", 2, 3, L)
def ipv4_compare(left: Any, right: Any, prefix: Any = None) -> int | None:
    """-1, 0 or 1 comparing the two (masked) addresses."""
    pair = _v4_pair(left, right, prefix)
    return None if pair is None else (pair[0] > pair[1]) - (pair[0] < pair[1])


@scalar("ipv4_is_match", 2, 3, B)
def ipv4_is_match(left: Any, right: Any, prefix: Any = None) -> bool | None:
    """True when the addresses are equal after masking with the smaller prefix."""
    pair = _v4_pair(left, right, prefix)
    return None if pair is None else pair[0] == pair[1]


@scalar("ipv4_is_in_range", 2, 2, B)
def ipv4_is_in_range(value: Any, network: Any) -> bool | None:
    """True when the address lies in the CIDR range (a range without /n is a single address)."""
    address, subnet = _v4(value), _v4(network)
    if address is None or subnet is None:
        return None
    mask = _mask(subnet[1])
    return address[0] & mask == subnet[0] & mask


def _ranges(args: tuple[Any, ...]) -> list[Any]:
    flat: list[Any] = []
    for arg in args:
        flat.extend(arg if type(arg) is list else [arg])
    return flat


@scalar("ipv4_is_in_any_range", 2, 64, B)
def ipv4_is_in_any_range(value: Any, *networks: Any) -> bool | None:
    """True when the address lies in any of the ranges (given as arguments or a dynamic array)."""
    if _v4(value) is None:
        return None
    return any(ipv4_is_in_range(value, network) is True for network in _ranges(networks))


@scalar("format_ipv4", 1, 2, S)
def format_ipv4(value: Any, prefix: Any = None) -> str:
    """Dotted text of an address (long or text), masked by the prefix; "" when invalid."""
    parsed = _v4(value, prefix)
    if parsed is None:
        return ""
    number = parsed[0] & _mask(parsed[1])
    return ".".join(str(number >> shift & 0xFF) for shift in (24, 16, 8, 0))


@scalar("format_ipv4_mask", 1, 2, S)
def format_ipv4_mask(value: Any, prefix: Any = None) -> str:
    """"a.b.c.d/prefix" of the masked address; "" when invalid."""
    parsed = _v4(value, prefix)
    if parsed is None:
        return ""
    return f"{format_ipv4(parsed[0], parsed[1])}/{parsed[1]}"


# --- IPv6 (IPv4 addresses are read as IPv4-mapped IPv6) -----------------------------------------


@lru_cache(maxsize=65536)
def parse_v6(value: str) -> tuple[int, int] | None:
    """(128-bit address, prefix) of an IPv6 or IPv4 address with an optional /prefix."""
    address, _, suffix = value.strip().partition("/")
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    number = int(parsed) | (0xFFFF << 32) if parsed.version == 4 else int(parsed)
    full = 32 if parsed.version == 4 else 128
    if not suffix:
        return number, 128
    if not suffix.isdigit() or int(suffix) > full:
        return None
    return number, int(suffix) + (128 - full)


def _mask6(prefix: int) -> int:
    return ((1 << 128) - 1) ^ ((1 << (128 - prefix)) - 1)


def _v6_pair(left: Any, right: Any, prefix: Any) -> tuple[int, int] | None:
    a, b = parse_v6(text(left)), parse_v6(text(right))
    if a is None or b is None:
        return None
    size = min(a[1], b[1], 128 if prefix is None else int(prefix))
    mask = _mask6(max(size, 0))
    return a[0] & mask, b[0] & mask


@scalar("ipv6_compare", 2, 3, L)
def ipv6_compare(left: Any, right: Any, prefix: Any = None) -> int | None:
    """-1, 0 or 1 comparing two IPv6 (or IPv4) addresses after masking."""
    pair = _v6_pair(left, right, prefix)
    return None if pair is None else (pair[0] > pair[1]) - (pair[0] < pair[1])


@scalar("ipv6_is_match", 2, 3, B)
def ipv6_is_match(left: Any, right: Any, prefix: Any = None) -> bool | None:
    """True when the IPv6 (or IPv4) addresses are equal after masking."""
    pair = _v6_pair(left, right, prefix)
    return None if pair is None else pair[0] == pair[1]


@scalar("ipv6_is_in_range", 2, 2, B)
def ipv6_is_in_range(value: Any, network: Any) -> bool | None:
    """True when the address lies in the IPv6 CIDR range."""
    address, subnet = parse_v6(text(value)), parse_v6(text(network))
    if address is None or subnet is None:
        return None
    mask = _mask6(subnet[1])
    return address[0] & mask == subnet[0] & mask


@scalar("ipv6_is_in_any_range", 2, 64, B)
def ipv6_is_in_any_range(value: Any, *networks: Any) -> bool | None:
    """True when the address lies in any of the IPv6 ranges."""
    if parse_v6(text(value)) is None:
        return None
    return any(ipv6_is_in_range(value, network) is True for network in _ranges(networks))


@scalar("parse_ipv6", 1, 1, S)
def parse_ipv6(value: Any) -> str:
    """Canonical full form (eight 4-digit groups), masked by a /prefix; "" when invalid."""
    parsed = parse_v6(text(value))
    if parsed is None:
        return ""
    number = parsed[0] & _mask6(parsed[1])
    digits = f"{number:032x}"
    return ":".join(digits[i:i + 4] for i in range(0, 32, 4))


@scalar("parse_ipv6_mask", 2, 2, S)
def parse_ipv6_mask(value: Any, prefix: Any) -> str:
    """Canonical full IPv6 form of the address masked to `prefix` bits."""
    parsed = parse_v6(text(value))
    if parsed is None or prefix is None:
        return ""
    number = parsed[0] & _mask6(min(parsed[1], int(prefix) + (96 if parse_v4(text(value)) else 0)))
    digits = f"{number:032x}"
    return ":".join(digits[i:i + 4] for i in range(0, 32, 4))


# --- IPv4 addresses inside free text --------------------------------------------------------------

_IPV4_IN_TEXT = re.compile(r"(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3})(?![\w.]*\d)")


def _addresses_in(source: str) -> list[str]:
    return [m for m in _IPV4_IN_TEXT.findall(source) if parse_v4(m) is not None]


@scalar("has_ipv4", 2, 2, B)
def has_ipv4(source: Any, address: Any) -> bool | None:
    """True when the text contains the address as a whole IPv4 token (not part of a longer one)."""
    if parse_v4(text(address)) is None:
        return None
    return text(address).strip() in _addresses_in(text(source))


@scalar("has_ipv4_prefix", 2, 2, B)
def has_ipv4_prefix(source: Any, prefix: Any) -> bool:
    """True when an IPv4 token of the text starts with the prefix ("10.1." or "10.1")."""
    wanted = text(prefix).strip()
    dotted = wanted if wanted.endswith(".") else wanted + "."
    return any(found.startswith(dotted) or found == wanted for found in _addresses_in(text(source)))


@scalar("has_any_ipv4", 2, 64, B)
def has_any_ipv4(source: Any, *addresses: Any) -> bool:
    """True when the text contains any of the addresses as a whole IPv4 token."""
    found = set(_addresses_in(text(source)))
    return any(text(address).strip() in found for address in _ranges(addresses))


@scalar("has_any_ipv4_prefix", 2, 64, B)
def has_any_ipv4_prefix(source: Any, *prefixes: Any) -> bool:
    """True when an IPv4 token of the text starts with any of the prefixes."""
    return any(has_ipv4_prefix(source, prefix) for prefix in _ranges(prefixes))


UNSUPPORTED_GEO = "geo_info_from_ip_address() needs Microsoft's IP geolocation data, which this engine does not have"


@scalar("geo_info_from_ip_address", 1, 1, Y)
def geo_info_from_ip_address(_value: Any) -> Any:
    """Declared so that queries bind, but it cannot run: it needs Microsoft's geolocation data."""
    raise KqlUnsupportedError(UNSUPPORTED_GEO)
