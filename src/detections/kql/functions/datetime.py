"""Date and time functions. Datetimes are tz-aware UTC; Kusto weeks start on Sunday; the query's
`now` comes from the evaluation context so that every now()/ago() of a query agrees."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from detections.kql import values
from detections.kql.functions.common import text
from detections.kql.registry import scalar
from detections.kql.types import KType

D, T, INT, L, S = KType.DATETIME, KType.TIMESPAN, KType.INT, KType.LONG, KType.STRING
UTC = values.UTC
ONE_TICK = timedelta(microseconds=1)  # the smallest step we can represent (Kusto: 100 ns)


def _shifted(moment: datetime, span: timedelta) -> datetime | None:
    try:
        return moment + span
    except OverflowError:
        return None


@scalar("now", 0, 1, D, needs_context=True)
def now(context: Any, offset: Any = None) -> datetime | None:
    """The query's fixed current time, optionally shifted by a timespan (null beyond the datetime
    range, as datetime arithmetic is)."""
    return context.now if offset is None else _shifted(context.now, offset)


@scalar("ago", 1, 1, D, needs_context=True)
def ago(context: Any, span: Any) -> datetime | None:
    """now() - span (null beyond the datetime range)."""
    return None if span is None else _shifted(context.now, -span)


# ---------------------------------------------------------------------------------------------
# bin / floor / bin_at
# ---------------------------------------------------------------------------------------------


_BIN_NUMBERS = (KType.INT, KType.LONG, KType.REAL, KType.DECIMAL)


def _bin_type(args: Sequence[KType]) -> KType | None:
    """bin keeps the value's type (int -> long, and an integer binned by a real or decimal size
    takes that type); datetimes and timespans need a timespan size; anything else is rejected."""
    value = args[0] if args else KType.UNKNOWN
    size = args[1] if len(args) > 1 else KType.UNKNOWN
    if KType.UNKNOWN in (value, size):
        return KType.LONG if value is KType.INT else value
    if value in (KType.DATETIME, KType.TIMESPAN):
        return value if size is KType.TIMESPAN else None
    if value in _BIN_NUMBERS and size in _BIN_NUMBERS:
        if KType.DECIMAL in (value, size):
            return KType.DECIMAL
        return KType.REAL if KType.REAL in (value, size) else KType.LONG
    return None


def _bin_at_type(args: Sequence[KType]) -> KType | None:
    """bin_at's fixed point is of the value's kind (a number for numbers, else the same type)."""
    if len(args) > 2 and KType.UNKNOWN not in (args[0], args[2]):
        same_kind = args[0] is args[2] or (args[0] in _BIN_NUMBERS and args[2] in _BIN_NUMBERS)
        if not same_kind:
            return None
    return _bin_type(args)


for _name in ("bin", "floor"):
    scalar(_name, 2, 2, _bin_type, doc="round down to a multiple of the bin size")(values.bin_value)
scalar("bin_at", 3, 3, _bin_at_type, doc="bin aligned so that the fixed point starts a bin")(values.bin_at)


# ---------------------------------------------------------------------------------------------
# start/end of periods
# ---------------------------------------------------------------------------------------------


def _day(value: datetime) -> datetime:
    return value.replace(hour=0, minute=0, second=0, microsecond=0)


def _add_months(value: datetime, months: int) -> datetime:
    """Calendar month arithmetic that clamps the day (Jan 31 + 1 month = Feb 28/29), as .NET does."""
    index = value.year * 12 + value.month - 1 + months
    year, month = divmod(index, 12)
    day = min(value.day, calendar.monthrange(year, month + 1)[1])
    return value.replace(year=year, month=month + 1, day=day)


_PERIOD_START: dict[str, Callable[[datetime], datetime]] = {
    "day": _day,
    "week": lambda v: _day(v) - timedelta(days=(v.weekday() + 1) % 7),
    "month": lambda v: _day(v).replace(day=1),
    "year": lambda v: _day(v).replace(month=1, day=1),
}
_PERIOD_STEP: dict[str, Callable[[datetime, int], datetime]] = {
    "day": lambda v, n: v + timedelta(days=n),
    "week": lambda v, n: v + timedelta(days=7 * n),
    "month": _add_months,
    "year": lambda v, n: _add_months(v, 12 * n),
}


def _period_function(period: str, end: bool) -> Callable[..., datetime | None]:
    start_of, step = _PERIOD_START[period], _PERIOD_STEP[period]

    def impl(value: Any, offset: Any = 0) -> datetime | None:
        if type(value) is not datetime:
            return None
        try:
            start = step(start_of(value), int(offset or 0))
            return step(start, 1) - ONE_TICK if end else start
        except (ValueError, OverflowError):
            return None

    return impl


for _period in _PERIOD_START:
    scalar(f"startof{_period}", 1, 2, D, doc=f"start of the {_period} (weeks start on Sunday)")(_period_function(_period, False))
    scalar(f"endof{_period}", 1, 2, D, doc=f"last instant of the {_period}")(_period_function(_period, True))


# ---------------------------------------------------------------------------------------------
# parts of a datetime
# ---------------------------------------------------------------------------------------------

_PARTS: dict[str, Callable[[datetime], int]] = {
    "year": lambda v: v.year,
    "quarter": lambda v: (v.month - 1) // 3 + 1,
    "month": lambda v: v.month,
    "week_of_year": lambda v: v.isocalendar().week,
    "weekofyear": lambda v: v.isocalendar().week,
    "week": lambda v: v.isocalendar().week,
    "day": lambda v: v.day,
    "dayofyear": lambda v: v.timetuple().tm_yday,
    "hour": lambda v: v.hour,
    "minute": lambda v: v.minute,
    "second": lambda v: v.second,
    "millisecond": lambda v: v.microsecond // 1000,
    "microsecond": lambda v: v.microsecond,
    "nanosecond": lambda v: v.microsecond * 1000,
}


@scalar("datepart", 2, 2, INT, constant_args=(0,))
@scalar("datetime_part", 2, 2, INT, constant_args=(0,))
def datetime_part(part: Any, value: Any) -> int | None:
    """One part of a datetime (year, quarter, month, week_of_year (ISO 8601), day, dayofyear, hour, ...);
    null for an unknown part name."""
    getter = _PARTS.get(text(part).lower())
    return None if getter is None or type(value) is not datetime else getter(value)


def _datetime_getter(name: str, part: str) -> None:
    getter = _PARTS[part]
    scalar(name, 1, 1, INT, doc=f"the {part} of a datetime")(lambda value: None if type(value) is not datetime else getter(value))


for _name, _part_name in (("getyear", "year"), ("getmonth", "month"), ("monthofyear", "month"), ("dayofmonth", "day"),
                          ("dayofyear", "dayofyear"), ("hourofday", "hour"), ("week_of_year", "week_of_year"),
                          ("weekofyear", "week_of_year")):
    _datetime_getter(_name, _part_name)


@scalar("dayofweek", 1, 1, T)
def dayofweek(value: Any) -> timedelta | None:
    """Days since the preceding Sunday, as a timespan (Sunday is 0d)."""
    return None if type(value) is not datetime else timedelta(days=(value.weekday() + 1) % 7)


# ---------------------------------------------------------------------------------------------
# datetime_add / datetime_diff
# ---------------------------------------------------------------------------------------------

_FIXED_UNITS: dict[str, timedelta] = {
    "week": timedelta(days=7),
    "day": timedelta(days=1),
    "hour": timedelta(hours=1),
    "minute": timedelta(minutes=1),
    "second": timedelta(seconds=1),
    "millisecond": timedelta(milliseconds=1),
    "microsecond": timedelta(microseconds=1),
}
NANOSECONDS_PER_TICK = 100
_MONTHS_PER = {"year": 12, "quarter": 3, "month": 1}


@scalar("datetime_add", 3, 3, D, constant_args=(0,))
def datetime_add(part: Any, amount: Any, value: Any) -> datetime | None:
    """value + amount periods; months, quarters and years are calendar steps; unknown part: null."""
    if amount is None or type(value) is not datetime:
        return None
    unit = text(part).lower()
    try:
        if unit in _MONTHS_PER:
            return _add_months(value, int(amount) * _MONTHS_PER[unit])
        if unit == "nanosecond":
            return value + timedelta(microseconds=int(amount) / 1000)
        return value + _FIXED_UNITS[unit] * int(amount) if unit in _FIXED_UNITS else None
    except (ValueError, OverflowError):
        return None


@scalar("datetime_diff", 3, 3, L, constant_args=(0,))
def datetime_diff(part: Any, first: Any, second: Any) -> int | None:
    """Number of period boundaries between second and first (first - second): calendar periods
    for year/quarter/month, Sunday-based weeks, truncated units otherwise."""
    if type(first) is not datetime or type(second) is not datetime:
        return None
    unit = text(part).lower()
    if unit in _MONTHS_PER:
        size = _MONTHS_PER[unit]
        return (first.year * 12 + first.month - 1) // size - (second.year * 12 + second.month - 1) // size
    if unit == "week":
        week_start = _PERIOD_START["week"]
        return (week_start(first) - week_start(second)).days // 7
    if unit == "nanosecond":
        return values.ticks(first - second) * NANOSECONDS_PER_TICK
    if unit not in _FIXED_UNITS:
        return None
    size = values.ticks(_FIXED_UNITS[unit])
    origin = values.TICKS_ORIGIN
    return values.ticks(first - origin) // size - values.ticks(second - origin) // size


# ---------------------------------------------------------------------------------------------
# construction and unix times
# ---------------------------------------------------------------------------------------------


@scalar("make_datetime", 3, 7, D)
def make_datetime(year: Any, month: Any, day: Any, hour: Any = 0, minute: Any = 0, second: Any = 0, fraction: Any = None) -> datetime | None:
    """A datetime from its parts; `second` may carry a fraction; invalid dates give null."""
    parts = (year, month, day, hour, minute, second)
    if any(part is None for part in parts):
        return None
    try:
        whole = int(second)
        base = datetime(int(year), int(month), int(day), int(hour), int(minute), whole, tzinfo=UTC)
        return base + timedelta(seconds=float(second) - whole)
    except (ValueError, OverflowError):
        return None


@scalar("make_timespan", 2, 4, T)
def make_timespan(*parts: Any) -> timedelta | None:
    """make_timespan(hours, minutes[, seconds]) or make_timespan(days, hours, minutes, seconds); seconds
    may be fractional; a part that is not a number, or a span out of range, gives null."""
    numbers = [values.to_real(part) for part in parts]
    if None in numbers:
        return None
    days = numbers[0] if len(numbers) == 4 else 0
    hours, minutes, *rest = numbers[1:] if len(numbers) == 4 else numbers
    try:
        return timedelta(days=days, hours=hours, minutes=minutes, seconds=rest[0] if rest else 0)
    except (OverflowError, ValueError):
        return None


def _from_unix(scale: float) -> Callable[[Any], datetime | None]:
    def impl(value: Any) -> datetime | None:
        number = values.to_real(value) if type(value) is not int else value
        if number is None or number != number:
            return None
        try:
            return values.EPOCH + timedelta(microseconds=number * scale)
        except OverflowError:
            return None

    return impl


for _unit, _scale in (("seconds", 1e6), ("milliseconds", 1e3), ("microseconds", 1.0), ("nanoseconds", 1e-3)):
    scalar(f"unixtime_{_unit}_todatetime", 1, 1, D, doc=f"datetime from unix time in {_unit}")(_from_unix(_scale))


# ---------------------------------------------------------------------------------------------
# format_datetime / format_timespan
# ---------------------------------------------------------------------------------------------

_FORMAT_TOKEN = re.compile(r"d+|f+|F+|h+|H+|m+|M+|s+|y+|t+|\\.|.", re.DOTALL)


def _fraction(micros: int, token: str) -> str:
    digits = f"{micros:06d}0"[: len(token)]
    if token[0] == "F":
        digits = digits.rstrip("0")
    return digits


def _datetime_field(value: datetime, token: str) -> str:
    kind, width = token[0], len(token)
    if kind == "y":
        return str(value.year % 100) if width == 1 else (f"{value.year % 100:02d}" if width == 2 else f"{value.year:0{width}d}")
    if kind in "fF":
        return _fraction(value.microsecond, token)
    if kind == "t":
        marker = "AM" if value.hour < 12 else "PM"
        return marker[:width]
    number = {"d": value.day, "M": value.month, "H": value.hour, "h": value.hour % 12 or 12,
              "m": value.minute, "s": value.second}[kind]
    return f"{number:0{min(width, 2)}d}"


def _timespan_field(value: timedelta, token: str) -> str:
    kind, width = token[0], len(token)
    span = -value if value < timedelta(0) else value
    if kind in "fF":
        return _fraction(span.microseconds, token)
    if kind == "d":
        return f"{span.days:0{width}d}"
    hours, rest = divmod(span.seconds, 3600)
    number = {"h": hours, "H": hours, "m": rest // 60, "s": rest % 60}.get(kind)
    return token if number is None else f"{number:0{min(width, 2)}d}"


def _format(value: Any, pattern: str, field: Callable[[Any, str], str]) -> str:
    out = []
    for token in _FORMAT_TOKEN.findall(pattern):
        if token[0] in "dfFhHmMsyt" and not token.startswith("\\"):
            out.append(field(value, token))
        else:
            out.append(token[-1])
    return "".join(out)


@scalar("format_datetime", 2, 2, S)
def format_datetime(value: Any, pattern: Any) -> str:
    """Format with the .NET-style specifiers the docs list (yyyy, MM, dd, HH, hh, mm, ss, f..., tt)."""
    return "" if type(value) is not datetime else _format(value, text(pattern), _datetime_field)


@scalar("format_timespan", 2, 2, S)
def format_timespan(value: Any, pattern: Any) -> str:
    """Format with d..., hh, mm, ss, f.../F... specifiers (a negative span gets a leading "-")."""
    if type(value) is not timedelta:
        return ""
    formatted = _format(value, text(pattern), _timespan_field)
    return "-" + formatted if value < timedelta(0) else formatted


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@scalar("datetime_utc_to_local", 2, 2, D)
def datetime_utc_to_local(value: Any, zone: Any) -> datetime | None:
    """The wall-clock time in the IANA time zone, as a (zone-less, so UTC-labelled) datetime."""
    tz = _zone(text(zone))
    if type(value) is not datetime or tz is None:
        return None
    return value.astimezone(tz).replace(tzinfo=UTC)


@scalar("datetime_local_to_utc", 2, 2, D)
def datetime_local_to_utc(value: Any, zone: Any) -> datetime | None:
    """The UTC instant of a wall-clock time in the IANA time zone."""
    tz = _zone(text(zone))
    if type(value) is not datetime or tz is None:
        return None
    return value.replace(tzinfo=tz).astimezone(UTC)
