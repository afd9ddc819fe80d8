"""Binding of the operators that filter, compute and arrange columns: where, extend, project and
its variants, take/sample, sort/top, distinct, count, serialize, as, invoke, getschema, render."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from typing import Any

from detections.kql import ast
from detections.kql.binder import Binder, Binding, Env, item_names, near, place_column, register_operator
from detections.kql.compiler import CExpr, Scope, constant
from detections.kql.functions.series import MULTI_COLUMN
from detections.kql.naming import next_column_name
from detections.kql.ops_core import (
    Cached,
    Column,
    Compute,
    Computed,
    Count,
    Distinct,
    Filter,
    Op,
    Runtime,
    Sort,
    SortKey,
    Source,
    Take,
    Top,
    Window,
)
from detections.kql.types import KType


def bind_where(binder: Binder, node: ast.Where, op: Op, env: Env) -> Op:
    scope = binder.scope(op, env, Window() if op.serialized else None)
    pred = binder.compiler.compile(node.predicate, scope)
    if pred.type not in (KType.BOOL, KType.DYNAMIC, KType.UNKNOWN):
        raise binder.error(node.predicate, f"where needs a bool condition, got {pred.type.value}")
    if scope.window_used:
        return _windowed_filter(op, pred, scope.window)
    return Filter(op, pred.fn)


def bind_extend(binder: Binder, node: ast.Extend, op: Op, env: Env) -> Op:
    return extend_items(binder, op, node.columns, env, "extend")


def extend_items(binder: Binder, op: Op, items: tuple, env: Env, label: str) -> Op:
    """extend: an existing name is replaced in place, a new one appended (as Kusto.Language
    does); every item reads the input row, so `extend a = 1, b = a + 1` is an unknown-name error."""
    columns, parts = list(op.columns), list(range(len(op.columns)))
    serialized = op.serialized or label == "serialize"
    window = Window() if serialized else None
    scope = Scope(list(op.columns), env, window)
    assigned: set[str] = set()
    for item in items:
        explicit = set(item_names(item)[0])
        for name, ktype, fn in item_columns(binder, item, scope, [n for n, _ in columns]):
            if name in assigned and name in explicit:  # implicit names (toint(A)) may repeat
                raise binder.error(item, f"a column with the name '{name}' is already declared in this {label}")
            assigned.add(name)
            at = place_column(columns, name, ktype)
            if at == len(parts):
                parts.append(fn)
            else:
                parts[at] = fn
    return Compute(op, columns, parts, label, window if _used_window(parts) else None, serialized)


def item_columns(binder: Binder, item: Any, scope: Scope, taken: list[str], default: str | None = None,
                 named_only: bool = False) -> list[tuple[str, KType, Any]]:
    """Columns made by one extend/project/print item: usually one, named `default` (print's
    `print_N`) or Kusto's derived name; a function returning several (series_stats,
    series_decompose_anomalies, ...) gives one per part, named `<function>_<argument>_<part>` unless
    `(a, b) = ...` names them (`named_only`: print keeps just the named parts, as Kusto does)."""
    names, expr = item_names(item)
    scope.window_used = False
    compiled = binder.compiler.compile(expr, scope)
    fn = _WindowFn(compiled.fn) if scope.window_used else compiled.fn
    parts = MULTI_COLUMN.get(expr.name) if isinstance(expr, ast.Call) else None
    if parts is None:
        if len(names) > 1:
            raise binder.error(item, f"{len(names)} names given for an expression that returns one column")
        return [(names[0] or default or compiled.name or next_column_name(taken), compiled.type, fn)]
    if named_only and names[0] is not None:
        parts = parts[:len(names)]
    first = binder.compiler.compile(expr.args[0], scope).name if expr.args else None
    whole = _memo_by_row(fn)
    return [(names[j] if j < len(names) and names[j] else f"{expr.name}_{first or ''}_{suffix}", ktype,
             (lambda r, j=j: (whole(r) or _NO_PARTS)[j])) for j, (suffix, ktype) in enumerate(parts)]


def bind_project(binder: Binder, node: ast.Project, op: Op, env: Env) -> Op:
    window = Window() if op.serialized else None
    scope = Scope(list(op.columns), env, window)
    columns: list[Column] = []
    parts: list[Any] = []
    for item in node.columns:
        if isinstance(item, ast.ColumnPattern):
            for i in _match(binder, item, op):
                columns.append(op.columns[i])
                parts.append(i)
            continue
        if isinstance(item, ast.Name) and item.name in scope.index:
            made = [(item.name, op.columns[scope.index[item.name]][1], scope.index[item.name])]
        else:
            made = item_columns(binder, item, scope, [n for n, _ in columns] + [n for n, _ in op.columns])
        for name, ktype, fn in made:
            if any(n == name for n, _ in columns):
                raise binder.error(item, f"a column with the name '{name}' is already declared in this project")
            columns.append((name, ktype))
            parts.append(fn)
    return Compute(op, columns, parts, "project", window if _used_window(parts) else None)


def _match(binder: Binder, item: Any, op: Op) -> list[int]:
    """Column positions named by a Name or wildcard pattern (an unknown plain name is an error)."""
    if isinstance(item, ast.ColumnPattern):
        return [i for i, (n, _) in enumerate(op.columns) if fnmatch.fnmatchcase(n, item.pattern)]
    index = op.index().get(item.name)
    if index is None:
        binder.raise_or_collect(binder.error(item, f"unknown column '{item.name}'{near(item.name, list(op.index()))}"),
                                constant(None, KType.UNKNOWN))
        return []
    return [index]


def bind_project_away(binder: Binder, node: ast.ProjectAway, op: Op, env: Env) -> Op:
    drop = {i for item in node.columns for i in _match(binder, item, op)}
    keep = [i for i in range(len(op.columns)) if i not in drop]
    return Compute(op, [op.columns[i] for i in keep], keep, "project-away")


def bind_project_keep(binder: Binder, node: ast.ProjectKeep, op: Op, env: Env) -> Op:
    keep_set = {i for item in node.columns for i in _match(binder, item, op)}
    keep = sorted(keep_set)
    return Compute(op, [op.columns[i] for i in keep], keep, "project-keep")


def bind_project_rename(binder: Binder, node: ast.ProjectRename, op: Op, env: Env) -> Op:
    columns = list(op.columns)
    taken = {name for name, _ in op.columns}
    for item in node.renames:
        old, new = item.expr, item.names[0]
        if not isinstance(old, ast.Name):
            raise binder.error(item, "project-rename needs `NewName = ExistingColumn`")
        (at,) = _match(binder, old, op) or [None]
        if new in taken:  # as Kusto.Language: never a second column of that name (even `A = A`)
            raise binder.error(item, f"a column with the name '{new}' is already declared")
        taken.add(new)
        if at is not None:
            columns[at] = (new, columns[at][1])
    return Compute(op, columns, list(range(len(columns))), "project-rename")


def bind_project_reorder(binder: Binder, node: ast.ProjectReorder, op: Op, env: Env) -> Op:
    first: list[int] = []
    for item in node.columns:
        matched = _match(binder, item, op)
        twice = set(matched) & set(first)
        if twice:
            raise binder.error(item, f"column '{op.columns[min(twice)][0]}' is listed twice")
        if isinstance(item, ast.ColumnPattern) and node.order:
            matched.sort(key=lambda i: op.columns[i][0], reverse=node.order == "desc")
        first.extend(i for i in matched if i not in first)
    order = first + [i for i in range(len(op.columns)) if i not in first]
    return Compute(op, [op.columns[i] for i in order], order, "project-reorder")


def bind_take(binder: Binder, node: ast.Take, op: Op, env: Env) -> Op:
    return Take(op, binder.constant_count(node.count, env))


def _order_keys(binder: Binder, keys: tuple, op: Op, env: Env, allow_dynamic: bool) -> list[SortKey]:
    """Sort keys; Kusto.Language rejects dynamic ones in `sort` (cast them) but not in `top`."""
    scope = binder.scope(op, env)
    out = []
    for key in keys:
        compiled = binder.compiler.compile(key.expr, scope)
        if compiled.type is KType.DYNAMIC and not allow_dynamic:
            raise binder.error(key, "a sort key cannot be dynamic: cast it (tostring(), todouble(), ...)")
        out.append(SortKey(compiled.fn, key.descending, key.nulls_first))
    return out


def bind_sort(binder: Binder, node: ast.Sort, op: Op, env: Env) -> Op:
    return Sort(op, _order_keys(binder, node.keys, op, env, allow_dynamic=False))


def bind_top(binder: Binder, node: ast.Top, op: Op, env: Env) -> Op:
    return Top(op, binder.constant_count(node.count, env), _order_keys(binder, (node.by,), op, env, allow_dynamic=True))


def bind_distinct(binder: Binder, node: ast.Distinct, op: Op, env: Env) -> Op:
    if len(node.columns) == 1 and isinstance(node.columns[0], ast.Star):
        projected = op
    else:
        projected = bind_project(binder, ast.Project(node.columns, span=node.span), op, env)
    if any(t is KType.DYNAMIC for _, t in projected.columns):
        raise binder.error(node, "distinct cannot compare dynamic columns: cast them (tostring(), ...)")
    return Distinct(projected)


def bind_count(binder: Binder, node: ast.Count, op: Op, env: Env) -> Op:
    return Count(op)


def bind_serialize(binder: Binder, node: ast.Serialize, op: Op, env: Env) -> Op:
    return extend_items(binder, op, node.columns, env, "serialize")


def bind_as(binder: Binder, node: ast.As, op: Op, env: Env) -> Op:
    cached = Cached(op)
    env.names[node.name] = Binding("table", cached)
    return cached


def bind_render(binder: Binder, node: ast.Render, op: Op, env: Env) -> Op:
    return op


def bind_getschema(binder: Binder, node: ast.Getschema, op: Op, env: Env) -> Op:
    rows = [(name, i, _DOTNET_TYPES.get(t, "System.Object"), t.value) for i, (name, t) in enumerate(op.columns)]
    columns = [("ColumnName", KType.STRING), ("ColumnOrdinal", KType.LONG), ("DataType", KType.STRING),
               ("ColumnType", KType.STRING)]
    return Source(columns, rows, "getschema")


def bind_invoke(binder: Binder, node: ast.Invoke, op: Op, env: Env) -> Op:
    bound = env.lookup(node.call.name)
    if bound is None or bound.kind != "function":
        raise binder.error(node, f"invoke needs a tabular function; '{node.call.name}' is not one")
    return binder.call_tabular_function(bound, node.call.args, node.call.named, node, env, piped=op)


def bind_sample(binder: Binder, node: ast.Sample, op: Op, env: Env) -> Op:
    return Take(op, binder.constant_count(node.count, env))


class _WindowFn:
    """Marks a closure that reads the row position (row_number, prev, next, row_cumsum)."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable) -> None:
        self.fn = fn

    def __call__(self, row: tuple) -> Any:
        return self.fn(row)


_NO_PARTS: tuple = (None,) * 16


def _memo_by_row(fn: Callable) -> Callable:
    """Evaluate a multi-column function once per row although each of its columns asks for it."""
    last: list = [None, None]

    def cached(r: tuple) -> Any:
        if last[0] is not r:
            last[0], last[1] = r, fn(r)
        return last[1]

    return cached


def _used_window(parts: list[Any]) -> bool:
    return any(isinstance(p, _WindowFn) for p in parts)


def _windowed_filter(op: Op, pred: CExpr, window: Window) -> Op:
    """where over serialized rows whose predicate reads the row position (row_number() < 10)."""
    test = pred.fn

    def produce(rt: Runtime) -> list[tuple]:
        rows = op.run(rt)
        window.rows, window.state = rows, {}
        out = []
        for pos, r in enumerate(rows):
            window.pos = pos
            if test(r) is True:
                out.append(r)
        return out

    filtered = Computed(list(op.columns), produce, "where")
    filtered.serialized = op.serialized
    return filtered


_DOTNET_TYPES = {
    KType.BOOL: "System.SByte", KType.INT: "System.Int32", KType.LONG: "System.Int64", KType.REAL: "System.Double",
    KType.DECIMAL: "System.Data.SqlTypes.SqlDecimal", KType.STRING: "System.String", KType.DATETIME: "System.DateTime",
    KType.TIMESPAN: "System.TimeSpan", KType.GUID: "System.Guid", KType.DYNAMIC: "System.Object",
}


_HANDLERS: dict[type, Callable[[Binder, Any, Op, Env], Op]] = {
    ast.Where: bind_where,
    ast.Extend: bind_extend,
    ast.Project: bind_project,
    ast.ProjectAway: bind_project_away,
    ast.ProjectKeep: bind_project_keep,
    ast.ProjectRename: bind_project_rename,
    ast.ProjectReorder: bind_project_reorder,
    ast.Take: bind_take,
    ast.Sort: bind_sort,
    ast.Top: bind_top,
    ast.Distinct: bind_distinct,
    ast.Count: bind_count,
    ast.Serialize: bind_serialize,
    ast.As: bind_as,
    ast.Render: bind_render,
    ast.Getschema: bind_getschema,
    ast.Invoke: bind_invoke,
    ast.Sample: bind_sample,
}
for _node_type, _handler in _HANDLERS.items():
    register_operator(_node_type, _handler)
