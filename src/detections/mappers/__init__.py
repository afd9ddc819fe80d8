"""Mappers: log records in their native formats -> rows of the Sentinel tables their connectors fill.

`MAPPERS` is the registry by fixture `records` key; each entry names the table it fills and a function
`map_records(value, now)` yielding `(record path, row)` and raising `MapError` for a record that
does not map. See docs/fixtures.md for the field-by-field mapping tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from detections.mappers import cloudtrail, guardduty, vpcflow, windows
from detections.mappers.errors import MapError, RecordPath


@dataclass(frozen=True)
class Mapper:
    key: str
    table: str
    map_records: Callable[[Any, datetime], Iterator[tuple[RecordPath, dict[str, Any]]]]


MAPPERS: dict[str, Mapper] = {
    module.__name__.rsplit(".", 1)[-1]: Mapper(module.__name__.rsplit(".", 1)[-1], module.TABLE, module.map_records)
    for module in (cloudtrail, guardduty, vpcflow, windows)
}

__all__ = ["MAPPERS", "MapError", "Mapper", "RecordPath"]
