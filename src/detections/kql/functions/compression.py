"""gzip/zlib compression to and from base64 text (used to unpack encoded payloads)."""

from __future__ import annotations

import base64
import binascii
import gzip
import zlib
from collections.abc import Callable
from typing import Any

from detections.kql.functions.common import text
from detections.kql.registry import scalar
from detections.kql.types import KType


def _decompressor(decompress: Callable[[bytes], bytes]) -> Callable[[Any], str]:
    def impl(value: Any) -> str:
        """The UTF-8 text inside base64-encoded compressed data; "" when it does not decode."""
        try:
            return decompress(base64.b64decode(text(value), validate=True)).decode("utf-8")
        except (binascii.Error, OSError, EOFError, zlib.error, UnicodeDecodeError, ValueError):
            return ""

    return impl


def _compressor(compress: Callable[[bytes], bytes]) -> Callable[[Any], str]:
    def impl(value: Any) -> str:
        """Base64 of the compressed UTF-8 text."""
        return base64.b64encode(compress(text(value).encode("utf-8"))).decode("ascii")

    return impl


scalar("gzip_decompress_from_base64_string", 1, 1, KType.STRING, doc="text of base64 gzip data")(_decompressor(gzip.decompress))
scalar("gzip_compress_to_base64_string", 1, 1, KType.STRING, doc="base64 of the gzip-compressed text")(_compressor(gzip.compress))
scalar("zlib_decompress_from_base64_string", 1, 1, KType.STRING, doc="text of base64 zlib data")(_decompressor(zlib.decompress))
scalar("zlib_compress_to_base64_string", 1, 1, KType.STRING, doc="base64 of the zlib-compressed text")(_compressor(zlib.compress))
