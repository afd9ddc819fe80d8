"""Microsoft.Insights/workbooks: shared workbooks linked to the workspace by sourceId."""

from __future__ import annotations

import uuid
from typing import Any

from detections.content import jsonio
from detections.emulator import iso8601
from detections.emulator.checks import Checker, json_object
from detections.emulator.context import RequestContext
from detections.emulator.errors import bad_request

REQUIRED = ("displayName", "category", "serializedData")
EMULATOR_USER_ID = "00000000-0000-0000-0000-00000000e001"


def check_name(name: str) -> None:
    """Workbook resource names are GUIDs (Microsoft's templates always use one; the emulator insists)."""
    try:
        uuid.UUID(name)
    except ValueError:
        raise bad_request(f"The workbook resource name {name!r} must be a GUID; derive one with uuid5 "
                          "from the workbook's path so redeploys update it.", code="InvalidResourceName") from None


def validate(body: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    props = json_object(body.get("properties"), "The 'properties' of a workbook")
    check = Checker(prefix="")
    check.required(body, ("location",))
    check.string(body, "location")
    kind = body.get("kind", "shared")
    if kind != "shared":
        check.add("kind", f"{kind!r} is not supported; the only kind is 'shared'")
    tags = check.typed(body, "tags", dict)
    with check.nested("properties") as sub:
        sub.required(props, REQUIRED)
        for key in (*REQUIRED, "version", "sourceId", "description"):
            sub.string(props, key)
        data = props.get("serializedData")
        if isinstance(data, str) and data.strip():
            try:
                document = jsonio.loads(data)
            except jsonio.JsonError as exc:
                sub.add("properties.serializedData", f"is not valid JSON ({exc})")
            else:
                if not isinstance(document, dict):
                    sub.add("properties.serializedData", "must hold the workbook JSON object as a string")
    check.raise_if_any()
    stored_props = {**props, "sourceId": props.get("sourceId") or ctx.param("sourceId"),
                    "timeModified": iso8601.format_datetime(ctx.now), "userId": EMULATOR_USER_ID,
                    "revision": uuid.uuid4().hex}
    return {"location": body["location"], "kind": "shared",
            "tags": tags if isinstance(tags, dict) else {}, "properties": stored_props}


def view(body: dict[str, Any], ctx: RequestContext, listing: bool) -> dict[str, Any]:
    """Lists carry the content only with canFetchContent=true; a single GET unless it is false."""
    flag = (ctx.param("canFetchContent") or "").lower()
    if (listing and flag != "true") or (not listing and flag == "false"):
        body["properties"].pop("serializedData", None)
    return body


def list_filter(body: dict[str, Any], ctx: RequestContext) -> bool:
    """The list's `category` (required by the API) and optional `sourceId` filters."""
    category = ctx.param("category")
    if not category:
        raise bad_request("The 'category' query parameter is required to list workbooks.")
    props = body["properties"]
    if props.get("category", "").lower() != category.lower():
        return False
    source = ctx.param("sourceId")
    return not source or (props.get("sourceId") or "").lower() == source.lower()
