"""A workspace on this machine: tables of rows in memory, queried with our own KQL engine.

It is what `detections query --table` runs offline and what the emulator's query API answers from, so
both give the same columns, types and errors. The engine is imported on first query only.
"""

from __future__ import annotations

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


def _runtime_type(values: Iterable[Any]) -> str:
    """The type name of a column whose type the engine did not report: the first non-null value's."""
    from detections.kql.values import runtime_type

    for value in values:
        if value is not None:
            kind = runtime_type(value)
            return kind.value if kind is not KType.UNKNOWN else "string"
    return "string"


class LocalWorkspace:
    """Named tables of typed rows (dicts keyed by column) and a time-windowed query over them."""

    def __init__(self, tables: Mapping[str, Iterable[Mapping[str, Any]]] | None = None) -> None:
        self.tables: dict[str, list[dict[str, Any]]] = {}
        for name, rows in (tables or {}).items():
            self.add_rows(name, rows)

    def add_rows(self, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
        """Add rows to a table; values are converted to the table's column types when we know them."""
        from detections.mappers.rows import coerce_row
        from detections.tables import TABLES

        now = datetime.now(UTC)
        schema = TABLES.get(table)
        target = self.tables.setdefault(table, [])
        target.extend(coerce_row(table, schema, row, now, (table, index)) for index, row in enumerate(rows))

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

        tables = {name: _window(rows, start, end) for name, rows in self.tables.items()}
        result = run_query(query, tables, now=now or datetime.now(UTC), schemas=self.schemas())
        types = getattr(result, "types", None)
        columns = list(result.columns)
        rows = [list(row) for row in result.rows]
        names = [t.value if isinstance(t, KType) else str(t) for t in types] if types else [
            _runtime_type(row[index] for row in rows) for index in range(len(columns))]
        return LocalResult(list(zip(columns, names, strict=True)), rows, list(getattr(result, "warnings", [])))

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


def _window(rows: list[dict[str, Any]], start: datetime | None, end: datetime | None) -> list[dict[str, Any]]:
    if start is None and end is None:
        return rows
    low = start or datetime.min.replace(tzinfo=UTC)
    high = end or datetime.max.replace(tzinfo=UTC)
    kept = []
    for row in rows:
        stamp = row.get("TimeGenerated")
        if not isinstance(stamp, datetime) or low <= stamp < high:
            kept.append(row)
    return kept
