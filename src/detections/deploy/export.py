"""`detections export`: workspace analytics rules as Sentinel YAML in our layout (bulk import).

The YAML is the exact inverse of detections.package.bodies.rule_properties: loading an exported file
and building its body gives the rule the workspace holds (the round trip is tested). Values equal to
Sentinel's defaults are left out so the files read like hand-written rules.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml.scalarstring import LiteralScalarString

from detections.content.durations import format_duration, parse_duration
from detections.content.yamlio import yaml_instance
from detections.package.bodies import DEFAULT_GROUPING, DEFAULT_SUPPRESSION, TRIGGER_OPERATORS

SHORT_OPERATORS = {long: short for short, long in TRIGGER_OPERATORS.items()}
# The connector that brings each built-in table (Sentinel's ids), for requiredDataConnectors.
CONNECTORS = {
    "AWSCloudTrail": "AWS",
    "AWSGuardDuty": "AWSS3",
    "AWSVPCFlow": "AWSS3",
    "SecurityEvent": "SecurityEvents",
}
CROSS_TABLE = "CrossTable"
UNKNOWN_TABLE = "Other"


# Keys of an existing rule file the export keeps when it updates the file: they never reach the
# workspace (requiredDataConnectors is only guessed from the query's tables on export).
KEPT_ON_UPDATE = ("requiredDataConnectors",)

# new: a file of its own; update: the repository's file holding this id, rewritten in place;
# unchanged: that file already means what the workspace holds; failed: `error` says why
Action = Literal["new", "update", "unchanged", "failed"]


@dataclass
class ExportedRule:
    path: Path  # relative to the export root: rules/<Table>/<Name>.yaml, or the existing file's
    text: str  # the YAML, or "" when unchanged or when `error` says why the rule could not be written
    error: str | None = None
    action: Action = "new"
    rule_id: str = ""


@dataclass(frozen=True)
class ExistingRule:
    """A rule file already under the export folder (a repository or an earlier export)."""

    path: Path  # relative to the export folder
    raw: dict[str, Any]  # the document as loaded
    body: dict[str, Any] | None  # what it deploys, or None when it does not load as a rule


def existing_rules(out: Path) -> dict[str, ExistingRule]:
    """Rule files under `out`/rules by lower-cased id, so an export updates them instead of adding a
    second file with the same id. Files that are not YAML mappings with an id cannot be matched."""
    from detections.content.loader import load_rule, walk_files
    from detections.content.yamlio import read_yaml
    from detections.diagnostics import ContentError
    from detections.package.bodies import rule_body

    found: dict[str, ExistingRule] = {}
    for path in walk_files(out / "rules", lambda p: p.suffix in (".yaml", ".yml")):
        try:
            raw, _ = read_yaml(path)
        except ContentError:
            continue
        rule_id = str(raw.get("id") or "").lower()
        if not rule_id or rule_id in found:
            continue
        try:
            body: dict[str, Any] | None = rule_body(load_rule(path))
        except ContentError:
            body = None
        found[rule_id] = ExistingRule(path.relative_to(out), raw, body)
    return found


def _updated(document: dict[str, Any], existing: ExistingRule) -> dict[str, Any]:
    """The exported document with what only the repository knows kept from the existing file: keys no
    export writes (`x-detections`, `metadata`, ...) and requiredDataConnectors."""
    kept = {key: existing.raw[key] for key in KEPT_ON_UPDATE if key in existing.raw}
    extra = {key: value for key, value in existing.raw.items() if key not in EXPORTED_KEYS}
    return {**{key: kept.get(key, value) for key, value in document.items()},
            **{key: value for key, value in kept.items() if key not in document}, **extra}


def _block(text: str) -> Any:
    """Multi-line text as a literal block scalar, so exported queries read as KQL, not escaped JSON."""
    cleaned = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n"))
    return LiteralScalarString(cleaned.rstrip("\n") + "\n") if "\n" in cleaned.strip("\n") else cleaned


def _techniques(props: dict[str, Any]) -> list[str]:
    """relevantTechniques: sub-techniques, plus parents that no sub-technique already implies."""
    subs = list(props.get("subTechniques") or [])
    covered = {s.split(".")[0] for s in subs}
    return subs + [t for t in props.get("techniques") or [] if t not in covered]


def _incident(props: dict[str, Any]) -> dict[str, Any] | None:
    """incidentConfiguration in YAML form, or None when it is Sentinel's default (create, no grouping)."""
    incident = props.get("incidentConfiguration") or {}
    raw = incident.get("groupingConfiguration") or {}
    grouping = {key: default if raw.get(key) is None else raw[key] for key, default in DEFAULT_GROUPING.items()}
    grouping["lookbackDuration"] = format_duration(parse_duration(str(grouping["lookbackDuration"])))
    create = incident.get("createIncident", True)
    if create and grouping == {**DEFAULT_GROUPING, "lookbackDuration": "5h"}:
        return None
    return {"createIncident": create, "groupingConfiguration": grouping}


def rule_document(rule: dict[str, Any], tables: list[str]) -> dict[str, Any]:
    """The Sentinel YAML document (as a dict, in the conventional key order) of one deployed rule."""
    props = rule.get("properties") or {}
    doc: dict[str, Any] = {
        "id": rule["name"],
        "name": props.get("displayName", ""),
        "description": _block(props.get("description") or props.get("displayName", "")),
        "severity": props.get("severity"),
        "requiredDataConnectors": [
            {"connectorId": CONNECTORS[t], "dataTypes": [t]} for t in tables if t in CONNECTORS
        ],
    }
    if rule.get("kind") == "Scheduled":
        doc |= {
            "queryFrequency": format_duration(parse_duration(str(props["queryFrequency"]))),
            "queryPeriod": format_duration(parse_duration(str(props["queryPeriod"]))),
            "triggerOperator": SHORT_OPERATORS.get(props.get("triggerOperator"), props.get("triggerOperator")),
            "triggerThreshold": props.get("triggerThreshold", 0),
        }
    doc |= {
        "tactics": list(props.get("tactics") or []),
        "relevantTechniques": _techniques(props),
        "query": _block(props.get("query", "")),
        "entityMappings": props.get("entityMappings") or None,
        "customDetails": props.get("customDetails") or None,
        "alertDetailsOverride": props.get("alertDetailsOverride") or None,
    }
    grouping = (props.get("eventGroupingSettings") or {}).get("aggregationKind", "SingleAlert")
    if grouping != "SingleAlert":
        doc["eventGroupingSettings"] = {"aggregationKind": grouping}
    doc["incidentConfiguration"] = _incident(props)
    suppression = parse_duration(str(props.get("suppressionDuration") or "PT5H"))
    if props.get("suppressionEnabled") or suppression != DEFAULT_SUPPRESSION:
        doc["suppressionEnabled"] = bool(props.get("suppressionEnabled"))
        doc["suppressionDuration"] = format_duration(suppression)
    if props.get("enabled") is False:
        doc["enabled"] = False
    doc["version"] = props.get("templateVersion") or "1.0.0"
    doc["kind"] = rule.get("kind")
    return {key: value for key, value in doc.items() if value not in (None, [], {})}


# Every key rule_document can write (the rest of an existing file is the repository's own).
EXPORTED_KEYS = frozenset({
    "id", "name", "description", "severity", "requiredDataConnectors", "queryFrequency", "queryPeriod",
    "triggerOperator", "triggerThreshold", "tactics", "relevantTechniques", "query", "entityMappings",
    "customDetails", "alertDetailsOverride", "eventGroupingSettings", "incidentConfiguration",
    "suppressionEnabled", "suppressionDuration", "enabled", "version", "kind",
})


def file_stem(display_name: str) -> str:
    """`Root console sign-in` -> `RootConsoleSignIn` (the repository's file naming)."""
    words = re.findall(r"[A-Za-z0-9]+", display_name)
    return "".join(word[:1].upper() + word[1:] for word in words) or "Rule"


def table_folder(tables: list[str]) -> str:
    if not tables:
        return UNKNOWN_TABLE
    return tables[0] if len(tables) == 1 else CROSS_TABLE


def dump_yaml(document: dict[str, Any]) -> str:
    stream = io.StringIO()
    yaml_instance().dump(document, stream)
    return stream.getvalue()


def export_rules(rules: list[dict[str, Any]], existing: dict[str, ExistingRule] | None = None) -> list[ExportedRule]:
    """Scheduled and NRT rules as files; names made unique with the rule id when two titles collide.

    A rule whose id an `existing` file holds goes to that file (updated in place, or left alone when it
    already means the same), never to a second file with the same id. A rule whose body cannot be
    converted comes back with `error` set, so one odd rule in a workspace does not stop the others."""
    from detections.deploy.compare import diff
    from detections.kql import KqlError, parse
    from detections.package.kqlwalk import table_names
    from detections.tables import TABLES

    existing = existing or {}
    exported: list[ExportedRule] = []
    used = {item.path.as_posix().lower() for item in existing.values()}
    for rule in sorted(rules, key=lambda r: (str((r.get("properties") or {}).get("displayName")), r["name"])):
        if rule.get("kind") not in ("Scheduled", "NRT"):
            continue
        query = (rule.get("properties") or {}).get("query", "")
        try:
            tables = table_names(parse(query), set(TABLES))
        except KqlError:
            tables = []
        held = existing.get(str(rule["name"]).lower())
        if held is None:
            folder = table_folder(tables)
            stem = file_stem((rule.get("properties") or {}).get("displayName", ""))
            path = Path("rules") / folder / f"{stem}.yaml"
            if path.as_posix().lower() in used:
                path = path.with_name(f"{stem}-{rule['name'][:8]}.yaml")
            used.add(path.as_posix().lower())
        else:
            path = held.path
            if held.body is not None and not diff(rule, held.body):
                exported.append(ExportedRule(path, "", action="unchanged", rule_id=rule["name"]))
                continue
        try:
            document = rule_document(rule, tables)
            text = dump_yaml(document if held is None else _updated(document, held))
            exported.append(ExportedRule(path, text, action="new" if held is None else "update", rule_id=rule["name"]))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:  # a body the service should not hold
            exported.append(ExportedRule(path, "", f"rule {rule.get('name')} has a value we cannot read: {exc}",
                                         action="failed", rule_id=rule["name"]))
    return exported
