"""Generic ARM resource semantics shared by every collection: GET, paged LIST, PUT with etags, DELETE.

A `Collection` describes what differs (resource type, body checks, etag rule, status codes, views);
`ArmCollections` applies the common rules to the store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from detections.emulator import alertrules, metadata, savedsearches, workbooks
from detections.emulator.context import RequestContext
from detections.emulator.errors import bad_request, conflict, not_found
from detections.emulator.store import (
    ALERT_RULES,
    METADATA,
    SAVED_SEARCHES,
    WORKBOOKS,
    Store,
    new_etag,
)

Body = dict[str, Any]
Answer = tuple[int, Body]


def _same(body: Body, ctx: RequestContext, listing: bool) -> Body:
    return body


def _metadata_filter(body: Body, ctx: RequestContext) -> bool:
    text = ctx.param("$filter")
    return not text or metadata.matches(body, metadata.parse_filter(text))


@dataclass(frozen=True)
class Collection:
    name: str  # store collection and fault-injection route name
    resource_type: str
    segment: str  # path below the scope id, e.g. "providers/Microsoft.SecurityInsights/alertRules"
    scope: str  # "workspace" or "resourceGroup"
    validate: Callable[[Body, RequestContext], Body]
    label: str  # for messages: "Alert rule"
    created_status: int = 201
    delete_missing_status: int = 204
    # Saved searches: overwriting an existing item needs its current etag or "*".
    etag_required_to_overwrite: bool = False
    paged: bool = True
    view: Callable[[Body, RequestContext, bool], Body] = _same
    list_filter: Callable[[Body, RequestContext], bool] | None = None
    check_name: Callable[[str], None] | None = None
    patchable: bool = False  # PATCH merges properties (metadata's `update` operation)


COLLECTIONS: dict[str, Collection] = {
    ALERT_RULES: Collection(
        ALERT_RULES, "Microsoft.SecurityInsights/alertRules",
        "providers/Microsoft.SecurityInsights/alertRules", "workspace", alertrules.validate, "Alert rule"),
    METADATA: Collection(
        METADATA, "Microsoft.SecurityInsights/metadata", "providers/Microsoft.SecurityInsights/metadata",
        "workspace", metadata.validate, "Metadata", list_filter=_metadata_filter, patchable=True),
    SAVED_SEARCHES: Collection(
        SAVED_SEARCHES, "Microsoft.OperationalInsights/workspaces/savedSearches", "savedSearches",
        "workspace", savedsearches.validate, "Saved search", created_status=200, delete_missing_status=200,
        etag_required_to_overwrite=True, paged=False),
    WORKBOOKS: Collection(
        WORKBOOKS, "microsoft.insights/workbooks", "providers/Microsoft.Insights/workbooks", "resourceGroup",
        workbooks.validate, "Workbook", view=workbooks.view, list_filter=workbooks.list_filter,
        check_name=workbooks.check_name),
}


def _bare(etag: str) -> str:
    """Etags compare without the weak prefix and quotes (clients echo them in either form)."""
    text = etag.strip()
    text = text[2:] if text.startswith("W/") else text
    return text.strip('"')


def sent_etag(body: Body) -> str | None:
    """The etag a PUT carries: top-level (SDK) or inside properties (ARM template style)."""
    if isinstance(body.get("etag"), str):
        return body["etag"]
    props = body.get("properties")
    if isinstance(props, dict):
        for key in ("etag", "eTag"):
            if isinstance(props.get(key), str):
                return props[key]
    return None


class ArmCollections:
    """CRUD over the store for every collection, given the canonical scope ids of the emulator."""

    def __init__(self, store: Store, scope_ids: dict[str, str], page_size: int) -> None:
        self.store = store
        self.scope_ids = scope_ids
        self.page_size = page_size

    def resource_id(self, collection: Collection, name: str) -> str:
        return f"{self.scope_ids[collection.scope]}/{collection.segment}/{name}"

    def get(self, collection: Collection, name: str, ctx: RequestContext) -> Answer:
        body = self.store.get(collection.name, name)
        if body is None:
            raise not_found(f"{collection.label} '{name}' was not found.")
        return 200, collection.view(body, ctx, False)

    def list(self, collection: Collection, ctx: RequestContext) -> Answer:
        items = [b for b in self.store.items(collection.name)
                 if collection.list_filter is None or collection.list_filter(b, ctx)]
        items = [collection.view(b, ctx, True) for b in items]
        if not collection.paged:
            return 200, {"value": items}
        token = ctx.param("$skipToken") or "0"
        if not token.isdigit():
            raise bad_request(f"Invalid $skipToken {token!r}.")
        start = int(token)
        page: Body = {"value": items[start:start + self.page_size]}
        if start + self.page_size < len(items):
            params = {k: v for k, v in ctx.query.items() if k.lower() != "$skiptoken"}
            params["$skipToken"] = str(start + self.page_size)
            page["nextLink"] = f"{ctx.base_url}{ctx.path}?{urlencode(params)}"
        return 200, page

    def put(self, collection: Collection, name: str, body: Body, ctx: RequestContext,
            concurrent_edit: bool = False) -> Answer:
        if collection.check_name:
            collection.check_name(name)
        with self.store.lock:
            if concurrent_edit:
                self.store.touch(collection.name, name)
            existing = self.store.get(collection.name, name)
            etag = sent_etag(body)
            if existing is not None:
                self._check_etag(collection, name, existing, etag)
            stored = collection.validate(body, ctx)
            resource = {"id": self.resource_id(collection, existing["name"] if existing else name),
                        "name": existing["name"] if existing else name,
                        "type": collection.resource_type, "etag": new_etag(), **stored}
            self.store.put(collection.name, name, resource)
        status = 200 if existing is not None else collection.created_status
        return status, collection.view(resource, ctx, False)

    @staticmethod
    def _check_etag(collection: Collection, name: str, existing: Body, etag: str | None) -> None:
        if etag is None:
            if collection.etag_required_to_overwrite:
                raise conflict(f"{collection.label} '{name}' already exists. To override an existing "
                               "saved search, use '*' or specify the current Etag.")
            return
        if etag.strip() != "*" and _bare(etag) != _bare(existing["etag"]):
            raise conflict(f"The etag {etag} of {collection.label.lower()} '{name}' is stale (current: "
                           f"{existing['etag']}): it was changed since you read it. Read it again and retry.")

    def patch(self, collection: Collection, name: str, body: Body, ctx: RequestContext) -> Answer:
        """Merge the given properties into the stored item, then store it with the PUT checks."""
        with self.store.lock:
            existing = self.store.get(collection.name, name)
            if existing is None:
                raise not_found(f"{collection.label} '{name}' was not found.")
            etag = sent_etag(body)
            self._check_etag(collection, name, existing, etag)
            changes = body.get("properties") if isinstance(body.get("properties"), dict) else {}
            merged = {k: v for k, v in existing.items() if k not in ("id", "name", "type")}
            merged["properties"] = {**existing.get("properties", {}), **changes}
            return 200, self.put(collection, name, merged, ctx)[1]

    def delete(self, collection: Collection, name: str, ctx: RequestContext) -> Answer:
        existed = self.store.delete(collection.name, name)
        return (200 if existed else collection.delete_missing_status), {}
