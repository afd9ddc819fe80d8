"""Scalar expressions -> typed Python closures over row tuples, compiled once per query plan.

The binder calls `Compiler.compile(node, scope)`; the result (`CExpr`) carries the static type the
binder reports, the derived column name Kusto would give it, and `fn(row)`, the closure the executor
runs. Operators resolve through detections.kql.operators and functions through the registries,
so the binder's types and the executor's behaviour come from one declaration.

Hot-path rules: a column reference is `row[i]`; constants are folded; a constant right operand is
prepared once (`Operation.prepare`); an expression that reads no column but depends on the run
(`ago(1h)`) is evaluated once per run and cached in the Runtime.
"""

from __future__ import annotations

import operator as py_operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from detections.kql import ast, naming, operators
from detections.kql import values as v
from detections.kql.errors import KqlError, KqlUnsupportedError
from detections.kql.functions import UNSUPPORTED
from detections.kql.functions.regex import REGEX_ARGUMENTS, RegexError, compile_regex
from detections.kql.ops_core import Column, Runtime, Window
from detections.kql.registry import AGGREGATES, SCALARS
from detections.kql.types import KType

if TYPE_CHECKING:
    from detections.kql.binder import Binder

RowFn = Callable[[tuple], Any]
U = KType.UNKNOWN
_MISSING = object()
# Functions taking (predicate, value) pairs then an else value: an odd argument count.
_PAIRED = frozenset({"case"})
# Functions whose result differs per call: never folded into a constant.
_VOLATILE = frozenset({"rand", "new_guid", "now", "ago"})


@dataclass(slots=True)
class CExpr:
    """A compiled scalar expression."""

    fn: RowFn
    type: KType
    name: str | None = None  # Kusto's derived column name, None -> ColumnN
    const: bool = False  # value known at compile time (`value`)
    value: Any = None
    rowfree: bool = False  # reads no column (may still depend on the run, e.g. now())
    column: int | None = None  # set when the expression is exactly row[column]


def constant(value: Any, ktype: KType, name: str | None = None) -> CExpr:
    """A value known when binding. A dict or list (`dynamic([...])`, a folded pack_array()) is copied
    each time it is read: the plan is cached and shared, so what a result holds must be the caller's."""
    if type(value) in (dict, list):
        return CExpr(lambda _r: v.copy_json(value), ktype, name, const=True, value=value, rowfree=True)
    return CExpr(lambda _r: value, ktype, name, const=True, value=value, rowfree=True)


def column_ref(index: int, ktype: KType, name: str) -> CExpr:
    """row[index], as operator.itemgetter: a C call, cheaper than a Python closure on hot paths."""
    return CExpr(py_operator.itemgetter(index), ktype, name, column=index)


def tuple_reader(exprs: list[CExpr]) -> RowFn:
    """row -> tuple of the expressions' values; plain column reads become one C-level itemgetter."""
    if exprs and all(e.column is not None for e in exprs):
        picker = py_operator.itemgetter(*[e.column for e in exprs])
        return picker if len(exprs) > 1 else (lambda r: (picker(r),))
    fns = [e.fn for e in exprs]
    return lambda r: tuple([f(r) for f in fns])


@dataclass
class Scope:
    """What a scalar expression can see: the input row's columns (by name), the let bindings,
    and, for extend/project over serialized rows, the Window of row-position functions."""

    columns: list[Column]
    env: Any  # binder.Env
    window: Window | None = None
    window_used: bool = False
    aggregates: Any = None  # summarize: collects aggregate calls (bind_group.AggregateCollector)
    index: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.index = {name: i for i, (name, _) in enumerate(self.columns)}


class Compiler:
    """Compiles expression nodes of one query (shares the query's Binder and Runtime)."""

    def __init__(self, binder: Binder) -> None:
        self.binder = binder
        self.rt: Runtime = binder.rt

    # -- entry points ------------------------------------------------------------------------

    def compile(self, node: Any, scope: Scope) -> CExpr:
        handler = _HANDLERS.get(type(node))
        if handler is None:
            raise self.binder.error(node, f"{type(node).__name__} is not valid in a scalar expression", KqlUnsupportedError)
        return handler(self, node, scope)

    def per_run(self, fn: RowFn) -> RowFn:
        """Evaluate a row-independent closure once per run (ago(1d), toscalar(...))."""
        rt, key = self.rt, object()

        def cached(r: tuple) -> Any:
            cache = rt.cache
            value = cache.get(key, _MISSING)
            if value is _MISSING:
                value = cache[key] = fn(r)
            return value

        return cached

    def _finish(self, fn: RowFn, ktype: KType, name: str | None, parts: list[CExpr], foldable: bool = True) -> CExpr:
        """Fold all-constant expressions; cache row-free ones per run."""
        rowfree = all(p.rowfree for p in parts)
        if foldable and all(p.const for p in parts):
            try:
                return constant(fn(()), ktype, name)
            except Exception:  # noqa: BLE001 - a failing constant is reported when it runs
                pass
        if rowfree and parts:
            return CExpr(self.per_run(fn), ktype, name, rowfree=True)
        return CExpr(fn, ktype, name, rowfree=rowfree)

    # -- leaves --------------------------------------------------------------------------------

    def _literal(self, node: ast.Literal, scope: Scope) -> CExpr:
        return constant(node.value, node.ktype)

    def _name(self, node: ast.Name, scope: Scope) -> CExpr:
        index = scope.index.get(node.name)
        if index is not None:
            return column_ref(index, scope.columns[index][1], node.name)
        bound = scope.env.lookup(node.name)
        if bound is not None and bound.kind == "poisoned":
            return constant(None, U, node.name)
        if bound is not None and bound.kind == "scalar":
            found: CExpr = bound.value
            return CExpr(found.fn, found.type, node.name, found.const, found.value, found.rowfree, None)
        if bound is not None and bound.kind == "function" and not bound.value.params:
            return self.binder.inline_function(bound, (), node, scope)
        return self.binder.unknown_name(node, scope)

    # -- operators -----------------------------------------------------------------------------

    def _unary(self, node: ast.Unary, scope: Scope) -> CExpr:
        operand = self.compile(node.operand, scope)
        op = operators.resolve("unary" + node.op, operand.type)
        if op is None:
            raise self.binder.error(node, operators.mismatch_message(node.op, operand.type))
        impl, f = op.impl, operand.fn
        return self._finish(lambda r: impl(f(r)), op.result, None, [operand])

    def _binary(self, node: ast.Binary, scope: Scope) -> CExpr:
        if isinstance(node.left, ast.Star):
            return self._any_column(node, scope)
        left, right = self.compile(node.left, scope), self.compile(node.right, scope)
        symbol = node.op
        op = self._resolve(node, symbol, left.type, right.type)
        if symbol in ("and", "or"):  # short-circuit: the operator combines the operands' row functions
            return self._finish(op.impl(left.fn, right.fn), op.result, None, [left, right])
        return self._finish(self._apply2(op, left, right, symbol, node), op.result, None, [left, right])

    def _any_column(self, node: ast.Binary, scope: Scope) -> CExpr:
        """`* has "x"` (where/search): true when any column, as text, satisfies the operator."""
        right = self.compile(node.right, scope)
        op = self._resolve(node, node.op, KType.STRING, right.type)
        impl, rf, text = op.impl, right.fn, v.to_string
        if right.const and op.prepare is not None:
            run = self._prepare(op, right.value, node)
            return CExpr(lambda r: any(run(x if type(x) is str else text(x)) is True for x in r), KType.BOOL)
        return CExpr(lambda r: any(impl(x if type(x) is str else text(x), rf(r)) is True for x in r), KType.BOOL)

    def _resolve(self, node: Any, symbol: str, *types: KType) -> operators.Operation:
        try:
            op = operators.resolve(symbol, *types)
        except KeyError:
            raise self.binder.error(node, f"operator '{symbol}' is not supported", KqlUnsupportedError) from None
        if op is None:
            raise self.binder.error(self._operator_at(node), operators.mismatch_message(symbol, *types))
        return op

    def _operator_at(self, node: Any) -> Any:
        """Where a binary operator's own token is (Kusto points type errors at it, not at the left operand)."""
        left, right = getattr(node, "left", None), getattr(node, "right", None)
        if left is None or right is None:
            return node
        text = self.binder.text
        start = left.span[1]
        while start < right.span[0] and text[start].isspace():
            start += 1
        return ast.Name(text[start:right.span[0]].strip(), span=(start, right.span[0]))

    def _prepare(self, op: operators.Operation, constant_value: Any, node: Any) -> Callable[[Any], Any]:
        """Per-query work on a constant operand (compile a regex, lower-case a needle) done once; a
        constant the operator rejects (an invalid regex) is the author's error, reported here."""
        try:
            return op.prepare(constant_value)
        except KqlError:
            raise
        except Exception as exc:  # noqa: BLE001 - e.g. RegexError from an invalid pattern
            raise self.binder.error(node, str(exc)) from None

    def _apply2(self, op: operators.Operation, left: CExpr, right: CExpr, symbol: str, node: Any) -> RowFn:
        """Specialised closures for the shapes that dominate real rules (column op constant)."""
        impl, lf, rf, i = op.impl, left.fn, right.fn, left.column
        if symbol in ("==", "!=") and left.type is KType.STRING and right.type is KType.STRING:
            if right.const:
                c = right.value
                if i is not None:
                    return (lambda r: r[i] == c) if symbol == "==" else (lambda r: r[i] != c)
                return (lambda r: lf(r) == c) if symbol == "==" else (lambda r: lf(r) != c)
            return (lambda r: lf(r) == rf(r)) if symbol == "==" else (lambda r: lf(r) != rf(r))
        ordered = _ordered_pair(symbol, left.type, right.type)
        if ordered is not None:
            return _compare(ordered, left, right)
        if right.const:
            c = right.value
            if op.prepare is not None:
                run = self._prepare(op, c, node)
                return (lambda r: run(r[i])) if i is not None else (lambda r: run(lf(r)))
            return (lambda r: impl(r[i], c)) if i is not None else (lambda r: impl(lf(r), c))
        return lambda r: impl(lf(r), rf(r))

    def _in_list(self, node: ast.InList, scope: Scope) -> CExpr:
        left = self.compile(node.left, scope)
        items = [self._list_item(item, scope) for item in node.items]
        op = self._resolve(node, node.op, left.type, KType.DYNAMIC)
        lf = left.fn
        fns = [it.fn for it in items]
        tabular = [isinstance(item, ast.Node) and self.binder.is_tabular(item, scope.env) for item in node.items]

        def gather(r: tuple) -> list[Any]:
            out: list[Any] = []
            for fn, is_table in zip(fns, tabular, strict=True):
                value = fn(r)
                if is_table:
                    out.extend(value)
                else:
                    out.append(value)
            return out

        if all(it.rowfree for it in items):
            if all(it.const for it in items) and not any(tabular):
                run = self._prepare(op, gather(()), node) if op.prepare else None
                if run is not None:
                    fn = (lambda r: run(r[left.column])) if left.column is not None else (lambda r: run(lf(r)))
                    return self._finish(fn, KType.BOOL, None, [left])
            prepared = self.per_run(lambda r: op.prepare(gather(r)) if op.prepare else gather(r))
            if op.prepare:
                return self._finish(lambda r: prepared(r)(lf(r)), KType.BOOL, None, [left, *items])
            impl = op.impl
            return self._finish(lambda r: impl(lf(r), prepared(r)), KType.BOOL, None, [left, *items])
        impl = op.impl
        return self._finish(lambda r: impl(lf(r), gather(r)), KType.BOOL, None, [left, *items])

    def _list_item(self, item: Any, scope: Scope) -> CExpr:
        """An in-list item: a scalar, or a subquery whose first column supplies the values."""
        if self.binder.is_tabular(item, scope.env):
            op = self.binder.subquery(item, scope)
            rt = self.rt
            return CExpr(self.per_run(lambda _r: [row[0] for row in op.run(rt)] if op.columns else []),
                         KType.DYNAMIC, rowfree=True)
        return self.compile(item, scope)

    def _between(self, node: ast.Between, scope: Scope) -> CExpr:
        parts = [self.compile(n, scope) for n in (node.left, node.low, node.high)]
        symbol = "!between" if node.negated else "between"
        op = self._resolve(node, symbol, *(p.type for p in parts))
        impl = op.impl
        f0, f1, f2 = (p.fn for p in parts)
        if parts[1].const and parts[2].const:
            lo, hi = parts[1].value, parts[2].value
            return self._finish(lambda r: impl(f0(r), lo, hi), op.result, None, parts)
        return self._finish(lambda r: impl(f0(r), f1(r), f2(r)), op.result, None, parts)

    # -- dynamic access --------------------------------------------------------------------------

    def _check_dynamic(self, node: Any, target: CExpr) -> None:
        if target.type not in (KType.DYNAMIC, U):
            raise self.binder.error(node, f"'{target.name or 'expression'}' is of type {target.type.value}; "
                                          "member and index access need a dynamic value (use parse_json())")

    def _member(self, node: ast.Member, scope: Scope) -> CExpr:
        target = self.compile(node.target, scope)
        self._check_dynamic(node, target)
        key, tf = node.name, target.fn
        name = f"{target.name}_{key}" if target.name else None
        i = target.column

        def fn(r: tuple) -> Any:
            value = r[i] if i is not None else tf(r)
            return value.get(key) if type(value) is dict else None

        return self._finish(fn, KType.DYNAMIC, name, [target])

    def _index(self, node: ast.Index, scope: Scope) -> CExpr:
        target = self.compile(node.target, scope)
        self._check_dynamic(node, target)
        position = self.compile(node.index, scope)
        tf, pf, index = target.fn, position.fn, v.index
        name = f"{target.name}_{position.value}" if target.name and position.const else None
        if position.const:
            p = position.value
            return self._finish(lambda r: index(tf(r), p), KType.DYNAMIC, name, [target, position])
        return self._finish(lambda r: index(tf(r), pf(r)), KType.DYNAMIC, name, [target, position])

    # -- calls -------------------------------------------------------------------------------------

    def _call(self, node: ast.Call, scope: Scope) -> CExpr:
        special = CONTEXT_FUNCTIONS.get(node.name)
        if special is not None:
            return special(self, node, scope)
        bound = scope.env.lookup(node.name)
        if bound is not None and bound.kind == "poisoned":
            return constant(None, U)
        if bound is not None and bound.kind == "function":
            return self.binder.inline_function(bound, node.args, node, scope)
        function = SCALARS.get(node.name)
        if function is None:
            if node.name in AGGREGATES and scope.aggregates is not None:
                return scope.aggregates.add(node, scope)
            if node.name in AGGREGATES:
                raise self.binder.error(node, f"aggregate function '{node.name}()' can only be used in summarize "
                                              "(or make-series)")
            return self.binder.unknown_function(node, scope)
        self.check_arity(node, function.min_args, function.max_args)
        if node.name in _PAIRED and len(node.args) % 2 == 0:
            raise self.binder.error(node, f"{node.name}() takes predicate/value pairs and a final else value, "
                                          f"so an odd number of arguments; got {len(node.args)}")
        args = [self.compile_argument(a, scope) for a in node.args]
        if node.name in UNSUPPORTED:
            return CExpr(_unsupported(self.binder.error(node, UNSUPPORTED[node.name], KqlUnsupportedError)),
                         function.result_type([a.type for a in args]) or U)
        self.check_constant_args(node, function.constant_args, args)
        self._check_pattern(node, args)
        result = self.result_type(node, function, args)
        name = naming.call_name(node.name, [a.name for a in args])
        fn = self._call_closure(function, args)
        foldable = node.name not in _VOLATILE and not function.needs_context
        return self._finish(fn, result, name, args, foldable)

    def _check_pattern(self, node: ast.Call, args: list[CExpr]) -> None:
        """A regex argument (extract, trim, replace_regex ...) must be a constant, valid pattern:
        Kusto rejects the query otherwise, so we report it when binding, not as nulls at run time."""
        position = REGEX_ARGUMENTS.get(node.name)
        if position is None or position >= len(args):
            return
        pattern = args[position]
        if not pattern.const:
            raise self.binder.error(node.args[position], f"the regular expression of {node.name}() must be a "
                                                         "constant (a literal or a let of one)")
        if isinstance(pattern.value, str):
            try:
                compile_regex(pattern.value)
            except RegexError as exc:
                raise self.binder.error(node.args[position], f"{node.name}(): {exc}") from None

    def compile_argument(self, node: Any, scope: Scope) -> CExpr:
        """A call argument: typeof(T) passes its type name as the value and the named type as the
        argument's type (result rules such as extract(..., typeof(int)) read it); tabular args are
        unsupported here."""
        if isinstance(node, ast.TypeOf):
            return constant(node.ktype.value, node.ktype)
        if self.binder.is_tabular(node, scope.env):
            raise self.binder.error(node, "a tabular argument is only allowed in toscalar(), materialize() "
                                          "or a tabular function", KqlUnsupportedError)
        return self.compile(node, scope)

    def check_constant_args(self, node: ast.Call, positions: tuple[int, ...], args: list[CExpr]) -> None:
        """Arguments a function declares constant (a make_set size, a format) must be known when binding."""
        for position in positions:
            if position < len(args) and not args[position].const:
                raise self.binder.error(node.args[position], f"argument {position + 1} of {node.name}() must be a constant")

    def result_type(self, node: ast.Call, function: Any, args: list[CExpr]) -> KType:
        """The result type a registry function (scalar or aggregate) declares for these arguments;
        argument types it does not accept are the author's error."""
        result = function.result_type([a.type for a in args])
        if result is None:
            raise self.binder.error(node, f"{node.name}() does not accept arguments of types "
                                          f"({', '.join(a.type.value for a in args)})")
        return result

    def check_arity(self, node: ast.Call, low: int, high: int | None) -> None:
        n = len(node.args)
        if n < low or (high is not None and n > high):
            expected = f"{low}" if low == high else (f"at least {low}" if high is None else f"{low} to {high}")
            raise self.binder.error(node, f"{node.name}() expects {expected} argument(s), got {n}")

    def _call_closure(self, function: Any, args: list[CExpr]) -> RowFn:
        impl = function.impl
        if function.needs_context:
            rt = self.rt
            raw = impl
            impl = lambda *a: raw(rt, *a)  # noqa: E731 - bound once per call site
        fns = [a.fn for a in args]
        consts = [a.const for a in args]
        if function.null_propagating:
            if len(fns) == 1:
                (f0,) = fns

                def call1(r: tuple) -> Any:
                    x = f0(r)
                    return None if x is None else impl(x)

                return call1

            def call_n(r: tuple) -> Any:
                values = [f(r) for f in fns]
                return None if None in values else impl(*values)

            return call_n
        if not fns:
            return lambda _r: impl()
        i = args[0].column
        if len(fns) == 1:
            f0 = fns[0]
            return (lambda r: impl(r[i])) if i is not None else (lambda r: impl(f0(r)))
        if len(fns) == 2:
            f0, f1 = fns
            if consts[1]:
                c1 = args[1].value
                return (lambda r: impl(r[i], c1)) if i is not None else (lambda r: impl(f0(r), c1))
            return lambda r: impl(f0(r), f1(r))
        return lambda r: impl(*[f(r) for f in fns])

    # -- functions only the executor can provide ------------------------------------------------

    def _toscalar(self, node: ast.Call, scope: Scope) -> CExpr:
        self.check_arity(node, 1, 1)
        op = self.binder.subquery(node.args[0], scope)
        if not op.columns:
            raise self.binder.error(node, "toscalar() needs a query with at least one column")
        rt, ktype = self.rt, op.columns[0][1]

        def first(_r: tuple) -> Any:
            rows = op.run(rt)
            return rows[0][0] if rows else None

        return CExpr(self.per_run(first), ktype, None, rowfree=True)

    def _window(self, node: ast.Call, scope: Scope) -> Window:
        if scope.window is None:
            raise self.binder.error(node, f"{node.name}() needs serialized rows: put `| serialize` (or a sort or "
                                          "top) before it; summarize, join, distinct and mv-expand drop the order")
        scope.window_used = True
        return scope.window

    def _row_number(self, node: ast.Call, scope: Scope) -> CExpr:
        self.check_arity(node, 0, 2)
        window = self._window(node, scope)
        args = [self.compile(a, scope) for a in node.args]
        start = args[0].value if args and args[0].const else 1
        restart = args[1].fn if len(args) > 1 else None
        key = object()

        def fn(r: tuple) -> Any:
            state = window.state
            if restart is not None and restart(r) is True or key not in state:
                state[key] = start
            else:
                state[key] += 1
            return state[key]

        return CExpr(fn, KType.LONG)

    def _prev_next(self, node: ast.Call, scope: Scope) -> CExpr:
        """prev/next(Column [, Offset [, Default]]): the offset may vary per row (Kusto allows
        prev(x, n)); the default must be a constant."""
        self.check_arity(node, 1, 3)
        window = self._window(node, scope)
        value = self.compile(node.args[0], scope)
        offset = self.compile(node.args[1], scope) if len(node.args) > 1 else constant(1, KType.LONG)
        if offset.type not in (KType.INT, KType.LONG, U):
            raise self.binder.error(node.args[1], f"{node.name}(): the offset must be an integer, "
                                                  f"not a {offset.type.value}")
        default = self.compile(node.args[2], scope) if len(node.args) > 2 else constant(None, value.type)
        if not default.const:
            raise self.binder.error(node.args[2], f"{node.name}(): the default value must be a constant")
        sign, vf, fallback = (-1 if node.name == "prev" else 1), value.fn, default.value

        if offset.const:
            step = sign * int(offset.value or 0)

            def fn(_r: tuple) -> Any:
                pos = window.pos + step
                rows = window.rows
                return vf(rows[pos]) if 0 <= pos < len(rows) else fallback
        else:
            of = offset.fn

            def fn(r: tuple) -> Any:
                count = of(r)
                if count is None:
                    return fallback
                pos = window.pos + sign * count
                rows = window.rows
                return vf(rows[pos]) if 0 <= pos < len(rows) else fallback

        return CExpr(fn, value.type, value.name)

    def _row_cumsum(self, node: ast.Call, scope: Scope) -> CExpr:
        self.check_arity(node, 1, 2)
        window = self._window(node, scope)
        term = self.compile(node.args[0], scope)
        if not term.type.is_numeric and term.type is not U:
            raise self.binder.error(node, "row_cumsum() needs a numeric argument")
        restart = self.compile(node.args[1], scope).fn if len(node.args) > 1 else None
        tf, key = term.fn, object()

        def fn(r: tuple) -> Any:
            state = window.state
            x = tf(r) or 0
            if restart is not None and restart(r) is True or key not in state:
                state[key] = x
            else:
                state[key] += x
            return state[key]

        return CExpr(fn, term.type)

    def _row_rank(self, node: ast.Call, scope: Scope) -> CExpr:
        """row_rank_dense(Term [, restart]) counts the distinct Term values met so far;
        row_rank_min(Term [, restart]) is the row number where the current run of equal values began."""
        self.check_arity(node, 1, 2)
        window = self._window(node, scope)
        term = self.compile(node.args[0], scope).fn
        restart = self.compile(node.args[1], scope).fn if len(node.args) > 1 else None
        dense, key = node.name == "row_rank_dense", object()

        def fn(r: tuple) -> Any:
            state = window.state
            x = term(r)
            found = state.get(key)
            if found is None or (restart is not None and restart(r) is True):
                number = rank = 1
            else:
                number, rank, previous = found
                number += 1
                if x != previous:
                    rank = rank + 1 if dense else number
            state[key] = (number, rank, x)
            return rank

        return CExpr(fn, KType.LONG)

    def _row_window_session(self, node: ast.Call, scope: Scope) -> CExpr:
        """row_window_session(Expr, MaxDistanceFromFirst, MaxDistanceBetweenNeighbors [, Restart]):
        the Expr value that started the row's session. A row starts a session when there is no
        session (first row, or after a null), when it is at least MaxDistanceFromFirst after the
        session's start or MaxDistanceBetweenNeighbors after the previous row, or when Restart is true."""
        self.check_arity(node, 3, 4)
        window = self._window(node, scope)
        args = [self.compile(a, scope) for a in node.args]
        if args[0].type not in (KType.DATETIME, U) or any(a.type not in (KType.TIMESPAN, U) for a in args[1:3]):
            raise self.binder.error(node, "row_window_session() takes a datetime and two timespans "
                                          "(e.g. row_window_session(TimeGenerated, 1h, 5m))")
        if not (args[1].rowfree and args[2].rowfree):
            raise self.binder.error(node, "row_window_session(): the two distances must be constants")
        value, first_gap, neighbor_gap = args[0].fn, args[1].fn, args[2].fn
        restart = args[3].fn if len(args) > 3 else None
        key = object()

        def fn(r: tuple) -> Any:
            state = window.state
            x = value(r)
            start, previous = state.get(key, (None, None))
            if x is None:
                state[key] = (None, None)
                return None
            if (start is None or previous is None or x >= start + first_gap(r) or x >= previous + neighbor_gap(r)
                    or (restart is not None and restart(r) is True)):
                start = x
            state[key] = (start, x)
            return start

        return CExpr(fn, KType.DATETIME)

    def _pack_all(self, node: ast.Call, scope: Scope) -> CExpr:
        self.check_arity(node, 0, 1)
        names = [name for name, _ in scope.columns]
        flag = self.compile(node.args[0], scope) if node.args else constant(False, KType.BOOL)
        if not flag.const or flag.type not in (KType.BOOL, U):
            raise self.binder.error(node.args[0], "pack_all(): ignore_null_empty must be a literal true or false")
        if flag.value is True:
            return CExpr(lambda r: {n: x for n, x in zip(names, r, strict=False) if x is not None and x != ""},
                         KType.DYNAMIC)
        return CExpr(lambda r: dict(zip(names, r, strict=False)), KType.DYNAMIC)

    def _column_ifexists(self, node: ast.Call, scope: Scope) -> CExpr:
        self.check_arity(node, 2, 2)
        name = self.compile(node.args[0], scope)
        if not name.const or not isinstance(name.value, str):
            raise self.binder.error(node.args[0], "columnifexists() needs a constant column name")
        index = scope.index.get(name.value)
        if index is not None:
            return column_ref(index, scope.columns[index][1], name.value)
        default = self.compile(node.args[1], scope)
        return CExpr(default.fn, default.type, name.value, default.const, default.value, default.rowfree)

    def _ingestion_time(self, node: ast.Call, scope: Scope) -> CExpr:
        """ingestion_time(): when Sentinel ingested the record. Replayed logs have no separate
        ingestion clock, so it is the row's TimeGenerated (null where that column is gone)."""
        self.check_arity(node, 0, 0)
        index = scope.index.get("TimeGenerated")
        if index is None or scope.columns[index][1] is not KType.DATETIME:
            return constant(None, KType.DATETIME, "$IngestionTime")
        return CExpr(py_operator.itemgetter(index), KType.DATETIME, "$IngestionTime", column=index)

    def _materialize(self, node: ast.Call, scope: Scope) -> CExpr:
        raise self.binder.error(node, f"{node.name}() returns a table; it cannot be used as a scalar")


_ORDERINGS = {"<": py_operator.lt, "<=": py_operator.le, ">": py_operator.gt, ">=": py_operator.ge}
_NUMBERS = (KType.INT, KType.LONG, KType.REAL)


def _ordered_pair(symbol: str, left: KType, right: KType) -> Callable[[Any, Any], bool] | None:
    """Python's own comparison when both sides have one ordered type (numbers, datetimes, timespans):
    only null needs handling, so the hot `TimeGenerated > ago(1d)` is one call per row."""
    compare = _ORDERINGS.get(symbol)
    if compare is None:
        return None
    if (left in _NUMBERS and right in _NUMBERS) or (left is right and left in (KType.DATETIME, KType.TIMESPAN)):
        return compare
    return None


def _compare(compare: Callable[[Any, Any], bool], left: CExpr, right: CExpr) -> RowFn:
    lf, rf, i = left.fn, right.fn, left.column
    if right.const:
        c = right.value
        if c is None:
            return lambda _r: None
        if i is not None:
            return lambda r: None if (a := r[i]) is None else compare(a, c)
        return lambda r: None if (a := lf(r)) is None else compare(a, c)

    def fn(r: tuple) -> Any:
        a = lf(r)
        if a is None:
            return None
        b = rf(r)
        return None if b is None else compare(a, b)

    return fn


def _unsupported(error: Exception) -> RowFn:
    """A declared function this engine cannot evaluate: binding succeeds, running says so."""

    def fn(_r: tuple) -> Any:
        raise error

    return fn


_HANDLERS: dict[type, Callable[[Compiler, Any, Scope], CExpr]] = {
    ast.Literal: Compiler._literal,
    ast.Name: Compiler._name,
    ast.Unary: Compiler._unary,
    ast.Binary: Compiler._binary,
    ast.InList: Compiler._in_list,
    ast.Between: Compiler._between,
    ast.Member: Compiler._member,
    ast.Index: Compiler._index,
    ast.Call: Compiler._call,
}

# Functions the compiler builds itself because they need more than their arguments: the window of
# serialized rows, the input columns, or a subquery. They shadow any registry entry of the same name.
CONTEXT_FUNCTIONS: dict[str, Callable[[Compiler, ast.Call, Scope], CExpr]] = {
    "toscalar": Compiler._toscalar,
    "row_number": Compiler._row_number,
    "prev": Compiler._prev_next,
    "next": Compiler._prev_next,
    "row_cumsum": Compiler._row_cumsum,
    "row_window_session": Compiler._row_window_session,
    "row_rank_dense": Compiler._row_rank,
    "row_rank_min": Compiler._row_rank,
    "pack_all": Compiler._pack_all,
    "columnifexists": Compiler._column_ifexists,
    "column_ifexists": Compiler._column_ifexists,
    "materialize": Compiler._materialize,
    "ingestion_time": Compiler._ingestion_time,
}

