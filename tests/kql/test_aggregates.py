"""Aggregates: null handling, empty-group defaults and result types as the summarize docs state."""

import math
from datetime import UTC, datetime, timedelta

import pytest

import detections.kql.functions  # noqa: F401 - fills the registry
from detections.kql.registry import AGGREGATES, SCALARS
from detections.kql.types import KType

N, L, R, S, B, D, T, Y = (KType.INT, KType.LONG, KType.REAL, KType.STRING, KType.BOOL, KType.DATETIME,
                          KType.TIMESPAN, KType.DYNAMIC)


def agg(name, *columns):
    return AGGREGATES[name].impl([list(c) for c in columns])


def dt(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_empty_group_defaults():
    # count/countif/dcount/dcountif -> 0, make_* -> [], avg -> NaN, sum/stdev/variance -> 0, others null
    assert agg("countif", []) == 0
    assert agg("dcount", []) == 0
    assert agg("dcountif", [], []) == 0
    assert agg("make_set", []) == []
    assert agg("make_list", []) == []
    assert agg("make_bag", []) == {}
    assert math.isnan(agg("avg", []))
    assert agg("sum", []) == 0
    assert agg("sumif", [], []) == 0
    assert agg("stdev", []) == 0.0
    assert agg("variance", []) == 0.0
    assert agg("max", []) is None
    assert agg("min", []) is None
    assert agg("percentile", [], []) is None
    assert agg("take_any", []) is None


def test_nulls_are_ignored():
    column = [None, 5.0]
    assert agg("sum", column) == 5.0
    assert agg("avg", column) == 5.0
    assert agg("make_set", column) == [5.0]
    assert agg("make_list", column) == [5.0]
    assert agg("make_list_with_nulls", column) == [None, 5.0]
    assert agg("dcount", [None, "a", "a", "b"]) == 2
    assert agg("max", [None, 3, 9, None]) == 9
    assert agg("min", ["b", None, "a"]) == "a"
    assert agg("take_any", [None, "x"]) == "x"


def test_predicated_aggregates_treat_null_predicates_as_false():
    values, keep = [1, 2, 3, 4], [True, None, False, True]
    assert agg("countif", keep) == 2
    assert agg("sumif", values, keep) == 5
    assert agg("avgif", values, keep) == 2.5
    assert agg("minif", values, keep) == 1
    assert agg("maxif", values, keep) == 4
    assert agg("dcountif", ["a", "a", "b", "c"], keep) == 2
    assert agg("make_set_if", ["a", "a", "b", "c"], keep) == ["a", "c"]
    assert agg("make_list_if", values, keep) == [1, 4]
    assert agg("take_anyif", values, [False, None, True, True]) == 3
    assert agg("count_distinctif", ["a", "b", "a", "a"], keep) == 1


def test_sum_and_avg_of_times():
    spans = [timedelta(hours=1), timedelta(hours=3), None]
    assert agg("sum", spans) == timedelta(hours=4)
    assert agg("avg", spans) == timedelta(hours=2)
    assert agg("avg", [dt(2024, 1, 1), dt(2024, 1, 3)]) == dt(2024, 1, 2)


def test_make_set_expands_arrays_and_honours_max_size():
    arrays = [["A1", "A2", "A3"], ["A2", "C1"], ["C2", "A3"], ["C2", "A1"]]
    assert sorted(agg("make_set", arrays)) == ["A1", "A2", "A3", "C1", "C2"]
    assert agg("make_set", [1, 5, 7, 5], [2, 2, 2, 2]) == [1, 5]
    assert agg("make_list", [1, 5, 7], [2, 2, 2]) == [1, 5]
    assert agg("make_list", [[1], [1]]) == [[1], [1]]  # make_list keeps arrays whole
    assert agg("make_set", [True, 1]) == [True, 1]  # bool and long are distinct values


def test_make_bag_merges_bags():
    assert agg("make_bag", [{"a": 1}, {"b": 2}, "not a bag", {"a": 3}]) == {"a": 1, "b": 2}
    assert agg("make_bag_if", [{"a": 1}, {"b": 2}], [False, True]) == {"b": 2}


def test_arg_max_arg_min_single_column_form():
    assert agg("arg_max", [1, 5, None, 3], ["a", "b", "c", "d"]) == [5, "b"]
    assert agg("arg_min", [4, 2, 9]) == 2
    assert agg("arg_max", [None]) is None


def test_percentiles_nearest_rank():
    data = list(range(1, 11))
    assert agg("percentile", data, [50] * 10) == 5
    assert agg("percentile", data, [95] * 10) == 10
    assert agg("percentile", data, [0] * 10) == 1
    assert agg("percentiles", data, [50] * 10, [90] * 10) == [5, 9]
    assert agg("percentiles_array", [3.0, 1.0, 2.0], [50] * 3) == [2.0]


def test_stdev_and_variance():
    data = [2, 4, 4, 4, 5, 5, 7, 9]
    assert agg("stdevp", data) == pytest.approx(2.0)
    assert agg("variancep", data) == pytest.approx(4.0)
    assert agg("variance", data) == pytest.approx(32 / 7)
    assert agg("stdev", data) == pytest.approx(math.sqrt(32 / 7))
    assert agg("stdev", [5]) == 0.0
    assert agg("stdevif", data, [True] * 4 + [False] * 4) == pytest.approx(1.0)
    assert agg("stdevp", [timedelta(seconds=1), timedelta(seconds=3)]) == pytest.approx(10_000_000.0)  # in ticks


def test_binary_all_and_hll():
    assert agg("binary_all_or", [1, 2, None, 4]) == 7
    assert agg("binary_all_and", [7, 3]) == 3
    assert agg("binary_all_xor", [7, 3]) == 4
    sketch = agg("hll", ["a", "b", "a"])
    merged = agg("hll_merge", [sketch, agg("hll", ["c", "a"])])
    assert SCALARS["dcount_hll"].impl(merged) == 3
    assert SCALARS["dcount_hll"].impl(SCALARS["hll_merge"].impl(sketch, ["z"])) == 3


@pytest.mark.parametrize(
    ("name", "args", "result"),
    [
        ("count", (), L), ("countif", (B,), L), ("countif", (S,), None), ("dcount", (S,), L), ("dcount", (Y,), L),
        ("sum", (N,), L), ("sum", (R,), R), ("sum", (T,), T), ("sum", (Y,), None), ("sum", (S,), None),
        ("sumif", (N, B), L), ("sumif", (N, S), None),
        ("avg", (N,), R), ("avg", (T,), T), ("avg", (D,), D), ("avg", (Y,), None),
        ("min", (N,), N), ("max", (S,), S), ("min", (B,), B), ("max", (Y,), None), ("minif", (D, B), D),
        ("make_set", (S,), Y), ("make_list_if", (N, B), Y), ("make_bag", (Y,), Y),
        ("percentile", (N, L), L), ("percentile", (R, L), R), ("percentiles", (T, L), T),
        ("percentiles_array", (R, L, L), Y), ("stdev", (N,), R), ("variancep", (N,), R),
        ("take_any", (S,), S), ("binary_all_or", (L,), L), ("binary_all_or", (N,), N), ("binary_all_or", (S,), None),
        ("hll", (S,), Y), ("hll", (R,), None), ("make_bag", (S,), None), ("count_distinct", (Y,), None),
        ("percentile", (KType.DECIMAL, L), R), ("percentile", (S, L), S), ("stdev", (T,), R),
    ],
)
def test_result_types_follow_kusto_language(name, args, result):
    assert AGGREGATES[name].result_type(list(args)) == result


@pytest.mark.parametrize(
    ("name", "prefix"),
    [("count", "count"), ("countif", "countif"), ("dcount", "dcount"), ("dcountif", "dcountif"), ("sum", "sum"),
     ("avg", "avg"), ("min", "min"), ("max", "max"), ("make_set", "set"), ("make_set_if", "set"), ("make_list", "list"),
     ("make_list_if", "list"), ("make_bag", "bag"), ("take_any", ""), ("any", "any"), ("percentiles_array", "percentiles"),
     ("stdev", "stdev"), ("variance", "variance"), ("binary_all_or", ""), ("count_distinct", "count_distinct")],
)
def test_output_prefixes_match_kusto_naming(name, prefix):
    assert AGGREGATES[name].output_prefix == prefix
