"""Built-in schemas of the product tables (AWSCloudTrail, AWSGuardDuty, AWSVPCFlow, SecurityEvent), and of
the other Sentinel tables Microsoft's published AWS and Windows content reads (`other/`).

Each table is one JSON file, `{"table", "source", "columns": [{"name", "type"}]}`, so a schema fix is a
data change, not a code change. They are read once at import; column order is the order of the file
(it is the order `project *`, `take_any(*)` and `getschema` show).

TABLES are the product tables: the engine knows them, fixtures and mappers fill them, rule tests replay
them. OTHER_TABLES (SigninLogs, SecurityAlert, Event, ...) are for binding only: validation compiles a
query that names them, but nothing replays them unless a fixture gives their rows.
"""

from __future__ import annotations

import json
from pathlib import Path

from detections.kql.types import TYPE_NAMES, KType

_HERE = Path(__file__).parent


def _load(folder: Path) -> dict[str, dict[str, KType]]:
    tables: dict[str, dict[str, KType]] = {}
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        tables[data["table"]] = {col["name"]: TYPE_NAMES[col["type"]] for col in data["columns"]}
    return tables


TABLES: dict[str, dict[str, KType]] = _load(_HERE)
"""Table name -> ordered {column name: KType}. Treat as read-only: it is shared by every query."""

OTHER_TABLES: dict[str, dict[str, KType]] = _load(_HERE / "other")
"""Sentinel tables outside the product (columns from the Azure Monitor table reference), for binding only."""

_BY_LOWER = {name.lower(): name for name in TABLES}


def table_columns(name: str) -> dict[str, KType]:
    """Columns of a built-in table. Table names are case-sensitive in KQL, so a near miss raises a
    KeyError that names the table the author probably meant."""
    try:
        return TABLES[name]
    except KeyError:
        hint = _BY_LOWER.get(name.lower())
        suggestion = f" (did you mean {hint}?)" if hint else f" (known tables: {', '.join(TABLES)})"
        raise KeyError(f"unknown table {name!r}{suggestion}") from None
