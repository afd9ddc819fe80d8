"""Helpers for the live-query tests: run the CLI in-process, write a small content repository."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from detections.cli import main


@pytest.fixture
def cli():
    """Run `detections ...` in-process; returns the click Result."""
    def run(*args: str, env: dict[str, str] | None = None):
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    return run


@pytest.fixture
def emulator_env(emulator) -> dict[str, str]:
    """The variables `detections emulate` prints, for the CLI under test."""
    return emulator.environment()


RULE = """\
id: {id}
name: {name}
description: test rule
severity: Medium
requiredDataConnectors:
  - connectorId: AWS
    dataTypes: [AWSCloudTrail]
queryFrequency: {frequency}
queryPeriod: {period}
triggerOperator: gt
triggerThreshold: {threshold}
tactics: [InitialAccess]
relevantTechniques: [T1078]
query: |
{query}
entityMappings:
  - entityType: IP
    fieldMappings:
      - identifier: Address
        columnName: SourceIpAddress
eventGroupingSettings:
  aggregationKind: {grouping}
suppressionEnabled: {suppression}
suppressionDuration: {suppression_duration}
version: 1.0.0
kind: Scheduled
"""


@pytest.fixture
def write_rule(tmp_path: Path):
    """Write rules/AWSCloudTrail/<file>.yaml into a temporary repository; returns the repo root."""
    def write(file: str, rule_id: str, query: str, *, name: str | None = None, frequency: str = "1h",
              period: str = "1h", threshold: int = 0, grouping: str = "SingleAlert", suppression: bool = False,
              suppression_duration: str = "5h") -> Path:
        folder = tmp_path / "rules" / "AWSCloudTrail"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{file}.yaml").write_text(RULE.format(
            id=rule_id, name=name or file, frequency=frequency, period=period, threshold=threshold,
            query=textwrap.indent(query.strip(), "  "), grouping=grouping,
            suppression=str(suppression).lower(), suppression_duration=suppression_duration), encoding="utf-8")
        return tmp_path

    return write
