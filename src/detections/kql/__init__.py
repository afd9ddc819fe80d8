"""detections.kql: our own Kusto Query Language engine (parse, bind, run).

    >>> from detections.kql import run_query
    >>> run_query("T | summarize n = count() by B", {"T": [{"B": "x"}, {"B": "x"}]}).rows
    [('x', 2)]

`bind()` gives a query's output columns and types (raising the first problem), `check()` every
problem at once (for validators), `run_query()` the rows. See docs/kql-engine.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import detections.tables as builtin
from detections.kql.ast import Query
from detections.kql.binder import Binder
from detections.kql.errors import (
    KqlError,
    KqlSemanticError,
    KqlSyntaxError,
    KqlUnsupportedError,
    engine_faults,
)
from detections.kql.executor import LoadedTable, QueryResult, load_table, plan_query, run_query, table_schemas
from detections.kql.loading import schema_columns
from detections.kql.parser import parse
from detections.kql.types import KType

__all__ = [
    "KType", "KqlError", "KqlSemanticError", "KqlSyntaxError", "KqlUnsupportedError", "LoadedTable", "Query",
    "QueryResult", "bind", "check", "load_table", "parse", "run_query",
]


Schemas = Mapping[str, Mapping[str, Any]]


def _watchlist_columns(watchlists: Schemas | None) -> dict[str, list[tuple[str, KType]]]:
    return {alias: schema_columns(columns) for alias, columns in (watchlists or {}).items()}


def bind(query: str, schemas: Schemas | None = None, *, watchlists: Schemas | None = None) -> list[tuple[str, KType]]:
    """Output columns (name, type) of `query` against the built-in tables plus `schemas`
    ({"T": {"Col": "long"}}); `watchlists` declares the columns of `_GetWatchlist('alias')` beyond
    Sentinel's own ({"alias": {"IPAddress": "string"}}). Raises the first KqlError found."""
    return list(plan_query(query, table_schemas(None, schemas), _watchlist_columns(watchlists)).columns)


def check(query: str, schemas: Schemas | None = None, *, watchlists: Schemas | None = None) -> list[KqlError]:
    """Every diagnostic of `query` (syntax error, or all semantic errors the binder can find)."""
    try:
        tree = parse(query)
    except KqlError as err:
        return [err]
    known = {name: list(columns.items()) for name, columns in builtin.TABLES.items()}
    binder = Binder(query, {**known, **table_schemas(None, schemas)}, _watchlist_columns(watchlists), collect=True)
    try:
        with engine_faults("bind"):
            binder.bind_query(tree)
    except KqlError as err:
        binder.errors.append(err)
    return binder.errors
