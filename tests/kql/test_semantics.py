"""One test per trap in shared/reference/kql-semantics.md: the documented Kusto rule is quoted in
each docstring, and the test runs the rule through the public engine API."""

from datetime import UTC, datetime

import pytest

from detections.kql import bind, run_query
from detections.kql.types import KType

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def rows(query, tables=None, **kw):
    return run_query(query, tables or {}, now=NOW, **kw).rows


def first(query, tables=None, **kw):
    return rows(query, tables, **kw)[0][0]


def test_has_matches_whole_terms_not_substrings():
    """"KustoExplorerQueryRun" has "Explorer" will return false while ... contains "Explorer" will return true."""
    assert first('print "KustoExplorerQueryRun" has "Explorer"') is False
    assert first('print "KustoExplorerQueryRun" contains "Explorer"') is True
    assert first('print "Kusto Explorer QueryRun" has "explorer"') is True


def test_has_short_terms_still_match_and_underscore_splits_terms():
    """The 3-character limit of `has` is about speed only; terms are alphanumeric runs."""
    assert first('print "a-b c" has "b"') is True
    assert first('print "user_name" has "name"') is True


def test_contains_is_case_insensitive_and_cs_variants_are_not():
    """contains: "Filters a record set for data containing a case-insensitive string." _cs is case sensitive."""
    assert first('print "ConsoleLogin" contains "consolelogin"') is True
    assert first('print "ConsoleLogin" contains_cs "consolelogin"') is False
    assert first('print "ConsoleLogin" has_cs "consolelogin"') is False


def test_startswith_endswith_hasprefix_are_case_insensitive_matches_regex_is_not():
    """startswith/endswith/hasprefix/hassuffix are case-insensitive; matches regex is case-sensitive."""
    assert first('print "GetObject" startswith "get"') is True
    assert first('print "GetObject" endswith "OBJECT"') is True
    assert first('print "Get Object" hasprefix "obj"') is True
    assert first('print "GetObject" matches regex "^get"') is False


def test_double_equals_is_case_sensitive_tilde_is_not():
    """`==` "Equals | Yes (case-sensitive)", `=~` "Equals | No"."""
    data = {"AWSCloudTrail": [{"EventName": "ConsoleLogin"}, {"EventName": "consolelogin"}]}
    assert len(rows('AWSCloudTrail | where EventName == "ConsoleLogin"', data)) == 1
    assert len(rows('AWSCloudTrail | where EventName =~ "ConsoleLogin"', data)) == 2
    assert len(rows('AWSCloudTrail | where EventName !~ "CONSOLELOGIN"', data)) == 0


def test_in_is_case_sensitive_in_tilde_is_not():
    """`in~`: "Filters a record set for data with a case-insensitive string." `in` is the case-sensitive form."""
    assert first('print "ConsoleLogin" in ("consolelogin")') is False
    assert first('print "ConsoleLogin" in~ ("consolelogin")') is True
    assert first('print "x" !in ("a", "b")') is True


def test_missing_string_is_empty_not_null():
    """"The `string` data type doesn't support null values." A missing string is ""."""
    result = rows("AWSCloudTrail | project ErrorCode, e = isempty(ErrorCode), n = isnull(ErrorCode)",
                  {"AWSCloudTrail": [{"EventName": "x"}]})
    assert result == [("", True, False)]


def test_null_equality_rules():
    """Two nulls compared with == give bool(null); null == non-null gives bool(false); null != non-null is true."""
    result = rows("print a = long(null) == long(null), b = long(null) == 1, c = long(null) != 1")
    assert result == [(None, False, True)]


def test_other_binary_operators_propagate_null_except_and_or():
    """Binary operators: "If one or both of the values input ... are null ... the output ... is also the null value"."""
    assert rows("print a = long(null) + 1, b = false and bool(null), c = true or bool(null), d = not(bool(null))") == [
        (None, False, True, None)]


def test_where_drops_null_predicates():
    """where "treats null values as if they're bool(false)"."""
    data = {"T": [{"x": 1}, {"x": None}, {"x": 5}]}
    assert rows("T | where x > 2", data, schemas={"T": {"x": "long"}}) == [(5,)]


def test_aggregates_ignore_nulls_but_count_counts_rows():
    """Null values "are ignored" by dcount/sum/make_list..., but "The standard count function includes null values"."""
    data = {"T": [{"x": 1}, {"x": None}, {"x": 1}]}
    result = rows("T | summarize count(), dcount(x), sum(x), make_list(x)", data, schemas={"T": {"x": "long"}})
    assert result == [(3, 1, 2, [1, 1])]


def test_summarize_of_empty_input_without_by_gives_one_row_of_defaults():
    """"If GroupExpression isn't provided, the output is a single (empty) row." count/sum -> 0, make_set -> []."""
    result = run_query("AWSCloudTrail | summarize count(), dcount(EventName), make_set(EventName), max(TimeGenerated)", {},
                       now=NOW)
    assert result.rows == [(0, 0, [], None)]


def test_summarize_of_empty_input_with_by_gives_no_rows():
    """summarize: "If GroupExpression is provided, the output has no rows"."""
    assert rows("AWSCloudTrail | summarize count() by EventName") == []


def test_isnull_of_empty_parse_json_is_true():
    """isnull("") is false, isnull(parse_json("")) is true, isempty(parse_json("")) is true."""
    assert rows('print isnull(""), isnull(parse_json("")), isempty(parse_json(""))') == [(False, True, True)]


def test_dynamic_member_access_dot_and_brackets_are_the_same():
    """`dict.key` is `dict["key"]`; accessing a sub-object yields another dynamic value."""
    result = rows("""print d = parse_json('{"a": {"b": 1}}') | project x = d.a.b, y = d["a"]["b"], z = d.a""")
    assert result == [(1, 1, {"b": 1})]


def test_parse_json_of_invalid_text_keeps_the_string():
    """parse_json: "If json ... isn't a properly formatted JSON string, then the returned value is ... the original string value"."""
    assert first("print tostring(parse_json('not json'))") == "not json"


def test_missing_key_and_out_of_range_index_are_null():
    """isnull(parse_json('{"a":1}').zz) and isnull(dynamic([1,2])[5]) are true; tostring of them is ""."""
    result = rows("""print isnull(parse_json('{"a":1}').zz), isnull(dynamic([1,2])[5]), tostring(dynamic(["x","y"])[5])""")
    assert result == [(True, True, "")]


def test_dynamic_values_come_back_decoded():
    """dynamic columns are JSON values: compare decoded values, not JSON text."""
    data = {"AWSGuardDuty": [{"ResourceDetails": '{"bucketName": "logs", "n": [1, 2]}'}]}
    assert first("AWSGuardDuty | project ResourceDetails", data) == {"bucketName": "logs", "n": [1, 2]}


def test_json_text_columns_stay_text_until_parse_json():
    """AWSCloudTrail's RequestParameters is a string column holding JSON text (Azure Monitor table reference):
    it comes back as the text, and parse_json() reads into it."""
    data = {"AWSCloudTrail": [{"RequestParameters": '{"bucketName": "logs"}'}]}
    assert first("AWSCloudTrail | project RequestParameters", data) == '{"bucketName": "logs"}'
    assert first("AWSCloudTrail | project b = tostring(parse_json(RequestParameters).bucketName)", data) == "logs"


@pytest.mark.parametrize("column", ["AdditionalEventData", "RequestParameters", "ResponseElements", "Resources",
                                    "ServiceEventDetails"])
def test_published_rules_may_group_by_a_json_text_column(column):
    """Microsoft's AWS_ChangeToVPC and four others `summarize ... by RequestParameters`: legal, because the
    live column is a string (a dynamic group key would be rejected)."""
    assert bind(f"AWSCloudTrail | summarize count() by {column}")[0] == (column, KType.STRING)


def test_bin_rounds_datetimes_down_to_the_bin():
    """`bin(datetime(1970-05-11 13:45:07), 1d)` -> `1970-05-11T00:00:00Z`."""
    assert first("print bin(datetime(1970-05-11 13:45:07), 1d)") == datetime(1970, 5, 11, tzinfo=UTC)


def test_bin_by_column_is_named_after_the_column():
    """`summarize ... by bin(TimeGenerated, 1h)` gives a column named TimeGenerated."""
    names = [n for n, _ in bind("AWSCloudTrail | summarize count() by bin(TimeGenerated, 1h)")]
    assert names == ["TimeGenerated", "count_"]


def test_summarize_default_column_names():
    """count()->count_, dcount(x)->dcount_x, make_set(x)->set_x, make_list(x)->list_x, a repeat -> set_y1."""
    names = [n for n, _ in bind(
        "AWSCloudTrail | summarize count(), countif(EventName == 'x'), dcount(SourceIpAddress), make_set(EventName), "
        "make_list(EventName), min(TimeGenerated), make_set(EventName) by AWSRegion")]
    assert names == ["AWSRegion", "count_", "countif_", "dcount_SourceIpAddress", "set_EventName", "list_EventName",
                     "min_TimeGenerated", "set_EventName1"]


def test_unnamed_extend_print_and_count_names():
    """Unnamed extend columns are Column1...; parse_json(B).x is B_x; print gives print_0; count gives Count."""
    assert [n for n, _ in bind("T | extend tolower(B), parse_json(B).x", {"T": {"B": "string"}})] == [
        "B", "Column1", "B_x"]
    assert [n for n, _ in bind("print 1")] == ["print_0"]
    assert [n for n, _ in bind("AWSCloudTrail | count")] == ["Count"]


JOIN_X = [{"Key": "a", "Value1": 1}, {"Key": "b", "Value1": 2}, {"Key": "b", "Value1": 3}, {"Key": "c", "Value1": 4}]
JOIN_Y = [{"Key": "b", "Value2": 10}, {"Key": "c", "Value2": 20}, {"Key": "c", "Value2": 30}, {"Key": "d", "Value2": 40}]


def test_join_default_is_innerunique():
    """"The default is innerunique" ... `X | join Y on Key` -> b,2,b,10 / c,4,c,20 / c,4,c,30 (one b survives)."""
    result = run_query("X | join Y on Key", {"X": JOIN_X, "Y": JOIN_Y})
    assert result.columns == ["Key", "Value1", "Key1", "Value2"]
    assert len(result.rows) == 3
    assert sorted((r[0], r[3]) for r in result.rows) == [("b", 10), ("c", 20), ("c", 30)]


def test_join_semi_and_anti_keep_one_side():
    """leftanti/leftsemi keep the left columns only; rightanti/rightsemi keep the right columns only."""
    tables = {"X": JOIN_X, "Y": JOIN_Y}
    assert run_query("X | join kind=leftanti Y on Key", tables).rows == [("a", 1)]
    assert run_query("X | join kind=rightsemi Y on Key", tables).columns == ["Key", "Value2"]


def test_extend_of_existing_column_keeps_its_position():
    """Kusto.Language: `T | extend B = toupper(B)` -> A, B, C (the existing column is replaced in place)."""
    result = run_query("T | extend B = toupper(B)", {"T": [{"A": 1, "B": "x", "C": 2}]})
    assert result.columns == ["A", "B", "C"]
    assert result.rows == [(1, "X", 2)]


def test_mv_expand_new_name_is_appended_existing_is_replaced():
    """mv-expand: a Name that is not an input column is extended as a new column; otherwise it is replaced."""
    data = {"T": [{"A": 1, "D": [1, 2]}]}
    assert run_query("T | mv-expand D", data).columns == ["A", "D"]
    assert run_query("T | mv-expand X = D", data).columns == ["A", "D", "X"]


def test_now_and_ago_are_fixed_once_per_query():
    """"The current UTC time will stay the same across all uses of now() in a single query statement"."""
    assert rows("print now() == now(), ago(1h) == now() - 1h, now()") == [(True, True, NOW)]


def test_tostring_of_null_is_empty_and_of_dynamic_is_compact_json():
    """tostring(null) is ""; dynamic arrays/bags print as compact JSON; dynamic strings without quotes."""
    assert rows("print tostring(long(null)), tostring(dynamic([1,2])), tostring(parse_json('[\"x\"]')[0])") == [
        ("", "[1,2]", "x")]


def test_split_returns_arrays_and_negative_indexes_count_from_the_end():
    """split("aaa_bbb_ccc", "_", 1) -> ["bbb"]; arr[-1] is the last element; split("", "_") -> [""]."""
    assert rows('print split("aaa_bbb_ccc", "_", 1), tostring(split("a/b/c", "/")[-1]), split("", "_")') == [
        (["bbb"], "c", [""])]


def test_sort_defaults_to_descending_with_nulls_last():
    """sort: "Default is desc" ... "Default for asc is nulls first. Default for desc is nulls last"."""
    data = {"T": [{"x": 2}, {"x": None}, {"x": 5}]}
    schemas = {"T": {"x": "long"}}
    assert rows("T | sort by x", data, schemas=schemas) == [(5,), (2,), (None,)]
    assert rows("T | sort by x asc", data, schemas=schemas) == [(None,), (2,), (5,)]


def test_top_is_sort_then_take_and_defaults_to_descending():
    """"top 5 by name is equivalent to ... sort by name | take 5"; asc/desc "Default desc"."""
    data = {"T": [{"x": i} for i in range(10)]}
    assert rows("T | top 3 by x", data) == [(9,), (8,), (7,)]


def test_arg_max_keeps_column_names_and_by_comes_first():
    """`summarize arg_max(BeginLat, BeginLocation) by State` outputs State | BeginLat | BeginLocation."""
    data = {"T": [{"State": "TX", "BeginLat": 1.5, "BeginLocation": "a"}, {"State": "TX", "BeginLat": 3.0, "BeginLocation": "b"}]}
    result = run_query("T | summarize arg_max(BeginLat, BeginLocation) by State", data)
    assert result.columns == ["State", "BeginLat", "BeginLocation"]
    assert result.rows == [("TX", 3.0, "b")]


def test_arg_max_star_returns_the_other_columns():
    """arg_max(C, *) by B -> B, C, A (oracle)."""
    data = {"T": [{"A": 1, "B": "x", "C": 5}, {"A": 2, "B": "x", "C": 9}]}
    result = run_query("T | summarize arg_max(C, *) by B", data)
    assert result.columns == ["B", "C", "A"]
    assert result.rows == [("x", 9, 2)]


def test_mv_expand_null_gives_one_row_and_empty_array_none():
    """"If the dynamic value is null, then a single record is produced ... an empty array or property bag, no record"."""
    data = {"T": [{"k": "null", "D": None}, {"k": "empty", "D": []}, {"k": "two", "D": [1, 2]}]}
    result = rows("T | mv-expand D", data, schemas={"T": {"k": "string", "D": "dynamic"}})
    assert result == [("null", None), ("two", 1), ("two", 2)]


def test_parse_failure_gives_empty_strings_and_null_numbers():
    """parse: "The calculated columns return null values for unsuccessfully parsed strings" (strings are "")."""
    result = rows("print s = 'nothing here' | parse s with 'id=' id:long ' user=' user")
    assert result == [("nothing here", None, "")]


def test_make_set_order_is_undefined_so_compare_as_sets():
    """make_set: "The array's sort order is undefined"."""
    data = {"T": [{"x": "b"}, {"x": "a"}, {"x": "b"}]}
    assert sorted(first("T | summarize make_set(x)", data)) == ["a", "b"]


def test_dcount_counts_distinct_values():
    """dcount "Calculates an estimate of the number of distinct values" (exact on small fixtures)."""
    assert first("T | summarize dcount(x)", {"T": [{"x": "a"}, {"x": "b"}, {"x": "a"}]}) == 2


def test_union_is_outer_by_default():
    """union: "The default is outer": all columns appear, and missing cells are null."""
    result = run_query("union A, B", {"A": [{"x": 1}], "B": [{"y": "s"}]})
    assert result.columns == ["x", "y"]
    assert result.rows == [(1, ""), (None, "s")]


@pytest.mark.parametrize("query", ["AWSCloudTrail | where EventNme == 'x'", "AWSCloudTrail | join (AWSCloudTrail) on Nope"])
def test_unknown_names_are_semantic_errors(query):
    """Unknown columns are errors in the language service (KS142), as are join keys missing on a side."""
    from detections.kql import KqlSemanticError

    with pytest.raises(KqlSemanticError):
        bind(query)


def test_avg_of_no_rows_is_nan():
    """summarize defaults (doc example): avg of an empty input is NaN, not null or 0."""
    import math

    (value,) = rows("AWSVPCFlow | summarize avg(Bytes)")[0]
    assert math.isnan(value)


def test_in_is_an_or_of_equals_and_not_in_an_and_of_not_equals():
    """"`in` behaves as an OR of `==`, and `!in` as an AND of `!=`": so null !in (...) is true."""
    assert rows("print long(null) in (1, 2), long(null) !in (1, 2), 2 in (1, 2)") == [(False, True, True)]


def test_bin_of_null_or_a_negative_size_is_null():
    """bin: "Null values, a null bin size, or a negative bin size will result in null.\""""
    assert rows("print bin(long(null), 5), bin(7, -1), bin(datetime(2024-01-01 10:30), -1h)") == [(None, None, None)]


def test_group_keys_come_first_and_clashing_names_get_a_suffix():
    """Oracle: `by` columns come first, then the aggregates; a clash gets 1 (TimeGenerated1); take_any(B) is B."""
    names = [n for n, _ in bind("AWSCloudTrail | summarize take_any(EventName), arg_max(TimeGenerated, SourceIpAddress) "
                                "by bin(TimeGenerated, 1h)")]
    assert names == ["TimeGenerated", "EventName", "TimeGenerated1", "SourceIpAddress"]


def test_array_index_by_an_expression_in_parentheses():
    """dynamic: "When using arithmetic expressions, the expression inside the brackets must be wrapped in parentheses"."""
    assert rows("print a = dynamic([10, 20, 30]) | project x = a[(1 + 1)], y = a[(-1)]") == [(30, 30)]


def test_join_without_on_is_an_error():
    """The language service reports "Missing join on condition clause"."""
    from detections.kql import KqlError

    with pytest.raises(KqlError):
        bind("AWSCloudTrail | join (AWSCloudTrail)")


def test_make_list_order_follows_the_input_only_when_it_is_sorted():
    """make_list: "If the input to the summarize operator isn't sorted, the order ... is undefined" -> compare sorted."""
    data = {"T": [{"x": 3}, {"x": 1}, {"x": 2}]}
    assert sorted(first("T | summarize make_list(x)", data)) == [1, 2, 3]
    assert first("T | sort by x asc | summarize make_list(x)", data) == [1, 2, 3]


def test_mv_expand_to_typeof_converts_the_expanded_values():
    """mv-expand: "The expanded column is dynamic unless `to typeof()` is used"."""
    data = {"T": [{"D": ["1", "2"]}]}
    result = run_query("T | mv-expand D to typeof(long)", data, schemas={"T": {"D": "dynamic"}})
    assert result.types == ["long"] and result.rows == [(1,), (2,)]
