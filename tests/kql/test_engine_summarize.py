"""summarize: grouping, aggregates over the registry, expressions over aggregates, multi-column
aggregates (arg_max/arg_min/take_any/percentiles) and Kusto's output naming."""

from datetime import UTC, datetime

import pytest

from detections.kql import KqlSemanticError, bind, run_query

ROWS = [
    {"User": "alice", "Ip": "1.1.1.1", "Bytes": 10, "When": "2024-05-01T10:05:00Z"},
    {"User": "alice", "Ip": "2.2.2.2", "Bytes": 30, "When": "2024-05-01T10:45:00Z"},
    {"User": "bob", "Ip": "1.1.1.1", "Bytes": 5, "When": "2024-05-01T11:10:00Z"},
]
SCHEMA = {"T": {"User": "string", "Ip": "string", "Bytes": "long", "When": "datetime"}}


def run(query):
    return run_query(query, {"T": ROWS}, schemas=SCHEMA)


def test_group_by_columns_and_bins():
    result = run("T | summarize n = count(), total = sum(Bytes) by User | sort by User asc")
    assert result.rows == [("alice", 2, 40), ("bob", 1, 5)]
    hours = run("T | summarize count() by bin(When, 1h) | sort by When asc")
    assert hours.columns == ["When", "count_"]
    assert hours.rows == [(datetime(2024, 5, 1, 10, tzinfo=UTC), 2), (datetime(2024, 5, 1, 11, tzinfo=UTC), 1)]


def test_conditional_and_distinct_aggregates():
    result = run("T | summarize countif(Bytes > 6), dcount(Ip), dcountif(Ip, User == 'alice'), sumif(Bytes, Ip == '1.1.1.1')")
    assert result.columns == ["countif_", "dcount_Ip", "dcountif_Ip", "sumif_Bytes"]
    assert result.rows == [(2, 2, 2, 15)]


def test_expressions_over_aggregates_take_the_inner_name():
    result = run("T | summarize x = count() * 2, round(avg(Bytes), 1) by User | sort by User asc")
    assert result.columns == ["User", "x", "avg_Bytes"]
    assert result.rows == [("alice", 4, 20.0), ("bob", 2, 5.0)]


def test_arg_min_and_named_arg_max():
    result = run("T | summarize arg_min(Bytes, Ip), Last = arg_max(When, Ip) by User | sort by User asc")
    assert result.columns == ["User", "Bytes", "Ip", "Last", "Ip1"]
    assert result.rows[0][:3] == ("alice", 10, "1.1.1.1")
    assert result.rows[0][4] == "2.2.2.2"


def test_star_keeps_a_column_a_computed_key_reads():
    """arg_max(X, *) by bin(When, 1h): the group key is named When, and the row's own When comes
    back as When1; a key that is a plain column (`by U = User`) leaves that column out."""
    binned = run("T | summarize arg_max(Bytes, *) by bin(When, 1h) | sort by When asc")
    assert binned.columns == ["When", "Bytes", "User", "Ip", "When1"]
    assert binned.rows[0][1:] == (30, "alice", "2.2.2.2", datetime(2024, 5, 1, 10, 45, tzinfo=UTC))
    assert run("T | summarize take_any(*) by U = User").columns == ["U", "Ip", "Bytes", "When"]


def test_take_any_forms():
    assert run("T | summarize take_any(User)").columns == ["User"]
    assert run("T | summarize take_any(*)").columns == ["User", "Ip", "Bytes", "When"]


def test_percentiles_spread_into_named_columns():
    result = run("T | summarize percentiles(Bytes, 50, 100), percentile(Bytes, 0)")
    assert result.columns == ["percentile_Bytes_50", "percentile_Bytes_100", "percentile_Bytes_0"]
    assert result.rows == [(10, 30, 5)]


def test_make_set_make_list_make_bag():
    result = run("T | summarize make_set(Ip), make_list(Bytes), make_bag(bag_pack(User, Bytes))")
    ips, sizes, bag = result.rows[0]
    assert sorted(ips) == ["1.1.1.1", "2.2.2.2"] and sorted(sizes) == [5, 10, 30]
    assert set(bag) == {"alice", "bob"}


def test_summarize_without_aggregates_is_a_distinct():
    assert sorted(run("T | summarize by User").rows) == [("alice",), ("bob",)]


@pytest.mark.parametrize("query,message", [
    ("T | summarize count() by parse_json(Ip)", "dynamic"),
    ("T | summarize Bytes", "aggregate"),
    ("T | extend c = count()", "summarize"),
])
def test_summarize_errors(query, message):
    with pytest.raises(KqlSemanticError) as err:
        bind(query, SCHEMA)
    assert message in err.value.message


def test_top_nested_levels_and_others():
    rows = [{"R": "us", "E": "a"}] * 5 + [{"R": "eu", "E": "b"}] * 3 + [{"R": "eu", "E": "c"}] * 2 + [{"R": "ap", "E": "d"}]
    result = run_query("T | top-nested 1 of R with others = 'Other' by n = count(), top-nested 1 of E by count()",
                       {"T": rows})
    assert result.columns == ["R", "n", "E", "aggregated_E"]
    assert result.rows == [("us", 5, "a", 5), ("Other", 6, "b", 3)]


def test_pivot_makes_one_column_per_value():
    rows = [{"Host": "h1", "Kind": "Network"}] * 2 + [{"Host": "h1", "Kind": "Remote"}, {"Host": "h2", "Kind": "Network"}]
    result = run_query("T | evaluate pivot(Kind) | sort by Host asc", {"T": rows})
    assert result.columns == ["Host", "Network", "Remote"]
    assert result.rows == [("h1", 2, 1), ("h2", 1, 0)]
    summed = run_query("T | extend n = 10 | evaluate pivot(Kind, sum(n), Host) | where Host == 'h1'", {"T": rows})
    assert summed.rows == [("h1", 20, 10)]


def test_pivot_groups_by_the_columns_the_aggregation_does_not_read():
    """pivot docs: the default group columns are all but the pivoted and the aggregated ones."""
    from detections.kql import KqlError

    rows = [{"State": "AR", "Kind": "Wind", "Deaths": 2}, {"State": "AZ", "Kind": "Wind", "Deaths": 1},
            {"State": "AR", "Kind": "Heat", "Deaths": 5}]
    result = run_query("T | evaluate pivot(State, sum(Deaths))", {"T": rows})
    assert result.columns == ["Kind", "AR", "AZ"]
    assert sorted(result.rows) == [("Heat", 5, 0), ("Wind", 2, 1)]
    declared = "T | evaluate pivot(State, sum(Deaths)) : (Kind:string, AR:long, AZ:long)"
    assert bind(declared, {"T": {"State": "string", "Kind": "string", "Deaths": "long"}})[1] == ("AR", "long")
    with pytest.raises(KqlError, match="declared output schema"):
        run_query("T | evaluate pivot(State, sum(Deaths)) : (Kind:string, TX:long)", {"T": rows})


def test_pivot_groups_by_dynamic_columns_too():
    rows = [{"K": "a", "D": {"x": 1}}, {"K": "b", "D": {"x": 1}}, {"K": "a", "D": [2]}]
    result = run_query("T | evaluate pivot(K)", {"T": rows})
    assert result.columns == ["D", "a", "b"]
    assert sorted(map(repr, result.rows)) == sorted(map(repr, [({"x": 1}, 1, 1), ([2], 1, 0)]))


def test_top_nested_of_a_dynamic_value():
    rows = [{"D": {"a": 1}}, {"D": {"a": 1}}, {"D": [1]}]
    result = run_query("T | top-nested 1 of D by count()", {"T": rows})
    assert result.rows == [({"a": 1}, 2)]


def test_dynamic_true_and_1_are_different_keys():
    """Kusto's dynamic true and 1 are different values (Python's True == 1 must not merge them)."""
    table = "datatable(d:dynamic)[dynamic(true), dynamic(1), dynamic(true)]"
    assert run_query(f"{table} | sample-distinct 5 of d").rows == [(True,), (1,)]
    assert run_query(f"{table} | top-nested of d by count()").rows == [(True, 2), (1, 1)]
    pivot = run_query("datatable(d:dynamic, p:string)[dynamic(true), 'a', dynamic(1), 'a'] | evaluate pivot(p, count(), d)")
    assert pivot.rows == [(True, 1), (1, 1)]
    assert run_query(f"{table} | summarize count() by tostring(d)").rows == [("true", 2), ("1", 1)]
    with pytest.raises(KqlSemanticError, match="distinct cannot compare dynamic"):  # as Kusto: cast first
        bind(f"{table} | distinct d")
