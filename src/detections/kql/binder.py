"""Binder: resolves names and types and builds the executable plan in the same pass.

Binding a query *is* building its plan: every tabular operator becomes a plan node that knows its
output columns (names, types, positions) and every scalar expression is compiled once into a
closure. `bind()` reports the plan's columns, `run_query()` runs the very same plan, so the two
cannot disagree. In `collect` mode the binder records every diagnostic it can find instead of
stopping at the first one (validators show them all).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from detections.kql import ast
from detections.kql.compiler import CExpr, Compiler, Scope, constant
from detections.kql.errors import KqlError, KqlSemanticError, KqlUnsupportedError
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
    TableScan,
    Take,
    Top,
    Union,
    Window,
    unique_name,
)
from detections.kql.types import KType

TABULAR = (ast.TableRef, ast.Datatable, ast.Print, ast.Range, ast.Union, ast.ExternalData,
           ast.FunctionCallSource, ast.Find, ast.Search, ast.Evaluate, ast.Pipe)


@dataclass
class Binding:
    """A let-bound name: a scalar (CExpr), a table (Op) or a function (LetFunction + its env)."""

    kind: str
    value: Any
    env: Env | None = None


@dataclass
class Env:
    """Lexical scope of let statements (functions close over the scope they were declared in)."""

    names: dict[str, Binding] = field(default_factory=dict)
    parent: Env | None = None

    def lookup(self, name: str) -> Binding | None:
        env: Env | None = self
        while env is not None:
            found = env.names.get(name)
            if found is not None:
                return found
            env = env.parent
        return None

    def child(self) -> Env:
        return Env(parent=self)


@dataclass
class Plan:
    """A bound query: the root plan node, its Runtime and the tables it reads."""

    op: Op
    runtime: Runtime
    tables: set[str]

    @property
    def columns(self) -> list[Column]:
        return self.op.columns


# Default columns of Sentinel's _GetWatchlist() before the watchlist's own columns.
WATCHLIST_COLUMNS: list[Column] = [
    ("_DTItemId", KType.STRING), ("LastUpdatedTimeUTC", KType.DATETIME),
    ("SearchKey", KType.STRING), ("WatchlistItem", KType.DYNAMIC),
]


class Binder:
    """Binds one query text against table schemas; see the module docstring."""

    def __init__(self, text: str, schemas: dict[str, list[Column]],
                 watchlists: dict[str, list[Column]] | None = None, collect: bool = False) -> None:
        self.text, self.schemas, self.collect = text, schemas, collect
        self.watchlists = watchlists or {}
        self.errors: list[KqlError] = []
        self.rt = Runtime()
        self.compiler = Compiler(self)
        self.tables_used: set[str] = set()

    # -- diagnostics -------------------------------------------------------------------------------

    def error(self, node: Any, message: str, cls: type[KqlError] = KqlSemanticError) -> KqlError:
        span = getattr(node, "span", (0, 0))
        return cls.at(message, self.text, span)

    def _soft(self, err: KqlError, fallback: CExpr) -> CExpr:
        """Raise, or in collect mode record the error and continue with an unknown-typed value."""
        if not self.collect:
            raise err
        self.errors.append(err)
        return fallback

    # search/find bind one predicate against several tables: names a table lacks are collected
    # here (and read as null) instead of failing, when this is a set.
    unresolved: set[str] | None = None

    def unknown_name(self, node: ast.Name, scope: Scope) -> CExpr:
        if self.unresolved is not None:
            self.unresolved.add(node.name)
            return constant(None, KType.UNKNOWN, node.name)
        if scope.aggregates is not None and node.name in scope.aggregates.input_scope.index:
            message = f"summarize: column '{node.name}' must be inside an aggregate function (or listed after `by`)"
            return self._soft(self.error(node, message), constant(None, KType.UNKNOWN, node.name))
        if not scope.columns:  # no input row: the author probably meant a table
            message = f"unknown table or variable '{node.name}'{_near(node.name, list(self.schemas))}"
        else:
            message = f"unknown column or variable '{node.name}'{_near(node.name, [n for n, _ in scope.columns])}"
        return self._soft(self.error(node, message), constant(None, KType.UNKNOWN, node.name))

    def unknown_function(self, node: ast.Call, scope: Scope) -> CExpr:
        from detections.kql.registry import SCALARS

        hint = _near(node.name, list(SCALARS))
        return self._soft(self.error(node, f"unknown function '{node.name}()'{hint}"), constant(None, KType.UNKNOWN))

    # -- entry -------------------------------------------------------------------------------------

    def bind_query(self, query: ast.Query) -> Plan:
        env = Env()
        for statement in query.statements:
            self._guard(lambda s=statement: self._statement(s, env))
        body = query.body
        if not self.is_tabular(body, env):
            raise self.error(body, "the query must end in a tabular expression (a table, print, datatable, ...)",
                             KqlUnsupportedError)
        op = self.tabular(body, env)
        return Plan(op, self.rt, self.tables_used)

    def _guard(self, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except KqlError as err:
            if not self.collect:
                raise
            self.errors.append(err)
            return None

    def _statement(self, node: Any, env: Env) -> None:
        if isinstance(node, ast.SetOption):
            return
        if isinstance(node, ast.LetFunction):
            env.names[node.name] = Binding("function", node, env)
        elif isinstance(node, ast.LetTabular):
            env.names[node.name] = Binding("table", Cached(self.tabular(node.value, env)))
        elif isinstance(node, ast.LetScalar):
            if self.is_tabular(node.value, env):
                env.names[node.name] = Binding("table", Cached(self.tabular(node.value, env)))
            else:
                env.names[node.name] = Binding("scalar", self.compiler.compile(node.value, Scope([], env)))
        else:
            raise self.error(node, f"statement {type(node).__name__} is not supported", KqlUnsupportedError)

    # -- tabular or scalar? --------------------------------------------------------------------------

    def is_tabular(self, node: Any, env: Env) -> bool:
        """Whether an expression denotes a table (the grammar alone cannot always tell)."""
        if isinstance(node, TABULAR):
            return True
        if isinstance(node, ast.Name):
            bound = env.lookup(node.name)
            if bound is not None:
                return bound.kind == "table" or (bound.kind == "function" and self._returns_table(bound))
            return node.name in self.schemas
        if isinstance(node, ast.Call):
            bound = env.lookup(node.name)
            if bound is not None and bound.kind == "function":
                return self._returns_table(bound)
            return node.name in _TABLE_FUNCTIONS
        return False

    def _returns_table(self, bound: Binding) -> bool:
        fn: ast.LetFunction = bound.value
        result = fn.body.result
        if isinstance(result, ast.Name) and any(p.name == result.name and p.is_tabular for p in fn.params):
            return True
        return self.is_tabular(result, bound.env or Env())

    def subquery(self, node: Any, scope: Scope) -> Op:
        """A tabular expression inside a scalar one (toscalar, in (...))."""
        return self.tabular(node, scope.env)

    # -- functions ----------------------------------------------------------------------------------

    def _function_env(self, bound: Binding, args: tuple, named: tuple, node: Any, caller: Env,
                      scope: Scope | None, piped: Op | None = None) -> Env:
        fn: ast.LetFunction = bound.value
        env = (bound.env or caller).child()
        positional = list(args)
        if piped is not None:
            positional.insert(0, piped)
        given = {n.names[0]: n.expr for n in named}
        if len(positional) > len(fn.params):
            raise self.error(node, f"{fn.name}() expects at most {len(fn.params)} argument(s), got {len(positional)}")
        for i, param in enumerate(fn.params):
            arg = positional[i] if i < len(positional) else given.get(param.name, param.default)
            if arg is None:
                raise self.error(node, f"{fn.name}(): missing argument '{param.name}'")
            if isinstance(arg, Op):
                env.names[param.name] = Binding("table", arg)
            elif param.is_tabular or self.is_tabular(arg, caller):
                env.names[param.name] = Binding("table", self.tabular(arg, caller))
            else:
                value = self.compiler.compile(arg, scope or Scope([], caller))
                env.names[param.name] = Binding("scalar", _as_param(value, param.ktype))
        for statement in fn.body.statements:
            self._statement(statement, env)
        return env

    def inline_function(self, bound: Binding, args: tuple, node: Any, scope: Scope) -> CExpr:
        named = getattr(node, "named", ())
        env = self._function_env(bound, args, named, node, scope.env, scope)
        result = bound.value.body.result
        if self.is_tabular(result, env):
            raise self.error(node, f"{bound.value.name}() returns a table; use it as a table or in toscalar()")
        inner = Scope(scope.columns, env, scope.window, aggregates=scope.aggregates)
        compiled = self.compiler.compile(result, inner)
        scope.window_used |= inner.window_used
        return compiled

    # -- tabular expressions ----------------------------------------------------------------------------

    def tabular(self, node: Any, env: Env) -> Op:
        handler = _SOURCES.get(type(node))
        if handler is None:
            raise self.error(node, f"{type(node).__name__} cannot be used as a table", KqlUnsupportedError)
        return handler(self, node, env)

    def _table_by_name(self, name: str, node: Any, env: Env) -> Op:
        bound = env.lookup(name)
        if bound is not None:
            if bound.kind == "table":
                return bound.value
            if bound.kind == "function":
                return self._call_tabular_function(bound, (), (), node, env)
            raise self.error(node, f"'{name}' is a scalar, not a table")
        columns = self.schemas.get(name)
        if columns is None:
            raise self.error(node, f"unknown table '{name}'{_near(name, list(self.schemas))}")
        self.tables_used.add(name)
        return TableScan(name, columns)

    def _table_ref(self, node: ast.TableRef | ast.Name, env: Env) -> Op:
        if "*" in node.name:
            return self._union_of(self._wildcard_tables(node, env), None, False, node)
        return self._table_by_name(node.name, node, env)

    def _wildcard_tables(self, node: Any, env: Env) -> list[tuple[str, Op]]:
        names = sorted(n for n in self.schemas if fnmatch.fnmatchcase(n, node.name))
        return [(n, self._table_by_name(n, node, env)) for n in names]

    def _call_tabular_function(self, bound: Binding, args: tuple, named: tuple, node: Any, env: Env,
                               piped: Op | None = None) -> Op:
        fn_env = self._function_env(bound, args, named, node, env, None, piped)
        return self.tabular(bound.value.body.result, fn_env)

    def _function_source(self, node: ast.FunctionCallSource | ast.Call, env: Env) -> Op:
        bound = env.lookup(node.name)
        if bound is not None and bound.kind == "function":
            return self._call_tabular_function(bound, node.args, node.named, node, env)
        special = _TABLE_FUNCTIONS.get(node.name)
        if special is None:
            raise self.error(node, f"unknown tabular function '{node.name}()'")
        return special(self, node, env)

    def _materialize(self, node: Any, env: Env) -> Op:
        if len(node.args) != 1:
            raise self.error(node, "materialize() takes one tabular argument")
        return Cached(self.tabular(node.args[0], env))

    def _table_function(self, node: Any, env: Env) -> Op:
        arg = self.compiler.compile(node.args[0], Scope([], env)) if node.args else None
        if arg is None or not arg.const or not isinstance(arg.value, str):
            raise self.error(node, "table() needs a constant table name")
        return self._table_by_name(arg.value, node, env)

    def _watchlist(self, node: Any, env: Env) -> Op:
        arg = self.compiler.compile(node.args[0], Scope([], env)) if node.args else None
        if arg is None or not arg.const or not isinstance(arg.value, str):
            raise self.error(node, "_GetWatchlist() needs a constant watchlist alias")
        alias = arg.value
        columns = list(WATCHLIST_COLUMNS)
        taken = {n for n, _ in columns}
        extra = [(n, t) for n, t in self.watchlists.get(alias, []) if n not in taken]
        columns += extra
        from detections.kql.loading import watchlist_rows

        def produce(rt: Runtime) -> list[tuple]:
            rows = rt.watchlists.get(alias)
            if rows is None:
                rt.warnings.append(f"watchlist '{alias}' was not provided: _GetWatchlist('{alias}') is empty")
                return []
            return watchlist_rows(rows, columns)

        return Computed(columns, produce, "_GetWatchlist")

    def _externaldata(self, node: ast.ExternalData, env: Env) -> Op:
        columns = [(c.name, c.ktype) for c in node.columns]
        urls = [self.compiler.compile(u, Scope([], env)).value for u in node.urls]
        from detections.kql.loading import convert_rows

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

    def _datatable(self, node: ast.Datatable, env: Env) -> Op:
        columns = [(c.name, c.ktype) for c in node.columns]
        width = len(columns)
        values = [self.compiler.compile(v, Scope([], env)) for v in node.values]
        if width == 0 or len(values) % width:
            raise self.error(node, f"datatable has {len(values)} value(s) for {width} column(s)")
        from detections.kql.loading import converter

        convs = [converter(t) for _, t in columns]
        rows = [tuple(convs[j](values[i + j].value) for j in range(width)) for i in range(0, len(values), width)]
        if not all(v.const for v in values):
            raise self.error(node, "datatable values must be constants")
        return Source(columns, rows, "datatable")

    def _print(self, node: ast.Print, env: Env) -> Op:
        scope = Scope([], env)
        columns: list[Column] = []
        fns = []
        for position, item in enumerate(node.columns):
            name, expr = _named(item)
            compiled = self.compiler.compile(expr, scope)
            columns.append((unique_name(name or f"print_{position}", [n for n, _ in columns]), compiled.type))
            fns.append(compiled.fn)
        return Computed(columns, lambda rt: [tuple(f(()) for f in fns)], "print")

    def _range(self, node: ast.Range, env: Env) -> Op:
        scope = Scope([], env)
        start, stop, step = (self.compiler.compile(x, scope) for x in (node.start, node.stop, node.step))

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

        return Computed([(node.name, start.type)], produce, "range")

    def _union_node(self, node: ast.Union, env: Env, piped: Op | None = None) -> Op:
        parts: list[tuple[str, Op]] = []
        if piped is not None:
            parts.append((source_name(piped), piped))
        for table in node.tables:
            try:
                if isinstance(table, ast.TableRef) and "*" in table.name:
                    parts.extend(self._wildcard_tables(table, env))
                else:
                    parts.append((_table_label(table), self.tabular(table, env)))
            except KqlSemanticError:
                if not node.isfuzzy:
                    raise
        if not parts:
            raise self.error(node, "union has no tables to read")
        return self._union_of(parts, node.withsource, node.kind == "inner", node)

    def _union_of(self, parts: list[tuple[str, Op]], withsource: str | None, inner: bool, node: Any) -> Op:
        """Outer union by column name; a name with several types becomes one column per type
        (`X_string`, `X_long`), as Kusto names them."""
        variants: dict[str, list[KType]] = {}
        for _, op in parts:
            for name, ktype in op.columns:
                kinds = variants.setdefault(name, [])
                if ktype not in kinds:
                    kinds.append(ktype)
        if inner:
            common = set.intersection(*({n for n, _ in op.columns} for _, op in parts))
            variants = {n: k for n, k in variants.items() if n in common}
        columns: list[Column] = []
        sources: list[tuple[str, KType | None]] = []  # (input name, type it must have, None: any)
        for name, kinds in variants.items():
            if len(kinds) == 1:
                columns.append((name, kinds[0]))
                sources.append((name, None))
            else:
                columns.extend((f"{name}_{k.value}", k) for k in kinds)
                sources.extend((name, k) for k in kinds)
        maps = []
        for _, op in parts:
            index = op.index()
            mapping: list[int | None] = []
            for name, ktype in sources:
                at = index.get(name)
                mapping.append(at if at is not None and (ktype is None or op.columns[at][1] is ktype) else None)
            maps.append(mapping)
        if withsource:
            columns = [(withsource, KType.STRING), *columns]
        return Union([op for _, op in parts], columns, maps, withsource, [label for label, _ in parts])

    def _pipe(self, node: ast.Pipe, env: Env) -> Op:
        op = self.tabular(node.source, env)
        return self.operators(node.operators, op, env)

    def operators(self, nodes: tuple, op: Op, env: Env) -> Op:
        for position, item in enumerate(nodes):
            handler = _OPERATORS.get(type(item))
            if handler is None:
                raise self.error(item, f"operator '{_operator_name(item)}' is not supported", KqlUnsupportedError)
            if self.collect:
                bound = self._guard(lambda h=handler, i=item, o=op: h(self, i, o, env))
                op = bound if bound is not None else op
            else:
                op = handler(self, item, op, env)
            if isinstance(op, _Rest):
                return op.finish(self, nodes[position + 1:], env)
        return op

    # -- row operators ----------------------------------------------------------------------------------

    def scope(self, op: Op, env: Env, window: Window | None = None) -> Scope:
        return Scope(list(op.columns), env, window)

    def _where(self, node: ast.Where, op: Op, env: Env) -> Op:
        scope = self.scope(op, env, Window())
        pred = self.compiler.compile(node.predicate, scope)
        if pred.type not in (KType.BOOL, KType.DYNAMIC, KType.UNKNOWN):
            raise self.error(node.predicate, f"where needs a bool condition, got {pred.type.value}")
        if scope.window_used:
            return _windowed_filter(op, pred, scope.window)
        return Filter(op, pred.fn)

    def _extend(self, node: ast.Extend, op: Op, env: Env) -> Op:
        return self.extend_items(op, node.columns, env, "extend")

    def extend_items(self, op: Op, items: tuple, env: Env, label: str) -> Op:
        """extend: an existing name is replaced in place, a new one appended (as Kusto.Language
        does); every item reads the input row, so `extend a = 1, b = a + 1` is an unknown-name error."""
        columns, parts = list(op.columns), list(range(len(op.columns)))
        window = Window()
        scope = Scope(list(op.columns), env, window)
        assigned: set[str] = set()
        for item in items:
            explicit = set(_names(item)[0])
            for name, ktype, fn in self._item_columns(item, scope, [n for n, _ in columns]):
                if name in assigned and name in explicit:  # implicit names (toint(A)) may repeat
                    raise self.error(item, f"a column with the name '{name}' is already declared in this {label}")
                assigned.add(name)
                at = next((i for i, (n, _) in enumerate(columns) if n == name), None)
                if at is None:
                    columns.append((name, ktype))
                    parts.append(fn)
                else:
                    columns[at] = (name, ktype)
                    parts[at] = fn
        return Compute(op, columns, parts, label, window if _used_window(parts) else None)

    def _item_columns(self, item: Any, scope: Scope, taken: list[str]) -> list[tuple[str, KType, Any]]:
        """Columns made by one extend/project item: usually one; a function returning several
        (series_stats, series_decompose_anomalies, ...) gives one per part, named
        `<function>_<argument>_<part>` unless `(a, b) = ...` names them."""
        names, expr = _names(item)
        scope.window_used = False
        compiled = self.compiler.compile(expr, scope)
        fn = _WindowFn(compiled.fn) if scope.window_used else compiled.fn
        parts = MULTI_COLUMN.get(expr.name) if isinstance(expr, ast.Call) else None
        if parts is None:
            if len(names) > 1:
                raise self.error(item, f"{len(names)} names given for an expression that returns one column")
            return [(names[0] or compiled.name or next_column_name(taken), compiled.type, fn)]
        first = self.compiler.compile(expr.args[0], scope).name if expr.args else None
        whole = _memo_by_row(fn)
        return [(names[j] if j < len(names) and names[j] else f"{expr.name}_{first or ''}_{suffix}", ktype,
                 (lambda r, j=j: (whole(r) or _NO_PARTS)[j])) for j, (suffix, ktype) in enumerate(parts)]

    def _project(self, node: ast.Project, op: Op, env: Env) -> Op:
        window = Window()
        scope = Scope(list(op.columns), env, window)
        columns: list[Column] = []
        parts: list[Any] = []
        for item in node.columns:
            if isinstance(item, ast.ColumnPattern):
                for i in self._match(item, op):
                    columns.append(op.columns[i])
                    parts.append(i)
                continue
            if isinstance(item, ast.Name) and item.name in scope.index:
                made = [(item.name, op.columns[scope.index[item.name]][1], scope.index[item.name])]
            else:
                made = self._item_columns(item, scope, [n for n, _ in columns] + [n for n, _ in op.columns])
            for name, ktype, fn in made:
                if any(n == name for n, _ in columns):
                    raise self.error(item, f"a column with the name '{name}' is already declared in this project")
                columns.append((name, ktype))
                parts.append(fn)
        return Compute(op, columns, parts, "project", window if _used_window(parts) else None)

    def _match(self, item: Any, op: Op) -> list[int]:
        """Column positions named by a Name or wildcard pattern (an unknown plain name is an error)."""
        if isinstance(item, ast.ColumnPattern):
            return [i for i, (n, _) in enumerate(op.columns) if fnmatch.fnmatchcase(n, item.pattern)]
        index = op.index().get(item.name)
        if index is None:
            self._soft(self.error(item, f"unknown column '{item.name}'{_near(item.name, list(op.index()))}"),
                       constant(None, KType.UNKNOWN))
            return []
        return [index]

    def _project_away(self, node: ast.ProjectAway, op: Op, env: Env) -> Op:
        drop = {i for item in node.columns for i in self._match(item, op)}
        keep = [i for i in range(len(op.columns)) if i not in drop]
        return Compute(op, [op.columns[i] for i in keep], keep, "project-away")

    def _project_keep(self, node: ast.ProjectKeep, op: Op, env: Env) -> Op:
        keep_set = {i for item in node.columns for i in self._match(item, op)}
        keep = sorted(keep_set)
        return Compute(op, [op.columns[i] for i in keep], keep, "project-keep")

    def _project_rename(self, node: ast.ProjectRename, op: Op, env: Env) -> Op:
        columns = list(op.columns)
        for item in node.renames:
            old = item.expr
            if not isinstance(old, ast.Name):
                raise self.error(item, "project-rename needs `NewName = ExistingColumn`")
            (at,) = self._match(old, op) or [None]
            if at is not None:
                columns[at] = (item.names[0], columns[at][1])
        return Compute(op, columns, list(range(len(columns))), "project-rename")

    def _project_reorder(self, node: ast.ProjectReorder, op: Op, env: Env) -> Op:
        first: list[int] = []
        for item in node.columns:
            matched = self._match(item, op)
            if isinstance(item, ast.ColumnPattern) and node.order:
                matched.sort(key=lambda i: op.columns[i][0], reverse=node.order == "desc")
            first.extend(i for i in matched if i not in first)
        order = first + [i for i in range(len(op.columns)) if i not in first]
        return Compute(op, [op.columns[i] for i in order], order, "project-reorder")

    def _take(self, node: ast.Take, op: Op, env: Env) -> Op:
        return Take(op, self._count(node.count, env))

    def _count(self, node: Any, env: Env) -> int:
        compiled = self.compiler.compile(node, Scope([], env))
        if not compiled.rowfree or compiled.type not in (KType.INT, KType.LONG, KType.UNKNOWN, KType.REAL):
            raise self.error(node, "expected a constant number of rows")
        value = compiled.fn(())
        return int(value or 0)

    def _order_keys(self, keys: tuple, op: Op, env: Env, allow_dynamic: bool) -> list[SortKey]:
        """Sort keys; Kusto.Language rejects dynamic ones in `sort` (cast them) but not in `top`."""
        scope = self.scope(op, env)
        out = []
        for key in keys:
            compiled = self.compiler.compile(key.expr, scope)
            if compiled.type is KType.DYNAMIC and not allow_dynamic:
                raise self.error(key, "a sort key cannot be dynamic: cast it (tostring(), todouble(), ...)")
            out.append(SortKey(compiled.fn, key.descending, key.nulls_first))
        return out

    def _sort(self, node: ast.Sort, op: Op, env: Env) -> Op:
        return Sort(op, self._order_keys(node.keys, op, env, allow_dynamic=False))

    def _top(self, node: ast.Top, op: Op, env: Env) -> Op:
        return Top(op, self._count(node.count, env), self._order_keys((node.by,), op, env, allow_dynamic=True))

    def _distinct(self, node: ast.Distinct, op: Op, env: Env) -> Op:
        if len(node.columns) == 1 and isinstance(node.columns[0], ast.Star):
            projected = op
        else:
            projected = self._project(ast.Project(node.columns, span=node.span), op, env)
        if any(t is KType.DYNAMIC for _, t in projected.columns):
            raise self.error(node, "distinct cannot compare dynamic columns: cast them (tostring(), ...)")
        return Distinct(projected)

    def _count_op(self, node: ast.Count, op: Op, env: Env) -> Op:
        return Count(op)

    def _serialize(self, node: ast.Serialize, op: Op, env: Env) -> Op:
        return self.extend_items(op, node.columns, env, "serialize") if node.columns else op

    def _as(self, node: ast.As, op: Op, env: Env) -> Op:
        cached = Cached(op)
        env.names[node.name] = Binding("table", cached)
        return cached

    def _render(self, node: ast.Render, op: Op, env: Env) -> Op:
        return op

    def _getschema(self, node: ast.Getschema, op: Op, env: Env) -> Op:
        rows = [(name, i, _DOTNET_TYPES.get(t, "System.Object"), t.value) for i, (name, t) in enumerate(op.columns)]
        columns = [("ColumnName", KType.STRING), ("ColumnOrdinal", KType.LONG), ("DataType", KType.STRING),
                   ("ColumnType", KType.STRING)]
        return Source(columns, rows, "getschema")

    def _union_operator(self, node: ast.Union, op: Op, env: Env) -> Op:
        return self._union_node(node, env, piped=op)

    def _invoke(self, node: ast.Invoke, op: Op, env: Env) -> Op:
        bound = env.lookup(node.call.name)
        if bound is None or bound.kind != "function":
            raise self.error(node, f"invoke needs a tabular function; '{node.call.name}' is not one")
        return self._call_tabular_function(bound, node.call.args, node.call.named, node, env, piped=op)

    def _sample(self, node: ast.Sample, op: Op, env: Env) -> Op:
        return Take(op, self._count(node.count, env))


class _Rest:
    """Returned by an operator whose output columns depend on the data (bag_unpack, pivot): the
    remaining operators are bound at run time against the real columns."""

    def __init__(self, finish: Callable[[Binder, tuple, Env], Op]) -> None:
        self.finish = finish


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
    def produce(rt: Runtime) -> list[tuple]:
        rows = op.run(rt)
        window.rows, window.state = rows, {}
        out = []
        for pos, r in enumerate(rows):
            window.pos = pos
            if pred.fn(r) is True:
                out.append(r)
        return out

    return Computed(list(op.columns), produce, "where")


def _as_param(value: CExpr, ktype: KType | None) -> CExpr:
    """A scalar argument seen through its parameter's declared type (Kusto types the body by the
    declaration, whatever is passed); values of another type are converted on the way in."""
    if ktype is None or ktype in (value.type, KType.DYNAMIC, KType.UNKNOWN):
        return value
    from detections.kql.loading import converter

    convert, fn = converter(ktype), value.fn
    if value.const:
        converted = convert(value.value)
        return CExpr(lambda _r: converted, ktype, value.name, True, converted, True)
    return CExpr(lambda r: convert(fn(r)), ktype, value.name, rowfree=value.rowfree)


def _names(item: Any) -> tuple[tuple[str | None, ...], Any]:
    if isinstance(item, ast.NamedExpr):
        return item.names, item.expr
    return (None,), item


def _named(item: Any) -> tuple[str | None, Any]:
    names, expr = _names(item)
    return names[0], expr


def source_name(op: Op) -> str:
    """The table a pipeline reads, for `withsource=` / `$table` columns ("" when not a plain table)."""
    while not isinstance(op, TableScan):
        op = getattr(op, "source", None)
        if op is None:
            return ""
    return op.name


def _table_label(node: Any) -> str:
    if isinstance(node, ast.TableRef):
        return node.name
    if isinstance(node, ast.Pipe):
        return _table_label(node.source)
    return ""


def _operator_name(node: Any) -> str:
    import re

    return re.sub(r"(?<!^)(?=[A-Z])", "-", type(node).__name__).lower()


def _near(name: str, candidates: list[str]) -> str:
    import difflib

    lower = {c.lower(): c for c in candidates}
    if name.lower() in lower:
        return f" (did you mean '{lower[name.lower()]}'? names are case-sensitive)"
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.8)
    return f" (did you mean '{close[0]}'?)" if close else ""


_DOTNET_TYPES = {
    KType.BOOL: "System.SByte", KType.INT: "System.Int32", KType.LONG: "System.Int64", KType.REAL: "System.Double",
    KType.DECIMAL: "System.Data.SqlTypes.SqlDecimal", KType.STRING: "System.String", KType.DATETIME: "System.DateTime",
    KType.TIMESPAN: "System.TimeSpan", KType.GUID: "System.Guid", KType.DYNAMIC: "System.Object",
}

_SOURCES: dict[type, Callable[[Binder, Any, Env], Op]] = {
    ast.TableRef: Binder._table_ref,
    ast.Name: Binder._table_ref,
    ast.Datatable: Binder._datatable,
    ast.Print: Binder._print,
    ast.Range: Binder._range,
    ast.Union: Binder._union_node,
    ast.ExternalData: Binder._externaldata,
    ast.FunctionCallSource: Binder._function_source,
    ast.Call: Binder._function_source,
    ast.Pipe: Binder._pipe,
}

_TABLE_FUNCTIONS: dict[str, Callable[[Binder, Any, Env], Op]] = {
    "materialize": Binder._materialize,
    "_GetWatchlist": Binder._watchlist,
    "table": Binder._table_function,
}

_OPERATORS: dict[type, Callable[[Binder, Any, Op, Env], Op]] = {
    ast.Where: Binder._where,
    ast.Extend: Binder._extend,
    ast.Project: Binder._project,
    ast.ProjectAway: Binder._project_away,
    ast.ProjectKeep: Binder._project_keep,
    ast.ProjectRename: Binder._project_rename,
    ast.ProjectReorder: Binder._project_reorder,
    ast.Take: Binder._take,
    ast.Sort: Binder._sort,
    ast.Top: Binder._top,
    ast.Distinct: Binder._distinct,
    ast.Count: Binder._count_op,
    ast.Serialize: Binder._serialize,
    ast.As: Binder._as,
    ast.Render: Binder._render,
    ast.Getschema: Binder._getschema,
    ast.Union: Binder._union_operator,
    ast.Invoke: Binder._invoke,
    ast.Sample: Binder._sample,
}


def register_operator(node_type: type, handler: Callable[[Binder, Any, Op, Env], Op]) -> None:
    """Operator families in other modules (summarize, join, mv-expand, ...) plug in here."""
    _OPERATORS[node_type] = handler


def register_source(node_type: type, handler: Callable[[Binder, Any, Env], Op]) -> None:
    _SOURCES[node_type] = handler
