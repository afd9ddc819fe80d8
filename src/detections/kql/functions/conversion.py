"""Conversion functions to*(): a value that does not convert gives null (never an error)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from detections.kql import values
from detections.kql.registry import scalar
from detections.kql.types import TYPE_NAMES, KType

_CONVERTERS: dict[KType, Callable[[Any], Any]] = {
    KType.BOOL: values.to_bool,
    KType.INT: values.to_int,
    KType.LONG: values.to_long,
    KType.REAL: values.to_real,
    KType.DECIMAL: values.to_decimal,
    KType.STRING: values.to_string,
    KType.DATETIME: values.to_datetime,
    KType.TIMESPAN: values.to_timespan,
    KType.GUID: values.to_guid,
    KType.DYNAMIC: values.parse_json,
}


def converter(kind: KType) -> Callable[[Any], Any]:
    """The to*() conversion into `kind` (used for typed columns, extract(..., typeof(T)), parse)."""
    return _CONVERTERS.get(kind, lambda value: value)


def convert_to(kind: KType | str, value: Any) -> Any:
    """Convert `value` to a type given as a KType or a KQL type name ("int", "datetime", ...)."""
    if not isinstance(kind, KType):
        kind = TYPE_NAMES.get(str(kind).lower(), KType.DYNAMIC)
    return converter(kind)(value)


def _declare(names: tuple[str, ...], kind: KType, doc: str) -> None:
    for name in names:
        scalar(name, 1, 1, kind, doc=doc)(_CONVERTERS[kind])


_declare(("tobool", "toboolean"), KType.BOOL, '"true"/"false" in any case and numbers (non-zero is true)')
_declare(("toint",), KType.INT, "32-bit; reals and numeric strings truncate toward zero")
_declare(("tolong",), KType.LONG, "64-bit; reals and numeric strings truncate toward zero")
_declare(("toreal", "todouble"), KType.REAL, "numbers and numeric strings")
_declare(("todecimal",), KType.DECIMAL, "numbers and numeric strings")
_declare(("tostring",), KType.STRING, 'text form; null -> ""; dynamic strings without quotes, arrays/bags as compact JSON')
_declare(("todatetime",), KType.DATETIME, "ISO 8601, RFC 822, RFC 850 and sortable formats")
_declare(("totimespan", "totime"), KType.TIMESPAN, '"[d.]hh:mm:ss[.f]" or "1d", "1.5h", ...; integers are ticks')
_declare(("toguid",), KType.GUID, "canonical lower-case GUID text")
_declare(("todynamic", "toobject", "parse_json", "parsejson"), KType.DYNAMIC,
         'JSON text is parsed; other text stays a string; "" is null')


# gettype() names by runtime type; long vs int and guid vs string cannot be told apart at runtime.
_GETTYPE = {KType.BOOL: "bool", KType.LONG: "long", KType.REAL: "real", KType.DECIMAL: "decimal",
            KType.STRING: "string", KType.DATETIME: "datetime", KType.TIMESPAN: "timespan"}


@scalar("gettype", 1, 1, KType.STRING)
def gettype(value: Any) -> str:
    """Runtime type name: "array"/"dictionary" for dynamic containers, "null" for null."""
    if value is None:
        return "null"
    if type(value) is list:
        return "array"
    if type(value) is dict:
        return "dictionary"
    return _GETTYPE.get(values.runtime_type(value), "string")


_MAX_HEX_PAD = 1024  # like strrep's cap: a padding request beyond it is the engine's limit, not memory's


@scalar("tohex", 1, 2, KType.STRING)
def tohex(value: Any, length: Any = None) -> str:
    """Hexadecimal text of an integer (two's complement for negatives), padded to `length` (at most 1024)."""
    number = values.to_long(value)
    if number is None:
        return ""
    digits = format(number & 0xFFFFFFFFFFFFFFFF if number < 0 else number, "x")
    return digits.rjust(min(length, _MAX_HEX_PAD), "0") if length is not None else digits
