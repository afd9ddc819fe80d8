"""Parsers of KQL tabular sources (datatable, union, ...) and pipe operators (where, join, ...).

Each function parses one construct after its keyword and returns its ast node; `SOURCES` and
`OPERATORS` map keywords to them, so adding an operator is one registered function. They work
through the Parser's token and clause helpers (detections.kql.parser).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from detections.kql import ast as A
from detections.kql.lexer import IDENT, OP, STRING, Token

if TYPE_CHECKING:
    from detections.kql.parser import Parser

OperatorParser = Callable[["Parser", Token], A.Operator]
OPERATORS: dict[str, OperatorParser] = {}
SOURCES: dict[str, Callable[[Parser, Token], A.Tabular]] = {}

# Join kinds: spelling -> canonical kind.
_JOIN_KINDS = {
    "innerunique": "innerunique", "inner": "inner", "leftouter": "leftouter", "rightouter": "rightouter",
    "fullouter": "fullouter", "outer": "fullouter", "leftanti": "leftanti", "anti": "leftanti",
    "leftantisemi": "leftanti", "rightanti": "rightanti", "rightantisemi": "rightanti",
    "leftsemi": "leftsemi", "rightsemi": "rightsemi",
}


def _operator(*names: str):
    """Register a pipe-operator parser under its keyword(s)."""

    def register(func: OperatorParser) -> OperatorParser:
        for name in names:
            OPERATORS[name] = func
        return func

    return register


def _source(name: str):
    """Register a tabular-source parser (datatable, union, ...) under its keyword."""

    def register(func):
        SOURCES[name] = func
        return func

    return register


# ---------------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------------


@_source("datatable")
def _datatable(p: Parser, start: Token) -> A.Datatable:
    p.parse_options(())
    columns, _ = p.parse_column_decls(start.start)
    opener = p.expect_op("[", "to start the datatable values")
    values: list[A.Expr] = []
    while not p.at_op("]"):
        value_start = p.tok
        value = p.parse_unary()
        if not isinstance(value, A.Literal) or value_start.is_op("("):
            raise p.error("datatable values must be constants (strings, numbers, datetime(...), dynamic(...))",
                          value_start)
        values.append(value)
        if not p.accept_op(","):
            break
    p.expect_close("]", opener, start.start)
    if columns and len(values) % len(columns):
        p.defer_semantic(f"datatable has {len(values)} values for {len(columns)} columns: give a value for every "
                         "column of every row", (opener.start, p.last_end))
    return A.Datatable(columns, tuple(values), span=p.span(start.start))


@_source("externaldata")
def _externaldata(p: Parser, start: Token) -> A.ExternalData:
    p.parse_options(())
    columns, _ = p.parse_column_decls(start.start)
    opener = p.expect_op("[", "to start the list of storage URLs")
    urls: list[A.Expr] = []
    while not p.at_op("]"):
        urls.append(p.parse_expression())
        if not p.accept_op(","):
            break
    p.expect_close("]", opener, start.start)
    properties: tuple[A.NamedExpr, ...] = ()
    if p.accept_word("with"):
        properties = _property_list(p)
    return A.ExternalData(columns, tuple(urls), properties, span=p.span(start.start))


def _property_list(p: Parser, *, multi_valued: bool = False) -> tuple[A.NamedExpr, ...]:
    """`(name = value, ...)` of externaldata/render `with`; with `multi_valued` (render's
    `ycolumns = A, B`) the extra values of a property are checked and skipped."""
    opener = p.expect_op("(", "after 'with'")
    properties: list[A.NamedExpr] = []
    while not p.at_op(")"):
        name = p.tok  # property names may be reserved words (title=...)
        if name.kind != IDENT:
            raise p.expected("a property name")
        p.advance()
        p.expect_op("=", f"after property '{name.value}'")
        properties.append(A.NamedExpr((name.value,), p.parse_expression(), span=p.span(name.start)))
        if not p.accept_op(","):
            break
        if p.at_op(")"):
            raise p.expected("a property after ','")
        while multi_valued and not p.at_named_target():
            p.parse_expression()
            if not p.accept_op(","):
                break
    p.expect_close(")", opener)
    return tuple(properties)


@_source("print")
def _print(p: Parser, start: Token) -> A.Print:
    return A.Print(p.parse_column_list(), span=p.span(start.start))


@_source("range")
def _range(p: Parser, start: Token) -> A.Range:
    name = p.parse_name("the column name after 'range'")
    p.expect_word("from", f"after 'range {name.name}'")
    low = p.parse_expression()
    p.expect_word("to", "after the range start")
    high = p.parse_expression()
    p.expect_word("step", "after the range end")
    step = p.parse_expression()
    return A.Range(name.name, low, high, step, span=p.span(start.start))


@_source("union")
@_operator("union")  # also a pipe operator: the piped table comes first
def _union(p: Parser, start: Token) -> A.Union:
    options, _ = p.parse_options(("kind", "withsource", "isfuzzy"))
    kind = str(options.get("kind", ("outer",))[0])
    if kind not in ("inner", "outer"):
        raise p.error(f"union kind must be 'inner' or 'outer', not '{kind}'", options["kind"][1])
    withsource = options.get("withsource", (None,))[0]
    tables = [p.parse_table_operand()]
    while p.accept_op(","):
        tables.append(p.parse_table_operand())
    return A.Union(tuple(tables), kind, None if withsource is None else str(withsource),
                   bool(options.get("isfuzzy", (False,))[0]), span=p.span(start.start))


@_source("search")
@_operator("search")  # also a pipe operator: the piped table comes first
def _search(p: Parser, start: Token) -> A.Search:
    options, _ = p.parse_options(("kind",))
    kind = options.get("kind", ("case_insensitive",))[0]
    tables = p.parse_tables_in() if p.accept_word("in") else ()
    if p.at_op("*") and p.at_clause_end(1):
        star = p.advance()
        predicate: A.Expr = A.Star(span=(star.start, star.end))
    else:
        predicate = p.parse_expression()
    return A.Search(predicate, tables, kind == "case_sensitive", span=p.span(start.start))


@_source("find")
def _find(p: Parser, start: Token) -> A.Find:
    options, _ = p.parse_options(("withsource",))
    tables = p.parse_tables_in() if p.accept_word("in") else ()
    p.expect_word("where", "after 'find' (the form is 'find in (Tables) where Predicate')")
    predicate = p.parse_expression()
    project = None
    name, token = (p.read_operator_name() if p.at_word("project") else (None, None))
    if name == "project":
        project = p.parse_column_list()
    elif name is not None and name != "project-smart":
        raise p.error(f"expected 'project' or 'project-smart' after the find predicate, not '{name}'", token)
    withsource = options.get("withsource", (None,))[0]
    return A.Find(predicate, tables, None if withsource is None else str(withsource), project,
                  span=p.span(start.start))


@_source("evaluate")
@_operator("evaluate")  # also a pipe operator: the piped table comes first
def _evaluate(p: Parser, start: Token) -> A.Evaluate:
    _, hints = p.parse_options(())
    name = p.tok
    if name.kind != IDENT or not p.peek().is_op("("):
        raise p.expected("a plugin call after 'evaluate', e.g. bag_unpack(Column)")
    p.advance()
    opener = p.advance()
    args, named = p.parse_call_args(opener, name.start)
    output, keep_input = None, False
    if p.accept_op(":"):
        output, keep_input = p.parse_column_decls(p.tok.start, leading_star=True)
    return A.Evaluate(name.value, args + named, hints, output, keep_input, span=p.span(start.start))


# ---------------------------------------------------------------------------------------------
# Pipe operators
# ---------------------------------------------------------------------------------------------


@_operator("where", "filter")
def _where(p: Parser, start: Token) -> A.Where:
    predicate = p.parse_expression()
    if p.at_op("="):  # Kusto parses `A = 1` here and rejects it when binding: report it the same way
        equals = p.advance()
        p.parse_expression()
        p.defer_semantic("'=' does not compare values: use '==' (or '=~' to ignore case)", (equals.start, equals.end))
    return A.Where(predicate, span=p.span(start.start))


@_operator("extend")
def _extend(p: Parser, start: Token) -> A.Extend:
    return A.Extend(p.parse_column_list(), span=p.span(start.start))


@_operator("project")
def _project(p: Parser, start: Token) -> A.Project:
    columns = () if p.at_clause_end() else p.parse_column_list()  # Kusto accepts an empty project
    return A.Project(columns, span=p.span(start.start))


def _name_patterns(p: Parser) -> tuple[A.Name | A.ColumnPattern, ...]:
    if p.at_clause_end():
        return ()  # Kusto accepts an empty list here
    columns = [p.parse_name_or_pattern()]
    while p.accept_op(","):
        columns.append(p.parse_name_or_pattern())
    return tuple(columns)


@_operator("project-away")
def _project_away(p: Parser, start: Token) -> A.ProjectAway:
    return A.ProjectAway(_name_patterns(p), span=p.span(start.start))


@_operator("project-keep")
def _project_keep(p: Parser, start: Token) -> A.ProjectKeep:
    return A.ProjectKeep(_name_patterns(p), span=p.span(start.start))


@_operator("project-rename")
def _project_rename(p: Parser, start: Token) -> A.ProjectRename:
    renames: list[A.NamedExpr] = []
    while True:
        new = p.parse_name("the new column name")
        if not p.at_op("=") and (p.at_clause_end() or p.at_op(",")):  # Kusto parses it, binding rejects it
            p.defer_semantic(f"expected '= OldName' after '{new.name}' (the form is 'project-rename NewName = "
                             "OldName')", new.span)
            old = new
        else:
            p.expect_op("=", f"after '{new.name}' (the form is 'project-rename NewName = OldName')")
            old = p.parse_name("the existing column name")
        renames.append(A.NamedExpr((new.name,), old, span=p.span(new.span[0])))
        if not p.accept_op(","):
            return A.ProjectRename(tuple(renames), span=p.span(start.start))


_REORDER_ORDERS = ("asc", "desc", "granny-asc", "granny-desc")


@_operator("project-reorder")
def _project_reorder(p: Parser, start: Token) -> A.ProjectReorder:
    columns: list[A.Name | A.ColumnPattern] = []
    orders: set[str] = set()
    while not p.at_clause_end():  # Kusto accepts an empty list
        columns.append(p.parse_name_or_pattern())
        if p.tok.kind == IDENT and p.tok.value in ("asc", "desc", "granny"):
            name, token = p.read_operator_name()
            if name not in _REORDER_ORDERS:
                raise p.error(f"expected asc, desc, granny-asc or granny-desc, not '{name}'", token)
            orders.add(name)
        if not p.accept_op(","):
            break
        if p.at_clause_end():
            raise p.expected("a column name after ','")
    if len(orders) > 1:
        p.defer(p.unsupported("project-reorder with different sort orders per column is not supported",
                              start.start, p.last_end))
    return A.ProjectReorder(tuple(columns), orders.pop() if orders else None, span=p.span(start.start))


@_operator("summarize")
def _summarize(p: Parser, start: Token) -> A.Summarize:
    _, hints = p.parse_options(())
    no_aggregates = p.at_clause_end() or (p.at_word("by") and not p.peek().is_op("="))
    aggregates: tuple = () if no_aggregates else p.parse_column_list()
    by: tuple = ()
    if p.accept_word("by"):
        by = p.parse_column_list()
    return A.Summarize(aggregates, by, hints, span=p.span(start.start))


@_operator("distinct")
def _distinct(p: Parser, start: Token) -> A.Distinct:
    p.parse_options(())
    if p.at_op("*"):
        star = p.advance()
        return A.Distinct((A.Star(span=(star.start, star.end)),), span=p.span(start.start))
    return A.Distinct(p.parse_column_list(), span=p.span(start.start))


@_operator("count")
def _count(p: Parser, start: Token) -> A.Count:
    return A.Count(span=p.span(start.start))


@_operator("take", "limit")
def _take(p: Parser, start: Token) -> A.Take:
    p.parse_options(())
    return A.Take(p.parse_expression(), span=p.span(start.start))


@_operator("top")
def _top(p: Parser, start: Token) -> A.Top:
    p.parse_options(())
    count = p.parse_expression()
    p.expect_word("by", "after the number of rows (the form is 'top 10 by Column desc')")
    return A.Top(count, p.parse_order_key(), span=p.span(start.start))


@_operator("sort", "order")
def _sort(p: Parser, start: Token) -> A.Sort:
    p.parse_options(())
    p.expect_word("by", f"after '{start.value}'")
    keys = [p.parse_order_key()]
    while p.accept_op(","):
        keys.append(p.parse_order_key())
    return A.Sort(tuple(keys), span=p.span(start.start))


def _join_kind(p: Parser, options: dict, allowed: dict[str, str], default: str) -> str:
    if "kind" not in options:
        return default
    value, token = options["kind"]
    if value not in allowed:
        raise p.error(f"unknown kind '{value}': expected one of {', '.join(sorted(allowed))}", token)
    return allowed[value]


@_operator("join")
def _join(p: Parser, start: Token) -> A.Join:
    options, hints = p.parse_options(("kind",))
    kind = _join_kind(p, options, _JOIN_KINDS, "innerunique")
    right = p.parse_table_operand()
    on: tuple[A.JoinKey, ...] = ()
    if p.accept_word("on"):
        on = p.parse_join_keys()
    return A.Join(right, on, kind, hints, span=p.span(start.start))


@_operator("lookup")
def _lookup(p: Parser, start: Token) -> A.Lookup:
    options, _ = p.parse_options(("kind",))
    kind = _join_kind(p, options, {"leftouter": "leftouter", "inner": "inner"}, "leftouter")
    right = p.parse_table_operand()
    p.expect_word("on", "after the lookup table (the form is 'lookup (Table) on Key')")
    return A.Lookup(right, p.parse_join_keys(), kind, span=p.span(start.start))


@_operator("mv-expand", "mvexpand")
def _mv_expand(p: Parser, start: Token) -> A.MvExpand:
    options, _ = p.parse_options(("bagexpansion", "with_itemindex", "kind"))
    bagexpansion = str(options.get("bagexpansion", options.get("kind", ("bag",)))[0])
    if bagexpansion not in ("bag", "array"):
        raise p.error(f"bagexpansion must be 'bag' or 'array', not '{bagexpansion}'")
    items = p.parse_expand_items()
    limit = p.parse_expression() if p.accept_word("limit") else None
    index = options.get("with_itemindex", (None,))[0]
    return A.MvExpand(items, bagexpansion, None if index is None else str(index), limit, span=p.span(start.start))


@_operator("mv-apply", "mvapply")
def _mv_apply(p: Parser, start: Token) -> A.MvApply:
    options, _ = p.parse_options(("with_itemindex", "context_id"))
    items = p.parse_expand_items()
    limit = p.parse_expression() if p.accept_word("limit") else None
    on = p.expect_word("on", "after the mv-apply items (the form is 'mv-apply x = Array on (subquery)')")
    opener = p.expect_op("(", "after 'on' to start the subquery")
    body = p.parse_operator_sequence(opener, on.start)
    index = options.get("with_itemindex", (None,))[0]
    return A.MvApply(items, body, None if index is None else str(index), limit, span=p.span(start.start))


def _parse_operator_node(p: Parser, start: Token, node_type: type[A.Parse]) -> A.Parse:
    options, _ = p.parse_options(("kind", "flags"))
    kind = str(options.get("kind", ("simple",))[0])
    if kind not in ("simple", "regex", "relaxed"):
        raise p.error(f"parse kind must be simple, regex or relaxed, not '{kind}'", options["kind"][1])
    flags = str(options.get("flags", ("",))[0])
    source = p.parse_expression()
    p.expect_word("with", f"after the text to {start.value} (the form is '{start.value} Column with \"x\" Name')")
    parts: list[A.Literal | A.Star | A.ParseColumn] = []
    while not p.at_clause_end():
        token = p.tok
        if token.kind == STRING:
            parts.append(p.parse_string_literal(token))
        elif token.kind == OP and token.value == "*":
            p.advance()
            parts.append(A.Star(span=(token.start, token.end)))
        elif p.at_name():
            if p.is_reserved(token):  # Kusto parses it and rejects it when binding
                p.defer_semantic(f"'{token.value}' is a reserved word: write ['{token.value}'] to use it as a "
                                 "column name", (token.start, token.end))
                p.advance()
                name = A.Name(token.value, span=(token.start, token.end))
            else:
                name = p.parse_name()
            ktype = p.parse_type() if p.accept_op(":") else None
            parts.append(A.ParseColumn(name.name, ktype, span=p.span(name.span[0])))
        else:
            raise p.expected("a string, '*' or a column name in the parse pattern")
    return node_type(source, tuple(parts), kind, flags, span=p.span(start.start))


OPERATORS["parse"] = lambda p, start: _parse_operator_node(p, start, A.Parse)
OPERATORS["parse-where"] = lambda p, start: _parse_operator_node(p, start, A.ParseWhere)


@_operator("make-series")
def _make_series(p: Parser, start: Token) -> A.MakeSeries:
    options, _ = p.parse_options(("kind",))
    aggregates: list[A.SeriesAggregate] = []
    while True:
        item_start = p.tok.start
        expr = p.parse_column()
        default = None
        if p.at_word("default") and p.peek().is_op("="):
            p.advance()
            p.advance()
            default = p.parse_expression()
        aggregates.append(A.SeriesAggregate(expr, default, span=p.span(item_start)))
        if not p.accept_op(","):
            break
    p.expect_word("on", "after the make-series aggregates (the form is 'make-series count() on TimeGenerated ...')")
    axis = p.parse_column()
    start_expr = end_expr = None
    if p.accept_word("in"):
        p.expect_word("range", "after 'in' (the form is 'in range(start, stop, step)')")
        opener = p.expect_op("(")
        start_expr = p.parse_expression()
        p.expect_op(",")
        end_expr = p.parse_expression()
        p.expect_op(",")
        step = p.parse_expression()
        p.expect_close(")", opener)
    else:
        if p.accept_word("from"):
            start_expr = p.parse_expression()
        if p.accept_word("to"):
            end_expr = p.parse_expression()
        p.expect_word("step", "in make-series (the form is 'on TimeGenerated from start to end step 1h')")
        step = p.parse_expression()
    by = p.parse_column_list() if p.accept_word("by") else ()
    kind = options.get("kind", (None,))[0]
    return A.MakeSeries(tuple(aggregates), axis, step, start_expr, end_expr, by,
                        None if kind is None else str(kind), span=p.span(start.start))


@_operator("as")
def _as(p: Parser, start: Token) -> A.As:
    _, hints = p.parse_options(())
    return A.As(p.parse_name("a name after 'as'").name, hints, span=p.span(start.start))


@_operator("serialize")
def _serialize(p: Parser, start: Token) -> A.Serialize:
    columns = () if p.at_clause_end() else p.parse_column_list()
    return A.Serialize(columns, span=p.span(start.start))


@_operator("top-nested")
def _top_nested(p: Parser, start: Token) -> A.TopNested:
    levels: list[A.TopNestedLevel] = []
    level_start = start
    while True:
        count = None if p.at_word("of") else p.parse_expression()
        p.expect_word("of", "in top-nested (the form is 'top-nested 3 of Column by count()')")
        of = p.parse_column()
        others = None
        if p.accept_word("with"):
            p.expect_word("others", "after 'with'")
            p.expect_op("=")
            others = p.parse_expression()
        p.expect_word("by", "in top-nested")
        by = p.parse_column()
        descending = not p.accept_word("asc")
        if descending:
            p.accept_word("desc")
        levels.append(A.TopNestedLevel(of, by, count, others, descending, span=p.span(level_start.start)))
        if not p.accept_op(","):
            return A.TopNested(tuple(levels), span=p.span(start.start))
        name, level_start = p.read_operator_name()
        if name != "top-nested":
            raise p.error(f"expected 'top-nested' after ',' but found '{name}'", level_start)


@_operator("invoke")
def _invoke(p: Parser, start: Token) -> A.Invoke:
    call = p.parse_postfix(p.parse_primary())
    if not isinstance(call, A.Call):
        raise p.error("expected a function call after 'invoke', e.g. invoke MyFunction()", start)
    return A.Invoke(call, span=p.span(start.start))


@_operator("partition")
def _partition(p: Parser, start: Token) -> A.Serialize:
    """Checked for syntax so a typo is reported as such, then refused: the engine does not run it."""
    p.parse_options(())
    p.expect_word("by", "after 'partition' (the form is 'partition by Column (subquery)')")
    p.parse_name("the partition column")
    opener = p.tok
    if p.accept_op("("):
        p.parse_operator_sequence(opener, opener.start)
    else:
        brace = p.expect_op("{", "to start the partition subquery")
        p.parse_any()
        p.expect_close("}", brace)
    p.defer(p.unsupported("the 'partition' operator is not supported", start.start, p.last_end))
    return A.Serialize(span=p.span(start.start))  # placeholder: the deferred error is always raised


@_operator("getschema")
def _getschema(p: Parser, start: Token) -> A.Getschema:
    return A.Getschema(span=p.span(start.start))


_CHARTS = frozenset((
    "table", "list", "barchart", "piechart", "ladderchart", "timechart", "linechart", "anomalychart", "pivotchart",
    "areachart", "stackedareachart", "scatterchart", "timepivot", "columnchart", "timeline", "card", "treemap",
    "sankey", "graph", "plotly", "3Dchart",
))


@_operator("render")
def _render(p: Parser, start: Token) -> A.Render:
    chart = p.tok
    if chart.kind != IDENT or chart.value not in _CHARTS:
        raise p.expected(f"a chart type after 'render' ({', '.join(sorted(_CHARTS))})")
    p.advance()
    properties: tuple[A.NamedExpr, ...] = ()
    if p.accept_word("with"):
        properties = _property_list(p, multi_valued=True)
    else:  # legacy form: render chart kind=stacked title="x"
        while p.tok.kind == IDENT and p.peek().is_op("="):
            properties += (p.parse_column(),)
    return A.Render(chart.value, properties, span=p.span(start.start))


@_operator("sample")
def _sample(p: Parser, start: Token) -> A.Sample:
    p.parse_options(())
    return A.Sample(p.parse_expression(), span=p.span(start.start))


@_operator("sample-distinct")
def _sample_distinct(p: Parser, start: Token) -> A.SampleDistinct:
    p.parse_options(())
    count = p.parse_expression()
    p.expect_word("of", "in sample-distinct (the form is 'sample-distinct 10 of Column')")
    return A.SampleDistinct(count, p.parse_expression(), span=p.span(start.start))


@_operator("fork")
def _fork(p: Parser, start: Token) -> A.Fork:
    branches: list[A.ForkBranch] = []
    while p.at_op("(") or (p.tok.kind == IDENT and p.peek().is_op("=")):
        branch_start = p.tok.start
        name = None
        if p.tok.kind == IDENT:
            name = p.advance().value
            p.advance()
        opener = p.expect_op("(", "to start a fork branch")
        operators = p.parse_operator_sequence(opener, opener.start)
        branches.append(A.ForkBranch(operators, name, span=p.span(branch_start)))
    if not branches:
        raise p.expected("a parenthesized branch after 'fork', e.g. fork (where X > 1) (count)")
    return A.Fork(tuple(branches), span=p.span(start.start))
