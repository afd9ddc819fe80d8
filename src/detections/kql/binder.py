"""Binder: resolves names and types and builds the executable plan in the same pass.

Binding a query *is* building its plan: every tabular operator becomes a plan node that knows its
output columns (names, types, positions) and every scalar expression is compiled once into a
closure. `bind()` reports the plan's columns, `run_query()` runs the very same plan, so the two
cannot disagree. In `collect` mode the binder records every diagnostic it can find instead of
stopping at the first one (validators show them all).

This module holds the core (names, let statements, functions, tables, the operator pipeline);
operator families register their handlers from bind_sources, bind_columns, bind_group, bind_rows
and bind_search.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from detections.kql import ast
from detections.kql.compiler import CExpr, Compiler, Scope, constant
from detections.kql.errors import KqlError, KqlSemanticError, KqlUnsupportedError
from detections.kql.ops_core import (
    Cached,
    Column,
    Op,
    Runtime,
    Source,
    TableScan,
    Union,
    Window,
)
from detections.kql.types import KType

TABULAR = (ast.TableRef, ast.Datatable, ast.Print, ast.Range, ast.Union, ast.ExternalData,
           ast.FunctionCallSource, ast.Find, ast.Search, ast.Evaluate, ast.Pipe)


@dataclass
class Binding:
    """A let-bound name: a scalar (CExpr), a table (Op) or a function (LetFunction + its env); in
    check() mode a let that failed to bind is "poisoned" (its uses are not reported again)."""

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
    """A bound query: the root plan node, its Runtime and the tables it reads. A cached plan is
    shared by every caller of the same query: `lock` serialises its runs (the Runtime and a few
    nodes hold per-run state), so threads (the workspace emulator) can run queries safely."""

    op: Op
    runtime: Runtime
    tables: set[str]
    lock: threading.RLock = field(default_factory=threading.RLock)

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

    def raise_or_collect(self, err: KqlError, fallback: CExpr) -> CExpr:
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
            return self.raise_or_collect(self.error(node, message), constant(None, KType.UNKNOWN, node.name))
        if not scope.columns:  # no input row: the author probably meant a table
            message = f"unknown table or variable '{node.name}'{near(node.name, list(self.schemas))}"
        else:
            message = f"unknown column or variable '{node.name}'{near(node.name, [n for n, _ in scope.columns])}"
        return self.raise_or_collect(self.error(node, message), constant(None, KType.UNKNOWN, node.name))

    def unknown_function(self, node: ast.Call, scope: Scope) -> CExpr:
        from detections.kql.registry import SCALARS

        hint = near(node.name, list(SCALARS))
        return self.raise_or_collect(self.error(node, f"unknown function '{node.name}()'{hint}"), constant(None, KType.UNKNOWN))

    # -- entry -------------------------------------------------------------------------------------

    def bind_query(self, query: ast.Query) -> Plan:
        env = Env()
        for statement in query.statements:
            before = len(self.errors)
            self._guard(lambda s=statement: self._statement(s, env))
            if len(self.errors) > before and hasattr(statement, "name"):
                # collect mode: the name stays known, so its uses do not repeat the same problem
                env.names[statement.name] = Binding("poisoned", None)
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

    def table_by_name(self, name: str, node: Any, env: Env) -> Op:
        bound = env.lookup(name)
        if bound is not None:
            if bound.kind == "table":
                return bound.value
            if bound.kind == "poisoned":
                return _Poisoned()
            if bound.kind == "function":
                return self.call_tabular_function(bound, (), (), node, env)
            raise self.error(node, f"'{name}' is a scalar, not a table")
        columns = self.schemas.get(name)
        if columns is None:
            raise self.error(node, f"unknown table '{name}'{near(name, list(self.schemas))}")
        self.tables_used.add(name)
        return TableScan(name, columns)

    def _table_ref(self, node: ast.TableRef | ast.Name, env: Env) -> Op:
        if "*" in node.name:
            return self.union_of(self.wildcard_tables(node, env), None, False, node)
        return self.table_by_name(node.name, node, env)

    def wildcard_tables(self, node: Any, env: Env) -> list[tuple[str, Op]]:
        names = sorted(n for n in self.schemas if fnmatch.fnmatchcase(n, node.name))
        return [(n, self.table_by_name(n, node, env)) for n in names]

    def call_tabular_function(self, bound: Binding, args: tuple, named: tuple, node: Any, env: Env,
                               piped: Op | None = None) -> Op:
        fn_env = self._function_env(bound, args, named, node, env, None, piped)
        return self.tabular(bound.value.body.result, fn_env)

    def _function_source(self, node: ast.FunctionCallSource | ast.Call, env: Env) -> Op:
        bound = env.lookup(node.name)
        if bound is not None and bound.kind == "function":
            return self.call_tabular_function(bound, node.args, node.named, node, env)
        special = _TABLE_FUNCTIONS.get(node.name)
        if special is None:
            raise self.error(node, f"unknown tabular function '{node.name}()'")
        return special(self, node, env)

    def union_of(self, parts: list[tuple[str, Op]], withsource: str | None, inner: bool, node: Any) -> Op:
        """Outer union by column name; a name with several types becomes one column per type
        (`X_string`, `X_long`), as Kusto names them. Unknown types do not split a column (Kusto.Language
        lists `X_unknown` for a fuzzy branch over a missing table; replaying, the known column's
        rows must stay under its own name)."""
        variants: dict[str, list[KType]] = {}
        for _, op in parts:
            for name, ktype in op.columns:
                kinds = variants.setdefault(name, [])
                if ktype not in kinds:
                    kinds.append(ktype)
        for kinds in variants.values():  # a column of unknown type (a fuzzy branch over a missing
            if len(kinds) > 1 and KType.UNKNOWN in kinds:  # table) takes the known type: no X_unknown split
                kinds.remove(KType.UNKNOWN)
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
        if not isinstance(op, _Poisoned):
            return self.operators(node.operators, op, env)
        return self._lenient(node.operators, op, env)

    def _lenient(self, nodes: tuple, op: Op, env: Env) -> Op:
        """Operators over a source whose columns are unknown: names they read are null of unknown type."""
        outer, self.unresolved = self.unresolved, set()
        try:
            return self.operators(nodes, op, env)
        finally:
            self.unresolved = outer

    def missing_table(self, node: Any, env: Env) -> Op | None:
        """A fuzzy union's branch over a table this workspace lacks (`union isfuzzy=true (WindowsEvent
        | project A)`): no rows, its columns typed unknown, as Kusto.Language binds it. None when the
        branch does not read a missing table."""
        source = node.source if isinstance(node, ast.Pipe) else node
        if not isinstance(source, (ast.TableRef, ast.Name)) or "*" in source.name:
            return None
        if env.lookup(source.name) is not None or source.name in self.schemas:
            return None
        branch = self._lenient(node.operators, _Poisoned(), env) if isinstance(node, ast.Pipe) else _Poisoned()
        branch.open_schema = True
        return branch

    def operators(self, nodes: tuple, op: Op, env: Env) -> Op:
        for position, item in enumerate(nodes):
            if op.open_schema and self.unresolved is None:  # columns unknown from here: bind leniently
                return self._open(nodes[position:], op, env)
            handler = _OPERATORS.get(type(item))
            if handler is None:
                raise self.error(item, f"operator '{_operator_name(item)}' is not supported", KqlUnsupportedError)
            if self.collect:
                bound = self._guard(lambda h=handler, i=item, o=op: h(self, i, o, env))
                if bound is None and not isinstance(item, _KEEPS_COLUMNS):
                    return self._open(nodes[position + 1:], op, env)
                op = bound if bound is not None else op
            else:
                op = handler(self, item, op, env)
            if isinstance(op, Deferred):
                return op.finish(self, nodes[position + 1:], env)
        return op

    def _open(self, nodes: tuple, op: Op, env: Env) -> Op:
        result = self._lenient(nodes, op, env)
        result.open_schema = True
        return result

    def scope(self, op: Op, env: Env, window: Window | None = None) -> Scope:
        return Scope(list(op.columns), env, window)

    def constant_count(self, node: Any, env: Env) -> int:
        """A row count that must be known before rows flow (take, top, limit in mv-expand...)."""
        compiled = self.compiler.compile(node, Scope([], env))
        if not compiled.rowfree or compiled.type not in (KType.INT, KType.LONG, KType.UNKNOWN, KType.REAL):
            raise self.error(node, "expected a constant number of rows")
        value = compiled.fn(())
        return int(value or 0)


class _Poisoned(Source):
    """A table whose columns are unknown: a let statement that failed to bind (check() mode), a
    fuzzy union's table the workspace lacks, a join on a key such a table would supply. No rows."""

    open_schema = True

    def __init__(self) -> None:
        super().__init__([], [], "let")


def unknown_table() -> Op:
    """An open table with no known columns and no rows (see _Poisoned)."""
    return _Poisoned()


# Operators that keep their input's columns: when one fails in check() mode, the operators after it
# are still checked strictly against those columns; after any other failing operator the columns
# are unknown, so the rest is checked leniently (no cascade of "unknown column" errors).
_KEEPS_COLUMNS = (ast.Where, ast.Take, ast.Sort, ast.Top, ast.Serialize, ast.Render, ast.As, ast.Sample)


class Deferred:
    """Returned by an operator whose output columns depend on the data (bag_unpack, pivot): the
    remaining operators are bound at run time against the real columns."""

    def __init__(self, finish: Callable[[Binder, tuple, Env], Op]) -> None:
        self.finish = finish


def _as_param(value: CExpr, ktype: KType | None) -> CExpr:
    """A scalar argument seen through its parameter's declared type (Kusto types the body by the
    declaration, whatever is passed); values of another type are converted on the way in."""
    if ktype is None or ktype in (value.type, KType.DYNAMIC, KType.UNKNOWN):
        return value
    from detections.kql.loading import converter

    convert, fn = converter(ktype), value.fn
    if value.const:
        converted = convert(value.value)
        return constant(converted, ktype, value.name)
    return CExpr(lambda r: convert(fn(r)), ktype, value.name, rowfree=value.rowfree)


def place_column(columns: list[Column], name: str, ktype: KType) -> int:
    """Put column `name` in `columns`: in place of an existing one of that name (extend, parse and
    mv-expand replace it where it stands, as Kusto does), else at the end. Returns its position."""
    for at, (existing, _) in enumerate(columns):
        if existing == name:
            columns[at] = (name, ktype)
            return at
    columns.append((name, ktype))
    return len(columns) - 1


def item_names(item: Any) -> tuple[tuple[str | None, ...], Any]:
    """The names an item assigns (`a = x`, `(a, b) = f(x)`; (None,) when unnamed) and its expression."""
    if isinstance(item, ast.NamedExpr):
        return item.names, item.expr
    return (None,), item


def referenced_names(node: Any) -> list[str]:
    """The names an expression reads (columns or variables), in order of appearance."""
    if isinstance(node, ast.Name):
        return [node.name]
    if isinstance(node, tuple):
        return [n for item in node for n in referenced_names(item)]
    if isinstance(node, ast.Node):
        return [n for field in node.__dataclass_fields__ if field != "span" for n in referenced_names(getattr(node, field))]
    return []


def source_name(op: Op) -> str:
    """The table a pipeline reads, for `withsource=` / `$table` columns ("" when not a plain table)."""
    while not isinstance(op, TableScan):
        op = getattr(op, "source", None)
        if op is None:
            return ""
    return op.name


def _operator_name(node: Any) -> str:
    import re

    return re.sub(r"(?<!^)(?=[A-Z])", "-", type(node).__name__).lower()


def near(name: str, candidates: list[str]) -> str:
    """A "did you mean" hint for a misspelt or wrongly cased name ("" when nothing is close)."""
    import difflib

    lower = {c.lower(): c for c in candidates}
    if name.lower() in lower:
        return f" (did you mean '{lower[name.lower()]}'? names are case-sensitive)"
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.8)
    return f" (did you mean '{close[0]}'?)" if close else ""


_SOURCES: dict[type, Callable[[Binder, Any, Env], Op]] = {
    ast.TableRef: Binder._table_ref,
    ast.Name: Binder._table_ref,
    ast.FunctionCallSource: Binder._function_source,
    ast.Call: Binder._function_source,
    ast.Pipe: Binder._pipe,
}
# Tabular functions other than user functions: materialize(), _GetWatchlist(), table().
_TABLE_FUNCTIONS: dict[str, Callable[[Binder, Any, Env], Op]] = {}
_OPERATORS: dict[type, Callable[[Binder, Any, Op, Env], Op]] = {}


def register_operator(node_type: type, handler: Callable[[Binder, Any, Op, Env], Op]) -> None:
    """Operator families in other modules (summarize, join, mv-expand, ...) plug in here."""
    _OPERATORS[node_type] = handler


def register_source(node_type: type, handler: Callable[[Binder, Any, Env], Op]) -> None:
    """Table sources in other modules (datatable, print, search, ...) plug in here."""
    _SOURCES[node_type] = handler


def register_table_function(name: str, handler: Callable[[Binder, Any, Env], Op]) -> None:
    """Built-in functions that return tables (materialize, _GetWatchlist, table)."""
    _TABLE_FUNCTIONS[name] = handler
