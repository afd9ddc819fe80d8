"""Kusto scalar types and how Python values represent them.

Representation (the engine's contract with everyone who reads its results):
bool -> bool, int/long -> int, real -> float, decimal -> decimal.Decimal, string -> str,
datetime -> tz-aware UTC datetime, timespan -> timedelta, guid -> str (lower case),
dynamic -> JSON values (dict, list, str, int, float, bool). Null is None for every type
(a string is never null in Kusto: a missing string is "").
"""

from __future__ import annotations

from enum import StrEnum


class KType(StrEnum):
    BOOL = "bool"
    INT = "int"
    LONG = "long"
    REAL = "real"
    DECIMAL = "decimal"
    STRING = "string"
    DATETIME = "datetime"
    TIMESPAN = "timespan"
    GUID = "guid"
    DYNAMIC = "dynamic"
    UNKNOWN = "unknown"  # only while binding: a type we could not infer

    @property
    def is_numeric(self) -> bool:
        return self in (KType.INT, KType.LONG, KType.REAL, KType.DECIMAL)


# Type names and aliases accepted in KQL (datatable schemas, function parameters, to*() casts).
TYPE_NAMES: dict[str, KType] = {
    "bool": KType.BOOL,
    "boolean": KType.BOOL,
    "int": KType.INT,
    "long": KType.LONG,
    "real": KType.REAL,
    "double": KType.REAL,
    "decimal": KType.DECIMAL,
    "string": KType.STRING,
    "datetime": KType.DATETIME,
    "date": KType.DATETIME,
    "timespan": KType.TIMESPAN,
    "time": KType.TIMESPAN,
    "guid": KType.GUID,
    "uniqueid": KType.GUID,
    "dynamic": KType.DYNAMIC,
}
