"""From query result rows to the alerts Sentinel raises: trigger, event grouping, entities, custom
details and alert details overrides. Pure functions over rows, so each step is tested by hand.

Model (docs/rule-tests.md):
- trigger: the number of result rows against triggerOperator/triggerThreshold (NRT: more than 0 rows);
- SingleAlert: one alert for all rows; AlertPerResult: one alert per row, at most 150 per run (NRT: 30):
  with more rows, the first 149 (29) get an alert each and the last summarises all rows;
- entities: one per entityMapping per row, identifiers with empty/null values skipped, an entity with
  no identifier left dropped, identical entities in one alert merged;
- custom details: key -> the non-empty values of its column over the alert's rows;
- overrides: name and description from the `{{Column}}` formats, filled from the alert's first row
  (an empty or missing column reverts to the rule's own text); severity and tactics from their columns
  when the value is valid, else the rule's.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from detections.content import jsonio
from detections.content.model import AnalyticsRule
from detections.ruletest.model import Alert, Entity, Rows

# Most alerts one run raises with AlertPerResult (Sentinel's documented limits for each rule kind).
MAX_ALERTS_PER_RUN = {"Scheduled": 150, "NRT": 30}
SEVERITIES = {s.lower(): s for s in ("Informational", "Low", "Medium", "High")}
TACTICS = {t.lower(): t for t in (
    "Reconnaissance", "ResourceDevelopment", "InitialAccess", "Execution", "Persistence", "PrivilegeEscalation",
    "DefenseEvasion", "CredentialAccess", "Discovery", "LateralMovement", "Collection", "Exfiltration",
    "CommandAndControl", "Impact", "PreAttack", "ImpairProcessControl", "InhibitResponseFunction",
)}
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*\}\}")
_COMPARE = {
    "gt": lambda count, threshold: count > threshold,
    "lt": lambda count, threshold: count < threshold,
    "eq": lambda count, threshold: count == threshold,
    "ne": lambda count, threshold: count != threshold,
}


def text(value: Any) -> str:
    """A value as Sentinel writes it into alert text and entity identifiers (Kusto's tostring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), default=str)
    return str(value)


def triggered(rule: AnalyticsRule, row_count: int) -> bool:
    """Whether a run with `row_count` result rows raises alerts."""
    if rule.kind == "NRT" or rule.trigger_operator is None:
        return row_count > 0
    return _COMPARE[rule.trigger_operator](row_count, rule.trigger_threshold or 0)


def group_rows(rule: AnalyticsRule, rows: Rows) -> list[Rows]:
    """The rows of each alert, by the rule's event grouping."""
    if not rows:
        return []
    if rule.event_grouping != "AlertPerResult":
        return [rows]
    cap = MAX_ALERTS_PER_RUN.get(rule.kind, MAX_ALERTS_PER_RUN["Scheduled"])
    if len(rows) <= cap:
        return [[row] for row in rows]
    # Past the cap, cap-1 rows get an alert each and the last alert is the single alert of all rows.
    return [[row] for row in rows[: cap - 1]] + [rows]


def entities(rule: AnalyticsRule, rows: Rows) -> list[Entity]:
    found: dict[tuple, Entity] = {}
    for row in rows:
        for mapping in rule.entity_mappings:
            identifiers = {
                fm.identifier: text(row.get(fm.column_name))
                for fm in mapping.field_mappings
                if text(row.get(fm.column_name)) != ""
            }
            if identifiers:
                entity = Entity(mapping.entity_type, identifiers)
                found.setdefault(entity.key(), entity)
    return list(found.values())


def details(rule: AnalyticsRule, rows: Rows) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for key, column in rule.custom_details.items():
        values = [row.get(column) for row in rows if text(row.get(column)) != ""]
        if values:
            out[key] = values
    return out


def _format(template: str | None, row: dict[str, Any], default: str) -> str:
    if not template:
        return default
    values = {name: text(row.get(name)) for name in _PLACEHOLDER.findall(template)}
    if any(value == "" for value in values.values()):
        return default
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def _tactics(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            value = jsonio.loads(value)
        except jsonio.JsonError:  # a column that only looks like a JSON list: no tactics, as Sentinel
            value = []
    elif isinstance(value, str):
        value = value.split(",")
    items = value if isinstance(value, list) else []
    return tuple(TACTICS[t] for t in (str(i).strip().lower() for i in items) if t in TACTICS)


def _property(value: str, row: dict[str, Any]) -> str:
    """alertDynamicProperties values are a column name or a quoted literal."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return text(row.get(value))


def build_alert(rule: AnalyticsRule, rows: Rows) -> Alert:
    first = rows[0]
    override = rule.alert_details_override
    severity, tactics = rule.severity, tuple(rule.tactics)
    properties: dict[str, str] = {}
    if override is not None:
        if override.severity_column:
            severity = SEVERITIES.get(text(first.get(override.severity_column)).strip().lower(), severity)
        if override.tactics_column:
            tactics = _tactics(first.get(override.tactics_column)) or tactics
        for prop, value in override.dynamic_properties:
            if (resolved := _property(value, first)) != "":
                properties[prop] = resolved
    return Alert(
        name=_format(override.display_name_format if override else None, first, rule.name),
        description=_format(override.description_format if override else None, first, rule.description),
        severity=severity,
        tactics=tactics,
        entities=entities(rule, rows),
        details=details(rule, rows),
        properties=properties,
        rows=rows,
    )


def build_alerts(rule: AnalyticsRule, rows: Rows) -> list[Alert]:
    """The alerts of one run whose result rows triggered the rule."""
    return [build_alert(rule, group) for group in group_rows(rule, rows)]
