"""Parser: each construct of the language, source spans, and error positions and messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from detections.kql import ast as A
from detections.kql.errors import KqlSemanticError, KqlSyntaxError, KqlUnsupportedError
from detections.kql.parser import parse
from detections.kql.types import KType
from published_corpus import CORPUS, needs_corpus

L = A.Literal


def body(query: str):
    return parse(query).body


def ops(query: str) -> tuple:
    pipe = body(query)
    assert isinstance(pipe, A.Pipe)
    return pipe.operators


def op(query: str):
    (only,) = ops(query)
    return only


def expr(text: str):
    """The single expression of `print <text>`."""
    (column,) = body(f"print {text}").columns
    return column


def n(name: str) -> A.Name:
    return A.Name(name)


def s(value: str) -> A.Literal:
    return L(value, KType.STRING)


def i(value: int) -> A.Literal:
    return L(value, KType.LONG)


# ---- expressions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "ktype"),
    [
        ("42", 42, KType.LONG),
        ("-42", -42, KType.LONG),
        ("1.5", 1.5, KType.REAL),
        ("-1d", -timedelta(days=1), KType.TIMESPAN),
        ("true", True, KType.BOOL),
        ("False", False, KType.BOOL),
        ('"a" \'b\' @"c"', "abc", KType.STRING),
        ("int(5)", 5, KType.INT),
        ("int(null)", None, KType.INT),
        ("long(-7)", -7, KType.LONG),
        ("real(null)", None, KType.REAL),
        ("real(-inf)", float("-inf"), KType.REAL),
        ("long(0x10)", 16, KType.LONG),
        ("decimal(1.25)", Decimal("1.25"), KType.DECIMAL),
        ("bool(true)", True, KType.BOOL),
        ("datetime(2024-01-31)", datetime(2024, 1, 31, tzinfo=UTC), KType.DATETIME),
        ("datetime(2024-01-31 10:20:30.5)", datetime(2024, 1, 31, 10, 20, 30, 500000, tzinfo=UTC), KType.DATETIME),
        ("datetime(2024-01-31T10:20:30Z)", datetime(2024, 1, 31, 10, 20, 30, tzinfo=UTC), KType.DATETIME),
        ("datetime(20240131)", datetime(2024, 1, 31, tzinfo=UTC), KType.DATETIME),
        ("timespan(-01:30)", -timedelta(hours=1, minutes=30), KType.TIMESPAN),
        ("datetime(2024-01-31T12:00:00+02:00)", datetime(2024, 1, 31, 10, 0, tzinfo=UTC), KType.DATETIME),
        ("datetime(Sat, 8 Nov 2014 15:05:02 GMT)", datetime(2014, 11, 8, 15, 5, 2, tzinfo=UTC), KType.DATETIME),
        ("datetime(null)", None, KType.DATETIME),
        ("timespan(1d)", timedelta(days=1), KType.TIMESPAN),
        ("timespan(1.02:03:04.5)", timedelta(days=1, hours=2, minutes=3, seconds=4.5), KType.TIMESPAN),
        ("time(00:30)", timedelta(minutes=30), KType.TIMESPAN),
        ("timespan(2)", timedelta(days=2), KType.TIMESPAN),
        ("guid(74BE27DE-1e4e-49d9-b579-fe0b331d3642)", "74be27de-1e4e-49d9-b579-fe0b331d3642", KType.GUID),
        ('dynamic(["a", 1, 2.5, true, null, {"k": [-1]}])', ["a", 1, 2.5, True, None, {"k": [-1]}], KType.DYNAMIC),
        ("dynamic({})", {}, KType.DYNAMIC),
        ("dynamic(null)", None, KType.DYNAMIC),
        ("dynamic([datetime(2024-01-31), 1h])", ["2024-01-31T00:00:00Z", "01:00:00"], KType.DYNAMIC),
    ],
)
def test_literals(text, value, ktype):
    literal = expr(text)
    assert isinstance(literal, A.Literal)
    assert (literal.value, literal.ktype) == (value, ktype)


def test_precedence_and_associativity():
    assert expr("1 + 2 * 3 - 4") == A.Binary(
        "-", A.Binary("+", i(1), A.Binary("*", i(2), i(3))), i(4))
    assert expr("a or b and c == 1") == A.Binary(
        "or", n("a"), A.Binary("and", n("b"), A.Binary("==", n("c"), i(1))))
    assert expr("-(a + 1) % 2") == A.Binary("%", A.Unary("-", A.Binary("+", n("a"), i(1))), i(2))


@pytest.mark.parametrize(
    ("text", "op"),
    [
        ("a == b", "=="), ("a != b", "!="), ("a <> b", "!="), ("a < b", "<"), ("a <= b", "<="),
        ("a > b", ">"), ("a >= b", ">="), ("a =~ b", "=~"), ("a !~ b", "!~"),
        ("a has b", "has"), ("a !has b", "!has"), ("a has_cs b", "has_cs"), ("a !has_cs b", "!has_cs"),
        ("a hasprefix b", "hasprefix"), ("a !hasprefix_cs b", "!hasprefix_cs"),
        ("a hassuffix b", "hassuffix"), ("a !hassuffix b", "!hassuffix"),
        ("a contains b", "contains"), ("a !contains_cs b", "!contains_cs"), ("a notcontains b", "!contains"),
        ("a startswith b", "startswith"), ("a !startswith_cs b", "!startswith_cs"),
        ("a endswith b", "endswith"), ("a !endswith b", "!endswith"),
        ("a matches regex b", "matches regex"),
    ],
)
def test_binary_comparison_operators(text, op):
    assert expr(text) == A.Binary(op, n("a"), n("b"))


@pytest.mark.parametrize("op", ["in", "!in", "in~", "!in~", "has_any", "has_all"])
def test_list_operators(op):
    assert expr(f'a {op} ("x", b)') == A.InList(op, n("a"), (s("x"), n("b")))


def test_in_with_a_subquery_and_a_let_name():
    item = expr("a in (T | project b)").items[0]
    assert item == A.Pipe(A.TableRef("T"), (A.Project((n("b"),)),))
    assert expr("a in ((List))") == A.InList("in", n("a"), (n("List"),))


def test_between():
    assert expr("a between (1 .. 10)") == A.Between(n("a"), i(1), i(10))
    assert expr("a !between(ago(1d)..now())") == A.Between(
        n("a"), A.Call("ago", (L(timedelta(days=1), KType.TIMESPAN),)), A.Call("now"), negated=True)


def test_member_index_and_bracketed_names():
    assert expr("d.a.['x-y'][0][-1]") == A.Index(
        A.Index(A.Member(A.Member(n("d"), "a"), "x-y"), i(0)), i(-1))
    assert expr("['My Column']") == n("My Column")
    assert expr('parse_json(x)["k"]') == A.Index(A.Call("parse_json", (n("x"),)), s("k"))
    assert expr("d.items.[0]") == A.Index(A.Member(n("d"), "items"), i(0))


def test_calls_star_and_typeof():
    assert expr("arg_max(T, *)") == A.Call("arg_max", (n("T"), A.Star()))
    assert expr("count()") == A.Call("count")
    assert expr("f(x, limit=5)") == A.Call("f", (n("x"),), (A.NamedExpr(("limit",), i(5)),))
    assert expr("toscalar(T | count)") == A.Call("toscalar", (A.Pipe(A.TableRef("T"), (A.Count(),)),))
    assert expr("bag_unpack(x, typeof(string))").args[1] == A.TypeOf(KType.STRING)


def test_null_is_a_name_as_in_kusto():
    assert expr("null") == n("null")


# ---- statements ---------------------------------------------------------------------------------


def test_let_statements():
    query = parse(
        "let threshold = 5;\n"
        "let Names = dynamic(['a']);\n"
        "let Recent = AWSCloudTrail | where TimeGenerated > ago(1h);\n"
        "let Wl = _GetWatchlist('vips');\n"
        "let M = materialize(Recent | take 5);\n"
        "let Alias = Recent;\n"
        "set querytrace;\n"
        "Recent"
    )
    kinds = [type(statement).__name__ for statement in query.statements]
    assert kinds == ["LetScalar", "LetScalar", "LetTabular", "LetTabular", "LetTabular", "LetScalar", "SetOption"]
    assert query.statements[3].value == A.FunctionCallSource("_GetWatchlist", (s("vips"),))
    assert query.statements[5].value == n("Recent")  # a bare name: the binder decides what it denotes
    assert query.body == n("Recent")


def test_let_function_with_typed_and_tabular_parameters():
    (fn,), _ = parse_statements("let f = (T:(Col:string), x:long = 5, y:dynamic) { let z = x; T | take z }; f(A)")
    assert fn.name == "f" and not fn.view
    table, x, y = fn.params
    assert table.is_tabular and not table.open_schema and table.columns == (A.ColumnDecl("Col", KType.STRING),)
    (any_table,), _ = parse_statements("let g = (T:(*)) { T }; g(A)")
    assert any_table.params[0].open_schema and any_table.params[0].columns == ()
    for text in ("let g = (T:(Col:string, *)) { T }; g(A)", "let g = (T:(*, Col:string)) { T }; g(A)"):
        with pytest.raises(KqlSyntaxError):  # Kusto.Language: a tabular parameter is (*) or a column list
            parse_statements(text)
    assert (x.ktype, x.default, y.ktype, y.default) == (KType.LONG, i(5), KType.DYNAMIC, None)
    assert isinstance(fn.body.statements[0], A.LetScalar)
    assert fn.body.result == A.Pipe(A.TableRef("T"), (A.Take(n("z")),))


def test_view_and_parameterless_functions():
    (view, plain), _ = parse_statements("let v = view () { T }; let g = () { 1 }; v")
    assert view.view and view.params == () and view.body.result == n("T")
    assert not plain.view and plain.body.result == i(1)


def parse_statements(query: str):
    parsed = parse(query)
    return parsed.statements, parsed.body


# ---- sources ---------------------------------------------------------------------------------


def test_datatable():
    table = body('datatable(Name:string, N:long) ["a", 1, "b", -2,]')
    assert table.columns == (A.ColumnDecl("Name", KType.STRING), A.ColumnDecl("N", KType.LONG))
    assert table.values == (s("a"), i(1), s("b"), i(-2))


def test_print_range_union_externaldata():
    assert body("print x = 1, 'y'") == A.Print((A.NamedExpr(("x",), i(1)), s("y")))
    assert body("range i from 1 to 10 step 2") == A.Range("i", i(1), i(10), i(2))
    union = body("union withsource=Src isfuzzy=true AWS*, (T | take 1), _GetWatchlist('w')")
    assert union == A.Union(
        (A.TableRef("AWS*"), A.Pipe(A.TableRef("T"), (A.Take(i(1)),)), A.FunctionCallSource("_GetWatchlist", (s("w"),))),
        "outer", "Src", True)
    ext = body("externaldata (TorIP:string) [h@'https://example.com/tor.csv'] with (ignoreFirstRecord=true)")
    assert ext.columns == (A.ColumnDecl("TorIP", KType.STRING),)
    assert ext.urls == (s("https://example.com/tor.csv"),)
    assert ext.properties == (A.NamedExpr(("ignoreFirstRecord",), L(True, KType.BOOL)),)


def test_search_and_find():
    assert body('search "evil"') == A.Search(s("evil"))
    assert body('search kind=case_sensitive in (T1, T2) A has "x"') == A.Search(
        A.Binary("has", n("A"), s("x")), (A.TableRef("T1"), A.TableRef("T2")), case_sensitive=True)
    assert body('find withsource=S in (T*) where A == 1 project A, B') == A.Find(
        A.Binary("==", n("A"), i(1)), (A.TableRef("T*"),), "S", (n("A"), n("B")))


def test_tabular_call_before_a_pipe():
    assert body("_GetWatchlist('vips') | project SearchKey").source == A.FunctionCallSource(
        "_GetWatchlist", (s("vips"),))


# ---- operators --------------------------------------------------------------------------------


def test_where_extend_project_family():
    assert op("T | where A == 1") == A.Where(A.Binary("==", n("A"), i(1)))
    assert op("T | filter A") == A.Where(n("A"))
    assert op("T | extend B = 1, C, (D, E) = f(x)") == A.Extend(
        (A.NamedExpr(("B",), i(1)), n("C"), A.NamedExpr(("D", "E"), A.Call("f", (n("x"),)))))
    assert op("T | project A, ['b c'] = B") == A.Project((n("A"), A.NamedExpr(("b c",), n("B"))))
    assert op("T | project-away A, B*, *_s") == A.ProjectAway(
        (n("A"), A.ColumnPattern("B*"), A.ColumnPattern("*_s")))
    assert op("T | project-keep A*") == A.ProjectKeep((A.ColumnPattern("A*"),))
    assert op("T | project-rename New = Old, ['x y'] = Z") == A.ProjectRename(
        (A.NamedExpr(("New",), n("Old")), A.NamedExpr(("x y",), n("Z"))))
    assert op("T | project-reorder B, A* asc") == A.ProjectReorder((n("B"), A.ColumnPattern("A*")), "asc")


def test_summarize():
    assert op("T | summarize count(), Total = sum(B) by A, bin(TimeGenerated, 1h)") == A.Summarize(
        (A.Call("count"), A.NamedExpr(("Total",), A.Call("sum", (n("B"),)))),
        (n("A"), A.Call("bin", (n("TimeGenerated"), L(timedelta(hours=1), KType.TIMESPAN)))))
    assert op("T | summarize by A") == A.Summarize((), (n("A"),))
    assert op("T | summarize (T2, X) = arg_max(T, X)").aggregates[0].names == ("T2", "X")
    hinted = op("T | summarize hint.strategy=shuffle count() by A")
    assert hinted.hints == (A.Hint("hint.strategy", n("shuffle")),)


def test_distinct_count_take_top_sort():
    assert op("T | distinct A, B") == A.Distinct((n("A"), n("B")))
    assert op("T | distinct *") == A.Distinct((A.Star(),))
    assert op("T | count") == A.Count()
    assert op("T | take 5") == op("T | limit 5") == A.Take(i(5))
    assert op("T | top 3 by A") == A.Top(i(3), A.OrderKey(n("A"), True, False))
    assert op("T | top 3 by A asc nulls last") == A.Top(i(3), A.OrderKey(n("A"), False, False))
    assert op("T | sort by A, B asc, C desc nulls first") == A.Sort((
        A.OrderKey(n("A"), True, False), A.OrderKey(n("B"), False, True), A.OrderKey(n("C"), True, True)))
    assert op("T | order by A") == A.Sort((A.OrderKey(n("A")),))


@pytest.mark.parametrize(
    ("written", "kind"),
    [("", "innerunique"), ("kind=inner", "inner"), ("kind = leftouter", "leftouter"), ("kind=anti", "leftanti"),
     ("kind=leftantisemi", "leftanti"), ("kind=rightsemi", "rightsemi"), ("kind=fullouter", "fullouter")],
)
def test_join_kinds(written, kind):
    assert op(f"T | join {written} (U) on A").kind == kind


def test_join_conditions_and_operands():
    join = op("T | join hint.strategy=broadcast (U | where x) on A, $left.B == $right.C, $right.E == $left.D")
    assert join.on == (A.JoinKey("A", "A"), A.JoinKey("B", "C"), A.JoinKey("D", "E"))
    assert join.hints == (A.Hint("hint.strategy", n("broadcast")),)
    assert join.right == A.Pipe(A.TableRef("U"), (A.Where(n("x")),))
    assert op("T | join kind=inner U on $left.a == $right.b and $left.c == $right.d").on == (
        A.JoinKey("a", "b"), A.JoinKey("c", "d"))
    assert op("T | join U").on == ()  # Kusto parses it; binding reports the missing 'on'


def test_lookup():
    assert op("T | lookup kind=inner (U) on Key") == A.Lookup(A.TableRef("U"), (A.JoinKey("Key", "Key"),), "inner")
    assert op("T | lookup U on $left.a == $right.b").kind == "leftouter"


def test_mv_expand_and_mv_apply():
    expand = op("T | mv-expand bagexpansion=array with_itemindex=I x = D to typeof(long), E limit 10")
    assert expand == A.MvExpand(
        (A.ExpandItem(A.NamedExpr(("x",), n("D")), KType.LONG), A.ExpandItem(n("E"))), "array", "I", i(10))
    assert op("T | mvexpand D") == A.MvExpand((A.ExpandItem(n("D")),))
    apply = op("T | mv-apply e = D to typeof(string) on (where e has 'x' | summarize make_list(e))")
    assert apply.items == (A.ExpandItem(A.NamedExpr(("e",), n("D")), KType.STRING),)
    assert [type(o) for o in apply.body] == [A.Where, A.Summarize]


def test_parse_and_parse_where():
    parsed = op('T | parse kind=regex flags=Ui Msg with "user=" User:string @"\\s+" * "id=" Id:long')
    assert parsed == A.Parse(
        n("Msg"),
        (s("user="), A.ParseColumn("User", KType.STRING), s("\\s+"), A.Star(), s("id="), A.ParseColumn("Id", KType.LONG)),
        "regex", "Ui")
    where = op("T | parse-where tostring(D) with * 'a' X")
    assert isinstance(where, A.ParseWhere) and where.kind == "simple" and where.source == A.Call("tostring", (n("D"),))


def test_evaluate_make_series_and_others():
    assert op("T | evaluate bag_unpack(D, 'p_')") == A.Evaluate("bag_unpack", (n("D"), s("p_")))
    assert op("T | evaluate pivot(K, any(V), A)").args == (n("K"), A.Call("any", (n("V"),)), n("A"))
    series = op("T | make-series Total=count() default=0, avg(B) on TimeGenerated from ago(7d) to now() step 1h by A")
    assert series.aggregates == (
        A.SeriesAggregate(A.NamedExpr(("Total",), A.Call("count")), i(0)), A.SeriesAggregate(A.Call("avg", (n("B"),))))
    assert (series.on, series.end, series.step, series.by) == (
        n("TimeGenerated"), A.Call("now"), L(timedelta(hours=1), KType.TIMESPAN), (n("A"),))
    in_range = op("T | make-series count() on TimeGenerated in range(ago(1d), now(), 1h)")
    assert (in_range.start, in_range.end) == (A.Call("ago", (L(timedelta(days=1), KType.TIMESPAN),)), A.Call("now"))
    assert op("T | as hint.materialized=true X") == A.As("X", (A.Hint("hint.materialized", L(True, KType.BOOL)),))
    assert op("T | serialize") == A.Serialize()
    assert op("T | serialize rn = row_number()") == A.Serialize((A.NamedExpr(("rn",), A.Call("row_number")),))
    assert op("T | invoke f(1)") == A.Invoke(A.Call("f", (i(1),)))
    assert op("T | getschema") == A.Getschema()
    assert op("T | sample 5") == A.Sample(i(5))
    assert op("T | sample-distinct 5 of A") == A.SampleDistinct(i(5), n("A"))
    assert op("T | render timechart with (title='x', ycolumns=A, B)") == A.Render(
        "timechart", (A.NamedExpr(("title",), s("x")), A.NamedExpr(("ycolumns",), n("A"))))
    assert op("T | union U, V") == A.Union((A.TableRef("U"), A.TableRef("V")))
    assert op("T | search 'x'") == A.Search(s("x"))
    fork = op("T | fork (count) named=(take 1 | project A)")
    assert [(b.name, len(b.operators)) for b in fork.branches] == [(None, 1), ("named", 2)]


def test_top_nested():
    nested = op('T | top-nested 3 of A by count(), top-nested of B with others = "other" by s = sum(C) asc')
    first, second = nested.levels
    assert first == A.TopNestedLevel(n("A"), A.Call("count"), i(3))
    assert second == A.TopNestedLevel(n("B"), A.NamedExpr(("s",), A.Call("sum", (n("C"),))), None, s("other"), False)


# ---- spans ------------------------------------------------------------------------------------


def test_spans_cover_the_source_text():
    text = "let x = 1;\nAWSCloudTrail\n| where EventName has 'Console' and x > 0\n| summarize n = count() by bin(TimeGenerated, 1h)"
    query = parse(text)
    pipe = query.body
    where, summarize = pipe.operators

    def source(node):
        return text[node.span[0]:node.span[1]]

    assert source(query.statements[0]) == "let x = 1"
    assert source(pipe.source) == "AWSCloudTrail"
    assert source(where) == "where EventName has 'Console' and x > 0"
    assert source(where.predicate.left) == "EventName has 'Console'"
    assert source(where.predicate.left.right) == "'Console'"
    assert source(summarize.aggregates[0]) == "n = count()"
    assert source(summarize.by[0]) == "bin(TimeGenerated, 1h)"
    assert source(pipe).startswith("AWSCloudTrail") and source(pipe).endswith("1h)")
    assert query.span == (0, len(text))


def test_node_equality_ignores_spans():
    assert parse("T | where A") == parse("T\n|   where   A")


# ---- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "line", "column", "message"),
    [
        ("T\n| summarize count( by A", 2, 20,
         "expected ')' to close 'count(' opened at line 2, column 13 but found 'by'"),
        ("T | project where", 1, 13, "'where' is a reserved word: write ['where'] to use it as a name"),
        ("T | extend x = d.title", 1, 18, "'title' is a reserved word"),
        ("T | where f(T | count)", 1, 15, "expected ',' or ')' to close 'f(' opened at line 1, column 11"),
        ("print bin(x, )", 1, 14, "expected an expression but found ')'"),
        ("T | where A in ()", 1, 17, "expected an expression but found ')'"),
        ("print dynamic([1, ])", 1, 19, "expected an expression but found ']'"),
        ("T | partition by A (wher x)", 1, 21, "unknown tabular operator 'wher'"),
        ("T | where x in (1, 2", 1, 21, "expected ',' or ')' to close 'in (' opened at line 1, column 13"),
        ("T | extend x = iff(a, b c)", 1, 25, "expected ',' or ')' to close 'iff(' opened at line 1, column 16"),
        ("T | sort by x decs", 1, 15, "unexpected 'decs' (did you mean 'desc'?)"),
        ("T | wher A", 1, 5, "unknown tabular operator 'wher'; did you mean 'where'?"),
        ("T | where A contians 'x'", 1, 13, "unexpected 'contians' (did you mean 'contains'?)"),
        ("T | where A == 'x' project A", 1, 20, "add '|' before the 'project' operator"),
        ("T | where A in 'x'", 1, 16, "expected '(' after 'in'"),
        ("T | where A between (1, 2)", 1, 23, "expected '..' between the bounds of 'between'"),
        ("T | summarize by", 1, 17, "expected an expression but found the end of the query"),
        ("T |", 1, 4, "expected a tabular operator"),
        ("T | join kind=sideways (U) on A", 1, 10, "unknown kind 'sideways'"),
        ("datatable(a:strng) []", 1, 13, "expected a type name"),
        ("print dynamic({a: 1})", 1, 16, "expected a property name in quotes"),
        ("T | top 5 by A, B", 1, 15, "unexpected ','"),
        ("let x = 1\nT", 2, 1, "expected ';' after the 'let' statement"),
        ("T | extend x = (1, 2)", 1, 18, "a parenthesized list is only allowed after"),
    ],
)
def test_syntax_errors(query, line, column, message):
    with pytest.raises(KqlSyntaxError) as info:
        parse(query)
    error = info.value
    assert message in error.message
    assert (error.line, error.column) == (line, column), str(error)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("T | where A = 1", "use '=='"),
        ("datatable(a:long, b:long) [1, 2, 3]", "3 values for 2 columns"),
        ("let x = 1;", "the query has no result"),
        ("T | join (U) on tolower(A)", "a join condition must be a column name"),
        ("T | where A == datetime(2024-13-45)", "invalid datetime literal '2024-13-45'"),
        ("print guid(not-a-guid)", "invalid guid literal"),
        ("print int(x)", "invalid int literal 'x'"),
        ("T | project-rename A", "expected '= OldName' after 'A'"),  # read as a literal, as Kusto does: not a call
        ("print real(1.5.5)", "invalid real literal"),
    ],
)
def test_semantic_errors_found_while_parsing(query, message):
    with pytest.raises(KqlSemanticError, match=message):
        parse(query)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("T | partition by A (take 1)", "the 'partition' operator is not supported"),
        ("T | scan with (step s: true;)", "the 'scan' operator is not supported"),
        ("print 1; print 2", "a second query statement"),
        ("declare query_parameters(x:long); T", "the 'declare' statement is not supported"),
        ("cluster('c').database('d').T | take 1", "cross-cluster or cross-database"),
        ("workspace('w').SigninLogs | take 1", "cross-workspace or cross-database references"),
        (".show tables", "management commands"),
    ],
)
def test_unsupported_constructs_are_named(query, message):
    with pytest.raises(KqlUnsupportedError, match=message):
        parse(query)


def test_an_error_at_the_end_points_after_the_last_token_not_at_trailing_lines():
    with pytest.raises(KqlSyntaxError) as info:
        parse("T\n| where A ==   // compare\n\n")
    assert (info.value.line, info.value.column) == (2, 13)


def test_a_later_syntax_error_wins_over_an_earlier_semantic_problem():
    # Kusto reports syntax first: our semantic and unsupported findings wait until the whole text parsed.
    with pytest.raises(KqlSyntaxError, match="expected an expression"):
        parse("T | join (U) on tolower(A) | where")
    with pytest.raises(KqlSyntaxError, match="found the end of the query"):
        parse("T | partition by A (take 1) | extend x = f(")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("T | where * has 'x'", A.Where(A.Binary("has", A.Star(), s("x")))),
        ("T | summarize take_any(*)", A.Summarize((A.Call("take_any", (A.Star(),)),))),
        ("search *", A.Search(A.Star())),
        ("T | project", A.Project(())),
        ("T | summarize", A.Summarize(())),
        ("T | project-away", A.ProjectAway(())),
        ("T | project-reorder", A.ProjectReorder(())),
        ("T | parse A with", A.Parse(n("A"), ())),
        ("T | extend x = -(-B)", A.Extend((A.NamedExpr(("x",), A.Unary("-", A.Unary("-", n("B")))),))),
    ],
)
def test_forms_kusto_accepts(query, expected):
    tree = body(query)
    assert (tree.operators[0] if isinstance(tree, A.Pipe) else tree) == expected


@pytest.mark.parametrize(
    "query", ["T | summarize (*) by A", "T | extend x = - -B", "T | extend x = - * -B", "T | distinct", "T | project-reorder A,",
              "; T", "let x = 1;; T", "T | where x in ()"],
)
def test_forms_kusto_rejects(query):
    with pytest.raises(KqlSyntaxError):
        parse(query)


def test_deep_nesting_is_an_error_not_a_crash():
    with pytest.raises(KqlSyntaxError, match="nested too deeply"):
        parse("print " + "(" * 5000 + "1" + ")" * 5000)


# ---- published-query shapes ---------------------------------------------------------------------

# Short snippets in the shape of Microsoft's published AWS and Windows Security rules and hunting queries.
PUBLISHED_SHAPES = [
    """let TorNodes = (externaldata (TorIP:string) [h@'https://example.com/tor.csv.zip'] with (ignoreFirstRecord=true));
AWSCloudTrail | where SourceIpAddress in (TorNodes) and isempty(ErrorCode)
| extend UserIdentityUserName = iff(isnotempty(UserIdentityUserName), UserIdentityUserName, tostring(split(UserIdentityArn,'/')[-1]))""",
    """AWSCloudTrail
| where EventName =~ "GetCallerIdentity" and UserIdentityType =~ "AssumedRole"
| summarize StartTime = min(TimeGenerated), EndTime = max(TimeGenerated) by SourceIpAddress, EventName,
  UserAgent, AWSRegion
| sort by EndTime desc nulls last""",
    """AWSGuardDuty
| extend findingTokens = split(ActivityType, ":")
| extend ThreatPurpose=findingTokens[0], findingTokens=split(findingTokens[1], "/")
| extend Severity=case(Severity > 7.0, "High", Severity between (4.0 .. 6.9), "Medium", "Low")
// pull out resource details
| extend Obj=case(isnotempty(ResourceDetails.accessKeyDetails), ResourceDetails.accessKeyDetails, dynamic(null))
| extend AccountName = split(AccountUpn, "@", 0)[0]
| project-away
    findingTokens,
    ActivityType""",
    """let PutObject = AWSCloudTrail
| extend kmsId = tostring(parse_json(RequestParameters).["x-amz-server-side-encryption-aws-kms-key-id"])
| where tostring(kmsId) !has tostring(RecipientAccountId) and kmsId <> "";
PutObject
| join kind=inner ( GetObject ) on $left.bucketName == $right.bucketName, $left.keyName == $right.keyName""",
    """let SuspiciousCommands= pack_array('iam.list-users', 'iam.get-user''iam.list-access-keys');
AWSCloudTrail | where command has_any (SuspiciousCommands)
| summarize CommadCount = dcount(command), commands = make_list(command) by bin(TimeGenerated, 1min), UserIdentityUserName""",
    """AWSCloudTrail
| mv-expand todynamic(Resources)
| extend accountId=tostring(todynamic(Resources.['accountId']))
| join command_executed on s3bucket""",
    """AWSCloudTrail
| summarize count(), make_set(AWSRegion) by bin(TimeGenerated, 10m), UserIdentityPrincipalid
| where count_ > threshold
| mv-expand set_AWSRegion
| extend UserName = substring(UserIdentityPrincipalid, indexof_regex(UserIdentityPrincipalid, ":") + 1)""",
    """let starttime = 14d; let timeframe = 1h;
let ExeList = dynamic(["powershell.exe","cmd.exe"]);
let TimeSeriesData = SecurityEvent
| where EventID == 4688 | extend Process = tolower(Process)
| where TimeGenerated between (startofday(ago(starttime))..startofday(ago(1d)))
| make-series Total=count() on TimeGenerated from startofday(ago(starttime)) to startofday(ago(1d)) step timeframe by Process;
let Alerts = materialize(TimeSeriesData
| extend (anomalies, score, baseline) = series_decompose_anomalies(Total, 1.5, -1, 'linefit')
| mv-expand Total to typeof(double), TimeGenerated to typeof(datetime), anomalies to typeof(double)
| where anomalies > 0);
Alerts | where TimeGenerated in ((Alerts | project TimeGenerated))""",
    """SecurityEvent
| where EventID in (4624, 4625)
| summarize OutcomeCount=count() by bin(TimeGenerated, 10m), Account, Outcome
| sort by Account asc, TimeGenerated asc
| serialize
| extend SessionStartedUtc = row_window_session(TimeGenerated, 2h, 1h, Account != prev(Account))
| summarize FailureCount=sumif(OutcomeCount, Outcome == "Failure"), make_list(Outcome, 128) by SessionStartedUtc, Account
| extend NTDomain = split(Account, '\\\\', 0)[0], DnsDomain = tostring(strcat_array(array_slice(split(Computer, '.'), 1, -1), '.'))""",
    """Event
| extend EventData = parse_xml(EventData).DataItem.EventData.Data
| mv-expand bagexpansion=array EventData
| evaluate bag_unpack(EventData)
| extend Key = tostring(column_ifexists('@Name', "")), Value = column_ifexists('#text', "")
| evaluate pivot(Key, any(Value), TimeGenerated, Computer)
| parse RuleName with * 'technique_id=' TechniqueId ',' * 'technique_name=' TechniqueName
| project-reorder TimeGenerated, Computer
| extend AccountName = tostring(split(UserName, @'\\')[1])""",
    """AWSCloudTrail
| summarize timestamp=arg_max(timestamp,*), failed_roles=dcount(ErrorMessage) by IPCustomEntity
| distinct TimeGenerated, EventName, tostring(layers)
| order by enum_events desc, EndTime desc""",
    """AWSVPCFlow
| where Action == "REJECT" and SrcAddr !startswith "10."
| summarize Attempts = count(), Ports = make_set(DstPort, 100) by SrcAddr, bin(TimeGenerated, 5m)
| top 10 by Attempts""",
]


@pytest.mark.parametrize("query", PUBLISHED_SHAPES, ids=range(len(PUBLISHED_SHAPES)))
def test_published_query_shapes_parse(query):
    assert isinstance(parse(query), A.Query)




def _corpus_queries() -> list[tuple[str, str]]:
    if not CORPUS.is_dir():
        return []
    import yaml

    found = []
    for path in sorted(CORPUS.rglob("*.yaml")):
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        if isinstance(document, dict) and isinstance(document.get("query"), str):
            found.append((str(path.relative_to(CORPUS)), document["query"]))
    return found


@needs_corpus
@pytest.mark.parametrize(("path", "query"), _corpus_queries())
def test_every_published_corpus_query_parses(path, query):
    assert isinstance(parse(query), A.Query), path
