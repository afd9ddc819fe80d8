"""Microsoft.SecurityInsights/metadata: the link between a deployed item and its content source,
which a deployer can use to mark items as its own; plus the OData `$filter` subset to list them."""

from __future__ import annotations

import re
from typing import Any

from detections.emulator.checks import Checker, json_object
from detections.emulator.context import RequestContext
from detections.emulator.errors import bad_request

_CLAUSE = re.compile(r"^\s*([A-Za-z0-9_/]+)\s+eq\s+'((?:[^']|'')*)'\s*$", re.IGNORECASE)
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


def validate(body: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    props = json_object(body.get("properties"), "The 'properties' of a metadata item")
    check = Checker()
    check.required(props, ("parentId", "kind"))
    for key in ("parentId", "kind", "contentId", "version", "contentSchemaVersion"):
        check.string(props, key)
    source = check.typed(props, "source", dict)
    if isinstance(source, dict):
        with check.nested("source") as sub:
            sub.required(source, ("kind",))
            for key in ("kind", "name", "sourceId"):
                sub.string(source, key)
    check.raise_if_any()
    return {"properties": props}


def parse_filter(text: str) -> list[tuple[list[str], str]]:
    """`properties/kind eq 'AnalyticsRule' and properties/source/kind eq 'x'` -> [(path, value)];
    only `eq` joined by `and` is supported, anything else is a clear 400."""
    clauses = []
    for part in _AND.split(text.strip()):
        match = _CLAUSE.match(part)
        if not match:
            raise bad_request(f"Unsupported $filter clause {part.strip()!r}: the emulator supports "
                              "\"<property/path> eq '<value>'\" joined by 'and'.", code="InvalidFilter")
        clauses.append((match[1].split("/"), match[2].replace("''", "'")))
    return clauses


def matches(body: dict[str, Any], clauses: list[tuple[list[str], str]]) -> bool:
    """Whether a stored body satisfies every clause (case-insensitive, as the service compares)."""
    for path, wanted in clauses:
        value: Any = body
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if not isinstance(value, str) or value.lower() != wanted.lower():
            return False
    return True
