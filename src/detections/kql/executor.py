"""Running queries: table loading, the plan cache, and QueryResult.

Parse + bind (= plan) is cached per (query text, table schemas), so replaying a rule over many small
fixtures pays for it once. Unexpected internal failures are wrapped into a KqlError naming the
operator that failed, so a caller never sees a bare Python traceback.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import detections.kql.functions  # noqa: F401 - fills the SCALARS/AGGREGATES registries

# detections.tables imports detections.kql.types (so this package): TABLES is read at call time.
import detections.tables as builtin
from detections.kql import (  # noqa: F401 - imported to register their operators
    bind_columns,
    bind_group,
    bind_rows,
    bind_search,
    bind_sources,
)
from detections.kql.binder import Binder, Plan
from detections.kql.errors import engine_faults
from detections.kql.loading import convert_rows, infer_columns, schema_columns
from detections.kql.ops_core import Column, Op
from detections.kql.parser import parse
from detections.kql.types import KType

SchemaKey = tuple[tuple[str, tuple[Column, ...]], ...]


@dataclass
class QueryResult:
    """The rows of a query: `columns` (names in order), `types`, `rows` (tuples) and `warnings`
    (unresolved watchlists or externaldata)."""

    columns: list[str]
    types: list[KType]
    rows: list[tuple]
    warnings: list[str] = field(default_factory=list)

    def as_dicts(self) -> list[dict[str, Any]]:
        """Rows as {column: value} dicts (convenient in tests and reports)."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


class LoadedTable:
    """Rows already converted to the engine's tuples, reusable across queries (replays, benchmarks)."""

    __slots__ = ("columns", "rows", "problems")

    def __init__(self, columns: list[Column], rows: list[tuple], problems: list[str] | None = None) -> None:
        self.columns, self.rows, self.problems = columns, rows, problems or []


def load_table(name: str, rows: Iterable[Mapping[str, Any]], schema: Mapping[str, Any] | None = None) -> LoadedTable:
    """Convert a table's dict rows once (types from the built-in schema, `schema`, or the values)."""
    rows = list(rows)
    columns = _columns_for(name, rows, schema)
    problems: list[str] = []
    with _no_gc():
        converted = convert_rows(rows, columns, problems)
    return LoadedTable(columns, converted, [f"{name}: {problem}" for problem in problems])


def _columns_for(name: str, rows: list[Mapping[str, Any]], schema: Mapping[str, Any] | None) -> list[Column]:
    """A table's columns: a product table's are fixed, others come from `schema` or the values."""
    if name in builtin.TABLES:
        return list(builtin.TABLES[name].items())
    if schema is not None:
        return schema_columns(schema)
    return infer_columns(rows)


def table_schemas(tables: Mapping[str, Any] | None, schemas: Mapping[str, Mapping[str, Any]] | None) -> dict[str, list[Column]]:
    """The tables a query may name besides the built-in ones: declared `schemas`, then the given
    tables (typed by their values)."""
    found: dict[str, list[Column]] = {}
    for name, spec in (schemas or {}).items():
        if name not in builtin.TABLES:
            found[name] = schema_columns(spec)
    for name, value in (tables or {}).items():
        if name in found or name in builtin.TABLES:
            continue
        found[name] = value.columns if isinstance(value, LoadedTable) else infer_columns(list(value))
    return found


def _freeze(schemas: Mapping[str, list[Column]]) -> SchemaKey:
    """Schemas as a hashable, order-independent key of the plan cache."""
    return tuple(sorted((name, tuple(cols)) for name, cols in schemas.items()))


@lru_cache(maxsize=512)
def _plan(query: str, schema_key: SchemaKey, watchlist_key: SchemaKey) -> Plan:
    tree = parse(query)
    schemas = {name: list(cols.items()) for name, cols in builtin.TABLES.items()}
    schemas.update((name, list(cols)) for name, cols in schema_key)
    binder = Binder(query, schemas, {alias: list(cols) for alias, cols in watchlist_key})
    with engine_faults("bind"):
        return binder.bind_query(tree)


def plan_query(query: str, schemas: Mapping[str, list[Column]], watchlists: Mapping[str, list[Column]] | None = None) -> Plan:
    """The cached plan of `query` against the built-in tables plus `schemas` (and watchlist columns)."""
    return _plan(query, _freeze(schemas), _freeze(watchlists or {}))


def watchlist_schemas(watchlists: Mapping[str, list[Mapping[str, Any]]] | None) -> dict[str, list[Column]]:
    """Each given watchlist's own columns, typed by its values (they follow Sentinel's fixed ones)."""
    return {alias: infer_columns(list(rows)) for alias, rows in (watchlists or {}).items()}


def run_query(query: str, tables: Mapping[str, Any] | None = None, *, now: datetime | None = None,
              schemas: Mapping[str, Mapping[str, Any]] | None = None,
              watchlists: Mapping[str, list[Mapping[str, Any]]] | None = None,
              externaldata: Mapping[str, list[Mapping[str, Any]]] | None = None) -> QueryResult:
    """Run `query` over `tables` (name -> list of dict rows, or a LoadedTable); see docs/kql-engine.md."""
    tables = {name: rows if isinstance(rows, (list, LoadedTable)) else list(rows)  # read iterators once
              for name, rows in (tables or {}).items()}
    extra = table_schemas(tables, schemas)
    plan = plan_query(query, extra, watchlist_schemas(watchlists))
    loaded: dict[str, list[tuple]] = {}
    problems: list[str] = []
    with _no_gc():
        for name in sorted(plan.tables):
            given = tables.get(name)
            if given is None:
                loaded[name] = []
            elif isinstance(given, LoadedTable):
                loaded[name] = given.rows
                problems.extend(given.problems)
            else:
                columns = extra.get(name) or list(builtin.TABLES[name].items())
                found: list[str] = []
                loaded[name] = convert_rows(given, columns, found)
                problems.extend(f"{name}: {problem}" for problem in found)
    with plan.lock:
        rt = plan.runtime
        rt.reset(now=_utc(now), tables=loaded, watchlists=dict(watchlists or {}),
                 externaldata=dict(externaldata or {}))
        with engine_faults("run", _failing_operator), _no_gc():
            rows = plan.op.run(rt)
        columns = list(plan.columns)
        warnings = problems + rt.warnings
        rt.reset(tables={}, watchlists={}, externaldata={})  # do not keep the caller's rows alive
    return QueryResult([n for n, _ in columns], [t for _, t in columns], list(rows), warnings)


def _failing_operator(exc: BaseException) -> str:
    """The label of the innermost plan node on the failing call stack (costs nothing until a failure)."""
    label = "query"
    tb = exc.__traceback__
    while tb is not None:
        owner = tb.tb_frame.f_locals.get("self")
        if isinstance(owner, Op):
            label = owner.label
        tb = tb.tb_next
    return label


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic GC: millions of fresh row tuples would trigger repeated full collections,
    and rows hold no reference cycles."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
