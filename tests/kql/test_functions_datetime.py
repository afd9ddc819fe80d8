"""Date and time functions, from the official docs' examples."""

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

import detections.kql.functions  # noqa: F401 - fills the registry
from detections.kql.registry import SCALARS
from detections.kql.types import KType


def dt(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def call(name, *args):
    return SCALARS[name].impl(*args)


@dataclass
class Context:
    now: datetime


def test_now_and_ago_use_the_query_time():
    context = Context(dt(2024, 5, 1, 12))
    assert SCALARS["now"].needs_context and SCALARS["ago"].needs_context
    assert call("now", context) == dt(2024, 5, 1, 12)
    assert call("now", context, -timedelta(hours=2)) == dt(2024, 5, 1, 10)
    assert call("ago", context, timedelta(days=1)) == dt(2024, 4, 30, 12)
    assert call("ago", context, None) is None


def test_now_and_ago_beyond_the_datetime_range_are_null():
    context = Context(dt(2024, 5, 1, 12))
    assert call("ago", context, timedelta(days=99_999_999)) is None
    assert call("now", context, timedelta(days=99_999_999)) is None


def test_bin_and_floor_types_follow_kusto():
    rule = SCALARS["bin"].result_type
    assert rule([KType.INT, KType.LONG]) is KType.LONG
    assert rule([KType.LONG, KType.REAL]) is KType.REAL
    assert rule([KType.DATETIME, KType.TIMESPAN]) is KType.DATETIME
    assert call("floor", dt(2024, 1, 1, 13, 45), timedelta(hours=1)) == dt(2024, 1, 1, 13)
    assert call("bin_at", 6.5, 2.5, 7) == 4.5


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("startofday", dt(2017, 1, 1, 10, 10, 17), dt(2017, 1, 1)),
        ("startofweek", dt(2017, 1, 1, 10, 10, 17), dt(2017, 1, 1)),  # a Sunday
        ("startofweek", dt(2017, 1, 4), dt(2017, 1, 1)),
        ("startofmonth", dt(2017, 1, 20, 10), dt(2017, 1, 1)),
        ("startofyear", dt(2017, 6, 20, 10), dt(2017, 1, 1)),
        ("endofday", dt(2017, 1, 1, 10), datetime(2017, 1, 1, 23, 59, 59, 999999, tzinfo=UTC)),
        ("endofmonth", dt(2016, 2, 10), datetime(2016, 2, 29, 23, 59, 59, 999999, tzinfo=UTC)),
        ("endofyear", dt(2017, 6, 1), datetime(2017, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        ("endofweek", dt(2017, 1, 4), datetime(2017, 1, 7, 23, 59, 59, 999999, tzinfo=UTC)),
    ],
)
def test_period_starts_and_ends(name, value, expected):
    assert call(name, value) == expected


def test_period_offsets():
    assert call("startofday", dt(2017, 1, 1, 10), -1) == dt(2016, 12, 31)
    assert call("startofmonth", dt(2017, 1, 31), 1) == dt(2017, 2, 1)
    assert call("startofyear", dt(2017, 1, 1), 2) == dt(2019, 1, 1)
    assert call("startofday", "not a date") is None


@pytest.mark.parametrize(
    ("part", "expected"),
    [("Year", 2017), ("Quarter", 4), ("Month", 10), ("week_of_year", 44), ("Day", 30), ("DayOfYear", 303),
     ("Hour", 1), ("Minute", 2), ("Second", 3), ("Millisecond", 765), ("Microsecond", 765432),
     ("Nanosecond", 765432000), ("century", None)],
)
def test_datetime_part(part, expected):
    assert call("datetime_part", part, datetime(2017, 10, 30, 1, 2, 3, 765432, tzinfo=UTC)) == expected


def test_getters():
    value = dt(2015, 12, 14, 13)
    assert call("getyear", value) == 2015
    assert call("getmonth", value) == 12
    assert call("monthofyear", value) == 12
    assert call("dayofmonth", value) == 14
    assert call("dayofyear", value) == 348
    assert call("hourofday", value) == 13
    assert call("week_of_year", dt(2015, 12, 14)) == 51
    assert call("week_of_year", dt(2000, 1, 1)) == 52  # ISO 8601: the week holding the year's first Thursday
    assert call("dayofweek", dt(1947, 11, 30, 10)) == timedelta(0)  # Sunday
    assert call("dayofweek", dt(1970, 5, 11)) == timedelta(days=1)  # Monday


@pytest.mark.parametrize(
    ("part", "amount", "value", "expected"),
    [
        ("year", -5, dt(2017, 1, 1), dt(2012, 1, 1)),
        ("quarter", 1, dt(2017, 1, 1), dt(2017, 4, 1)),
        ("month", 1, dt(2017, 1, 31), dt(2017, 2, 28)),
        ("week", 2, dt(2017, 1, 1), dt(2017, 1, 15)),
        ("day", -1, dt(2017, 1, 1), dt(2016, 12, 31)),
        ("hour", 1, dt(2017, 1, 1), dt(2017, 1, 1, 1)),
        ("millisecond", 1, dt(2017, 1, 1), datetime(2017, 1, 1, 0, 0, 0, 1000, tzinfo=UTC)),
        ("fortnight", 1, dt(2017, 1, 1), None),
    ],
)
def test_datetime_add(part, amount, value, expected):
    assert call("datetime_add", part, amount, value) == expected


@pytest.mark.parametrize(
    ("part", "first", "second", "expected"),
    [
        ("year", dt(2017, 1, 1), dt(2000, 12, 31), 17),
        ("quarter", dt(2017, 7, 1), dt(2017, 3, 30), 2),
        ("month", dt(2017, 1, 1), dt(2015, 12, 30), 13),
        ("week", datetime(2017, 10, 29, 0, 0, tzinfo=UTC), datetime(2017, 9, 30, 23, 59, tzinfo=UTC), 5),
        ("day", datetime(2017, 10, 29, 0, 0, tzinfo=UTC), datetime(2017, 9, 30, 23, 59, tzinfo=UTC), 29),
        ("hour", dt(2017, 10, 31, 1), datetime(2017, 10, 30, 23, 59, tzinfo=UTC), 2),
        ("minute", dt(2017, 10, 30, 23, 5), dt(2017, 10, 30, 23, 0), 5),
        ("second", dt(2017, 10, 30, 23, 0, 10), datetime(2017, 10, 30, 23, 0, 0, 900000, tzinfo=UTC), 10),
        ("millisecond", datetime(2017, 10, 30, 23, 0, 0, 8000, tzinfo=UTC), datetime(2017, 10, 30, 23, 0, 0, 2000, tzinfo=UTC), 6),
        ("nanosecond", datetime(2017, 10, 30, 23, 0, 0, 8, tzinfo=UTC), datetime(2017, 10, 30, 23, 0, 0, 7, tzinfo=UTC), 1000),
        ("lightyear", dt(2017, 1, 1), dt(2016, 1, 1), None),
    ],
)
def test_datetime_diff_doc_examples(part, first, second, expected):
    assert call("datetime_diff", part, first, second) == expected


def test_make_datetime_and_timespan():
    assert call("make_datetime", 2017, 10, 1) == dt(2017, 10, 1)
    assert call("make_datetime", 2017, 10, 1, 12, 10) == dt(2017, 10, 1, 12, 10)
    assert call("make_datetime", 2017, 10, 1, 12, 11, 0.1234567) == datetime(2017, 10, 1, 12, 11, 0, 123457, tzinfo=UTC)
    assert call("make_datetime", 2017, 2, 30) is None
    assert call("make_timespan", 8, 30) == timedelta(hours=8, minutes=30)
    assert call("make_timespan", 12, 30, 15.3) == timedelta(hours=12, minutes=30, seconds=15.3)
    assert call("make_timespan", 1, 12, 30, 55.2) == timedelta(days=1, hours=12, minutes=30, seconds=55.2)


def test_unixtime_conversions():
    assert call("unixtime_seconds_todatetime", 1546300800) == dt(2019, 1, 1)
    assert call("unixtime_milliseconds_todatetime", 1546300800123) == datetime(2019, 1, 1, 0, 0, 0, 123000, tzinfo=UTC)
    assert call("unixtime_microseconds_todatetime", 1546300800123456) == datetime(2019, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)
    assert call("unixtime_nanoseconds_todatetime", 1546300800123456000) == datetime(2019, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)
    assert call("unixtime_seconds_todatetime", None) is None


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("yy-MM-dd [HH:mm:ss]", "17-01-29 [09:00:05]"), ("yyyy-M-dd [H:mm:ss]", "2017-1-29 [9:00:05]"),
     ("yy-MM-dd [hh:mm:ss tt]", "17-01-29 [09:00:05 AM]")],
)
def test_format_datetime_doc_examples(pattern, expected):
    assert call("format_datetime", dt(2017, 1, 29, 9, 0, 5), pattern) == expected


def test_format_datetime_fractions():
    value = datetime(2009, 6, 15, 13, 45, 30, 617500, tzinfo=UTC)
    assert call("format_datetime", value, "fff") == "617"
    assert call("format_datetime", value, "ffff") == "6175"
    assert call("format_datetime", datetime(2009, 6, 15, 13, 45, 30, 50000, tzinfo=UTC), "F") == ""
    assert call("format_datetime", dt(2009, 6, 15, 13), "h tt") == "1 PM"
    assert call("format_datetime", None, "yyyy") == ""


@pytest.mark.parametrize(
    ("value", "pattern", "expected"),
    [
        (timedelta(days=1), "d-[hh:mm:ss]", "1-[00:00:00]"),
        (timedelta(days=29, hours=9, seconds=5, microseconds=123450), "dd.hh:mm:ss [FF]", "29.09:00:05 [12]"),
        (timedelta(hours=2, minutes=3), "hh:mm", "02:03"),
        (-timedelta(minutes=90), "hh:mm", "-01:30"),
    ],
)
def test_format_timespan(value, pattern, expected):
    assert call("format_timespan", value, pattern) == expected


@pytest.mark.parametrize(
    ("args", "result"),
    [
        ((KType.DYNAMIC, KType.TIMESPAN), None),
        ((KType.STRING, KType.LONG), None),
        ((KType.DATETIME, KType.LONG), None),
        ((KType.INT, KType.TIMESPAN), None),
        ((KType.TIMESPAN, KType.LONG), None),
        ((KType.DECIMAL, KType.LONG), KType.DECIMAL),
        ((KType.TIMESPAN, KType.TIMESPAN), KType.TIMESPAN),
    ],
)
def test_bin_rejects_what_kusto_rejects(args, result):
    assert SCALARS["bin"].result_type(list(args)) == result


def test_bin_at_fixed_point_must_match_the_value():
    rule = SCALARS["bin_at"].result_type
    assert rule([KType.DATETIME, KType.TIMESPAN, KType.TIMESPAN]) is None
    assert rule([KType.DATETIME, KType.TIMESPAN, KType.DATETIME]) is KType.DATETIME
    assert rule([KType.INT, KType.LONG, KType.LONG]) is KType.LONG


@pytest.mark.skipif(not zoneinfo.available_timezones(), reason="no IANA time zone database on this machine (pip tzdata)")
def test_time_zone_conversions():
    assert call("datetime_utc_to_local", dt(2022, 1, 1), "US/Pacific") == dt(2021, 12, 31, 16)
    assert call("datetime_local_to_utc", dt(2021, 12, 31, 16), "US/Pacific") == dt(2022, 1, 1)
    assert call("datetime_utc_to_local", dt(2022, 7, 1), "Europe/Paris") == dt(2022, 7, 1, 2)
    assert call("datetime_utc_to_local", dt(2022, 1, 1), "Not/AZone") is None
