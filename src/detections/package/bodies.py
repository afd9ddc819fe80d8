"""Resource bodies: the one code path from content to what Azure stores.

The deployer PUTs these bodies through the SDK clients and the packager embeds the very same bodies in
ARM templates, so whatever the emulator (or Azure) accepts from the deployer holds for the templates.
A `Scope` says how a body points at the workspace: real ARM ids for the deployer, ARM template
expressions for packages. The `x-detections` extension block never leaves the repository; the
ownership marker (`MARKER_TAG` / the metadata source) does, so `--prune` can tell our items from others.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from detections.content.durations import format_iso_duration, parse_duration
from detections.content.model import AnalyticsRule, HuntingQuery, Workbook

# Ownership: saved searches and workbooks carry this tag; alert rules a Sentinel metadata item whose
# source is {kind: SourceRepository, name: MARKER_NAME, sourceId: <repository name>}.
MARKER_TAG = "detections-source"
MARKER_NAME = "detections"
MARKER_SOURCE_KIND = "SourceRepository"

HUNTING_CATEGORY = "Hunting Queries"
WORKBOOK_CATEGORY = "sentinel"

TRIGGER_OPERATORS = {"gt": "GreaterThan", "lt": "LessThan", "eq": "Equal", "ne": "NotEqual"}
DEFAULT_SUPPRESSION = timedelta(hours=5)  # the portal's default; inert while suppression is disabled
DEFAULT_GROUPING: dict[str, Any] = {
    "enabled": False,
    "reopenClosedIncident": False,
    "lookbackDuration": "PT5H",
    "matchingMethod": "AllEntities",
    "groupByEntities": [],
    "groupByAlertDetails": [],
    "groupByCustomDetails": [],
}
WORKSPACE_TYPE = "Microsoft.OperationalInsights/workspaces"


@dataclass(frozen=True)
class Scope:
    """Where bodies point: a real workspace (deployer)."""

    workspace_resource_id: str
    location: str
    source: str  # the repository name written into the ownership marker

    def alert_rule_id(self, rule_id: str) -> str:
        return f"{self.workspace_resource_id}/providers/Microsoft.SecurityInsights/alertRules/{rule_id}"


@dataclass(frozen=True)
class TemplateScope(Scope):
    """Where bodies point inside an ARM template: expressions over the `workspace`/`location` parameters."""

    def alert_rule_id(self, rule_id: str) -> str:
        return (
            "[resourceId('Microsoft.OperationalInsights/workspaces/providers/alertRules', "
            f"parameters('workspace'), 'Microsoft.SecurityInsights', '{rule_id}')]"
        )


def template_scope(source: str) -> TemplateScope:
    return TemplateScope(
        workspace_resource_id=f"[resourceId('{WORKSPACE_TYPE}', parameters('workspace'))]",
        location="[parameters('location')]",
        source=source,
    )


def split_techniques(techniques: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """API rule: `techniques` holds parent ids only (T1078), `subTechniques` the full ids (T1078.004)."""
    parents: list[str] = []
    subs: list[str] = []
    for technique in techniques:
        parent = technique.split(".")[0]
        if parent not in parents:
            parents.append(parent)
        if "." in technique and technique not in subs:
            subs.append(technique)
    return parents, subs


def _tactic(name: str) -> str:
    return name.replace(" ", "")


def _incident_configuration(raw: dict[str, Any] | None) -> dict[str, Any]:
    """Sentinel's defaults (create incidents, no grouping) overlaid with the rule's own block."""
    raw = raw or {}
    grouping = {**DEFAULT_GROUPING, **(raw.get("groupingConfiguration") or {})}
    grouping["lookbackDuration"] = format_iso_duration(parse_duration(str(grouping["lookbackDuration"])))
    return {"createIncident": bool(raw.get("createIncident", True)), "groupingConfiguration": grouping}


def _alert_details_override(rule: AnalyticsRule) -> dict[str, Any] | None:
    override = rule.alert_details_override
    if override is None:
        return None
    body = {
        "alertDisplayNameFormat": override.display_name_format,
        "alertDescriptionFormat": override.description_format,
        "alertTacticsColumnName": override.tactics_column,
        "alertSeverityColumnName": override.severity_column,
        "alertDynamicProperties": [
            {"alertProperty": prop, "value": value} for prop, value in override.dynamic_properties
        ],
    }
    return {key: value for key, value in body.items() if value}


def rule_properties(rule: AnalyticsRule) -> dict[str, Any]:
    """The `properties` of a Scheduled or NRT alert rule, every field the API takes, defaults explicit."""
    techniques, sub_techniques = split_techniques(rule.techniques)
    props: dict[str, Any] = {
        "displayName": rule.name,
        "description": rule.description.strip(),
        "severity": rule.severity,
        "enabled": rule.enabled,
        "query": rule.query,
        "suppressionEnabled": rule.suppression_enabled,
        "suppressionDuration": format_iso_duration(rule.suppression_duration or DEFAULT_SUPPRESSION),
        "tactics": [_tactic(t) for t in rule.tactics],
        "techniques": techniques,
        "subTechniques": sub_techniques,
        "entityMappings": [
            {
                "entityType": mapping.entity_type,
                "fieldMappings": [
                    {"identifier": f.identifier, "columnName": f.column_name} for f in mapping.field_mappings
                ],
            }
            for mapping in rule.entity_mappings
        ],
        "customDetails": dict(rule.custom_details),
        "alertDetailsOverride": _alert_details_override(rule),
        "eventGroupingSettings": {"aggregationKind": rule.event_grouping},
        "incidentConfiguration": _incident_configuration(rule.incident_configuration),
        "templateVersion": rule.version,
    }
    if rule.kind == "Scheduled":
        props |= {
            "queryFrequency": format_iso_duration(rule.query_frequency or timedelta(hours=1)),
            "queryPeriod": format_iso_duration(rule.query_period or timedelta(hours=1)),
            "triggerOperator": TRIGGER_OPERATORS.get(str(rule.trigger_operator), str(rule.trigger_operator)),
            "triggerThreshold": rule.trigger_threshold or 0,
        }
    return {key: value for key, value in props.items() if value is not None and value != {}}


def rule_body(rule: AnalyticsRule) -> dict[str, Any]:
    """PUT body of `Microsoft.SecurityInsights/alertRules/{rule.id}`."""
    return {"kind": rule.kind, "properties": rule_properties(rule)}


def metadata_name(rule_id: str) -> str:
    return f"{MARKER_NAME}-{rule_id}"


def rule_metadata_body(rule: AnalyticsRule, scope: Scope) -> dict[str, Any]:
    """The Sentinel metadata item that marks a deployed rule as ours (and shows its source in the portal)."""
    props: dict[str, Any] = {
        "parentId": scope.alert_rule_id(rule.id),
        "kind": "AnalyticsRule",
        "contentId": rule.id,
        "source": {"kind": MARKER_SOURCE_KIND, "name": MARKER_NAME, "sourceId": scope.source},
    }
    if rule.version:
        props["version"] = rule.version
    if rule.extension.owner:
        props["author"] = {"name": rule.extension.owner}
    return {"properties": props}


def _joined(values: list[str]) -> str:
    return ",".join(values)


def hunting_body(query: HuntingQuery, scope: Scope) -> dict[str, Any]:
    """PUT body of the Log Analytics saved search a Sentinel hunting query is."""
    tags = [
        ("description", query.description.strip()),
        ("tactics", _joined([_tactic(t) for t in query.tactics])),
        ("techniques", _joined(list(query.techniques))),
        (MARKER_TAG, scope.source),
    ]
    props = {
        "category": HUNTING_CATEGORY,
        "displayName": query.name,
        "query": query.query,
        "version": 2,
        "tags": [{"name": name, "value": value} for name, value in tags if value],
    }
    return {"properties": props}


def serialized_workbook(workbook: Workbook) -> str:
    """The workbook JSON as the one string Sentinel stores (compact, keys sorted: deterministic)."""
    return json.dumps(workbook.template, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def workbook_body(workbook: Workbook, scope: Scope) -> dict[str, Any]:
    """PUT body of `Microsoft.Insights/workbooks/{workbook.id}`, linked to the workspace by sourceId."""
    props: dict[str, Any] = {
        "displayName": workbook.name,
        "serializedData": serialized_workbook(workbook),
        "version": "1.0",
        "category": WORKBOOK_CATEGORY,
        "sourceId": scope.workspace_resource_id,
    }
    if workbook.description.strip():
        props["description"] = workbook.description.strip()
    return {
        "location": scope.location,
        "kind": "shared",
        "tags": {"hidden-title": workbook.name, MARKER_TAG: scope.source},
        "properties": props,
    }
