"""Microsoft.SecurityInsights/alertRules: the service's checks for Scheduled and NRT rules, and the
body it stores (canonical durations, its defaults, lastModifiedUtc).

Rules come from the REST spec (required fields, enums) and the service limits listed in
azure-apis.md §6 (query length, frequency/period range and relation, suppression, mappings, details).
"""

from __future__ import annotations

import copy
import re
from datetime import datetime, timedelta
from typing import Any

from detections.content.durations import format_iso_duration, parse_iso_duration
from detections.emulator import iso8601
from detections.emulator.checks import Checker, json_object
from detections.emulator.context import RequestContext
from detections.emulator.errors import bad_request

SEVERITIES = {"High", "Medium", "Low", "Informational"}
TRIGGER_OPERATORS = {"GreaterThan", "LessThan", "Equal", "NotEqual"}
TACTICS = {
    "Reconnaissance", "ResourceDevelopment", "InitialAccess", "Execution", "Persistence",
    "PrivilegeEscalation", "DefenseEvasion", "CredentialAccess", "Discovery", "LateralMovement",
    "Collection", "Exfiltration", "CommandAndControl", "Impact", "PreAttack",
    "ImpairProcessControl", "InhibitResponseFunction",
}
ENTITY_TYPES = {
    "Account", "Host", "IP", "Malware", "File", "Process", "CloudApplication", "DNS", "AzureResource",
    "FileHash", "RegistryKey", "RegistryValue", "SecurityGroup", "URL", "Mailbox", "MailCluster",
    "MailMessage", "SubmissionMail",
}
AGGREGATION_KINDS = {"SingleAlert", "AlertPerResult"}
MATCHING_METHODS = {"AllEntities", "AnyAlert", "Selected"}
GROUP_BY_ALERT_DETAILS = {"DisplayName", "Severity"}

COMMON_REQUIRED = ("displayName", "enabled", "severity", "query", "suppressionEnabled", "suppressionDuration")
REQUIRED = {
    "Scheduled": (*COMMON_REQUIRED, "queryFrequency", "queryPeriod", "triggerOperator", "triggerThreshold"),
    "NRT": COMMON_REQUIRED,
}
MAX_ENTITY_MAPPINGS = {"Scheduled": 10, "NRT": 5}
MAX_FIELD_MAPPINGS = 3
MAX_QUERY_LENGTH = 10_000
MAX_CUSTOM_DETAILS = 20
MAX_CUSTOM_DETAILS_BYTES = 2048
FREQUENCY_RANGE = (timedelta(minutes=5), timedelta(days=14))
SUPPRESSION_RANGE = (timedelta(minutes=5), timedelta(hours=24))
DURATION_KEYS = ("queryFrequency", "queryPeriod", "suppressionDuration")
TECHNIQUE = re.compile(r"^T\d{4}$")
SUB_TECHNIQUE = re.compile(r"^T\d{4}\.\d{3}$")
_WILDCARD_SCAN = re.compile(r"\b(search|union)\s+\*", re.IGNORECASE)

# What the service returns for optional blocks the request left out.
_DEFAULTS: dict[str, Any] = {
    "description": None,
    "alertRuleTemplateName": None,
    "templateVersion": None,
    "tactics": [],
    "techniques": [],
    "subTechniques": [],
    "entityMappings": None,
    "customDetails": None,
    "alertDetailsOverride": None,
    "eventGroupingSettings": {"aggregationKind": "SingleAlert"},
    "incidentConfiguration": {
        "createIncident": True,
        "groupingConfiguration": {
            "enabled": False, "reopenClosedIncident": False, "lookbackDuration": "PT5H",
            "matchingMethod": "AllEntities", "groupByEntities": [], "groupByAlertDetails": [],
            "groupByCustomDetails": [],
        },
    },
}


def validate(body: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    """Check a PUT body and return what the service stores: `kind` and normalised `properties`."""
    kind = body.get("kind")
    if kind is None:
        raise bad_request("The 'kind' property is required: set kind to 'Scheduled' or 'NRT' "
                          "(the 2.0.0b SDK models do not set it for you).")
    if not isinstance(kind, str) or kind not in REQUIRED:
        raise bad_request(f"Alert rule kind {kind!r} is not supported here; use 'Scheduled' or 'NRT'.")
    if kind == "NRT" and not ctx.api_version.endswith("-preview"):
        raise bad_request(f"The alert rule kind 'NRT' is not available in api-version {ctx.api_version}; "
                          "NRT rules need a preview api-version such as 2025-10-01-preview.")
    props = json_object(body.get("properties"), "The 'properties' of an alert rule")
    check = Checker()
    check.required(props, REQUIRED[kind])
    _check_common(check, props, kind)
    if kind == "Scheduled":
        _check_schedule(check, props)
    check.raise_if_any()
    if ctx.query_check is not None:
        ctx.query_check(props)
    return {"kind": kind, "properties": _stored(props, ctx.now)}


def _check_common(check: Checker, props: dict[str, Any], kind: str) -> None:
    check.string(props, "displayName", max_length=256)
    check.string(props, "description", max_length=5000)
    check.boolean(props, "enabled")
    check.string(props, "severity", allowed=SEVERITIES)
    query = check.string(props, "query", max_length=MAX_QUERY_LENGTH)
    if query and _WILDCARD_SCAN.search(query):
        check.add("properties.query", "'search *' and 'union *' are not allowed in analytics rules")
    check.boolean(props, "suppressionEnabled")
    check.duration(props, "suppressionDuration", *SUPPRESSION_RANGE)
    check.string_list(props, "tactics", allowed=TACTICS)
    check.string_list(props, "techniques", pattern=TECHNIQUE)
    check.string_list(props, "subTechniques", pattern=SUB_TECHNIQUE)
    _check_entity_mappings(check, props, MAX_ENTITY_MAPPINGS[kind])
    _check_custom_details(check, props)
    _check_grouping(check, props)
    _check_override(check, props)
    _check_incident(check, props)


def _check_schedule(check: Checker, props: dict[str, Any]) -> None:
    frequency = check.duration(props, "queryFrequency", *FREQUENCY_RANGE)
    period = check.duration(props, "queryPeriod", *FREQUENCY_RANGE)
    if frequency and period and frequency > period:
        check.add("properties.queryFrequency", f"{props['queryFrequency']} is longer than queryPeriod "
                  f"{props['queryPeriod']}: the rule would leave gaps between runs")
    check.string(props, "triggerOperator", allowed=TRIGGER_OPERATORS)
    threshold = check.typed(props, "triggerThreshold", int)
    if isinstance(threshold, int) and threshold < 0:
        check.add("properties.triggerThreshold", f"{threshold} is negative; it must be 0 or more")


def _check_entity_mappings(check: Checker, props: dict[str, Any], limit: int) -> None:
    mappings = check.typed(props, "entityMappings", list)
    if not isinstance(mappings, list):
        return
    extra = props.get("sentinelEntitiesMappings")
    total = len(mappings) + (len(extra) if isinstance(extra, list) else 0)
    if total > limit:
        check.add("properties.entityMappings", f"{total} entity mappings; the limit is {limit}")
    for index, mapping in enumerate(mappings):
        with check.nested(f"entityMappings[{index}]") as sub:
            if not isinstance(mapping, dict):
                sub.add(sub.prefix, "expected an object")
                continue
            sub.required(mapping, ("entityType", "fieldMappings"))
            sub.string(mapping, "entityType", allowed=ENTITY_TYPES)
            fields = sub.typed(mapping, "fieldMappings", list)
            if not isinstance(fields, list):
                continue
            if not 1 <= len(fields) <= MAX_FIELD_MAPPINGS:
                sub.add(sub.path("fieldMappings"),
                        f"{len(fields)} field mappings; an entity takes 1 to {MAX_FIELD_MAPPINGS}")
            for position, field in enumerate(fields):
                with sub.nested(f"fieldMappings[{position}]") as leaf:
                    if not isinstance(field, dict):
                        leaf.add(leaf.prefix, "expected an object")
                        continue
                    leaf.required(field, ("identifier", "columnName"))
                    leaf.string(field, "identifier")
                    leaf.string(field, "columnName")


def _check_custom_details(check: Checker, props: dict[str, Any]) -> None:
    details = check.typed(props, "customDetails", dict)
    if not isinstance(details, dict):
        return
    if len(details) > MAX_CUSTOM_DETAILS:
        check.add("properties.customDetails", f"{len(details)} entries; the limit is {MAX_CUSTOM_DETAILS}")
    size = 0
    for key, value in details.items():
        if not isinstance(value, str):
            check.add(f"properties.customDetails.{key}", "the value must be a column name (string)")
            continue
        size += len(key.encode()) + len(value.encode())
    if size > MAX_CUSTOM_DETAILS_BYTES:
        check.add("properties.customDetails", f"{size} bytes; the limit is {MAX_CUSTOM_DETAILS_BYTES}")


def _check_grouping(check: Checker, props: dict[str, Any]) -> None:
    grouping = check.typed(props, "eventGroupingSettings", dict)
    if isinstance(grouping, dict):
        with check.nested("eventGroupingSettings") as sub:
            sub.string(grouping, "aggregationKind", allowed=AGGREGATION_KINDS)


def _check_override(check: Checker, props: dict[str, Any]) -> None:
    override = check.typed(props, "alertDetailsOverride", dict)
    if not isinstance(override, dict):
        return
    with check.nested("alertDetailsOverride") as sub:
        sub.string(override, "alertDisplayNameFormat", max_length=256)
        sub.string(override, "alertDescriptionFormat", max_length=5000)
        sub.string(override, "alertTacticsColumnName")
        sub.string(override, "alertSeverityColumnName")
        dynamic = sub.typed(override, "alertDynamicProperties", list)
        for index, item in enumerate(dynamic if isinstance(dynamic, list) else []):
            with sub.nested(f"alertDynamicProperties[{index}]") as leaf:
                if isinstance(item, dict):
                    leaf.required(item, ("alertProperty", "value"))
                else:
                    leaf.add(leaf.prefix, "expected an object")


def _check_incident(check: Checker, props: dict[str, Any]) -> None:
    incident = check.typed(props, "incidentConfiguration", dict)
    if not isinstance(incident, dict):
        return
    with check.nested("incidentConfiguration") as sub:
        sub.required(incident, ("createIncident",))
        sub.boolean(incident, "createIncident")
        grouping = sub.typed(incident, "groupingConfiguration", dict)
        if not isinstance(grouping, dict):
            return
        with sub.nested("groupingConfiguration") as leaf:
            leaf.required(grouping, ("enabled", "reopenClosedIncident", "lookbackDuration", "matchingMethod"))
            leaf.boolean(grouping, "enabled")
            leaf.boolean(grouping, "reopenClosedIncident")
            leaf.duration(grouping, "lookbackDuration")
            leaf.string(grouping, "matchingMethod", allowed=MATCHING_METHODS)
            leaf.string_list(grouping, "groupByEntities", allowed=ENTITY_TYPES)
            leaf.string_list(grouping, "groupByAlertDetails", allowed=GROUP_BY_ALERT_DETAILS)
            leaf.string_list(grouping, "groupByCustomDetails")


def _stored(props: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The properties as the service keeps and returns them."""
    stored = {**{k: copy.deepcopy(v) for k, v in _DEFAULTS.items() if k not in props}, **props}
    for key in DURATION_KEYS:
        if isinstance(stored.get(key), str):
            stored[key] = format_iso_duration(parse_iso_duration(stored[key]))
    grouping = (stored.get("incidentConfiguration") or {}).get("groupingConfiguration")
    if isinstance(grouping, dict) and isinstance(grouping.get("lookbackDuration"), str):
        grouping["lookbackDuration"] = format_iso_duration(parse_iso_duration(grouping["lookbackDuration"]))
    stored["lastModifiedUtc"] = iso8601.format_datetime(now)
    return stored
