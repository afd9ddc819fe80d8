"""`detections docs` writes what `detections coverage --check` then finds up to date."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from detections.cli import main

RULE = """\
id: 6a1d3c55-0c43-4f2e-9a57-2a4f6e0d9b11
name: CloudTrail logging stopped
kind: Scheduled
description: Someone stopped a trail. Find who and restart it.
severity: High
requiredDataConnectors:
  - connectorId: AWS
    dataTypes: [AWSCloudTrail]
queryFrequency: 1h
queryPeriod: 1h
triggerOperator: gt
triggerThreshold: 0
tactics: [DefenseEvasion]
relevantTechniques: [T1562.008]
query: |
  AWSCloudTrail
  | where EventName == "StopLogging"
  | project TimeGenerated, UserIdentityArn, SourceIpAddress
entityMappings:
  - entityType: IP
    fieldMappings:
      - identifier: Address
        columnName: SourceIpAddress
version: 1.0.0
x-detections:
  zeroTrust: [assume-breach]
"""

FIXTURE = """\
rule: 6a1d3c55-0c43-4f2e-9a57-2a4f6e0d9b11
cases:
  - name: fires on StopLogging
    records:
      AWSCloudTrail:
        - {TimeGenerated: -5m, EventName: StopLogging, SourceIpAddress: 198.51.100.7}
    expect: {fires: true}
"""


def make_repo(root: Path, rule: str = RULE) -> Path:
    (root / "rules" / "AWSCloudTrail").mkdir(parents=True)
    (root / "fixtures" / "AWSCloudTrail").mkdir(parents=True)
    (root / "rules" / "AWSCloudTrail" / "StopLogging.yaml").write_text(rule)
    (root / "fixtures" / "AWSCloudTrail" / "StopLogging.tests.yaml").write_text(FIXTURE)
    return root


def test_docs_then_coverage_check_is_green(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    runner = CliRunner()
    stale = runner.invoke(main, ["coverage", "--check", "--root", str(root)])
    assert stale.exit_code == 1 and "COV010" in stale.output
    written = runner.invoke(main, ["docs", "--root", str(root)])
    assert written.exit_code == 0, written.output
    page = (root / "docs" / "rules" / "AWSCloudTrail" / "StopLogging.md").read_text()
    assert "- fires on StopLogging (fires)" in page
    fresh = runner.invoke(main, ["coverage", "--check", "--root", str(root)])
    assert fresh.exit_code == 0, fresh.output
    assert "1 rules, 0 hunting queries" in fresh.output


def test_coverage_fails_on_rule_without_principle(tmp_path: Path) -> None:
    root = make_repo(tmp_path, RULE.replace("x-detections:\n  zeroTrust: [assume-breach]\n", ""))
    result = CliRunner().invoke(main, ["coverage", "--root", str(root)])
    assert result.exit_code == 1
    assert "COV003" in result.output
