"""A small content repository in tmp_path, built from a valid rule that each test bends one way."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from detections.diagnostics import Diagnostic
from detections.validate import validate

VALID_RULE: dict[str, Any] = {
    "id": "3f1b7a52-9c1e-4d2a-8f1e-5b6c7d8e9f01",
    "name": "Console sign-in without MFA",
    "description": "Finds console sign-ins without MFA. Confirm with the user, then reset credentials.",
    "severity": "Medium",
    "requiredDataConnectors": [{"connectorId": "AWS", "dataTypes": ["AWSCloudTrail"]}],
    "queryFrequency": "1h",
    "queryPeriod": "1h",
    "triggerOperator": "gt",
    "triggerThreshold": 0,
    "tactics": ["InitialAccess", "DefenseEvasion"],
    "relevantTechniques": ["T1078.004"],
    "query": "AWSCloudTrail\n| where EventName == \"ConsoleLogin\"\n| project TimeGenerated, UserIdentityArn, SourceIpAddress\n",
    "entityMappings": [
        {"entityType": "Account", "fieldMappings": [{"identifier": "FullName", "columnName": "UserIdentityArn"}]},
        {"entityType": "IP", "fieldMappings": [{"identifier": "Address", "columnName": "SourceIpAddress"}]},
    ],
    "customDetails": {"SourceIp": "SourceIpAddress"},
    "alertDetailsOverride": {"alertDisplayNameFormat": "Sign-in by {{UserIdentityArn}}",
                             "alertDescriptionFormat": "From {{SourceIpAddress}}"},
    "version": "1.0.0",
    "kind": "Scheduled",
    "x-detections": {"zeroTrust": ["verify-explicitly"], "owner": "secops"},
}

VALID_HUNTING: dict[str, Any] = {
    "id": "6a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d",
    "name": "CreateUser by region",
    "description": "Counts IAM CreateUser calls per region.",
    "requiredDataConnectors": [{"connectorId": "AWSS3", "dataTypes": ["AWSCloudTrail"]}],
    "tactics": ["Persistence"],
    "relevantTechniques": ["T1136"],
    "query": "AWSCloudTrail\n| where EventName == \"CreateUser\"\n| summarize count() by AWSRegion\n",
}


class _BlockDumper(yaml.SafeDumper):
    """Writes multi-line strings as `|` block scalars, as content authors do."""


_BlockDumper.add_representer(
    str, lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None))


class Repo:
    """Writes content files under tmp_path/{rules,hunting,workbooks} and validates them."""

    def __init__(self, root: Path):
        self.root = root
        (root / "rules").mkdir()

    def write(self, relative: str, content: dict[str, Any] | str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        text = content if isinstance(content, str) else yaml.dump(content, Dumper=_BlockDumper, sort_keys=False, width=1000)
        path.write_text(text, encoding="utf-8")
        return path

    def rule(self, change: Callable[[dict[str, Any]], None] | None = None, name: str = "Rule",
             folder: str = "AWSCloudTrail", suffix: str = ".yaml") -> Path:
        document = copy.deepcopy(VALID_RULE)
        if change:
            change(document)
        return self.write(f"rules/{folder}/{name}{suffix}", document)

    def hunting(self, change: Callable[[dict[str, Any]], None] | None = None, name: str = "Hunt") -> Path:
        document = copy.deepcopy(VALID_HUNTING)
        if change:
            change(document)
        return self.write(f"hunting/AWSCloudTrail/{name}.yaml", document)

    def validate(self, *paths: Path, base: str | None = None) -> list[Diagnostic]:
        return validate(paths, root=self.root, base=base)

    def codes(self, *paths: Path, base: str | None = None) -> list[str]:
        return [d.code for d in self.validate(*paths, base=base)]


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path)


@pytest.fixture
def bound(monkeypatch) -> list[str]:
    """The query texts the validator binds, in order: the real engine's bind(), recorded."""
    from detections.validate import kql as kql_checks

    texts: list[str] = []
    real_bind = kql_checks.bind

    def recording_bind(text: str, schemas=None):
        texts.append(text)
        return real_bind(text, schemas)

    monkeypatch.setattr(kql_checks, "bind", recording_bind)
    return texts
