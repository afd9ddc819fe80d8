"""Values of KQL literal bodies: datetime(...), timespan(...), guid(...) and typed literals like int(5).

Kept apart from the grammar so the parser stays about structure; values use the Python
representation of detections.kql.types (tz-aware UTC datetime, timedelta, lower-case guid text).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime

from detections.kql.types import KType
from detections.kql.values import TIMESPAN_UNITS, timespan_of

_DATETIME_RE = re.compile(
    r"(\d{4})-?(\d{1,2})-?(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?"
)
_TIMESPAN_CLOCK_RE = re.compile(r"(-)?(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?")
_TIMESPAN_UNIT_RE = re.compile(r"(\d+(?:\.\d+)?|\.\d+)\s*([A-Za-z]+)")
_GUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _fraction_microseconds(digits: str | None) -> int:
    return int((digits or "0").ljust(6, "0")[:6])


def parse_datetime_text(body: str) -> datetime | None:
    """Value of a `datetime(...)` body (None for null); ValueError when it is not a date."""
    if body == "null":
        return None
    body = body.strip("\"'")
    m = _DATETIME_RE.fullmatch(body)
    if m is None:
        try:
            value = parsedate_to_datetime(body)  # RFC 822 / RFC 1123, e.g. "Sat, 8 Nov 2014 15:05:02 GMT"
        except (TypeError, ValueError, IndexError) as exc:
            raise ValueError(body) from exc
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    year, month, day, hour, minute, second, fraction, zone = m.groups()
    value = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                     _fraction_microseconds(fraction), tzinfo=UTC)
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        value -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return value


def parse_timespan_text(body: str) -> timedelta | None:
    """Value of a `timespan(...)` body: `1d`, `1.02:03:04.5`, `02:03`, or a number of days."""
    if body == "null":
        return None
    m = _TIMESPAN_UNIT_RE.fullmatch(body)
    if m and m.group(2) in TIMESPAN_UNITS:
        return timespan_of(float(m.group(1)), m.group(2))
    m = _TIMESPAN_CLOCK_RE.fullmatch(body)
    if m:
        negative, days, hours, minutes, seconds, fraction = m.groups()
        value = timedelta(days=int(days or 0), hours=int(hours), minutes=int(minutes), seconds=int(seconds or 0),
                          microseconds=int((fraction or "0").ljust(7, "0")) / 10)
        return -value if negative else value
    try:
        return timedelta(days=float(body))
    except ValueError:
        raise ValueError(body) from None


def guid_text_value(body: str) -> str | None:
    if body == "null":
        return None
    if not _GUID_RE.fullmatch(body):
        raise ValueError(body)
    return body.lower()


def _int_value(body: str) -> int | None:
    if body == "null":
        return None
    return int(body, 16) if body.lower().lstrip("+-").startswith("0x") else int(body)


def _real_value(body: str) -> float | None:
    if body == "null":
        return None
    return float({"nan": "nan", "+inf": "inf", "-inf": "-inf", "inf": "inf"}.get(body, body))


def _decimal_value(body: str) -> Decimal | None:
    if body == "null":
        return None
    try:
        return Decimal(body)
    except InvalidOperation:
        raise ValueError(body) from None


def _bool_value(body: str) -> bool | None:
    values = {"true": True, "false": False, "null": None}
    if body not in values:
        raise ValueError(body)
    return values[body]


# Word before '(' -> (type, value of the body text, an example for messages). The lexer reads these
# bodies raw, as Kusto does: `int(x)` is a malformed literal, not a call.
RAW_LITERALS: dict[str, tuple[KType, Callable[[str], object], str]] = {
    "bool": (KType.BOOL, _bool_value, "bool(true), bool(false) or bool(null)"),
    "boolean": (KType.BOOL, _bool_value, "boolean(true)"),
    "int": (KType.INT, _int_value, "an integer such as int(5) or int(null)"),
    "long": (KType.LONG, _int_value, "an integer such as long(5) or long(null)"),
    "real": (KType.REAL, _real_value, "a number such as real(1.5), real(nan) or real(+inf)"),
    "double": (KType.REAL, _real_value, "a number such as double(1.5)"),
    "decimal": (KType.DECIMAL, _decimal_value, "a number such as decimal(1.25)"),
    "datetime": (KType.DATETIME, parse_datetime_text, "a date such as datetime(2024-01-31 12:00:00)"),
    "date": (KType.DATETIME, parse_datetime_text, "a date such as date(2024-01-31)"),
    "timespan": (KType.TIMESPAN, parse_timespan_text, "a timespan such as timespan(1d) or timespan(01:30:00)"),
    "time": (KType.TIMESPAN, parse_timespan_text, "a timespan such as time(1h)"),
    "guid": (KType.GUID, guid_text_value, "a GUID such as guid(74be27de-1e4e-49d9-b579-fe0b331d3642)"),
    "uniqueid": (KType.GUID, guid_text_value, "a GUID"),
}
