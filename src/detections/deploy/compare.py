"""Compare what the repository wants with what the workspace holds, by meaning rather than by text.

Both sides are brought to one canonical form first: durations parsed (PT1H == 1h == 01:00:00 ==
PT01H00M00S), lists whose order means nothing sorted (tactics, entity mappings, tags...), values the
service fills in or leaves empty (null, [], {}, "") dropped, read-only fields (ids, etags, timestamps)
ignored, workbook JSON parsed, query line endings unified. Two bodies are equal when their canonical
forms are; `diff` lists the changed paths with before/after values for the plan.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from detections.content.durations import format_iso_duration, parse_duration

# Set by the service, or fixed once created: never a reason to update.
TOP_LEVEL_IGNORED = {"id", "name", "type", "etag", "systemData", "location"}
PROPERTIES_IGNORED = {"lastModifiedUtc", "timeModified", "userId", "revision", "createdTime", "etag", "eTag"}
DURATION_KEYS = {"queryFrequency", "queryPeriod", "suppressionDuration", "lookbackDuration"}
UNORDERED_LISTS = {
    "tactics", "techniques", "subTechniques", "entityMappings", "fieldMappings", "groupByEntities",
    "groupByAlertDetails", "groupByCustomDetails", "alertDynamicProperties",
}
COMMA_LIST_TAGS = {"tactics", "techniques", "relevantTechniques"}
MISSING = object()


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _duration(value: Any) -> Any:
    try:
        return format_iso_duration(parse_duration(str(value)))
    except ValueError:
        return value


def _saved_search_tags(tags: list[Any]) -> list[str]:
    """`[{name, value}]` -> sorted `name=value`; comma lists (tactics, techniques) sorted inside."""
    result = []
    for tag in tags:
        if not isinstance(tag, dict):
            continue
        name, value = str(tag.get("name")), str(tag.get("value") or "")
        if name in COMMA_LIST_TAGS:
            value = ",".join(sorted(v.strip() for v in value.split(",") if v.strip()))
        result.append(f"{name}={value}")
    return sorted(result)


def _canonical(value: Any, key: str | None, depth: int, parent: str | None) -> Any:
    if isinstance(value, dict):
        ignored = TOP_LEVEL_IGNORED if depth == 0 else PROPERTIES_IGNORED if key == "properties" and depth == 1 else set()
        out = {}
        for k, v in value.items():
            if k in ignored:
                continue
            item = _canonical(v, k, depth + 1, key)
            if not _empty(item):
                out[k] = item
        return out
    if isinstance(value, list):
        if key == "tags" and parent == "properties":
            return _saved_search_tags(value)
        items = [_canonical(v, key, depth + 1, key) for v in value]
        items = [i for i in items if not _empty(i)]
        return sorted(items, key=lambda i: json.dumps(i, sort_keys=True)) if key in UNORDERED_LISTS else items
    if isinstance(value, str):
        if key in DURATION_KEYS:
            return _duration(value)
        if key == "serializedData":
            try:
                return _canonical(json.loads(value), None, 2, None)
            except ValueError:
                return value
        if key == "query":
            return "\n".join(line.rstrip() for line in value.replace("\r\n", "\n").strip().split("\n"))
        return value.strip() if key in ("description", "displayName") else value
    return value


def canonical(body: dict[str, Any]) -> dict[str, Any]:
    """The meaning of a resource body (see the module doc)."""
    return _canonical(body, None, 0, None)


@dataclass(frozen=True)
class Change:
    """One changed field: `before` is the workspace's value, `after` the repository's (MISSING: absent)."""

    path: str
    before: Any
    after: Any

    def render(self) -> list[str]:
        """Readable lines: `path: old -> new`, or a unified diff for multi-line text."""
        if isinstance(self.before, str) and isinstance(self.after, str) and "\n" in self.before + self.after:
            lines = difflib.unified_diff(self.before.split("\n"), self.after.split("\n"), "workspace", "repository",
                                         lineterm="", n=1)
            return [f"{self.path}:", *(f"    {line}" for line in list(lines)[2:])]
        return [f"{self.path}: {_show(self.before)} -> {_show(self.after)}"]


def _show(value: Any) -> str:
    if value is MISSING:
        return "(absent)"
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    """Leaf paths: objects by key, lists of objects by index (a workbook item), scalar lists whole."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else key, out)
    elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        for index, item in enumerate(value):
            _flatten(item, f"{prefix}[{index}]", out)
    else:
        out[prefix] = value


def diff(deployed: dict[str, Any], desired: dict[str, Any]) -> list[Change]:
    """The canonical differences between a deployed body and the desired one (empty: unchanged)."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    _flatten(canonical(deployed), "", before)
    _flatten(canonical(desired), "", after)
    return [
        Change(path, before.get(path, MISSING), after.get(path, MISSING))
        for path in sorted(before.keys() | after.keys())
        if before.get(path, MISSING) != after.get(path, MISSING)
    ]
