"""Turning caller rows (dicts of Python values or text) into typed row tuples, once per table.

Values may come as Python values or as text in the column's type (ISO datetimes, JSON for dynamic,
"1h" or "01:00:00" timespans), as users copy them from logs. Conversion happens at load time so
the hot loops only ever see the engine's representation (detections.kql.types).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from detections.kql import values as v
from detections.kql.ops_core import Column, null_of
from detections.kql.types import TYPE_NAMES, KType

_NATIVE: dict[KType, tuple[type, ...]] = {
    KType.BOOL: (bool,), KType.INT: (int,), KType.LONG: (int,), KType.REAL: (float,),
    KType.STRING: (str,), KType.GUID: (str,),
}

_CONVERT: dict[KType, Callable[[Any], Any]] = {
    KType.BOOL: v.to_bool,
    KType.INT: v.to_int,
    KType.LONG: v.to_long,
    KType.REAL: v.to_real,
    KType.DECIMAL: v.to_decimal,
    KType.STRING: v.to_string,
    KType.DATETIME: v.to_datetime,
    KType.TIMESPAN: v.to_timespan,
    KType.GUID: v.to_guid,
    KType.DYNAMIC: v.parse_json,
    KType.UNKNOWN: lambda x: x,
}


def _datetime(value: Any) -> datetime | None:
    """Datetimes are tz-aware UTC everywhere in the engine: naive ones are taken as UTC and other
    zones converted, so results never mix zones."""
    if type(value) is not datetime:
        value = None if value is None else v.to_datetime(value)
        if value is None:
            return None
    if value.tzinfo is UTC:
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def converter(ktype: KType) -> Callable[[Any], Any]:
    """value -> the engine's representation of `ktype` (None stays None, except string -> "")."""
    if ktype is KType.DATETIME:
        return _datetime
    convert = _CONVERT[ktype]
    native = _NATIVE.get(ktype)
    if ktype is KType.STRING:
        return lambda x: x if type(x) is str else ("" if x is None else convert(x))
    if native is not None and ktype is not KType.REAL:

        def fast(x: Any) -> Any:
            return x if type(x) in native or x is None else convert(x)

        return fast if ktype is not KType.BOOL else (lambda x: x if x is None or type(x) is bool else convert(x))
    return lambda x: None if x is None else convert(x)


def convert_rows(rows: Iterable[Mapping[str, Any]], columns: list[Column],
                 problems: list[str] | None = None) -> list[tuple]:
    """Dict rows -> tuples in column order; a missing key is the column's null ("" for strings).
    A value that does not convert to its column's type reads as null; when `problems` is given,
    the first few such values are described there (a typo in a fixture should not pass unseen)."""
    template, positions = _layout(tuple(columns))
    get = positions.get
    out = []
    for number, row in enumerate(rows, start=1):
        cells = template.copy()
        for name, value in row.items():
            found = get(name)
            if found is None:
                continue
            position, convert, native = found
            if type(value) in native:  # already the engine's representation: no call
                cells[position] = value
                continue
            converted = cells[position] = convert(value)
            if converted is None and value is not None and value != "" and problems is not None:
                _note(problems, number, name, value, columns[position][1])
        out.append(tuple(cells))
    return out


_MAX_PROBLEMS = 10


def _note(problems: list[str], number: int, name: str, value: Any, ktype: KType) -> None:
    if len(problems) < _MAX_PROBLEMS:
        problems.append(f"row {number}: {name} = {value!r} is not of type {ktype.value}; it reads as null")


# Python types convert_rows keeps without a call, per column type (as converter() does; type() is
# exact, so a bool is not taken as an int).
_AS_IS: dict[KType, tuple[type, ...]] = {kind: types for kind, types in _NATIVE.items() if kind is not KType.REAL}


@lru_cache(maxsize=256)
def _layout(columns: tuple[Column, ...]) -> tuple[list[Any], dict[str, tuple[int, Callable[[Any], Any], tuple]]]:
    """Per schema, once: the row of nulls and each column's position, converter and the Python
    types its values may keep without conversion."""
    template = [null_of(t) for _, t in columns]
    return template, {name: (i, converter(t), _AS_IS.get(t, ())) for i, (name, t) in enumerate(columns)}


def infer_columns(rows: list[Mapping[str, Any]]) -> list[Column]:
    """Column types from Python values (first non-null value wins; all-null columns are string)."""
    found: dict[str, KType] = {}
    for row in rows:
        for name, value in row.items():
            if found.get(name, KType.UNKNOWN) is KType.UNKNOWN:
                found[name] = v.runtime_type(value)
    return [(name, KType.STRING if t is KType.UNKNOWN else t) for name, t in found.items()]


def schema_columns(spec: Mapping[str, Any]) -> list[Column]:
    """{"Col": "long", ...} (type names or KType) -> columns, validating the type names."""
    columns = []
    for name, type_name in spec.items():
        ktype = type_name if isinstance(type_name, KType) else TYPE_NAMES.get(str(type_name).lower())
        if ktype is None:
            raise ValueError(f"column {name!r}: unknown type {type_name!r} (use one of {', '.join(sorted(TYPE_NAMES))})")
        columns.append((name, ktype))
    return columns


def watchlist_rows(rows: list[Mapping[str, Any]], columns: list[Column]) -> list[tuple]:
    """Watchlist items as _GetWatchlist() returns them: the item's own columns, plus SearchKey and
    WatchlistItem (the whole item as a bag) when the caller did not give them."""
    shaped = []
    for row in rows:
        item = dict(row)
        item.setdefault("WatchlistItem", {k: val for k, val in row.items() if k not in ("SearchKey", "_DTItemId")})
        shaped.append(item)
    return convert_rows(shaped, columns)
