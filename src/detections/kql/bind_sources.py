"""Binding of table sources: datatable, print, range, union, externaldata, _GetWatchlist(),
materialize() and table()."""

from __future__ import annotations

from typing import Any

from detections.kql import ast, operators
from detections.kql.bind_columns import item_columns
from detections.kql.binder import (
    WATCHLIST_COLUMNS,
    Binder,
    Env,
    register_operator,
    register_source,
    register_table_function,
    source_name,
)
from detections.kql.compiler import Scope
from detections.kql.errors import KqlSemanticError, KqlUnsupportedError
from detections.kql.loading import convert_rows, converter, watchlist_rows
from detections.kql.ops_core import Cached, Column, Computed, Op, Runtime, Source, unique_name


def bind_materialize(binder: Binder, node: Any, env: Env) -> Op:
    if len(node.args) != 1:
        raise binder.error(node, "materialize() takes one tabular argument")
    return Cached(binder.tabular(node.args[0], env))


def _name_argument(binder: Binder, node: Any, env: Env, what: str) -> str:
    """The constant string first argument of table('T') or _GetWatchlist('alias')."""
    arg = binder.compiler.compile(node.args[0], Scope([], env)) if node.args else None
    if arg is None or not arg.const or not isinstance(arg.value, str):
        raise binder.error(node, f"{node.name}() needs a constant {what}")
    return arg.value


def bind_table_function(binder: Binder, node: Any, env: Env) -> Op:
    return binder.table_by_name(_name_argument(binder, node, env, "table name"), node, env)


def bind_watchlist(binder: Binder, node: Any, env: Env) -> Op:
    alias = _name_argument(binder, node, env, "watchlist alias")
    columns = list(WATCHLIST_COLUMNS)
    taken = {n for n, _ in columns}
    extra = [(n, t) for n, t in binder.watchlists.get(alias, []) if n not in taken]
    columns += extra
    def produce(rt: Runtime) -> list[tuple]:
        rows = rt.watchlists.get(alias)
        if rows is None:
            rt.warnings.append(f"watchlist '{alias}' was not provided: _GetWatchlist('{alias}') is empty")
            return []
        return watchlist_rows(rows, columns)

    return Computed(columns, produce, "_GetWatchlist")


def bind_externaldata(binder: Binder, node: ast.ExternalData, env: Env) -> Op:
    columns = [(c.name, c.ktype) for c in node.columns]
    urls = [binder.compiler.compile(u, Scope([], env)).value for u in node.urls]
    def produce(rt: Runtime) -> list[tuple]:
        out: list[tuple] = []
        for url in urls:
            rows = rt.externaldata.get(url)
            if rows is None:
                rt.warnings.append(f"externaldata '{url}' was not provided: it reads as an empty table")
                continue
            out.extend(convert_rows(rows, columns))
        return out

    return Computed(columns, produce, "externaldata")


def bind_datatable(binder: Binder, node: ast.Datatable, env: Env) -> Op:
    columns = [(c.name, c.ktype) for c in node.columns]
    width = len(columns)
    values = [binder.compiler.compile(v, Scope([], env)) for v in node.values]
    if width == 0 or len(values) % width:
        raise binder.error(node, f"datatable has {len(values)} value(s) for {width} column(s)")
    if not all(v.const for v in values):
        raise binder.error(node, "datatable values must be constants")
    convs = [converter(t) for _, t in columns]
    rows = [tuple(convs[j](values[i + j].value) for j in range(width)) for i in range(0, len(values), width)]
    return Source(columns, rows, "datatable")


def bind_print(binder: Binder, node: ast.Print, env: Env) -> Op:
    scope = Scope([], env)
    columns: list[Column] = []
    fns = []
    for position, item in enumerate(node.columns):
        for name, ktype, fn in item_columns(binder, item, scope, [], f"print_{position}", named_only=True):
            columns.append((unique_name(name, [n for n, _ in columns]), ktype))
            fns.append(fn)
    # a fresh (empty) row object per run: multi-column functions memoise their value by row identity
    return Computed(columns, lambda rt: [tuple([f(row) for row in ([],) for f in fns])], "print")


def bind_range(binder: Binder, node: ast.Range, env: Env) -> Op:
    scope = Scope([], env)
    start, stop, step = (binder.compiler.compile(x, scope) for x in (node.start, node.stop, node.step))
    # the loop compares start with stop and adds step: both must be defined for these types
    for symbol, other, at in (("<=", stop, node.stop), ("+", step, node.step)):
        if operators.resolve(symbol, start.type, other.type) is None:
            label = "to" if other is stop else "step"
            raise binder.error(at, f"range: a {label} of type {other.type.value} does not go with a from of type "
                                   f"{start.type.value} (numbers step by numbers, datetimes and timespans by timespans)")

    def produce(rt: Runtime) -> list[tuple]:
        lo, hi, by = start.fn(()), stop.fn(()), step.fn(())
        if lo is None or hi is None or not by:
            return []
        out, value = [], lo
        ascending = by > type(by)(0) if not hasattr(by, "total_seconds") else by.total_seconds() > 0
        while (value <= hi) if ascending else (value >= hi):
            out.append((value,))
            value = value + by
            if len(out) > 10_000_000:
                raise KqlUnsupportedError("range produces more than 10,000,000 rows")
        return out

    numbers = Computed([(node.name, start.type)], produce, "range")
    numbers.serialized = True  # range's rows are in order (window functions may run on them)
    return numbers


def bind_union(binder: Binder, node: ast.Union, env: Env, piped: Op | None = None) -> Op:
    parts: list[tuple[str, Op]] = []
    if piped is not None:
        parts.append((source_name(piped), piped))
    for table in node.tables:
        try:
            if isinstance(table, ast.TableRef) and "*" in table.name:
                parts.extend(binder.wildcard_tables(table, env))
            else:
                parts.append((_table_label(table), binder.tabular(table, env)))
        except KqlSemanticError:
            # isfuzzy tolerates a table the workspace lacks, nothing else: a leg with any other
            # problem fails bind() exactly as check() reports it (dropping it would hide the error
            # and silently never run that leg)
            missing = binder.missing_table(table, env) if node.isfuzzy else None
            if missing is None:
                raise
            parts.append((_table_label(table), missing))
    if not parts:
        raise binder.error(node, "union has no tables to read")
    union = binder.union_of(parts, node.withsource, node.kind == "inner", node)
    union.open_schema = any(op.open_schema for _, op in parts)
    union.fuzzy = node.isfuzzy
    return union


def bind_union_operator(binder: Binder, node: ast.Union, op: Op, env: Env) -> Op:
    """`T | union U`: the piped table comes first."""
    return bind_union(binder, node, env, piped=op)


def _table_label(node: Any) -> str:
    if isinstance(node, ast.TableRef):
        return node.name
    if isinstance(node, ast.Pipe):
        return _table_label(node.source)
    return ""


register_source(ast.Datatable, bind_datatable)
register_source(ast.Print, bind_print)
register_source(ast.Range, bind_range)
register_source(ast.Union, bind_union)
register_source(ast.ExternalData, bind_externaldata)
register_operator(ast.Union, bind_union_operator)
register_table_function("materialize", bind_materialize)
register_table_function("_GetWatchlist", bind_watchlist)
register_table_function("table", bind_table_function)
