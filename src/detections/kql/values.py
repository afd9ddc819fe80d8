"""Kusto value semantics shared by the operators, the functions and the executor.

Values are plain Python values (see detections.kql.types). Every helper here runs once per row,
so they branch on `type(v)` against a few exact types instead of walking class hierarchies, and
every pattern they need is compiled at import.

Known representation limits (also in docs/kql-functions.md): datetimes and timespans have
microsecond resolution (Kusto: 100 ns ticks), long arithmetic does not wrap at 64 bits.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from detections.kql.types import KType

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Kusto ticks count from 0001-01-01 (a Monday); bin() of datetimes aligns on it.
TICKS_ORIGIN = datetime(1, 1, 1, tzinfo=UTC)
ZERO = timedelta(0)
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

_JSON_SEPARATORS = (",", ":")

# ---------------------------------------------------------------------------------------------
# Runtime types
# ---------------------------------------------------------------------------------------------

_RUNTIME_TYPES: dict[type, KType] = {
    bool: KType.BOOL,
    int: KType.LONG,
    float: KType.REAL,
    Decimal: KType.DECIMAL,
    str: KType.STRING,
    datetime: KType.DATETIME,
    timedelta: KType.TIMESPAN,
    dict: KType.DYNAMIC,
    list: KType.DYNAMIC,
}


def runtime_type(value: Any) -> KType:
    """The KType a Python value represents (int is long; dict/list are dynamic); UNKNOWN for None."""
    return _RUNTIME_TYPES.get(type(value), KType.UNKNOWN)


def type_of_class(cls: type) -> KType:
    """runtime_type() for a Python class (lets callers cache per class)."""
    return _RUNTIME_TYPES.get(cls, KType.UNKNOWN)


# ---------------------------------------------------------------------------------------------
# tostring(): text exactly as Kusto prints each type
# ---------------------------------------------------------------------------------------------


def format_datetime(value: datetime) -> str:
    """ISO 8601 in UTC with a 7-digit fraction only when there is one: 2024-01-01T00:00:00Z."""
    value = value.astimezone(UTC) if value.tzinfo is not UTC else value
    base = f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    if value.microsecond:
        return f"{base}.{value.microsecond:06d}0Z"
    return base + "Z"


def format_timespan(value: timedelta) -> str:
    """.NET constant format [-][d.]hh:mm:ss[.fffffff] as Kusto prints timespans."""
    sign = "-" if value < ZERO else ""
    value = -value if sign else value
    days, seconds, micros = value.days, value.seconds, value.microseconds
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{sign}{days}.{hours:02d}:{minutes:02d}:{secs:02d}" if days else f"{sign}{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{text}.{micros:06d}0" if micros else text


def format_real(value: float) -> str:
    """Shortest round-trip text like .NET: 1 (not 1.0), 0.1, 1E+20, NaN, Infinity."""
    if value != value:
        return "NaN"
    if value in (math.inf, -math.inf):
        return "Infinity" if value > 0 else "-Infinity"
    text = repr(value)
    if text.endswith(".0"):
        return text[:-2]
    return text.replace("e", "E") if "e" in text else text


def to_json_text(value: Any) -> str:
    """Compact JSON as Kusto prints dynamic values ([1,2], {"a":1}); datetimes as ISO strings."""
    return json.dumps(value, separators=_JSON_SEPARATORS, ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    if type(value) is datetime:
        return format_datetime(value)
    if type(value) is timedelta:
        return format_timespan(value)
    if type(value) is Decimal:
        return float(value)
    raise TypeError(f"value of type {type(value).__name__} is not a KQL value")


_TOSTRING: dict[type, Any] = {
    str: lambda v: v,
    bool: lambda v: "true" if v else "false",
    int: str,
    float: format_real,
    Decimal: str,
    datetime: format_datetime,
    timedelta: format_timespan,
    dict: to_json_text,
    list: to_json_text,
}


def to_string(value: Any) -> str:
    """tostring(): null -> "" and a dynamic string gives its text without quotes."""
    if value is None:
        return ""
    fmt = _TOSTRING.get(type(value))
    return fmt(value) if fmt is not None else str(value)


# ---------------------------------------------------------------------------------------------
# Conversions to*(): a failed conversion is null, never an error
# ---------------------------------------------------------------------------------------------


def to_bool(value: Any) -> bool | None:
    """tobool(): "true"/"false" (any case), numbers (non-zero is true); anything else null."""
    kind = type(value)
    if kind is bool or value is None:
        return value
    if kind is str:
        text = value.strip().lower()
        if text == "true":
            return True
        if text == "false":
            return False
        number = _parse_number(text)
        return None if number is None else number != 0
    if kind in (int, float, Decimal):
        return value != 0
    return None


def _parse_number(text: str) -> int | float | None:
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return None
    return number


def _to_integer(value: Any, low: int, high: int) -> int | None:
    kind = type(value)
    if kind is int:
        result = value
    elif kind is bool:
        result = int(value)
    elif kind is float:
        if value != value or value in (math.inf, -math.inf):
            return None
        result = int(value)  # truncates toward zero, as the docs' toint(2.3) == 2
    elif kind is str:
        number = _parse_number(value)
        if number is None:
            return None
        return _to_integer(number, low, high)
    elif kind is Decimal:
        result = int(value)
    elif kind is timedelta:
        result = ticks(value)
    elif kind is datetime:
        result = ticks(value - TICKS_ORIGIN)
    else:
        return None
    return result if low <= result <= high else None


def to_int(value: Any) -> int | None:
    """toint(): 32-bit; reals and numeric strings truncate toward zero; out of range is null."""
    return _to_integer(value, INT32_MIN, INT32_MAX)


def to_long(value: Any) -> int | None:
    """tolong(): 64-bit; timespans and datetimes give their ticks, as in Kusto."""
    return _to_integer(value, INT64_MIN, INT64_MAX)


def to_real(value: Any) -> float | None:
    """toreal()/todouble(): numbers and numeric strings ("NaN", "inf" too); else null."""
    kind = type(value)
    if kind is float:
        return value
    if kind in (int, bool, Decimal):
        return float(value)
    if kind is str:
        try:
            return float(value.strip())
        except ValueError:
            return None
    if kind is timedelta:
        return float(ticks(value))
    return None


def to_decimal(value: Any) -> Decimal | None:
    """todecimal(): numbers and numeric strings; else null."""
    kind = type(value)
    if kind is Decimal:
        return value
    if kind in (int, bool):
        return Decimal(int(value))
    if kind is float:
        return None if value != value or value in (math.inf, -math.inf) else Decimal(repr(value))
    if kind is str:
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return None
    return None


_GUID = re.compile(r"^\{?([0-9a-fA-F]{8})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{12})\}?$")


def to_guid(value: Any) -> str | None:
    """toguid(): canonical lower-case 8-4-4-4-12 text, or null when it is not a GUID."""
    if type(value) is not str:
        return None
    match = _GUID.match(value.strip())
    return "-".join(match.groups()).lower() if match else None


# --- datetime parsing: the formats the datetime data type page lists ---------------------------

_MONTHS = {name: i for i, name in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_ISO_DATETIME = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?)?"
    r"\s*(Z|GMT|UTC|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)
# RFC 822 ("Sat, 8 Nov 14 15:05:02 GMT") and RFC 850 ("Saturday, 08-Nov-14 15:05:02 GMT").
_RFC_DATETIME = re.compile(
    r"^(?:[A-Za-z]+,\s*)?(\d{1,2})[ -]([A-Za-z]{3})[ -](\d{4}|\d{2})"
    r"(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
    r"(?:\s+(Z|GMT|UTC|[+-]\d{2}:?\d{2}))?$",
    re.IGNORECASE,
)


def _offset(zone: str | None) -> timedelta:
    if not zone or zone[0] not in "+-":
        return ZERO
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return -offset if zone[0] == "-" else offset


def parse_datetime(text: str) -> datetime | None:
    """Parse the datetime formats Kusto accepts (ISO 8601, RFC 822, RFC 850, sortable) to UTC."""
    text = text.strip()
    match = _ISO_DATETIME.match(text)
    try:
        if match:
            year, month, day, hour, minute, second, fraction, zone = match.groups()
            micro = int((fraction or "0")[:6].ljust(6, "0"))
            value = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                             int(second or 0), micro, tzinfo=UTC)
            return value - _offset(zone)
        match = _RFC_DATETIME.match(text)
        if match:
            day, month_name, year, hour, minute, second, zone = match.groups()
            month = _MONTHS.get(month_name.lower())
            if month is None:
                return None
            full_year = int(year) if len(year) == 4 else (2000 + int(year) if int(year) < 50 else 1900 + int(year))
            value = datetime(full_year, month, int(day), int(hour or 0), int(minute or 0), int(second or 0), tzinfo=UTC)
            return value - _offset(zone)
    except (ValueError, OverflowError):
        return None
    return None


def to_datetime(value: Any) -> datetime | None:
    """todatetime(): datetimes as they are, strings in any supported format; else null."""
    kind = type(value)
    if kind is datetime:
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if kind is str:
        return parse_datetime(value)
    return None


# --- timespan parsing: .NET "[-][d.]hh:mm[:ss[.fffffff]]" and KQL literals like 1.5h, 30m --------

_CLOCK_TIMESPAN = re.compile(r"^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?$")
_UNIT_TIMESPAN = re.compile(r"^(-)?(\d+(?:\.\d*)?|\.\d+)\s*([a-z]+)$", re.IGNORECASE)
# Microseconds per KQL timespan unit, shared by the lexer (`5m`), timespan(...) literals and
# totimespan("5m"). A tick is 0.1 us, below our resolution unless scaled up.
TIMESPAN_UNITS: dict[str, float] = {}
for _names, _micros in (
    (("d", "day", "days"), 86_400e6),
    (("h", "hr", "hrs", "hour", "hours"), 3_600e6),
    (("m", "min", "minute", "minutes"), 60e6),
    (("s", "sec", "second", "seconds"), 1e6),
    (("ms", "milli", "millis", "millisec", "millisecond", "milliseconds"), 1e3),
    (("micro", "micros", "microsec", "microsecond", "microseconds"), 1.0),
    (("tick", "ticks"), 0.1),
    (("nano", "nanos", "nanosec", "nanosecond", "nanoseconds"), 0.001),
):
    for _name in _names:
        TIMESPAN_UNITS[_name] = _micros


def timespan_of(amount: float, unit: str) -> timedelta:
    """`amount` of timespan `unit` (a key of TIMESPAN_UNITS); OverflowError beyond timedelta's range."""
    return timedelta(microseconds=amount * TIMESPAN_UNITS[unit])


def parse_timespan(text: str) -> timedelta | None:
    """Parse "1.02:03:04.5", "00:30:00", "1d", "1.5h", "100ms" (null when it is none of those, or
    beyond the timespan range)."""
    text = text.strip()
    try:
        match = _CLOCK_TIMESPAN.match(text)
        if match:
            sign, days, hours, minutes, seconds, fraction = match.groups()
            if int(hours) > 23 or int(minutes) > 59 or int(seconds or 0) > 59:
                return None
            value = timedelta(days=int(days or 0), hours=int(hours), minutes=int(minutes),
                              seconds=int(seconds or 0), microseconds=int((fraction or "0").ljust(7, "0")[:6]))
            return -value if sign else value
        match = _UNIT_TIMESPAN.match(text)
        if match:
            sign, amount, unit = match.groups()
            unit = unit.lower()
            if unit not in TIMESPAN_UNITS:
                return None
            value = timespan_of(float(amount), unit)
            return -value if sign else value
    except OverflowError:
        return None
    return None


def to_timespan(value: Any) -> timedelta | None:
    """totimespan(): timespans as they are, strings as parse_timespan; numbers are ticks."""
    kind = type(value)
    if kind is timedelta:
        return value
    if kind is str:
        return parse_timespan(value)
    if kind is int:
        return from_ticks(value)
    return None


def ticks(value: timedelta) -> int:
    """A timespan in 100 ns ticks (exact for our microsecond resolution)."""
    return (value.days * 86_400 + value.seconds) * 10_000_000 + value.microseconds * 10


def from_ticks(count: int | float) -> timedelta | None:
    try:
        return timedelta(microseconds=count / 10)
    except OverflowError:
        return None


# --- dynamic -------------------------------------------------------------------------------------


def json_key(value: Any) -> Any:
    """A hashable identity with JSON equality, for sets of dynamic values (dcount, make_set,
    set_union ...): arrays and bags compare by their text, and true is not 1."""
    kind = type(value)
    if kind is list or kind is dict:
        return (kind.__name__, to_json_text(value))
    if kind is bool:
        return ("bool", value)
    return value


def copy_json(value: Any) -> Any:
    """A fresh copy of a JSON value (dicts and lists copied all the way down; scalars shared)."""
    kind = type(value)
    if kind is dict:
        return {k: copy_json(x) for k, x in value.items()}
    if kind is list:
        return [copy_json(x) for x in value]
    return value


def parse_json(value: Any) -> Any:
    """parse_json()/todynamic(): JSON text is parsed; text that is not JSON stays a string;
    "" is null; non-string values are already dynamic and pass through."""
    if type(value) is not str:
        return value
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return value


def index(value: Any, position: Any) -> Any:
    """d[i]: zero-based, negative counts from the end, out of range is null; a string index on a
    property bag is member access."""
    kind = type(value)
    if kind is list:
        if type(position) is not int:
            if type(position) is float and position.is_integer():
                position = int(position)
            else:
                return None
        if -len(value) <= position < len(value):
            return value[position]
        return None
    if kind is dict and type(position) is str:
        return value.get(position)
    return None


# ---------------------------------------------------------------------------------------------
# Equality, ordering and truth
# ---------------------------------------------------------------------------------------------


def equals(left: Any, right: Any) -> bool | None:
    """==: null == null is null, null == value is false; numbers compare across int/real."""
    if left is None:
        return None if right is None else False
    if right is None:
        return False
    return left == right


def not_equals(left: Any, right: Any) -> bool | None:
    """!=: null != null is null, null != value is true."""
    if left is None:
        return None if right is None else True
    if right is None:
        return True
    return left != right


def compare(left: Any, right: Any) -> int | None:
    """-1/0/1 for ordered values of comparable types; None when either is null or they do not order."""
    if left is None or right is None:
        return None
    try:
        return -1 if left < right else (1 if left > right else 0)
    except TypeError:
        return None


def less(left: Any, right: Any) -> bool | None:
    order = compare(left, right)
    return None if order is None else order < 0


def less_equal(left: Any, right: Any) -> bool | None:
    order = compare(left, right)
    return None if order is None else order <= 0


def greater(left: Any, right: Any) -> bool | None:
    order = compare(left, right)
    return None if order is None else order > 0


def greater_equal(left: Any, right: Any) -> bool | None:
    order = compare(left, right)
    return None if order is None else order >= 0


# Rank of each runtime type so a sort over mixed dynamic values is total and stable.
_SORT_RANK: dict[type, int] = {bool: 1, int: 2, float: 2, Decimal: 2, datetime: 3, timedelta: 4, str: 5, list: 6, dict: 7}


def sort_key(value: Any) -> tuple:
    """A key that orders any KQL values: null and NaN first (sort places them per nulls first/last),
    then numbers, datetimes, timespans, strings (ordinal), then arrays and bags by their JSON text."""
    kind = type(value)
    if value is None or (kind is float and value != value):
        return (0, 0)
    rank = _SORT_RANK.get(kind, 8)
    if rank >= 6:
        return (rank, to_json_text(value))
    return (rank, value)


def not_(value: Any) -> bool | None:
    """not(null) is null."""
    return None if value is None else not value


# ---------------------------------------------------------------------------------------------
# has / hasprefix / hassuffix: terms are maximal runs of alphanumeric characters
# ---------------------------------------------------------------------------------------------


def term_matcher(needle: str, need_start: bool, need_end: bool) -> Callable[[str], bool]:
    """A test `hay -> bool`: needle occurs in hay starting (need_start) and/or ending (need_end) on
    a term boundary, i.e. next to a non-alphanumeric character or the end of the text. Built once
    per constant needle."""
    if not needle:
        return lambda _hay: True
    check_start = need_start and needle[0].isalnum()
    check_end = need_end and needle[-1].isalnum()
    size = len(needle)

    def match(hay: str) -> bool:
        start = hay.find(needle)
        while start >= 0:
            end = start + size
            if (not check_start or start == 0 or not hay[start - 1].isalnum()) and (
                not check_end or end == len(hay) or not hay[end].isalnum()
            ):
                return True
            start = hay.find(needle, start + 1)
        return False

    return match


def has(hay: str, needle: str) -> bool:
    """hay has needle: needle is a whole term (or run of terms) of hay, case-insensitive."""
    return term_matcher(needle.lower(), True, True)(hay.lower())


# ---------------------------------------------------------------------------------------------
# Arithmetic (runtime-typed; operators.py picks specialised versions when types are known)
# ---------------------------------------------------------------------------------------------


def int_divide(left: int, right: int) -> int | None:
    """long / long truncates toward zero like C#; division by zero is null."""
    if right == 0:
        return None
    quotient = abs(left) // abs(right)
    return quotient if (left >= 0) == (right >= 0) else -quotient


def real_divide(left: float, right: float) -> float:
    """real division by zero follows IEEE (inf, -inf, NaN) as in Kusto."""
    try:
        return left / right
    except ZeroDivisionError:
        if left != left or left == 0:
            return math.nan
        return math.copysign(math.inf, left) * math.copysign(1.0, right)


def modulo(left: Any, right: Any) -> Any:
    """N % D is always in [0, abs(D)) in Kusto (-14 % 12 == 10, 14 % -12 == 2); % 0 is null."""
    if not right:
        return None
    return left % abs(right)


def negate(value: Any) -> Any:
    if value is None:
        return None
    try:
        return -value
    except TypeError:
        return None


# ---------------------------------------------------------------------------------------------
# bin() / floor(): round down to a multiple of the bin size
# ---------------------------------------------------------------------------------------------


def bin_value(value: Any, size: Any) -> Any:
    """bin(value, size) for numbers, timespans and datetimes (datetimes align on 0001-01-01 like
    Kusto's ticks). Null value, null or non-positive size give null."""
    if value is None or size is None:
        return None
    kind = type(value)
    if kind is datetime:
        if type(size) is not timedelta or size <= ZERO:
            return None
        return value - (value - TICKS_ORIGIN) % size
    if kind is timedelta:
        if type(size) is not timedelta or size <= ZERO:
            return None
        return value - value % size
    if kind is Decimal or type(size) is Decimal:
        return _bin_decimal(to_decimal(value), to_decimal(size))
    if size <= 0:
        return None
    if kind is int and type(size) is int:
        return (value // size) * size
    try:
        return float(math.floor(value / size) * size)
    except (ValueError, OverflowError):  # NaN or infinity has no bin: it stays itself
        return float(value)


def _bin_decimal(value: Decimal | None, size: Decimal | None) -> Decimal | None:
    """bin() when either side is a decimal: the result is a decimal; a real that is not finite has none."""
    if value is None or size is None or not (value.is_finite() and size.is_finite()) or size <= 0:
        return None
    return (value / size).to_integral_value(rounding=ROUND_FLOOR) * size


def bin_at(value: Any, size: Any, fixed_point: Any) -> Any:
    """bin_at(): like bin() but aligned so that fixed_point starts a bin."""
    if value is None or size is None or fixed_point is None:
        return None
    try:
        shifted = bin_value(value - fixed_point, size)
    except TypeError:
        return None
    return None if shifted is None else shifted + fixed_point
