"""A tiny repository (one rule, one hunting query, their fixtures) in a temp folder, and a stand-in
engine for tests that must not depend on the KQL engine's coverage."""

from __future__ import annotations

from pathlib import Path

RULE_ID = "5b0e7f3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
HUNT_ID = "6c1f8a4b-2d3e-4f5a-9b0c-1d2e3f4a5b6c"

RULE = f"""\
id: {RULE_ID}
name: CloudTrail logging stopped
description: Someone stopped a trail.
severity: Medium
requiredDataConnectors:
  - connectorId: AWS
    dataTypes: [AWSCloudTrail]
queryFrequency: 1h
queryPeriod: 1h
triggerOperator: gt
triggerThreshold: 0
tactics: [DefenseEvasion]
relevantTechniques: [T1562]
query: |
  AWSCloudTrail
  | where EventName == "StopLogging"
  | project TimeGenerated, EventName, SourceIpAddress, UserIdentityArn
entityMappings:
  - entityType: IP
    fieldMappings:
      - identifier: Address
        columnName: SourceIpAddress
customDetails:
  Caller: UserIdentityArn
alertDetailsOverride:
  alertDisplayNameFormat: "Trail stopped from {{{{SourceIpAddress}}}}"
  alertDescriptionFormat: "Stopped by {{{{UserIdentityArn}}}}"
eventGroupingSettings:
  aggregationKind: AlertPerResult
version: 1.0.0
kind: Scheduled
"""

HUNT = f"""\
id: {HUNT_ID}
name: StopLogging calls
description: Every StopLogging call.
requiredDataConnectors:
  - connectorId: AWS
    dataTypes: [AWSCloudTrail]
tactics: [DefenseEvasion]
relevantTechniques: [T1562]
query: |
  AWSCloudTrail
  | where EventName == "StopLogging"
"""

FIXTURE = f"""\
rule: {RULE_ID}
cases:
  - name: fires on StopLogging
    records:
      cloudtrail:
        - eventTime: -10m
          eventSource: cloudtrail.amazonaws.com
          eventName: StopLogging
          sourceIPAddress: 198.51.100.7
          userIdentity: {{type: IAMUser, arn: "arn:aws:iam::123456789012:user/mallory"}}
    expect:
      fires: true
      alerts: 1
      alert: {{name: Trail stopped from 198.51.100.7, severity: Medium}}
      entities: [{{type: IP, Address: 198.51.100.7}}]
      details: {{Caller: "arn:aws:iam::123456789012:user/mallory"}}
  - name: quiet on StartLogging
    records:
      AWSCloudTrail: [{{TimeGenerated: -10m, EventName: StartLogging}}]
    expect: {{fires: false}}
"""

HUNT_FIXTURE = f"""\
rule: {HUNT_ID}
cases:
  - name: finds an old StopLogging
    records:
      AWSCloudTrail: [{{TimeGenerated: -20d, EventName: StopLogging}}]
    expect: {{fires: true, rows: [{{EventName: StopLogging}}]}}
"""


def make_repo(root: Path, fixture: str = FIXTURE) -> Path:
    for rel, text in {
        "rules/AWSCloudTrail/TrailStopped.yaml": RULE,
        "hunting/AWSCloudTrail/StopLoggingCalls.yaml": HUNT,
        "fixtures/AWSCloudTrail/TrailStopped.tests.yaml": fixture,
        "fixtures/AWSCloudTrail/StopLoggingCalls.tests.yaml": HUNT_FIXTURE,
    }.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def fake_execute(query, tables, now, case):
    """Stands in for the engine: the queries above keep StopLogging rows."""
    columns = ["TimeGenerated", "EventName", "SourceIpAddress", "UserIdentityArn"]
    rows = [{c: r[c] for c in columns} for r in tables.get("AWSCloudTrail", []) if r["EventName"] == "StopLogging"]
    return columns, rows, []
