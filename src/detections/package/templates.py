"""ARM templates in the shapes Microsoft's tooling deploys (Sentinel Repositories, portal export).

Each resource wraps a body from `bodies` unchanged; only ARM's envelope (type, apiVersion, name
expression with the workspace, dependsOn) is added here, and content strings that ARM would read as
expressions (`[...]`) are escaped so they deploy as written. API versions are the ones the deployer's SDK
clients speak, so a template and a `detections deploy` send the same thing to the same API.
"""

from __future__ import annotations

from typing import Any

from detections.content.model import AnalyticsRule, HuntingQuery, Workbook
from detections.package import bodies
from detections.package.bodies import Scope

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
PARAMETERS_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"
CONTENT_VERSION = "1.0.0.0"

# The api-version each SDK client defaults to (tests/package check they still agree with the SDKs).
API_VERSIONS = {
    "alertRules": "2025-10-01-preview",  # azure-mgmt-securityinsight 2.0.0b4 (NRT + techniques)
    "metadata": "2025-10-01-preview",
    "savedSearches": "2025-07-01",  # azure-mgmt-loganalytics 14
    "workbooks": "2023-06-01",  # azure-mgmt-applicationinsights 4.1
}
RULE_TYPE = "Microsoft.OperationalInsights/workspaces/providers/alertRules"
METADATA_TYPE = "Microsoft.OperationalInsights/workspaces/providers/metadata"
SAVED_SEARCH_TYPE = "Microsoft.OperationalInsights/workspaces/savedSearches"
WORKBOOK_TYPE = "Microsoft.Insights/workbooks"

PARAMETERS: dict[str, dict[str, Any]] = {
    "workspace": {"type": "string", "metadata": {"description": "Name of the Microsoft Sentinel workspace"}},
    "location": {
        "type": "string",
        "defaultValue": "[resourceGroup().location]",
        "metadata": {"description": "Azure region of the workspace (workbooks and the data collection rule)"},
    },
}
DCR_PARAMETER = {
    "dataCollectionRuleName": {
        "type": "string",
        "defaultValue": "dcr-detections-windows-security",
        "metadata": {"description": "Name of the data collection rule for the Windows EC2 hosts"},
    }
}


# Expressions this module and TemplateScope write; any other "[...]" string is content.
_OUR_EXPRESSIONS = ("[resourceId(", "[parameters(", "[concat(")


def escape_literals(value: Any) -> Any:
    """ARM evaluates a string that starts with `[` and ends with `]` as an expression; content that
    looks like one (a query or description in brackets) is escaped as `[[...]` to stay literal."""
    if isinstance(value, dict):
        return {key: escape_literals(item) for key, item in value.items()}
    if isinstance(value, list):
        return [escape_literals(item) for item in value]
    if (isinstance(value, str) and value.startswith("[") and value.endswith("]")
            and not value.startswith(_OUR_EXPRESSIONS)):
        return "[" + value
    return value


def _sentinel_name(name: str) -> str:
    return f"[concat(parameters('workspace'), '/Microsoft.SecurityInsights/', '{name}')]"


def rule_resources(rule: AnalyticsRule, scope: Scope) -> list[dict[str, Any]]:
    """The alert rule and the metadata item that marks it as ours."""
    body = bodies.rule_body(rule)
    rule_resource = {
        "type": RULE_TYPE,
        "apiVersion": API_VERSIONS["alertRules"],
        "name": _sentinel_name(rule.id),
        "kind": body["kind"],
        "properties": escape_literals(body["properties"]),
    }
    metadata = {
        "type": METADATA_TYPE,
        "apiVersion": API_VERSIONS["metadata"],
        "name": _sentinel_name(bodies.metadata_name(rule.id)),
        "dependsOn": [scope.alert_rule_id(rule.id)],
        "properties": escape_literals(bodies.rule_metadata_body(rule, scope)["properties"]),
    }
    return [rule_resource, metadata]


def hunting_resources(query: HuntingQuery, scope: Scope) -> list[dict[str, Any]]:
    """A saved search; `eTag: *` inside properties lets a redeploy overwrite it (Microsoft's shape)."""
    body = bodies.hunting_body(query, scope)
    return [
        {
            "type": SAVED_SEARCH_TYPE,
            "apiVersion": API_VERSIONS["savedSearches"],
            "name": f"[concat(parameters('workspace'), '/{query.id}')]",
            "properties": escape_literals({**body["properties"], "eTag": "*"}),
        }
    ]


def workbook_resources(workbook: Workbook, scope: Scope) -> list[dict[str, Any]]:
    body = bodies.workbook_body(workbook, scope)
    return [
        {
            "type": WORKBOOK_TYPE,
            "apiVersion": API_VERSIONS["workbooks"],
            "name": workbook.id,
            **escape_literals(body),
        }
    ]


def template(resources: list[dict[str, Any]], extra_parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "contentVersion": CONTENT_VERSION,
        "parameters": {**PARAMETERS, **(extra_parameters or {})},
        "resources": resources,
    }


def parameters_file(workspace: str, location: str) -> dict[str, Any]:
    return {
        "$schema": PARAMETERS_SCHEMA,
        "contentVersion": CONTENT_VERSION,
        "parameters": {"workspace": {"value": workspace}, "location": {"value": location}},
    }
