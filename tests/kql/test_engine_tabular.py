"""Row operators, sources and statements: where/extend/project family, take/top/sort, distinct,
count, union, let/materialize/toscalar, user functions, datatable/print/range, watchlists,
externaldata, serialize/window functions, getschema, render."""

from datetime import UTC, datetime, timedelta

import pytest

from detections.kql import KqlSemanticError, KqlUnsupportedError, bind, run_query

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
T = {"T": [{"A": 1, "B": "x", "C": "2024-05-01T10:00:00Z"}, {"A": 2, "B": "y", "C": "2024-05-01T11:00:00Z"},
           {"A": 3, "B": "x", "C": "2024-04-01T00:00:00Z"}]}
SCHEMA = {"T": {"A": "long", "B": "string", "C": "datetime"}}


def run(query, tables=T, **kw):
    kw.setdefault("schemas", SCHEMA)
    return run_query(query, tables, now=NOW, **kw)


def test_string_datetimes_are_converted_at_load_time():
    assert run("T | where C > ago(1d) | project A").rows == [(1,), (2,)]


def test_project_family():
    assert run("T | project B, Z = A * 10 | take 1").rows == [("x", 10)]
    assert run("T | project-away A, C").columns == ["B"]
    assert run("T | project-rename Alpha = A").columns == ["Alpha", "B", "C"]
    assert run("T | project-reorder C, A").columns == ["C", "A", "B"]
    assert run("T | project-keep B*").columns == ["B"]


def test_extend_appends_and_replaces():
    result = run("T | extend D = A + 1, A = A * 2 | take 1")
    assert result.columns == ["A", "B", "C", "D"]
    assert result.rows[0][0] == 2 and result.rows[0][3] == 2


def test_take_sort_top_distinct_count():
    assert len(run("T | take 2").rows) == 2
    assert run("T | sort by A asc | project A").rows == [(1,), (2,), (3,)]
    assert run("T | top 1 by A asc | project A").rows == [(1,)]
    assert sorted(run("T | distinct B").rows) == [("x",), ("y",)]
    assert run("T | count").rows == [(3,)]


def test_union_withsource_and_isfuzzy():
    result = run("union withsource=Src T, (T | take 1)")
    assert result.columns[0] == "Src" and len(result.rows) == 4
    assert len(run("union isfuzzy=true T, NoSuchTable").rows) == 3
    with pytest.raises(KqlSemanticError):
        run("union T, NoSuchTable")


def test_fuzzy_union_branch_over_a_missing_table_adds_unknown_columns():
    """A Sentinel rule often unions its table with one this workspace lacks (isfuzzy=true): that
    branch gives no rows, its own columns are typed unknown, the known table's columns keep their
    names and types, and the names the missing table would supply may be read afterwards."""
    query = """union isfuzzy=true (WindowsEvent | project B, Extra = tostring(EventData.x)), (T | project B, A)
    | where isnotempty(Extra) or A > 1 | project B, A, Extra, Other = tostring(Missing)"""
    result = run(query)
    assert bind("union isfuzzy=true (WindowsEvent | project B, C), (T | project B)", SCHEMA) == [
        ("B", "string"), ("C", "unknown")]
    assert result.columns == ["B", "A", "Extra", "Other"] and result.rows == [("y", 2, "", ""), ("x", 3, "", "")]
    assert bind("union isfuzzy=true T, NoSuchTable | summarize by A | project Missing", SCHEMA) == [("Missing", "unknown")]


def test_let_scalars_tables_materialize_and_toscalar():
    query = """let threshold = 1; let names = dynamic(["y"]);
    let hits = materialize(T | where A > threshold);
    let most = toscalar(hits | summarize max(A));
    hits | where B in (names) or A == most | project A"""
    assert sorted(run(query).rows) == [(2,), (3,)]


def test_user_functions_scalar_tabular_defaults_and_invoke():
    query = """let twice = (x:long, factor:long = 2) { x * factor };
    let only = (t:(B:string), b:string) { t | where B == b };
    only(T, "y") | extend D = twice(A), E = twice(A, 3) | project D, E"""
    assert run(query).rows == [(4, 6)]
    assert run("let f = (t:(*)) { t | count }; T | invoke f()").rows == [(3,)]


def test_datatable_print_range():
    assert run_query("datatable(a:long, b:string)[1, 'x', 2, 'y'] | where a > 1").rows == [(2, "y")]
    assert run_query("print x = 1 + 1, 'a'").columns == ["x", "print_1"]
    assert run_query("range i from 1 to 3 step 1").rows == [(1,), (2,), (3,)]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    days = run_query("range d from datetime(2024-01-01) to datetime(2024-01-03) step 1d").rows
    assert days == [(start,), (start + timedelta(days=1),), (start + timedelta(days=2),)]


@pytest.mark.parametrize(("query", "column", "message"), [
    ("range i from 1 to 1h step 1", 19, "a to of type timespan does not go with a from of type long"),
    ("range i from 1 to 5 step 1h", 26, "a step of type timespan does not go with a from of type long"),
    ("range d from datetime(2024-01-01) to 5 step 1h", 38, "a to of type long"),
])
def test_range_bounds_of_mismatched_types_are_a_bind_error(query, column, message):
    with pytest.raises(KqlSemanticError, match=message) as info:
        bind(query)
    assert info.value.column == column


def test_watchlist_and_externaldata_resolution_with_warnings():
    query = "_GetWatchlist('vip') | project SearchKey, Owner"
    result = run_query(query, {}, watchlists={"vip": [{"SearchKey": "alice", "Owner": "sec"}]})
    assert result.rows == [("alice", "sec")] and result.warnings == []
    missing = run_query("_GetWatchlist('vip') | project SearchKey", {})
    assert missing.rows == [] and "vip" in missing.warnings[0]
    ext = "externaldata(ip:string, score:long)['https://example.org/bad.csv'] with (format='csv')"
    assert run_query(ext, {}, externaldata={"https://example.org/bad.csv": [{"ip": "1.2.3.4", "score": "9"}]}).rows == [
        ("1.2.3.4", 9)]
    assert run_query(ext, {}).warnings


def test_serialize_and_window_functions():
    result = run("T | sort by A asc | extend n = row_number(), p = prev(A), nx = next(A, 1, -1), s = row_cumsum(A)"
                 " | project n, p, nx, s")
    assert result.rows == [(1, None, 2, 1), (2, 1, 3, 3), (3, 2, -1, 6)]
    assert run("T | serialize n = row_number() | project n").rows == [(1,), (2,), (3,)]


def test_pack_all_and_columnifexists():
    assert run("T | take 1 | project b = pack_all()").rows[0][0]["B"] == "x"
    rows = run("T | take 1 | extend N = long(null), E = '' | project pack_all(true), pack_all()").rows
    assert rows[0][0] == {"A": 1, "B": "x", "C": datetime(2024, 5, 1, 10, tzinfo=UTC)}  # ignoreNullEmpty
    assert rows[0][1]["N"] is None and rows[0][1]["E"] == ""
    with pytest.raises(KqlSemanticError, match="ignore_null_empty must be a literal"):
        bind("T | extend p = pack_all(A > 1)", SCHEMA)
    assert run("T | take 1 | project v = columnifexists('Nope', 'd'), w = columnifexists('B', '')").rows == [("d", "x")]


def test_getschema_and_render():
    assert run("T | getschema | project ColumnName").rows == [("A",), ("B",), ("C",)]
    assert len(run("T | render timechart").rows) == 3


def test_table_missing_from_input_is_empty_with_its_schema():
    result = run_query("AWSVPCFlow | where DstPort == 22 | project SrcAddr", {})
    assert result.rows == [] and result.columns == ["SrcAddr"]


def test_as_names_a_result_for_later_use():
    assert run("T | where A > 1 | as Big | join kind=inner (Big) on A | count").rows == [(2,)]


def test_bind_reports_types_and_errors_with_positions():
    assert bind("T | project A, s = tostring(A)", SCHEMA) == [("A", "long"), ("s", "string")]
    with pytest.raises(KqlSemanticError) as err:
        bind("T\n| where Nope == 1", SCHEMA)
    assert (err.value.line, err.value.column) == (2, 9)


def test_check_collects_every_problem():
    from detections.kql import check

    problems = check("T | where Nope == 1 | extend x = Other + 1 | summarize count() by Third", SCHEMA)
    assert len(problems) >= 3
    assert all(p.line == 1 for p in problems)


@pytest.mark.parametrize("query", ["T | partition by B (take 1)", "T | fork (take 1) (count)"])
def test_unsupported_operators_name_the_construct(query):
    with pytest.raises(KqlUnsupportedError) as err:
        run(query)
    assert err.value.message.split("'")[1] in query


def test_make_series_fills_absent_bins_with_the_default():
    result = run("T | make-series n = count() default = 0, s = sum(A) on C step 1h by B | where B == 'x' | project n, s, C")
    counts, sums, axis = result.rows[0]
    assert len(counts) == len(axis) and axis[0] == datetime(2024, 4, 1, tzinfo=UTC)
    at_ten = axis.index(datetime(2024, 5, 1, 10, tzinfo=UTC))
    assert counts[0] == 1 and counts[at_ten] == 1 and sum(counts) == 2 and sums[at_ten] == 1 and counts[-1] == 0


def test_multi_column_functions_are_spread_and_named():
    result = run_query("print x = dynamic([1, 2, 3]) | extend (a, b) = series_fit_line(x) | project-away x")
    assert result.columns[:3] == ["a", "b", "series_fit_line_x_variance"]
    assert result.rows[0][1] == pytest.approx(1.0)


def test_search_and_find_over_tables():
    tables = {"A1": [{"Msg": "user bob failed"}], "B1": [{"Host": "bob-pc", "Port": 22}]}
    assert run_query('search in (A1, B1) "bob"', tables).rows == [("A1", "user bob failed", "", None),
                                                                  ("B1", "", "bob-pc", 22)]  # bob is a term of bob-pc
    assert run_query('search in (A1, B1) "pc-bob"', tables).rows == []
    assert run_query("search in (A1, B1) Port == 22", tables).rows == [("B1", "", "bob-pc", 22)]
    found = run_query("find withsource=Src in (A1, B1) where Port == 22 project Host", tables)
    assert found.columns == ["Src", "Host"] and found.rows == [("B1", "bob-pc")]
    assert run_query('A1 | where * has "failed" | count', tables).rows == [(1,)]


def test_search_star_returns_every_row():
    """`search *` matches all rows of the searched tables (with their $table)."""
    tables = {"A1": [{"Msg": "x"}, {"Msg": ""}], "B1": [{"Port": 22}]}
    assert run_query("search in (A1, B1) * | project $table, Msg", tables).rows == [("A1", "x"), ("A1", ""), ("B1", "")]
    assert run_query("A1 | search * | count", tables).rows == [(2,)]


def test_plan_is_cached_and_small_queries_are_fast():
    import time

    query = "T | where B == 'x' | summarize count() by B"
    run(query)
    started = time.perf_counter()
    for _ in range(200):
        run(query)
    assert (time.perf_counter() - started) / 200 < 0.002


def test_an_engine_fault_is_a_kql_error_naming_the_operator():
    from detections.kql import KqlError
    from detections.kql.registry import SCALARS, scalar
    from detections.kql.types import KType

    @scalar("test_fault", 1, 1, KType.LONG)
    def fault(value):
        raise ValueError("boom")

    try:
        with pytest.raises(KqlError) as err:
            run("T | extend x = test_fault(A)")
        assert "'extend'" in err.value.message and "boom" in err.value.message
    finally:
        del SCALARS["test_fault"]


def test_parse_reads_dynamic_values_as_their_json_text():
    query = """print d = dynamic({"a": 1}) | parse d with '{"a":' n:long '}' | project n"""
    assert run_query(query).rows == [(1,)]


def test_datetimes_are_loaded_as_utc_whatever_their_zone():
    from datetime import timezone

    paris = timezone(timedelta(hours=2))
    rows = [{"t": datetime(2024, 1, 1, 2, tzinfo=paris)}, {"t": "2024-01-01T01:00:00+01:00"}, {"t": datetime(2024, 1, 1)}]
    result = run_query("T | project t", {"T": rows})
    assert [r[0] for r in result.rows] == [datetime(2024, 1, 1, tzinfo=UTC)] * 3
    assert all(r[0].tzinfo is UTC for r in result.rows)


def test_window_functions_in_where_and_inside_user_functions():
    assert run("T | sort by A asc | where row_number() > 1 | project A").rows == [(2,), (3,)]
    assert run("let rn = () { row_number() }; T | sort by A desc | extend n = rn() | project A, n").rows == [
        (3, 1), (2, 2), (1, 3)]


def test_table_function_and_wildcard_union():
    tables = {"LogA": [{"x": 1}], "LogB": [{"x": 2}], "Other": [{"x": 3}]}
    assert sorted(run_query("union withsource=T Log*", tables).rows) == [("LogA", 1), ("LogB", 2)]
    assert run_query("table('Other') | project x", tables).rows == [(3,)]


def test_constant_subexpressions_are_folded_and_row_free_ones_cached_per_run():
    from detections.kql.executor import plan_query

    plan = plan_query("print x = 1 + 2 * 3, y = strcat('a', 'b')", {})
    assert run_query("print x = 1 + 2 * 3, y = strcat('a', 'b')").rows == [(7, "ab")]
    assert plan.runtime.cache == {}  # nothing needed caching: both were folded at bind time
    earlier = run_query("print ago(1h)", now=NOW).rows[0][0]
    later = run_query("print ago(1h)", now=NOW + timedelta(hours=1)).rows[0][0]
    assert later - earlier == timedelta(hours=1)  # cached per run, not per plan


def test_make_series_kind_nonempty_gives_a_row_of_defaults_for_empty_input():
    query = "T | make-series {kind} n = count() on C from datetime(2024-01-01) to datetime(2024-01-01 03:00) step 1h"
    empty = {"T": []}
    assert run(query.format(kind=""), empty).rows == []
    (row,) = run(query.format(kind="kind=nonempty"), empty).rows
    assert row[0] == [0, 0, 0] and len(row[1]) == 3


def test_bind_and_check_take_declared_watchlist_columns():
    from detections.kql import check

    query = "_GetWatchlist('ips') | project SearchKey, IPAddress"
    assert bind(query, watchlists={"ips": {"IPAddress": "string"}}) == [("SearchKey", "string"), ("IPAddress", "string")]
    assert [e.message for e in check(query)] == ["unknown column or variable 'IPAddress'"]


def test_sort_keys_cannot_be_dynamic_but_top_keys_can():
    """As Kusto.Language: `sort by D` is an error, `top 1 by D` is accepted (dynamic values order by JSON)."""
    schemas = {"T": {"D": "dynamic"}}
    with pytest.raises(KqlSemanticError, match="dynamic"):
        bind("T | sort by D", schemas)
    assert bind("T | sort by tostring(D) asc", schemas) == [("D", "dynamic")]
    assert run_query("T | top 1 by D", {"T": [{"D": [1]}, {"D": [2]}]}, schemas=schemas).rows == [([2],)]


def test_tables_may_be_given_as_iterators():
    rows = ({"A": i} for i in range(3))
    assert run_query("T | summarize sum(A)", {"T": rows}).rows == [(3,)]


def test_the_same_cached_query_runs_safely_from_several_threads():
    from concurrent.futures import ThreadPoolExecutor

    query = "T | summarize n = count(), s = sum(A)"

    def one(size):
        return run_query(query, {"T": [{"A": 1}] * size}).rows

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, range(1, 200)))
    assert results == [[(size, size)] for size in range(1, 200)]


def test_union_splits_a_column_with_several_types():
    result = run_query("union (A1 | project X), (B1 | project X)", {"A1": [{"X": "s"}], "B1": [{"X": 5}]})
    assert result.columns == ["X_string", "X_long"]
    assert result.rows == [("s", None), ("", 5)]


def test_sample_distinct_and_named_function_arguments():
    assert sorted(run("T | sample-distinct 5 of B").rows) == [("x",), ("y",)]
    query = "let f = (a:long, b:long = 10) { a - b }; print f(b = 1, a = 5), f(5)"
    assert run_query(query).rows == [(4, -5)]


@pytest.mark.parametrize("query", [
    "T | make-series count() on C from 7d to now() step 1h",
    "T | make-series count() on C from ago(7d) to now() step 1",
    "T | where B matches regex '(unclosed'",
])
def test_bad_make_series_bounds_and_regex_constants_are_bind_errors(query):
    with pytest.raises(KqlSemanticError):
        bind(query, SCHEMA)


def test_window_functions_need_serialized_rows():
    """serialize docs: sort, top, range and serialize give serialized rows, where/extend/project keep
    them, summarize/join/distinct/mv-expand... drop them; window functions need them."""
    for query in ("T | extend n = row_number()", "T | sort by A | summarize count() by B | extend p = prev(B)",
                  "T | summarize n = row_number()"):
        with pytest.raises(KqlSemanticError, match="serialized"):
            bind(query, SCHEMA)
    assert run("T | serialize | extend n = row_number() | project n").rows == [(1,), (2,), (3,)]
    assert run("T | sort by A asc | where A > 1 | extend p = prev(A) | project p").rows == [(None,), (2,)]
    assert run_query("range x from 1 to 3 step 1 | extend s = row_cumsum(x)").rows == [(1, 1), (2, 3), (3, 6)]


def test_values_that_do_not_convert_read_as_null_with_a_warning():
    from detections.kql import load_table

    result = run_query("AWSVPCFlow | project DstPort", {"AWSVPCFlow": [{"DstPort": "22"}, {"DstPort": "ssh"}]})
    assert result.rows == [(22,), (None,)]
    assert result.warnings == ["AWSVPCFlow: row 2: DstPort = 'ssh' is not of type int; it reads as null"]
    loaded = load_table("AWSVPCFlow", [{"Bytes": "lots", "Action": "ACCEPT"}])
    assert loaded.problems == ["AWSVPCFlow: row 1: Bytes = 'lots' is not of type long; it reads as null"]
    assert run_query("AWSVPCFlow | count", {"AWSVPCFlow": loaded}).warnings == loaded.problems


@pytest.mark.parametrize("query", ["T | project-rename A = B", "T | project-rename A = A", "T | project-reorder A, A*"])
def test_renames_and_reorders_never_make_two_columns_of_one_name(query):
    """Kusto.Language: "A column with the name 'A' is already declared"."""
    with pytest.raises(KqlSemanticError, match="'A'"):
        bind(query, SCHEMA)


def test_operator_type_errors_point_at_the_operator():
    with pytest.raises(KqlSemanticError) as err:
        bind("T\n| extend x = B + 1", SCHEMA)
    assert (err.value.line, err.value.column) == (2, 16)


def test_check_does_not_repeat_a_broken_let_at_each_use():
    from detections.kql import check

    problems = check("let x = AWSCloudtrail | where EventName == 'a'; x | summarize count() by EventName | where count_ > 1")
    assert [p.message.split(" (")[0] for p in problems] == ["unknown table 'AWSCloudtrail'"]
    problems = check("let t = ago('x'); AWSCloudTrail | where TimeGenerated > t | project Nope")
    assert len(problems) == 2 and "Nope" in problems[1].message


def test_check_does_not_report_what_follows_from_a_failed_operator():
    """After an operator that fails (its output columns are unknown), its dependents are not
    reported again; after a failed `where` (columns unchanged) later mistakes still are."""
    from detections.kql import check

    summarize = check("datatable(d:dynamic) [dynamic(1)] | summarize S = count() by d | where S > 0 | project S")
    assert [p.message.split(":")[0] for p in summarize] == ["a summarize group key cannot be dynamic"]
    joined = check("let a = NoSuchTable | summarize by IPAddress; "
                   "AWSCloudTrail | join kind=inner a on $left.SourceIpAddress == $right.IPAddress | project IPAddress")
    assert [p.message for p in joined] == ["unknown table 'NoSuchTable'"]
    independent = check("AWSCloudTrail | where Nope == 1 | extend x = Other")
    assert [p.message.split(" (")[0] for p in independent] == ["unknown column or variable 'Nope'",
                                                               "unknown column or variable 'Other'"]


def test_print_spreads_functions_that_return_several_columns():
    """series_fit_line() returns rsquare, slope, ...: print gives one column each (Kusto's names),
    or only the parts named by `(a, b) = ...`."""
    result = run("print series_fit_line(dynamic([1, 2, 3])), n = 1")
    assert result.columns[:2] == ["series_fit_line__rsquare", "series_fit_line__slope"]
    assert result.columns[-1] == "n" and len(result.columns) == 7
    assert result.rows[0][:2] == (1.0, 1.0)
    named = run("print (Rsq, Slope) = series_fit_line(dynamic([2, 4, 6]))")
    assert (named.columns, named.rows) == (["Rsq", "Slope"], [(1.0, 2.0)])


def test_print_of_a_multi_column_function_is_evaluated_each_run():
    query = "print (Rsq, Slope) = series_fit_line(pack_array(0, hourofday(now())))"
    assert run(query).rows[0][1] == 12.0
    assert run_query(query, {}, now=NOW + timedelta(hours=1)).rows[0][1] == 13.0


def test_ingestion_time_is_the_record_time_of_replayed_rows():
    """ingestion_time() is when Sentinel ingested the row; replayed logs have no other clock."""
    tables = {"AWSCloudTrail": [{"TimeGenerated": "2024-05-01T10:00:00Z", "EventName": "x"}]}
    result = run_query("AWSCloudTrail | where ingestion_time() > ago(1d) | project ingestion_time(), EventName",
                       tables, now=NOW)
    assert result.columns == ["$IngestionTime", "EventName"]
    assert result.rows == [(datetime(2024, 5, 1, 10, tzinfo=UTC), "x")]
    assert run("print ingestion_time()").rows == [(None,)]


def test_results_do_not_share_dynamic_values_with_the_cached_plan():
    """The plan (with its dynamic literals and datatable rows) is cached and shared by every run:
    mutating one result must not change the next."""
    query = 'let L = dynamic(["a"]); datatable(D:dynamic) [dynamic({"k": [1]})] | extend L = L, P = pack_array(1)'
    first = run(query)
    first.rows[0][0]["k"].append(2)
    first.rows[0][1].append("z")
    first.rows[0][2].append(2)
    first.rows.append(("extra",))
    assert run(query).rows == [({"k": [1]}, ["a"], [1])]
    printed = run('print B = dynamic({"a": {"b": 1}})')
    printed.rows[0][0]["a"]["b"] = 2
    assert run('print B = dynamic({"a": {"b": 1}})').rows == [({"a": {"b": 1}},)]


def test_tables_can_be_imported_before_the_engine():
    """detections.tables and detections.kql import each other's modules; either order works."""
    import subprocess
    import sys

    for first, second in (("detections.tables", "detections.kql"), ("detections.kql", "detections.tables")):
        code = f"import {first}, {second}; from detections.tables import TABLES; {second}; print(len(TABLES))"
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert (done.returncode, done.stdout.strip()) == (0, "4"), done.stderr


def test_row_window_session_docs_example():
    """row_window_session(): sessions of at most 1h, rows less than 5m apart, restarted per ID."""
    query = """datatable (ID:string, Timestamp:datetime) [
        "1", datetime(2024-04-11 10:00:00), "2", datetime(2024-04-11 10:18:00), "1", datetime(2024-04-11 11:00:00),
        "3", datetime(2024-04-11 11:30:00), "2", datetime(2024-04-11 13:30:00), "2", datetime(2024-04-11 10:16:00)]
    | sort by ID asc, Timestamp asc
    | extend SessionStarted = row_window_session(Timestamp, 1h, 5m, ID != prev(ID))
    | project ID, Started = format_datetime(SessionStarted, "HH:mm")"""
    assert run(query).rows == [("1", "10:00"), ("1", "11:00"), ("2", "10:16"), ("2", "10:16"), ("2", "13:30"),
                               ("3", "11:30")]
    with pytest.raises(KqlSemanticError, match="serialize"):
        run("T | extend S = row_window_session(C, 1h, 5m)")


def test_row_rank_min_and_dense_docs_example():
    """row_rank_min: the minimal row number of the value; row_rank_dense: distinct values so far."""
    query = """datatable(Category:string, Item:string, Value:int)
        ["A", "item1", 10, "A", "item2", 10, "A", "item3", 5, "A", "item4", 20, "B", "item2", 5, "B", "item1", 7]
    | sort by Category asc, Value asc
    | extend Min = row_rank_min(Value, Category != prev(Category)), Dense = row_rank_dense(Value, Category != prev(Category))
    | project Item, Min, Dense"""
    assert run(query).rows == [("item3", 1, 1), ("item1", 2, 2), ("item2", 2, 2), ("item4", 4, 3), ("item2", 1, 1),
                               ("item1", 2, 2)]


def test_an_engine_fault_is_a_kql_error_naming_the_operator_never_a_traceback(monkeypatch):
    from detections.kql import KqlError, check
    from detections.kql.binder import Binder
    from detections.kql.ops_core import Filter

    def broken(self, *_args):  # noqa: ARG001 - `self` is how the failing operator is found
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(Filter, "run", broken)
    with pytest.raises(KqlError, match=r"internal error in operator 'where' while running the query \(ZeroDivisionError"):
        run("T | where A > 1 | project B")
    monkeypatch.setattr(Binder, "bind_query", broken)
    query = "T | where A > 2 | project B"  # a new text: the plan of the first is cached
    with pytest.raises(KqlError, match=r"internal error while binding the query \(ZeroDivisionError: boom\)"):
        run(query)
    assert [type(e) for e in check(query, SCHEMA)] == [KqlError]


def test_prev_and_next_with_an_offset_read_per_row_and_a_constant_default():
    rows = run("range i from 1 to 5 step 1 | serialize | extend p = prev(i, i / 2), n = next(i, 1, -1)").rows
    assert rows == [(1, 1, 2), (2, 1, 3), (3, 2, 4), (4, 2, 5), (5, 3, -1)]
    with pytest.raises(KqlSemanticError, match="the default value must be a constant") as info:
        bind("range i from 1 to 3 step 1 | serialize | extend p = prev(i, 1, i)")
    assert info.value.column == 64
    with pytest.raises(KqlSemanticError, match="the offset must be an integer, not a real"):
        bind("range i from 1 to 3 step 1 | serialize | extend p = prev(i, 1.5)")
