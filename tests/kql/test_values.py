"""Kusto value rules (detections.kql.values), each case from the official docs or kql-semantics.md."""

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from detections.kql import values as v


def dt(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# --- tostring ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("abc", "abc"),
        (True, "true"),
        (False, "false"),
        (123, "123"),
        (1.0, "1"),
        (0.1, "0.1"),
        (1e20, "1E+20"),
        (float("nan"), "NaN"),
        (float("-inf"), "-Infinity"),
        (Decimal("1.50"), "1.50"),
        (dt(2024, 1, 1), "2024-01-01T00:00:00Z"),
        (datetime(2024, 1, 1, 10, 0, 0, 500000, tzinfo=UTC), "2024-01-01T10:00:00.5000000Z"),
        (timedelta(hours=1), "01:00:00"),
        (timedelta(days=1, seconds=5, microseconds=1), "1.00:00:05.0000010"),
        (-timedelta(hours=12), "-12:00:00"),
        ([1, 2], "[1,2]"),
        ({"a": {"b": 1}}, '{"a":{"b":1}}'),
        ({"k": "é"}, '{"k":"é"}'),
    ],
)
def test_tostring_prints_like_kusto(value, text):
    assert v.to_string(value) == text


# --- conversions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("FALSE", False), (1, True), (123, True), (0, False), ("1", True), ("abc", None), (None, None)],
)
def test_tobool(value, expected):
    assert v.to_bool(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("123", 123), (2.3, 2), (-2.7, -2), ("2.5", 2), ("abc", None), (2**31, None), (None, None), (True, 1)],
)
def test_toint_truncates_and_nulls_failures(value, expected):
    assert v.to_int(value) == expected


def test_tolong_of_timespan_and_datetime_is_ticks():
    assert v.to_long(timedelta(seconds=1)) == 10_000_000
    assert v.to_long(dt(1, 1, 1)) == 0
    assert v.to_long(2**40) == 2**40


@pytest.mark.parametrize(("value", "expected"), [("1.5", 1.5), (3, 3.0), ("x", None), (None, None)])
def test_toreal(value, expected):
    assert v.to_real(value) == expected


def test_todecimal_and_toguid():
    assert v.to_decimal("1.25") == Decimal("1.25")
    assert v.to_decimal("nope") is None
    assert v.to_guid("{0BB4A5B0-1A2B-4C3D-8E9F-001122334455}") == "0bb4a5b0-1a2b-4c3d-8e9f-001122334455"
    assert v.to_guid("not-a-guid") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2014-05-25T08:20:03.123456Z", datetime(2014, 5, 25, 8, 20, 3, 123456, tzinfo=UTC)),
        ("2014-05-25T08:20", dt(2014, 5, 25, 8, 20)),
        ("2014-11-08 15:55:55", dt(2014, 11, 8, 15, 55, 55)),
        ("2014-11-08", dt(2014, 11, 8)),
        ("2015-12-31 23:59:59.9", datetime(2015, 12, 31, 23, 59, 59, 900000, tzinfo=UTC)),
        ("2025-12-13 13:00:00 +08:00", dt(2025, 12, 13, 5)),
        ("Sat, 8 Nov 14 15:05:02 GMT", dt(2014, 11, 8, 15, 5, 2)),
        ("8 Nov 14 15:05", dt(2014, 11, 8, 15, 5)),
        ("Saturday, 08-Nov-14 15:05:02 GMT", dt(2014, 11, 8, 15, 5, 2)),
        ("08-Nov-14 15:05", dt(2014, 11, 8, 15, 5)),
        ("2014-11-08T15:05:25 GMT", dt(2014, 11, 8, 15, 5, 25)),
        ("2014-02-30", None),
        ("yesterday", None),
    ],
)
def test_todatetime_accepts_the_documented_formats(text, expected):
    assert v.to_datetime(text) == expected


def test_todatetime_keeps_datetimes_and_makes_naive_ones_utc():
    assert v.to_datetime(dt(2020, 1, 1)) == dt(2020, 1, 1)
    assert v.to_datetime(datetime(2020, 1, 1)).tzinfo is UTC
    assert v.to_datetime(42) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01:00:00", timedelta(hours=1)),
        ("1.02:03:04.5", timedelta(days=1, hours=2, minutes=3, seconds=4.5)),
        ("-00:30:00", -timedelta(minutes=30)),
        ("1d", timedelta(days=1)),
        ("1.5h", timedelta(hours=1.5)),
        ("100ms", timedelta(milliseconds=100)),
        ("10tick", timedelta(microseconds=1)),
        ("3micros", timedelta(microseconds=3)),  # every unit of the timespan literal
        ("2000nanoseconds", timedelta(microseconds=2)),
        ("99999999999d", None),  # beyond the timespan range
        ("99999999999.00:00:00", None),
        ("25:00:00", None),
        ("5 parsecs", None),
    ],
)
def test_totimespan(text, expected):
    assert v.to_timespan(text) == expected


def test_totimespan_of_integer_is_ticks():
    assert v.to_timespan(10_000_000) == timedelta(seconds=1)


def test_parse_json_rules():
    assert v.parse_json('{"a":[1,2]}') == {"a": [1, 2]}
    assert v.parse_json("not json") == "not json"  # the string itself, not null, not an error
    assert v.parse_json("") is None  # isnull(parse_json("")) is true
    assert v.parse_json({"already": "dynamic"}) == {"already": "dynamic"}


# --- dynamic access -----------------------------------------------------------------------------


def test_index_access():
    bag = {"a": {"b": 1}, "arr": ["x", "y"]}
    assert v.index(bag, "zz") is None
    assert v.index(["x", "y"], -1) == "y"
    assert v.index(["x", "y"], -2) == "x"
    assert v.index([1, 2], 5) is None
    assert v.index([1, 2], -3) is None
    assert v.index(bag, "arr") == ["x", "y"]
    assert v.index("text", 0) is None
    assert v.to_string(v.index(["x", "y"], 5)) == ""


# --- equality, ordering, truth ------------------------------------------------------------------


def test_equality_null_rules():
    assert v.equals(None, None) is None
    assert v.equals(None, 1) is False
    assert v.not_equals(None, None) is None
    assert v.not_equals(None, 1) is True
    assert v.equals(1, 1.0) is True
    assert v.equals("ConsoleLogin", "consolelogin") is False


def test_ordering_and_nulls():
    assert v.less(1, 2.5) is True
    assert v.greater(dt(2024, 1, 2), dt(2024, 1, 1)) is True
    assert v.less(None, 1) is None
    assert v.less("a", 1) is None
    assert v.compare(timedelta(hours=1), timedelta(minutes=30)) == 1


def test_three_valued_not():
    assert v.not_(None) is None


def test_sort_key_orders_mixed_values_with_nulls_first():
    items = [3, None, "b", 1.5, "a", dt(2020, 1, 1), float("nan")]
    ordered = sorted(items, key=v.sort_key)
    assert ordered[0] is None or ordered[0] != ordered[0]
    assert ordered[2:] == [1.5, 3, dt(2020, 1, 1), "a", "b"]


# --- has and friends -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hay", "needle", "expected"),
    [
        ("KustoExplorerQueryRun", "Explorer", False),
        ("Kusto Explorer QueryRun", "explorer", True),
        ("North America", "america", True),
        ("www.contoso.com/login", "contoso.com", True),
        ("xcontoso.com", "contoso.com", False),
        ("user_name", "user", True),  # "_" is not alphanumeric, so it separates terms
        ("abc", "", True),
        ("AssumeRole", "role", False),
    ],
)
def test_has_matches_whole_terms_case_insensitively(hay, needle, expected):
    assert v.has(hay, needle) is expected


def test_term_matcher_prefix_and_suffix_boundaries():
    assert v.term_matcher("amer", True, False)("north america") is True
    assert v.term_matcher("merica", True, False)("north america") is False
    assert v.term_matcher("rica", False, True)("north america") is True
    assert v.term_matcher("ameri", False, True)("north america") is False
    assert v.term_matcher("-x", True, True)("a-x") is True  # a needle edge that is not a term char needs no boundary


# --- arithmetic ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("left", "right", "expected"), [(14, 12, 2), (-14, 12, 10), (14, -12, 2), (-14, -12, 10), (5, 0, None)])
def test_modulo_is_never_negative(left, right, expected):
    assert v.modulo(left, right) == expected


def test_integer_division_truncates_toward_zero():
    assert v.int_divide(7, 2) == 3
    assert v.int_divide(-7, 2) == -3
    assert v.int_divide(1, 0) is None


def test_real_division_by_zero_follows_ieee():
    assert v.real_divide(1.0, 0.0) == float("inf")
    assert v.real_divide(-1.0, 0.0) == float("-inf")
    assert v.real_divide(0.0, 0.0) != v.real_divide(0.0, 0.0)


def test_negate():
    assert v.negate(timedelta(hours=1)) == -timedelta(hours=1)
    assert v.negate(None) is None
    assert v.negate("x") is None


# --- bin -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "size", "expected"),
    [
        (4.5, 1, 4.0),
        (-4.5, 1, -5.0),
        (7, 5, 5),
        (-3, 5, -5),
        (timedelta(minutes=90), timedelta(hours=1), timedelta(hours=1)),
        (dt(1970, 5, 11, 13, 45, 7), timedelta(days=1), dt(1970, 5, 11)),
        (None, 1, None),
        (5, None, None),
        (5, -1, None),
        (dt(2024, 1, 1), timedelta(0), None),
    ],
)
def test_bin(value, size, expected):
    assert v.bin_value(value, size) == expected


def test_bin_of_nan_or_infinity_is_the_value_itself():
    assert math.isnan(v.bin_value(float("nan"), 1.5))
    assert v.bin_value(float("-inf"), 2) == float("-inf")


def test_bin_of_week_aligns_on_ticks_origin_monday():
    # 0001-01-01 was a Monday: 7d bins start on Mondays
    assert v.bin_value(dt(2024, 1, 4), timedelta(days=7)) == dt(2024, 1, 1)


@pytest.mark.parametrize(
    ("value", "size", "fixed", "expected"),
    [
        (6.5, 2.5, 7, 4.5),
        (timedelta(hours=1), timedelta(days=1), timedelta(hours=12), -timedelta(hours=12)),
        (dt(2017, 5, 15, 10, 20), timedelta(days=1), dt(1970, 1, 1, 12), dt(2017, 5, 14, 12)),
        (dt(2017, 5, 17, 10, 20), timedelta(days=7), dt(2017, 6, 4), dt(2017, 5, 14)),
    ],
)
def test_bin_at_doc_examples(value, size, fixed, expected):
    assert v.bin_at(value, size, fixed) == expected


def test_runtime_type():
    assert v.runtime_type(True).value == "bool"
    assert v.runtime_type(1).value == "long"
    assert v.runtime_type([1]).value == "dynamic"
    assert v.runtime_type(None).value == "unknown"
