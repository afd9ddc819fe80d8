"""Binding of the operators that reshape rows: mv-expand, mv-apply, parse/parse-where,
sample-distinct, and the evaluate plugins bag_unpack and pivot."""

from __future__ import annotations

import re
from typing import Any

from detections.kql import ast
from detections.kql.bind_group import AggregateCollector
from detections.kql.binder import Binder, Deferred, Env, place_column, referenced_names, register_operator
from detections.kql.compiler import Scope
from detections.kql.errors import KqlSemanticError, KqlUnsupportedError
from detections.kql.functions.regex import RegexError, translate
from detections.kql.loading import converter
from detections.kql.ops_core import Column, Distinct, Op, Row, Runtime, Source, Take
from detections.kql.ops_group import evaluate_aggregate
from detections.kql.ops_rows import Holder, MvApply, MvExpand, Parse
from detections.kql.types import KType
from detections.kql.values import json_key, runtime_type, to_string


def _expand_op(binder: Binder, node: Any, op: Op, env: Env) -> MvExpand:
    scope = Scope(list(op.columns), env)
    columns = list(op.columns)
    fns, targets, converts = [], [], []
    for item in node.items:
        expr = item.expr
        name = expr.names[0] if isinstance(expr, ast.NamedExpr) else None
        compiled = binder.compiler.compile(expr.expr if isinstance(expr, ast.NamedExpr) else expr, scope)
        if compiled.type not in (KType.DYNAMIC, KType.UNKNOWN):
            raise binder.error(item, f"mv-expand needs a dynamic array or bag, got {compiled.type.value}")
        name = name or compiled.name
        if name is None:
            raise binder.error(item, "mv-expand of an expression needs a name: mv-expand Name = expression")
        ktype = item.to_type or KType.DYNAMIC
        at = place_column(columns, name, ktype)
        fns.append(compiled.fn)
        targets.append(at)
        converts.append(converter(ktype) if ktype is not KType.DYNAMIC else (lambda x: x))
    if node.with_itemindex:
        columns.append((node.with_itemindex, KType.LONG))
    limit = binder.constant_count(node.limit, env) if node.limit is not None else None
    bag_as_array = getattr(node, "bagexpansion", "bag") == "array"
    return MvExpand(op, columns, fns, targets, converts, bag_as_array, bool(node.with_itemindex), limit)


def bind_mv_expand(binder: Binder, node: ast.MvExpand, op: Op, env: Env) -> Op:
    return _expand_op(binder, node, op, env)


def bind_mv_apply(binder: Binder, node: ast.MvApply, op: Op, env: Env) -> Op:
    expand = _expand_op(binder, node, op, env)
    picks = sorted(set(expand.targets)) + ([len(expand.columns) - 1] if expand.with_index else [])
    holder = Holder([expand.columns[i] for i in picks])
    body = binder.operators(node.body, holder, env.child())
    return MvApply(op, expand, picks, holder, body)


# Captures are named groups (c0, c1, ...), so groups inside regex-kind literals do not shift them.
# Typed captures in simple and regex parsing: a value that does not have the column's type
# fails the whole match (relaxed parsing captures text and lets only that column be null).
_TYPED_CAPTURE = {KType.INT: r"-?\d+", KType.LONG: r"-?\d+", KType.REAL: r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"}


def bind_parse(binder: Binder, node: ast.Parse, op: Op, env: Env) -> Op:
    scope = Scope(list(op.columns), env)
    source = binder.compiler.compile(node.source, scope)
    columns = list(op.columns)
    pieces: list[str] = []
    targets, converts = [], []
    parts = node.pattern
    for position, part in enumerate(parts):
        last = position == len(parts) - 1
        if isinstance(part, ast.Literal):
            text = str(part.value)
            pieces.append(translate(text) if node.kind == "regex" else re.escape(text))
        elif isinstance(part, ast.Star):
            pieces.append(".*" if last else ".*?")
        else:
            ktype = part.ktype or KType.STRING
            if node.kind != "relaxed" and ktype in _TYPED_CAPTURE:
                pieces.append(f"(?P<c{len(targets)}>{_TYPED_CAPTURE[ktype]})")
            else:
                pieces.append(f"(?P<c{len(targets)}>.*)" if last else f"(?P<c{len(targets)}>.*?)")
            targets.append(place_column(columns, part.name, ktype))
            converts.append(converter(ktype))
    flags = re.DOTALL
    for flag in node.flags or "":
        flags |= {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL}.get(flag, 0)
    text = "".join(pieces)
    if "U" in (node.flags or ""):
        text = re.sub(r"(?<!\\)(\*|\+)(?!\?)", r"\1?", text)
    try:
        pattern = re.compile(text, flags)
    except (RegexError, re.error) as exc:
        raise binder.error(node, f"invalid parse pattern: {exc}") from None
    return Parse(op, columns, source.fn, pattern, targets, converts, isinstance(node, ast.ParseWhere))


def bind_evaluate(binder: Binder, node: ast.Evaluate, op: Op, env: Env) -> Op | Deferred:
    handler = _PLUGINS.get(node.plugin)
    if handler is None:
        raise binder.error(node, f"evaluate plugin '{node.plugin}' is not supported", KqlUnsupportedError)
    return handler(binder, node, op, env)


class LateBound(Op):
    """An operator whose output columns come from the data (bag_unpack): the operators after it are
    bound when the rows are known (bound again only when the columns change)."""

    label = "evaluate"

    def __init__(self, binder: Binder, produce: Any, rest: tuple, env: Env, static: Op) -> None:
        self.binder, self.produce, self.rest, self.env = binder, produce, rest, env
        self._plans: dict[tuple, tuple[Source, Op]] = {}
        # For bind(): the rest against the columns known without data; names that only the data
        # can supply read as unknown-typed instead of failing.
        outer, binder.unresolved = binder.unresolved, set()
        try:
            self.columns = binder.operators(rest, static, env).columns
        finally:
            binder.unresolved = outer

    def run(self, rt: Runtime) -> list[Row]:
        columns, rows = self.produce(rt)
        key = tuple(columns)
        cached = self._plans.get(key)
        if cached is None:
            holder = Source(columns, [], "bag_unpack")
            cached = self._plans[key] = (holder, self.binder.operators(self.rest, holder, self.env))
        holder, tail = cached
        holder.rows = rows
        self.columns = tail.columns
        return tail.run(rt)


_BAG_UNPACK_OPTIONS = ("Column", "OutputColumnPrefix", "columnsConflict", "ignoredProperties")
_CONFLICTS = ("error", "replace_source", "keep_source")


def _plugin_args(binder: Binder, node: ast.Evaluate, names: tuple[str, ...], scope: Scope) -> dict[str, Any]:
    """Positional and `name=value` plugin arguments by parameter name (constants except the first)."""
    given: dict[str, Any] = {}
    for position, arg in enumerate(node.args):
        if isinstance(arg, ast.NamedExpr):
            key = next((n for n in names if n.lower() == arg.names[0].lower()), None)
            if key is None:
                raise binder.error(arg, f"{node.plugin}() has no parameter '{arg.names[0]}'")
            given[key] = arg.expr
        elif position < len(names):
            given[names[position]] = arg
        else:
            raise binder.error(arg, f"{node.plugin}() takes at most {len(names)} arguments")
    values: dict[str, Any] = {}
    for key, expr in given.items():
        compiled = binder.compiler.compile(expr, scope)
        if key != names[0] and not compiled.const:
            raise binder.error(expr, f"{node.plugin}(): {key} must be a constant")
        values[key] = compiled if key == names[0] else compiled.value
    return values


def _slot_type(values: list[Any]) -> KType:
    """A slot's column type: the type all its non-null values share, else dynamic (as Kusto)."""
    kinds = {runtime_type(v) for v in values if v is not None}
    if len(kinds) == 1:
        (kind,) = kinds
        return kind if kind is not KType.UNKNOWN else KType.DYNAMIC
    return KType.DYNAMIC


def _bag_unpack(binder: Binder, node: ast.Evaluate, op: Op, env: Env) -> Deferred:
    """bag_unpack(Column [, OutputColumnPrefix] [, columnsConflict] [, ignoredProperties]) [: schema]:
    one column per top-level slot of the bags, typed by its values; a slot named like an input
    column is an error unless columnsConflict says to replace or keep the source column."""
    scope = Scope(list(op.columns), env)
    args = _plugin_args(binder, node, _BAG_UNPACK_OPTIONS, scope)
    bag = args.get("Column")
    if bag is None:
        raise binder.error(node, "bag_unpack() needs the dynamic column to unpack")
    prefix = args.get("OutputColumnPrefix") or ""
    conflict = args.get("columnsConflict") or "error"
    if conflict not in _CONFLICTS:
        raise binder.error(node, f"bag_unpack(): columnsConflict must be one of {', '.join(_CONFLICTS)}")
    ignored = set(args.get("ignoredProperties") or [])
    kept = [i for i in range(len(op.columns)) if i != bag.column]
    declared = _declared_output(node, op, kept)
    read = _declared_readers(declared, op, kept, prefix) if declared is not None else []

    def produce(rt: Runtime) -> tuple[list[Column], list[Row]]:
        rows = op.run(rt)
        bags = [value if type(value := bag.fn(r)) is dict else {} for r in rows]
        if declared is not None:
            return declared, [tuple(f(r, value) for f in read) for r, value in zip(rows, bags, strict=True)]
        slots = [k for k in dict.fromkeys(k for value in bags for k in value) if k not in ignored]
        base = [op.columns[i] for i in kept]
        clashes = {f"{prefix}{k}" for k in slots} & {n for n, _ in base}
        if clashes and conflict == "error":
            raise KqlSemanticError.at(f"bag_unpack(): the slot '{sorted(clashes)[0]}' clashes with an input column; "
                                      "pass columnsConflict='replace_source' or 'keep_source'", binder.text, node.span)
        if conflict == "keep_source":
            slots = [k for k in slots if f"{prefix}{k}" not in clashes]
        else:
            base = [c for c in base if c[0] not in clashes]
        keep = [i for i in kept if op.columns[i] in base]
        extra = [(f"{prefix}{k}", _slot_type([value.get(k) for value in bags])) for k in slots]
        out = [tuple(r[i] for i in keep) + tuple(value.get(k) for k in slots) for r, value in zip(rows, bags, strict=True)]
        return base + extra, out

    static = Source(declared or [op.columns[i] for i in kept], [], "bag_unpack")

    def finish(b: Binder, rest: tuple, env2: Env) -> Op:
        return LateBound(b, produce, rest, env2, static)

    return Deferred(finish)


def _declared_output(node: ast.Evaluate, op: Op, kept: list[int]) -> list[Column] | None:
    """The declared output schema; `(*, a:long)` puts the input's columns (but the unpacked one)
    first, less those the schema declares again."""
    if node.output is None:
        return None
    declared = [(c.name, c.ktype) for c in node.output]
    if not node.keep_input:
        return declared
    names = {n for n, _ in declared}
    return [op.columns[i] for i in kept if op.columns[i][0] not in names] + declared


def _declared_readers(declared: list[Column], op: Op, kept: list[int], prefix: str) -> list[Any]:
    """(row, bag) -> value of each declared column, converted to its declared type: the input
    column of that name, else the bag's slot (the name less OutputColumnPrefix)."""
    index = {op.columns[i][0]: i for i in kept}
    readers = []
    for name, ktype in declared:
        convert = converter(ktype)
        if name in index:
            readers.append(lambda r, _b, i=index[name], c=convert: c(r[i]))
        else:
            slot = name[len(prefix):] if name.startswith(prefix) else name
            readers.append(lambda _r, b, k=slot, c=convert: c(b.get(k)))
    return readers


def _pivot(binder: Binder, node: ast.Evaluate, op: Op, env: Env) -> Deferred:
    """pivot(Column [, aggregate [, group columns...]]): one output column per distinct value of
    Column (known only from the data), holding the aggregate (count() by default) of its rows."""
    if not node.args:
        raise binder.error(node, "pivot() needs the column whose values become columns")
    scope = Scope(list(op.columns), env)
    pivot = binder.compiler.compile(node.args[0], scope)
    collector = AggregateCollector(binder, scope)
    agg_scope = Scope([], env)
    agg_scope.aggregates = collector
    count = ast.Call("count", span=node.span)
    compiled = binder.compiler.compile(node.args[1] if len(node.args) > 1 else count, agg_scope)
    if len(collector.slots) != 1 or compiled.column is None:
        raise binder.error(node, "pivot() aggregates with one aggregate function call, e.g. sum(x)")
    aggregate, result_type = collector.slots[0], compiled.type
    groups = [binder.compiler.compile(g, scope) for g in node.args[2:]]
    if not groups:  # default: every column but the pivoted one and those the aggregation reads
        used = {pivot.name, *referenced_names(node.args[1] if len(node.args) > 1 else count)}
        groups = [binder.compiler.compile(ast.Name(n, span=node.span), scope) for n, _ in op.columns if n not in used]
    group_columns = [(g.name or f"Column{i + 1}", g.type) for i, g in enumerate(groups)]
    declared = [(c.name, c.ktype) for c in node.output] if node.output else None
    pivot_of, group_of = pivot.fn, [g.fn for g in groups]

    def produce(rt: Runtime) -> tuple[list[Column], list[Row]]:
        rows = op.run(rt)
        names: dict[str, None] = {}
        cells: dict[tuple, dict[str, list[Row]]] = {}
        keys: dict[tuple, tuple] = {}  # json_key form (bags as JSON text, true is not 1) -> the values
        for r in rows:
            name = to_string(pivot_of(r))
            names[name] = None
            key = tuple([f(r) for f in group_of])
            hashed = tuple([json_key(v) for v in key])
            keys.setdefault(hashed, key)
            cells.setdefault(hashed, {}).setdefault(name, []).append(r)
        value_names = sorted(names)
        empty = evaluate_aggregate(aggregate, [])  # an absent cell holds the aggregate of no rows (count -> 0)
        out = [keys[hashed] + tuple(evaluate_aggregate(aggregate, by_value[n]) if n in by_value else empty
                                    for n in value_names)
               for hashed, by_value in cells.items()]
        columns = group_columns + [(n, result_type) for n in value_names]
        if declared is None:
            return columns, out
        if [n for n, _ in declared] != [n for n, _ in columns]:  # as Kusto: the schema must match
            raise KqlSemanticError.at(f"pivot(): the data gives columns {', '.join(n for n, _ in columns)}, "
                                      "not the declared output schema", binder.text, node.span)
        return declared, out

    static = Source(declared or group_columns, [], "pivot")
    return Deferred(lambda b, rest, env2: LateBound(b, produce, rest, env2, static))


def bind_sample_distinct(binder: Binder, node: ast.SampleDistinct, op: Op, env: Env) -> Op:
    """sample-distinct n of expr: up to n distinct values of expr (which ones is unspecified)."""
    projected = binder.operators((ast.Project((node.of,), span=node.span),), op, env)
    return Take(Distinct(projected), binder.constant_count(node.count, env))


# evaluate plugins whose output columns come from the data (see Deferred and LateBound)
_PLUGINS = {"bag_unpack": _bag_unpack, "pivot": _pivot}

register_operator(ast.MvExpand, bind_mv_expand)
register_operator(ast.MvApply, bind_mv_apply)
register_operator(ast.Parse, bind_parse)
register_operator(ast.ParseWhere, bind_parse)
register_operator(ast.Evaluate, bind_evaluate)
register_operator(ast.SampleDistinct, bind_sample_distinct)
