"""A workspace on this machine: tables of rows in memory, queried with our own KQL engine.

It is what `detections query --table` runs offline and what the emulator's query API answers from, so
both give the same columns, types and errors. The engine is imported on first query only.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from detections.kql.types import KType


@dataclass(frozen=True)
class LocalResult:
    """A query's answer: (name, Kusto type name) per column and rows as lists of Python values."""

    columns: list[tuple[str, str]]
    rows: list[list[Any]]
    warnings: list[str] = field(default_factory=list)


class LocalWorkspace:
    """Named tables of typed rows (dicts keyed by column) and a time-windowed query over them."""

    def __init__(self, tables: Mapping[str, Iterable[Mapping[str, Any]]] | None = None, *,
                 builtin_tables: bool = True) -> None:
        self.tables: dict[str, list[dict[str, Any]]] = {}
        # False: only loaded tables exist, like a workspace without some connectors.
        self.builtin_tables = builtin_tables
        self._lock = threading.Lock()
        self._indexed: dict[str, _TimeIndex] = {}  # engine-ready rows, rebuilt after add_rows
        for name, rows in (tables or {}).items():
            self.add_rows(name, rows)

    def add_rows(self, table: str, rows: Iterable[Mapping[str, Any]], *, typed: bool = False) -> None:
        """Add rows to a table; values are converted to the table's column types when we know them.

        `typed`: the rows already went through detections.mappers.rows.coerce_row (files.load_table,
        the format mappers), so the conversion, about 20 us a row, is not done twice."""
        from detections.mappers.rows import coerce_row
        from detections.tables import TABLES

        now = datetime.now(UTC)
        schema = TABLES.get(table)
        converted = [dict(row) if typed else coerce_row(table, schema, row, now, (table, index))
                     for index, row in enumerate(rows)]
        with self._lock:
            self.tables.setdefault(table, []).extend(converted)
            self._indexed.pop(table, None)

    def schemas(self) -> dict[str, dict[str, KType]]:
        """Built-in table schemas plus those of loaded tables we have no schema for (inferred)."""
        from detections.kql.values import runtime_type
        from detections.tables import TABLES

        schemas = dict(TABLES)
        for name, rows in self.tables.items():
            if name not in schemas and rows:
                schemas[name] = {col: runtime_type(val) if val is not None else KType.STRING
                                 for col, val in rows[0].items()}
        return schemas

    def run(self, query: str, *, start: datetime | None = None, end: datetime | None = None,
            now: datetime | None = None) -> LocalResult:
        """Run `query` over rows whose TimeGenerated lies in [start, end) (the API's timespan);
        raises detections.kql.KqlError subclasses for bad queries."""
        from detections.kql import run_query

        self.check_tables(query)
        schemas = self.schemas()
        tables = {name: self._index(name, schemas).window(start, end) for name in list(self.tables)}
        result = run_query(query, tables, now=now or datetime.now(UTC), schemas=schemas)
        columns = [(name, ktype.value) for name, ktype in zip(result.columns, result.types, strict=True)]
        return LocalResult(columns, [list(row) for row in result.rows], list(result.warnings))

    def check_tables(self, query: str) -> None:
        """Without built-in tables, a query naming a table that was not loaded fails as Log Analytics
        fails it (a semantic error at the table's name)."""
        if self.builtin_tables:
            return
        from detections.kql import KqlSemanticError
        from detections.kql.executor import plan_query, table_schemas

        for name in sorted(plan_query(query, table_schemas(None, self.schemas())).tables - set(self.tables)):
            found = re.search(rf"\b{re.escape(name)}\b", query)
            span = (found.start(), found.end()) if found else (0, 0)
            raise KqlSemanticError.at(f"Failed to resolve table expression named '{name}': this workspace has no "
                                      "such table (is its data connector enabled?)", query, span)

    def run_many(self, queries: list[str], *, start: datetime | None = None, end: datetime | None = None,
                 now: datetime | None = None) -> list[LocalResult | Exception]:
        """Several queries over one window; each answer, or the engine's error for that query."""
        from detections.kql import KqlError

        answers: list[LocalResult | Exception] = []
        for query in queries:
            try:
                answers.append(self.run(query, start=start, end=end, now=now))
            except KqlError as exc:
                answers.append(exc)
        return answers

    def _index(self, name: str, schemas: dict[str, dict[str, KType]]) -> _TimeIndex:
        with self._lock:
            index = self._indexed.get(name)
            if index is None:
                index = self._indexed[name] = _TimeIndex(name, self.tables[name], schemas.get(name))
            return index


class _TimeIndex:
    """A table converted once to the engine's rows and sorted by TimeGenerated (every row has one, as
    in Log Analytics: add_rows sets the ingestion time when missing), so each query's time window is
    two binary searches instead of a scan and a conversion of every row."""

    def __init__(self, name: str, rows: list[dict[str, Any]], schema: Mapping[str, KType] | None) -> None:
        from detections.kql import load_table

        ordered = sorted(rows, key=lambda r: r["TimeGenerated"])
        loaded = load_table(name, ordered, schema)
        self.columns, self.rows = loaded.columns, loaded.rows
        self.times = [r["TimeGenerated"] for r in ordered]

    def window(self, start: datetime | None, end: datetime | None) -> Any:
        from detections.kql import LoadedTable

        low = 0 if start is None else bisect_left(self.times, start)
        high = len(self.times) if end is None else bisect_left(self.times, end)
        return LoadedTable(self.columns, self.rows[low:high])
