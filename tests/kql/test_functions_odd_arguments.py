"""Odd arguments found by fuzzing: each is a bind error or a documented/null result, never an
internal error (which the engine reports as a KqlError whose text starts with "internal error")."""

import math
from decimal import Decimal

import pytest

from detections.kql import KqlSemanticError, bind, run_query


def value(expression: str):
    """The single value `print` gives for the expression."""
    return run_query(f"print v = {expression}").rows[0][0]


def test_extract_all_capture_groups_must_be_a_dynamic_array():
    with pytest.raises(KqlSemanticError, match="does not accept arguments"):
        bind("print extract_all('(a)', 1, 'aa')")
    with pytest.raises(KqlSemanticError, match="does not accept arguments"):
        bind("print extractall('(a)', 1h, 'aa')")
    assert value("extract_all('(a)(b)', dynamic([2, 1]), 'abab')") == [["b", "a"], ["b", "a"]]
    assert value("extract_all('(?<x>a)', dynamic(['x']), 'aa')") == ["a", "a"]
    # A bag, an unknown group name or a group number the pattern lacks: null, not a crash.
    for groups in ("dynamic({'a': 1})", "dynamic(['nope'])", "dynamic([5])", "dynamic([])"):
        assert value(f"extract_all('(a)', {groups}, 'aa')") is None


def test_make_string_of_an_invalid_code_point_is_the_empty_string():
    for point in ("-1", "1114112", "99999999999", "dynamic({'a': 1})"):
        assert value(f"make_string(65, {point})") == ""
    assert value("make_string(65, dynamic([66, 67]))") == "ABC"


def test_repeat_caps_the_array_size_and_negative_count_is_null():
    assert value("repeat('a', 99999999999999)") is None  # would exhaust memory
    assert value("repeat('a', int(2147483647))") is None
    assert value("repeat('a', -1)") is None  # as the docs say
    assert value("repeat('a', 0)") == []
    assert value("repeat('a', 2)") == ["a", "a"]


def test_decimal_overflow_in_format_bytes_and_ceiling():
    assert value("format_bytes(1e308)").endswith(" EB")
    assert value("format_bytes(1536, 99999999999999)") == "1.5000000000000000000000000000 KB"
    assert value("format_bytes(1536, 2)") == "1.50 KB"
    assert value("ceiling(-1e308)") == -1e308
    assert value("ceiling(decimal(1e300))") == Decimal("1E+300")
    assert value("ceiling(decimal(-1.2))") == Decimal(-1)
    assert value("ceiling(1.2)") == 2.0


def test_bin_of_a_decimal_by_a_real_is_a_decimal():
    assert value("bin(decimal(7.3), 2.5)") == Decimal("5.0")
    assert value("bin(1e308, decimal(1.5))") == Decimal("1E+308")
    assert value("bin(real(nan), decimal(1.5))") is None
    assert value("bin(decimal(1.5), -1.0)") is None
    assert bind("print v = bin(decimal(1.5), 1.5)") == [("v", bind("print v = decimal(1)")[0][1])]


def test_a_dynamic_bag_where_a_count_is_expected_gives_null():
    bag = "dynamic({'a': 1})"
    for call in (f"repeat('a', {bag})", f"array_rotate_left(dynamic([1, 2]), {bag})",
                 f"array_slice(dynamic([1, 2]), {bag}, 1)", f"array_split(dynamic([1, 2]), {bag})",
                 f"make_timespan({bag}, 1)"):
        assert value(call) is None, call
    # A dynamic number is still read as a count.
    assert value("array_rotate_left(dynamic([1, 2, 3]), dynamic(1))") == [2, 3, 1]
    assert value("make_timespan(12, 30, dynamic(15))").total_seconds() == 12 * 3600 + 30 * 60 + 15


def test_aggregates_of_odd_arguments():
    """Overflowing sums are inf (as float arithmetic), a non-finite percentage gives null, and the
    bitwise folds read timespans as ticks and skip NaN."""
    summary = run_query("range i from 1 to 3 step 1 | summarize avg(1e308), stdev(1e308), variance(i)").rows[0]
    assert summary == (math.inf, math.inf, 1.0)
    folds = run_query("range i from 1 to 3 step 1 | summarize binary_all_and(1h), binary_all_or(real(nan)), "
                      "binary_all_xor(i)").rows[0]
    assert folds == (36_000_000_000, None, 0)
    percent = run_query("range i from 1 to 3 step 1 | summarize percentile(i, real(nan)), percentile(i, 50), "
                        "percentiles_array(i, real(nan), 100)").rows[0]
    assert percent == (None, 2, [None, 3])


def test_series_functions_of_odd_arguments():
    """A count that is not a number, or one too large to pad to, is null; a seasonality longer than
    the series is as long as the series (one point per phase), not a loop over a huge period."""
    assert value("series_periods_detect(dynamic([1, 2, 1, 2]), 1, 4, dynamic([1]))") is None
    assert value("series_periods_detect(dynamic([1, 2, 1, 2]), 1, 4, 99999999999999)") is None
    baseline = value("series_decompose(dynamic([1, 2, 3, 4]), 99999999999999)")  # the first column: the baseline
    assert baseline == value("series_decompose(dynamic([1, 2, 3, 4]), 4)") == [1.0, 2.0, 3.0, 4.0]
    assert value("series_decompose(dynamic([1, 2]), dynamic({'a': 1}))") == value("series_decompose(dynamic([1, 2]))")


def test_padding_and_precision_requests_are_bounded():
    assert len(value("tohex(-1, 99999999999999)")) == 1024  # capped like strrep, not a MemoryError
    assert value("tohex(255, 4)") == "00ff"
    assert value("format_bytes(1.5, real(nan))") == "2 Bytes"  # a NaN precision is no decimals


def test_nan_against_a_decimal_is_null():
    """Python's decimal refuses to order NaN; Kusto gives no value rather than an error."""
    assert value("max_of(real(nan), decimal(1.5))") is None
    assert value("range(real(nan), decimal(1.5))") is None
    assert value("max_of(1, decimal(2.5))") == Decimal("2.5")
