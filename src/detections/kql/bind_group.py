"""Binding of summarize, join and lookup: output naming exactly as Kusto (count_, set_X, arg_max
keeping its column's name, `by` columns first, X1 on a clash, join's right-side Key1)."""

from __future__ import annotations

from typing import Any

from detections.kql import ast
from detections.kql.binder import Binder, Env, item_names, register_operator, unknown_table
from detections.kql.compiler import CExpr, Scope, tuple_reader
from detections.kql.errors import KqlUnsupportedError
from detections.kql.naming import aggregate_name, next_column_name
from detections.kql.ops_core import Column, Op, unique_name
from detections.kql.ops_group import (
    JOIN_KINDS,
    Aggregate,
    Join,
    MakeSeries,
    NestedLevel,
    Summarize,
    TopNested,
    pick_extreme,
    pick_first,
)
from detections.kql.registry import AGGREGATES
from detections.kql.types import KType
from detections.kql.values import bin_value

_ALIASES = {"argmax": "arg_max", "argmin": "arg_min", "any": "take_any"}


class AggregateCollector:
    """Compiles each aggregate call met in a summarize expression into an Aggregate slot and
    returns a closure reading that slot from the row of aggregate values."""

    def __init__(self, binder: Binder, input_scope: Scope) -> None:
        self.binder, self.input_scope = binder, input_scope
        self.slots: list[Aggregate] = []
        self.types: list[KType] = []

    def add(self, node: ast.Call, scope: Scope) -> CExpr:
        function = AGGREGATES[node.name]
        compiler = self.binder.compiler
        compiler.check_arity(node, function.min_args, function.max_args)
        if any(isinstance(a, ast.Star) for a in node.args):
            raise self.binder.error(node, f"{node.name}(*) is only allowed as a whole summarize column")
        args = [compiler.compile_argument(a, self.input_scope) for a in node.args]
        compiler.check_constant_args(node, function.constant_args, args)
        result = compiler.result_type(node, function, args)
        count_rows = node.name == "count" and not args
        self.slots.append(Aggregate(function.impl, [a.fn for a in args], count_rows))
        self.types.append(result)
        slot = len(self.slots) - 1
        first = args[0].name if args else None
        name = aggregate_name(function.output_prefix, first) if function.output_prefix else (first or "Column1")
        if node.name == "percentile" and len(args) > 1:
            name = f"{name}_{_number_text(args[1].value)}"
        return CExpr(lambda values: values[slot], result, name, column=slot)

    def add_pick(self, pick: Any, fns: list[Any]) -> int:
        self.slots.append(Aggregate(None, fns, pick=pick))
        self.types.append(KType.DYNAMIC)
        return len(self.slots) - 1


def bind_summarize(binder: Binder, node: ast.Summarize, op: Op, env: Env) -> Op:
    input_scope = Scope(list(op.columns), env)
    columns: list[Column] = []
    keys = []
    for item in node.by:
        names, expr = item_names(item)
        compiled = binder.compiler.compile(expr, input_scope)
        if compiled.type is KType.DYNAMIC:
            raise binder.error(item, "a summarize group key cannot be dynamic: cast it (tostring(), toint(), ...)")
        name = names[0] or compiled.name or next_column_name([n for n, _ in columns])
        if (names[0] or compiled.column is not None) and any(n == name for n, _ in columns):
            raise binder.error(item, f"a column with the name '{name}' is already declared in this summarize")
        columns.append((unique_name(name, [n for n, _ in columns]), compiled.type))
        keys.append(compiled)
    collector = AggregateCollector(binder, input_scope)
    outputs: list[Any] = []
    # `*` in arg_max/take_any leaves out the input columns a key reads as such (`by A`, `by X = A`);
    # a column a computed key reads (`by bin(T, 1h)`) stays, renamed T1 beside the key T (Kusto.Language)
    by_names = {input_scope.columns[k.column][0] for k in keys if k.column is not None}
    for item in node.aggregates:
        names, expr = item_names(item)
        call_name = _ALIASES.get(expr.name, expr.name) if isinstance(expr, ast.Call) else None
        if call_name in ("arg_max", "arg_min") or (call_name == "take_any" and _is_multi(expr)):
            for name, ktype, fn in _expand_pick(binder, call_name, expr, names, collector, input_scope, by_names):
                columns.append((unique_name(name, [n for n, _ in columns]), ktype))
                outputs.append(fn)
            continue
        if call_name in _SPREAD and not names[0]:
            for name, ktype, fn in _spread(binder, expr, collector):
                columns.append((unique_name(name, [n for n, _ in columns]), ktype))
                outputs.append(fn)
            continue
        agg_scope = Scope([], env)
        agg_scope.aggregates = collector
        compiled = binder.compiler.compile(expr, agg_scope)
        if len(names) > 1:
            raise binder.error(item, "naming several columns is only allowed for arg_max/arg_min/take_any",
                               KqlUnsupportedError)
        if compiled.rowfree and not collector.slots:
            raise binder.error(item, "a summarize column must use an aggregate function (count(), sum(), ...)")
        name = names[0] or compiled.name or next_column_name([n for n, _ in columns])
        columns.append((unique_name(name, [n for n, _ in columns]), compiled.type))
        outputs.append(compiled.column if compiled.column is not None else compiled.fn)
    return Summarize(op, columns, [k.fn for k in keys], tuple_reader(keys), collector.slots, outputs)


_SPREAD = {"percentiles", "percentilesw"}


def _number_text(value: Any) -> str:
    """50 -> "50", 99.5 -> "99_5" (Kusto's column-name form of a percentile)."""
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return text.replace(".", "_")


def _spread(binder: Binder, call: ast.Call, collector: AggregateCollector) -> list[tuple[str, KType, Any]]:
    """percentiles(X, 50, 95): one column per requested percentile (percentile_X_50, ...)."""
    scope = Scope([], collector.input_scope.env)
    scope.aggregates = collector
    compiled = binder.compiler.compile(call, scope)
    slot = compiled.column
    first = binder.compiler.compile(call.args[0], collector.input_scope).name or ""
    out = []
    for j, arg in enumerate(call.args[1:]):
        value = binder.compiler.compile(arg, collector.input_scope).value
        out.append((f"percentile_{first}_{_number_text(value)}", compiled.type,
                    (lambda values, j=j: (values[slot] or [None] * (j + 1))[j])))
    return out


def _is_multi(call: ast.Call) -> bool:
    return len(call.args) > 1 or any(isinstance(a, ast.Star) for a in call.args)


def _expand_pick(binder: Binder, function: str, call: ast.Call, names: tuple, collector: AggregateCollector,
                 scope: Scope, by_names: set[str]) -> list[tuple[str, KType, Any]]:
    """arg_max(X, A, *) -> X, A, then every other input column (not the group keys); a pick row
    for take_any(A, B) / take_any(*)."""
    compiler = binder.compiler
    if not call.args:
        raise binder.error(call, f"{function}() needs arguments")
    parts: list[tuple[str, KType, Any]] = []
    seen: set[str] = set()
    key = None
    for position, arg in enumerate(call.args):
        if isinstance(arg, ast.Star):
            for i, (name, ktype) in enumerate(scope.columns):
                if name not in seen and name not in by_names:
                    seen.add(name)
                    parts.append((name, ktype, (lambda r, i=i: r[i])))
            continue
        compiled = compiler.compile(arg, scope)
        if position == 0 and function != "take_any":
            key = compiled
        prefix = "max" if function == "arg_max" else "min"
        name = compiled.name or (f"{prefix}_{key.name or ''}_arg{position}" if key is not None and position else
                                 next_column_name(seen))
        seen.add(name)
        parts.append((name, compiled.type, compiled.fn))
    for i, given in enumerate(names):
        if given and i < len(parts):
            parts[i] = (given, *parts[i][1:])
    if key is not None and key.type is KType.DYNAMIC:
        raise binder.error(call.args[0], f"{function}() cannot order by a dynamic value: cast it first")
    pick = pick_extreme(key.fn, function == "arg_max") if key is not None else pick_first
    slot = collector.add_pick(pick, [fn for _, _, fn in parts])
    return [(name, ktype, (lambda values, j=j: values[slot][j])) for j, (name, ktype, _) in enumerate(parts)]


def _unresolvable(binder: Binder, node: Any, left: Op, right: Op) -> bool:
    """A join key that only a table of unknown columns could supply (a missing fuzzy-union table,
    a failed let in check() mode, the columns of evaluate pivot/bag_unpack before the data is
    seen): the join gives an open table instead of a key error. Operators over such a source are
    bound leniently (`binder.unresolved`), however many operators lie between it and the join."""
    lindex, rindex = left.index(), right.index()
    left_open = left.open_schema or binder.unresolved is not None
    return any((k.left not in lindex and left_open) or (k.right not in rindex and right.open_schema)
               for k in node.on)


def _join_keys(binder: Binder, node: Any, left: Op, right: Op) -> tuple[list[int], list[int]]:
    lindex, rindex = left.index(), right.index()
    lkeys, rkeys = [], []
    for key in node.on:
        if key.left not in lindex:
            raise binder.error(key, f"join key '{key.left}' is not a column of the left table")
        if key.right not in rindex:
            raise binder.error(key, f"join key '{key.right}' is not a column of the right table")
        lt, rt = left.columns[lindex[key.left]][1], right.columns[rindex[key.right]][1]
        if KType.DYNAMIC in (lt, rt):
            raise binder.error(key, "join keys cannot be dynamic: cast them with tostring() first")
        if lt is not rt and KType.UNKNOWN not in (lt, rt) and not (lt.is_numeric and rt.is_numeric):
            raise binder.error(key, f"inconsistent data types for join keys: ({lt.value}, {rt.value})")
        lkeys.append(lindex[key.left])
        rkeys.append(rindex[key.right])
    if not lkeys:
        raise binder.error(node, "join needs an `on` clause (Kusto: Missing join on condition clause)")
    return lkeys, rkeys


def bind_join(binder: Binder, node: ast.Join, left: Op, env: Env) -> Op:
    kind = node.kind
    if kind not in JOIN_KINDS:
        raise binder.error(node, f"join kind '{kind}' is not supported", KqlUnsupportedError)
    right = binder.tabular(node.right, env)
    if _unresolvable(binder, node, left, right):
        return unknown_table()
    lkeys, rkeys = _join_keys(binder, node, left, right)
    if kind in ("leftsemi", "leftanti"):
        columns, keep = list(left.columns), []
    elif kind in ("rightsemi", "rightanti"):
        columns, keep = list(right.columns), list(range(len(right.columns)))
    else:
        keep = list(range(len(right.columns)))
        columns = _joined_columns(left.columns, [right.columns[i] for i in keep])
    return Join(left, right, kind, lkeys, rkeys, columns, keep)


def _joined_columns(left: list[Column], right: list[Column]) -> list[Column]:
    """Left columns, then right ones; a right name the left has gets the first number free on
    both sides (a right side already holding X1 makes a clashing X into X2), as Kusto.Language."""
    taken = {n for n, _ in left} | {n for n, _ in right}
    columns = list(left)
    left_names = {n for n, _ in left}
    for name, ktype in right:
        if name in left_names:
            name = unique_name(name, taken)
            taken.add(name)
        columns.append((name, ktype))
    return columns


def bind_lookup(binder: Binder, node: ast.Lookup, left: Op, env: Env) -> Op:
    if node.kind not in ("leftouter", "inner"):
        raise binder.error(node, f"lookup kind '{node.kind}' is not supported (use leftouter or inner)")
    right = binder.tabular(node.right, env)
    if _unresolvable(binder, node, left, right):
        return unknown_table()
    lkeys, rkeys = _join_keys(binder, node, left, right)
    keep = [i for i in range(len(right.columns)) if i not in rkeys]
    columns = _joined_columns(left.columns, [right.columns[i] for i in keep])
    return Join(left, right, node.kind, lkeys, rkeys, columns, keep)


def bind_make_series(binder: Binder, node: ast.MakeSeries, op: Op, env: Env) -> Op:
    """make-series: `by` columns, one dynamic array per aggregate, then the axis array."""
    if node.kind not in (None, "nonempty"):
        raise binder.error(node, f"make-series kind={node.kind} is not supported", KqlUnsupportedError)
    input_scope = Scope(list(op.columns), env)
    compiler = binder.compiler
    columns: list[Column] = []
    keys = []
    for item in node.by:
        names, expr = item_names(item)
        compiled = compiler.compile(expr, input_scope)
        if compiled.type is KType.DYNAMIC:
            raise binder.error(item, "a make-series group key cannot be dynamic: cast it first")
        columns.append((names[0] or compiled.name or next_column_name([n for n, _ in columns]), compiled.type))
        keys.append(compiled.fn)
    collector = AggregateCollector(binder, input_scope)
    defaults = []
    for item in node.aggregates:
        names, expr = item_names(item.expr)
        if not isinstance(expr, ast.Call) or expr.name not in AGGREGATES:
            raise binder.error(item, "each make-series column must be an aggregate function call")
        compiled = collector.add(expr, input_scope)
        default = compiler.compile(item.default, Scope([], env)).value if item.default is not None else 0
        defaults.append(default)
        columns.append((unique_name(names[0] or compiled.name, [n for n, _ in columns]), KType.DYNAMIC))
    axis_names, axis_expr = item_names(node.on)
    axis = compiler.compile(axis_expr, input_scope)
    if axis.type not in (KType.DATETIME, KType.TIMESPAN, KType.INT, KType.LONG, KType.REAL, KType.UNKNOWN):
        raise binder.error(node.on, f"the make-series axis must be a datetime, timespan or number, not {axis.type.value}")
    scalar = Scope([], env)
    step = compiler.compile(node.step, scalar)
    start = compiler.compile(node.start, scalar) if node.start is not None else None
    end = compiler.compile(node.end, scalar) if node.end is not None else None
    _check_series_bounds(binder, node, axis.type, step, start, end)
    axis_fn = axis.fn

    def bounds(rows: list) -> tuple:
        size = step.fn(())
        low = start.fn(()) if start is not None else (bin_value(min(axis_fn(r) for r in rows), size) if rows else None)
        high = end.fn(()) if end is not None else (bin_value(max(axis_fn(r) for r in rows), size) + size if rows else None)
        return low, high, size

    columns.append((unique_name(axis_names[0] or axis.name or "Column1", [n for n, _ in columns]), KType.DYNAMIC))
    return MakeSeries(op, columns, keys, axis_fn, collector.slots, defaults, bounds, node.kind == "nonempty")


def _check_series_bounds(binder: Binder, node: ast.MakeSeries, axis: KType, step: CExpr,
                         start: CExpr | None, end: CExpr | None) -> None:
    """from/to must have the axis's type and step the type of a distance along it (a timespan for
    datetimes), as Kusto requires."""
    distance = KType.TIMESPAN if axis in (KType.DATETIME, KType.TIMESPAN) else axis
    for label, bound, wanted, at in (("from", start, axis, node.start), ("to", end, axis, node.end),
                                     ("step", step, distance, node.step)):
        if bound is None or KType.UNKNOWN in (bound.type, wanted):
            continue
        integral = {KType.INT, KType.LONG}
        widening = wanted is KType.REAL and bound.type.is_numeric
        if bound.type is not wanted and not ({bound.type, wanted} <= integral or widening):
            raise binder.error(at, f"make-series {label} must be a {wanted.value} for a {axis.value} axis, "
                                   f"not a {bound.type.value}")


def bind_top_nested(binder: Binder, node: ast.TopNested, op: Op, env: Env) -> Op:
    """top-nested: per level the `of` column then its aggregate (`aggregated_<of>` unless named)."""
    scope = Scope(list(op.columns), env)
    columns: list[Column] = []
    levels = []
    for level in node.levels:
        of_names, of_expr = item_names(level.of)
        of = binder.compiler.compile(of_expr, scope)
        of_name = of_names[0] or of.name or next_column_name([n for n, _ in columns])
        agg_names, agg_expr = item_names(level.by)
        collector = AggregateCollector(binder, scope)
        agg_scope = Scope([], env)
        agg_scope.aggregates = collector
        compiled = binder.compiler.compile(agg_expr, agg_scope)
        if len(collector.slots) != 1 or compiled.column is None:
            raise binder.error(level.by, "top-nested ranks by one aggregate function call, e.g. by count()")
        count = binder.constant_count(level.count, env) if level.count is not None else None
        others = binder.compiler.compile(level.others, Scope([], env)).value if level.others is not None else None
        levels.append(NestedLevel(of.fn, collector.slots[0], count, level.descending, others, level.others is not None))
        columns.append((unique_name(of_name, [n for n, _ in columns]), of.type))
        columns.append((unique_name(agg_names[0] or f"aggregated_{of_name}", [n for n, _ in columns]), compiled.type))
    return TopNested(op, columns, levels)


register_operator(ast.TopNested, bind_top_nested)
register_operator(ast.MakeSeries, bind_make_series)
register_operator(ast.Summarize, bind_summarize)
register_operator(ast.Join, bind_join)
register_operator(ast.Lookup, bind_lookup)
