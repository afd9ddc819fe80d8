"""Table rows as the engine receives them: every column of the table, each value of its column's type.

Both table-keyed fixture records and the output of the format mappers go through `coerce_row`, so a
typo'd column or a value of the wrong type is caught in one place, with a message naming the column.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from detections.content import jsonio
from detections.content.durations import parse_duration
from detections.kql.types import KType
from detections.mappers.errors import MapError, RecordPath
from detections.mappers.times import TimeFormatError, parse_time


def _to_string(value: Any, now: datetime) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(plain(value), separators=(",", ":"))
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _whole(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{value!r} is not a whole number")
        return int(value)
    text = str(value).strip()
    try:
        return int(text, 16) if text.lower().startswith("0x") else int(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a whole number") from None


def _bounded_int(bits: int) -> Callable[[Any, datetime], int]:
    """A converter to Kusto's int (32 bits) or long (64 bits): a value outside the range is an error,
    as ingestion rejects it, rather than a number the engine would carry and Kusto could not."""
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1

    def convert(value: Any, now: datetime) -> int:
        number = _whole(value)
        if not low <= number <= high:
            raise ValueError(f"{number} is outside the {bits}-bit range {low}..{high}")
        return number

    return convert


def _to_real(value: Any, now: datetime) -> float:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    return float(value)


def _to_bool(value: Any, now: datetime) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ValueError(f"{value!r} is not true or false")


def _to_decimal(value: Any, now: datetime) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None


def _to_dynamic(value: Any, now: datetime) -> Any:
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return jsonio.loads(value)
        except jsonio.JsonError as exc:
            raise ValueError(f"text starting like JSON does not parse: {exc.msg} at char {exc.pos}") from None
    return plain(value)


_CONVERTERS: dict[KType, Callable[[Any, datetime], Any]] = {
    KType.STRING: _to_string,
    KType.INT: _bounded_int(32),
    KType.LONG: _bounded_int(64),
    KType.REAL: _to_real,
    KType.DECIMAL: _to_decimal,
    KType.BOOL: _to_bool,
    KType.DATETIME: parse_time,
    KType.TIMESPAN: lambda value, now: parse_duration(str(value), compound=True),
    KType.GUID: lambda value, now: str(value).lower(),
    KType.DYNAMIC: _to_dynamic,
}


def plain(value: Any) -> Any:
    """Any mapping or sequence (a caller's tuple, a custom Mapping) as plain JSON-like values with text keys."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return value


def unknown_column_message(column: str, table: str, columns: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(column, list(columns), n=1, cutoff=0.6)
    lower = {c.lower(): c for c in columns}.get(column.lower())
    guess = lower or (close[0] if close else None)
    hint = f" (did you mean {guess}?)" if guess else ""
    return f"unknown column {column!r} of table {table}{hint}"


def coerce_row(
    table: str,
    schema: Mapping[str, KType] | None,
    row: Mapping[str, Any],
    now: datetime,
    path: RecordPath = (),
) -> dict[str, Any]:
    """A complete row of `table`: given values converted to their column types, other columns empty.

    Missing strings are "" (Kusto strings are never null), other missing values null; `TimeGenerated`
    defaults to `now` and `Type` to the table name, as Log Analytics sets them. For a table we have no
    schema for (`schema` None), values pass through and only `TimeGenerated` is parsed.
    """
    if schema is None:
        out = {str(k): plain(v) for k, v in row.items()}
        out["TimeGenerated"] = _convert(KType.DATETIME, out.get("TimeGenerated", now), now, path, "TimeGenerated")
        return out
    out = {name: ("" if ktype is KType.STRING else None) for name, ktype in schema.items()}
    if "Type" in out:
        out["Type"] = table
    if "TimeGenerated" in out:
        out["TimeGenerated"] = now
    for key, value in row.items():
        column = str(key)
        ktype = schema.get(column)
        if ktype is None:
            raise MapError(path, column, unknown_column_message(column, table, schema))
        if value is not None:
            out[column] = _convert(ktype, value, now, path, column)
    return out


def _convert(ktype: KType, value: Any, now: datetime, path: RecordPath, column: str) -> Any:
    try:
        return _CONVERTERS[ktype](value, now)
    except (TimeFormatError, ValueError, TypeError) as exc:
        raise MapError(path, column, f"column {column} ({ktype.value}): {exc}") from None
