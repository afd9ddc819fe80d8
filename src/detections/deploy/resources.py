"""One adapter per resource kind: what the repository wants, what the workspace has, and how to change it.

Every adapter speaks through an official SDK client and sends the bodies from detections.package.bodies
verbatim (raw JSON bodies, so nothing is dropped or renamed by SDK models). Ownership:
- alert rules: a Sentinel metadata item `detections-<rule id>` whose source names us and the repository;
- saved searches (hunting queries) and workbooks: the `detections-source` tag holding the repository name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, Protocol

from detections.content.model import Repository
from detections.deploy.clients import Clients, Target
from detections.deploy.compare import Change, diff
from detections.package import bodies
from detections.package.bodies import MARKER_NAME, MARKER_SOURCE_KIND, MARKER_TAG, Scope


@dataclass
class Desired:
    """An item as the repository wants it: resource name, title for humans, body (and marker body)."""

    name: str
    title: str
    body: dict[str, Any]
    marker: dict[str, Any] | None = None


@dataclass
class Deployed:
    """An item as the workspace holds it; `owner` is the repository its ownership marker names (None:
    no marker, made in the portal or by another tool), `owned` when that is this repository."""

    name: str
    title: str
    body: dict[str, Any]
    etag: str | None
    owned: bool
    marker: dict[str, Any] | None = None
    owner: str | None = None


class Kind(Protocol):
    label: str

    def desired(self, repo: Repository) -> list[Desired]: ...
    def deployed(self) -> list[Deployed]: ...
    def read(self, name: str) -> Deployed | None: ...
    def write(self, item: Desired, current: Deployed | None) -> None: ...
    def remove(self, item: Deployed) -> None: ...
    def compare(self, current: Deployed, item: Desired) -> list[Change]: ...


def _as_dict(model: Any) -> dict[str, Any]:
    """REST-shaped dict of an SDK model (TypeSpec models: as_dict; msrest models: serialize)."""
    if isinstance(model, dict):
        return model
    if hasattr(model, "as_dict") and not hasattr(model, "serialize"):
        return model.as_dict()
    return model.serialize(keep_readonly=True)


class _Base:
    """Shared state: clients, target, the live scope bodies point at."""

    def __init__(self, clients: Clients, target: Target, source: str):
        self.clients = clients
        self.target = target
        self.source = source
        self.scope = Scope(target.workspace_resource_id, target.location or "", source)

    def compare(self, current: Deployed, item: Desired) -> list[Change]:
        return diff(current.body, item.body)


class AlertRules(_Base):
    label = "AnalyticsRule"

    def desired(self, repo: Repository) -> list[Desired]:
        return [
            Desired(rule.id, rule.name, bodies.rule_body(rule), bodies.rule_metadata_body(rule, self.scope))
            for rule in repo.rules
        ]

    def _markers(self) -> dict[str, dict[str, Any]]:
        """Metadata items written by `detections` (any repository), by the lower-cased id of their rule.

        Only the documented `properties/kind` filter goes to the service; the source is checked here.
        """
        found: dict[str, dict[str, Any]] = {}
        items = self.clients.sentinel.metadata.list(
            self.target.resource_group, self.target.workspace, filter="properties/kind eq 'AnalyticsRule'")
        for item in map(_as_dict, items):
            props = item.get("properties") or {}
            source = props.get("source") or {}
            if (source.get("kind"), source.get("name")) == (MARKER_SOURCE_KIND, MARKER_NAME) and isinstance(
                props.get("parentId"), str
            ):
                found[props["parentId"].rstrip("/").rsplit("/", 1)[-1].lower()] = item
        return found

    def _deployed(self, rule: dict[str, Any], marker: dict[str, Any] | None) -> Deployed:
        source = ((marker or {}).get("properties") or {}).get("source") or {}
        return Deployed(
            name=rule["name"],
            title=(rule.get("properties") or {}).get("displayName", ""),
            body=rule,
            etag=rule.get("etag"),
            owned=source.get("sourceId") == self.source,
            marker=marker,
            owner=source.get("sourceId"),
        )

    def deployed(self) -> list[Deployed]:
        markers = self._markers()
        rules = map(_as_dict, self.clients.sentinel.alert_rules.list(self.target.resource_group, self.target.workspace))
        return [
            self._deployed(rule, markers.get(rule["name"].lower()))
            for rule in rules
            if rule.get("kind") in ("Scheduled", "NRT")
        ]

    def read(self, name: str) -> Deployed | None:
        from azure.core.exceptions import ResourceNotFoundError

        ops = self.clients.sentinel
        try:
            rule = _as_dict(ops.alert_rules.get(self.target.resource_group, self.target.workspace, name))
        except ResourceNotFoundError:
            return None
        try:
            marker = _as_dict(ops.metadata.get(self.target.resource_group, self.target.workspace,
                                               bodies.metadata_name(name)))
        except ResourceNotFoundError:
            marker = None
        return self._deployed(rule, marker)

    def compare(self, current: Deployed, item: Desired) -> list[Change]:
        changes = diff(current.body, item.body)
        marker = diff(current.marker or {}, item.marker or {})
        return changes + [Change(f"metadata.{c.path}", c.before, c.after) for c in marker]

    def write(self, item: Desired, current: Deployed | None) -> None:
        """PUT only the parts that differ: the rule (with the etag read) and/or its metadata marker."""
        ops, rg, ws = self.clients.sentinel, self.target.resource_group, self.target.workspace
        if current is not None and current.body.get("kind") != item.body["kind"]:
            ops.alert_rules.delete(rg, ws, current.name)  # a rule's kind cannot change in place
            current = None
        if current is None or diff(current.body, item.body):
            etag = {"etag": current.etag} if current is not None and current.etag else {}
            ops.alert_rules.create_or_update(rg, ws, item.name, {**item.body, **etag})
        if item.marker is not None and (current is None or diff(current.marker or {}, item.marker)):
            ops.metadata.create(rg, ws, bodies.metadata_name(item.name), item.marker)

    def remove(self, item: Deployed) -> None:
        ops, rg, ws = self.clients.sentinel, self.target.resource_group, self.target.workspace
        ops.alert_rules.delete(rg, ws, item.name)
        if item.marker is not None:
            ops.metadata.delete(rg, ws, bodies.metadata_name(item.name))


class SavedSearches(_Base):
    label = "HuntingQuery"

    def desired(self, repo: Repository) -> list[Desired]:
        return [Desired(query.id, query.name, bodies.hunting_body(query, self.scope)) for query in repo.hunting]

    def _deployed(self, search: dict[str, Any]) -> Deployed:
        props = search.get("properties") or {}
        tags = {t.get("name"): t.get("value") for t in props.get("tags") or [] if isinstance(t, dict)}
        return Deployed(search["name"], props.get("displayName", ""), search, search.get("etag"),
                        owned=tags.get(MARKER_TAG) == self.source, owner=tags.get(MARKER_TAG))

    def deployed(self) -> list[Deployed]:
        result = self.clients.log_analytics.saved_searches.list_by_workspace(
            self.target.resource_group, self.target.workspace)
        return [self._deployed(_as_dict(s)) for s in result.value or []]

    def read(self, name: str) -> Deployed | None:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            return self._deployed(_as_dict(self.clients.log_analytics.saved_searches.get(
                self.target.resource_group, self.target.workspace, name)))
        except ResourceNotFoundError:
            return None

    def write(self, item: Desired, current: Deployed | None) -> None:
        body = dict(item.body)
        if current is not None:
            body["etag"] = current.etag or "*"  # overwriting a saved search needs its etag (or *)
        self.clients.log_analytics.saved_searches.create_or_update(
            self.target.resource_group, self.target.workspace, item.name, body)

    def remove(self, item: Deployed) -> None:
        self.clients.log_analytics.saved_searches.delete(self.target.resource_group, self.target.workspace, item.name)


class Workbooks(_Base):
    label = "Workbook"

    def desired(self, repo: Repository) -> list[Desired]:
        if not repo.workbooks:
            return []
        scope = replace(self.scope, location=self._location())
        return [Desired(wb.id, wb.name, bodies.workbook_body(wb, scope)) for wb in repo.workbooks]

    def _location(self) -> str:
        """--location, else the workspace's own region: a workbook is a resource with a region, and the
        workspace's is the one it belongs in. Read while planning, so a workspace that cannot be read
        stops the plan before anything is applied."""
        if self.target.location:
            return self.target.location
        workspace = self.clients.log_analytics.workspaces.get(self.target.resource_group, self.target.workspace)
        return str(workspace.location)

    def _deployed(self, workbook: dict[str, Any]) -> Deployed:
        tags = workbook.get("tags") or {}
        return Deployed(workbook["name"], (workbook.get("properties") or {}).get("displayName", ""), workbook,
                        workbook.get("etag"), owned=tags.get(MARKER_TAG) == self.source, owner=tags.get(MARKER_TAG))

    def deployed(self) -> list[Deployed]:
        items = self.clients.insights.workbooks.list_by_resource_group(
            self.target.resource_group, category=bodies.WORKBOOK_CATEGORY,
            source_id=self.target.workspace_resource_id, can_fetch_content=True)
        return [self._deployed(_as_dict(wb)) for wb in items]

    def read(self, name: str) -> Deployed | None:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            return self._deployed(_as_dict(self.clients.insights.workbooks.get(
                self.target.resource_group, name, can_fetch_content=True)))
        except ResourceNotFoundError:
            return None

    def write(self, item: Desired, current: Deployed | None) -> None:
        body = dict(item.body)
        if current is not None and current.etag:
            body["etag"] = current.etag
        # raw JSON bytes: the msrest model would otherwise re-shape the body we also put in templates
        self.clients.insights.workbooks.create_or_update(
            self.target.resource_group, item.name, json.dumps(body).encode("utf-8"),
            source_id=self.target.workspace_resource_id)

    def remove(self, item: Deployed) -> None:
        self.clients.insights.workbooks.delete(self.target.resource_group, item.name)


def all_kinds(clients: Clients, target: Target, source: str) -> list[Kind]:
    """The adapters in deployment order."""
    return [AlertRules(clients, target, source), SavedSearches(clients, target, source),
            Workbooks(clients, target, source)]
