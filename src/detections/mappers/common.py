"""Helpers every format mapper shares: reading pasted JSON, walking nested fields, building the row."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from detections.content import jsonio
from detections.mappers.errors import MapError, RecordPath
from detections.mappers.rows import coerce_row, plain
from detections.tables import TABLES

FieldPath = tuple[str, ...]


def json_records(value: Any, path: RecordPath, containers: tuple[str, ...]) -> Iterator[tuple[RecordPath, dict]]:
    """Every JSON object in what the user pasted: a list, one object, JSON text, or an envelope
    such as CloudTrail's `{"Records": [...]}` (the `containers` keys), nested in any mix."""
    if isinstance(value, str):
        try:
            value = jsonio.loads(value)
        except jsonio.JsonError as exc:
            raise MapError(path, None, f"JSON text does not parse: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
        yield from json_records(value, path, containers)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from json_records(item, (*path, index), containers)
    elif isinstance(value, Mapping):
        for key in containers:
            if key in value and isinstance(value[key], list | str):
                yield from json_records(value[key], (*path, key), containers)
                return
        yield path, plain(value)
    else:
        raise MapError(path, None, f"expected a JSON object (a mapping), got {type(value).__name__}: {value!r}")


def dig(record: Mapping[str, Any], field: FieldPath) -> Any:
    """The value at a nested field path, or None when any step is missing."""
    value: Any = record
    for key in field:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def map_fields(record: Mapping[str, Any], fields: Mapping[str, FieldPath]) -> dict[str, tuple[str, Any]]:
    """column -> (source field name, value) for every field of `fields` present in the record."""
    found: dict[str, tuple[str, Any]] = {}
    for column, field in fields.items():
        value = dig(record, field)
        if value is not None:
            found[column] = (".".join(field), value)
    return found


def build_row(table: str, values: Mapping[str, tuple[str, Any]], now: datetime, path: RecordPath) -> dict[str, Any]:
    """A complete, typed row of `table`; a bad value is reported under the source field's name."""
    try:
        return coerce_row(table, TABLES[table], {column: value for column, (_, value) in values.items()}, now, path)
    except MapError as exc:
        source = values[exc.field][0] if exc.field in values else exc.field
        raise MapError(path, source, exc.message) from None


def require(record: Mapping[str, Any], path: RecordPath, *fields: str) -> None:
    """Fields without which a record cannot become a row (e.g. the event time)."""
    for field in fields:
        if record.get(field) in (None, ""):
            raise MapError(path, field, f"required field {field!r} is missing")
