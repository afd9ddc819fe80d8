"""Microsoft.OperationalInsights/savedSearches (Sentinel hunting queries): required fields and tags."""

from __future__ import annotations

from typing import Any

from detections.emulator.checks import Checker, json_object
from detections.emulator.context import RequestContext

REQUIRED = ("category", "displayName", "query")


def validate(body: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    props = json_object(body.get("properties"), "The 'properties' of a saved search")
    check = Checker()
    check.required(props, REQUIRED)
    for key in (*REQUIRED, "functionAlias", "functionParameters"):
        check.string(props, key)
    check.typed(props, "version", int)
    tags = check.typed(props, "tags", list)
    for index, tag in enumerate(tags if isinstance(tags, list) else []):
        with check.nested(f"tags[{index}]") as sub:
            if not isinstance(tag, dict):
                sub.add(sub.prefix, "expected an object {name, value}")
                continue
            sub.required(tag, ("name", "value"))
            sub.typed(tag, "name", str)
            sub.typed(tag, "value", str)
    check.raise_if_any()
    # ARM templates carry the etag inside properties; the service keeps it at the top level only.
    stored = {k: v for k, v in props.items() if k.lower() != "etag"}
    return {"properties": stored}
