"""Resource bodies: every field of Scheduled and NRT rules, saved searches and workbooks, as Azure expects."""

from __future__ import annotations

import json

from detections.content.model import Repository
from detections.package.bodies import (
    MARKER_TAG,
    Scope,
    hunting_body,
    rule_body,
    rule_metadata_body,
    split_techniques,
    template_scope,
    workbook_body,
)

WS = "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.OperationalInsights/workspaces/ws1"
SCOPE = Scope(workspace_resource_id=WS, location="westeurope", source="my-repo")


def _rule(repo: Repository, kind: str):
    return next(r for r in repo.rules if r.kind == kind)


def test_scheduled_rule_body_has_every_field(sample_repo: Repository) -> None:
    body = rule_body(_rule(sample_repo, "Scheduled"))
    assert body == {
        "kind": "Scheduled",
        "properties": {
            "displayName": "Failed logon burst on a Windows EC2 host",
            "description": "Many failed logons against one account on one host in a short time.\n"
            "Analyst: check the source address and whether the account later signed in.",
            "severity": "Medium",
            "enabled": True,
            "query": _rule(sample_repo, "Scheduled").query,
            "queryFrequency": "PT1H",
            "queryPeriod": "P1D",
            "triggerOperator": "GreaterThan",
            "triggerThreshold": 2,
            "suppressionEnabled": True,
            "suppressionDuration": "PT2H",
            "tactics": ["CredentialAccess", "InitialAccess"],
            "techniques": ["T1110", "T1078"],
            "subTechniques": ["T1110.001", "T1110.003"],
            "entityMappings": [
                {"entityType": "Host", "fieldMappings": [{"identifier": "HostName", "columnName": "Computer"}]},
                {"entityType": "Account", "fieldMappings": [{"identifier": "Name", "columnName": "TargetAccount"}]},
                {"entityType": "IP", "fieldMappings": [{"identifier": "Address", "columnName": "IpAddress"}]},
            ],
            "customDetails": {"Failures": "Failures", "FirstSeen": "FirstSeen"},
            "alertDetailsOverride": {
                "alertDisplayNameFormat": "{{Failures}} failed logons for {{TargetAccount}} on {{Computer}}",
                "alertDescriptionFormat": "Failed logons from {{IpAddress}}",
                "alertSeverityColumnName": "Sev",
                "alertTacticsColumnName": "Tac",
                "alertDynamicProperties": [{"alertProperty": "AlertLink", "value": "Link"}],
            },
            "eventGroupingSettings": {"aggregationKind": "AlertPerResult"},
            "incidentConfiguration": {
                "createIncident": True,
                "groupingConfiguration": {
                    "enabled": True,
                    "reopenClosedIncident": False,
                    "lookbackDuration": "PT5H",
                    "matchingMethod": "Selected",
                    "groupByEntities": ["Host", "Account"],
                    "groupByAlertDetails": ["DisplayName"],
                    "groupByCustomDetails": ["Failures"],
                },
            },
            "templateVersion": "1.2.0",
        },
    }


def test_nrt_rule_body_has_no_schedule_and_gets_defaults(sample_repo: Repository) -> None:
    props = rule_body(_rule(sample_repo, "NRT"))["properties"]
    assert rule_body(_rule(sample_repo, "NRT"))["kind"] == "NRT"
    assert not {"queryFrequency", "queryPeriod", "triggerOperator", "triggerThreshold"} & props.keys()
    assert props["techniques"] == ["T1078"] and props["subTechniques"] == ["T1078.004"]
    assert props["suppressionEnabled"] is False and props["suppressionDuration"] == "PT5H"
    assert props["eventGroupingSettings"] == {"aggregationKind": "SingleAlert"}
    assert props["incidentConfiguration"] == {
        "createIncident": True,
        "groupingConfiguration": {
            "enabled": False, "reopenClosedIncident": False, "lookbackDuration": "PT5H",
            "matchingMethod": "AllEntities", "groupByEntities": [], "groupByAlertDetails": [],
            "groupByCustomDetails": [],
        },
    }
    assert "customDetails" not in props and "alertDetailsOverride" not in props


def test_extension_block_never_reaches_azure(sample_repo: Repository) -> None:
    rule = _rule(sample_repo, "Scheduled")
    text = json.dumps(rule_body(rule))
    assert "x-detections" not in text and "zeroTrust" not in text and "Check the source address." not in text


def test_split_techniques_keeps_parents_once() -> None:
    assert split_techniques(("T1078.004", "T1078", "T1110.001")) == (["T1078", "T1110"], ["T1078.004", "T1110.001"])


def test_rule_metadata_marks_ownership(sample_repo: Repository) -> None:
    rule = _rule(sample_repo, "Scheduled")
    assert rule_metadata_body(rule, SCOPE) == {
        "properties": {
            "parentId": f"{WS}/providers/Microsoft.SecurityInsights/alertRules/{rule.id}",
            "kind": "AnalyticsRule",
            "contentId": rule.id,
            "version": "1.2.0",
            "author": {"name": "secops@example.com"},
            "source": {"kind": "SourceRepository", "name": "detections", "sourceId": "my-repo"},
        }
    }
    template_parent = rule_metadata_body(rule, template_scope("my-repo"))["properties"]["parentId"]
    assert template_parent.startswith("[resourceId(") and rule.id in template_parent


def test_hunting_body_is_a_tagged_saved_search(sample_repo: Repository) -> None:
    query = next(h for h in sample_repo.hunting if h.name.startswith("New services"))
    assert hunting_body(query, SCOPE) == {
        "properties": {
            "category": "Hunting Queries",
            "displayName": "New services and scheduled tasks",
            "query": query.query,
            "version": 2,
            "tags": [
                {"name": "description", "value": "Services installed or scheduled tasks created on Windows EC2 hosts."},
                {"name": "tactics", "value": "Persistence,PrivilegeEscalation"},
                {"name": "techniques", "value": "T1543.003,T1053.005"},
                {"name": MARKER_TAG, "value": "my-repo"},
            ],
        }
    }


def test_workbook_body_links_the_workspace(sample_repo: Repository) -> None:
    workbook = sample_repo.workbooks[0]
    body = workbook_body(workbook, SCOPE)
    assert body["location"] == "westeurope" and body["kind"] == "shared"
    assert body["tags"] == {"hidden-title": "Windows EC2 security", MARKER_TAG: "my-repo"}
    props = body["properties"]
    assert props["sourceId"] == WS and props["category"] == "sentinel" and props["version"] == "1.0"
    assert props["displayName"] == "Windows EC2 security"
    assert json.loads(props["serializedData"]) == workbook.template
    assert props["description"] == "Logons and failures on the Windows EC2 hosts."
