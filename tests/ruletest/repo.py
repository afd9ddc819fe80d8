"""A tiny repository (one rule, one hunting query, their fixtures) in a temp folder. The tests run it
through the real engine; each expectation below is worked out by hand from the query and records."""

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
  | where EventName == "StopLogging" and isempty(ErrorCode)
  | extend Trail = tostring(parse_json(RequestParameters).name)
  | project TimeGenerated, EventName, Trail, SourceIpAddress, UserIdentityArn
entityMappings:
  - entityType: IP
    fieldMappings:
      - identifier: Address
        columnName: SourceIpAddress
customDetails:
  Caller: UserIdentityArn
  Trail: Trail
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
          requestParameters: {{name: org-trail}}
    expect:
      fires: true
      alerts: 1
      alert: {{name: Trail stopped from 198.51.100.7, severity: Medium}}
      entities: [{{type: IP, Address: 198.51.100.7}}]
      details: {{Caller: "arn:aws:iam::123456789012:user/mallory", Trail: org-trail}}
  - name: quiet on StartLogging
    records:
      AWSCloudTrail: [{{TimeGenerated: -10m, EventName: StartLogging}}]
    expect: {{fires: false}}
  - name: quiet when denied
    records:
      cloudtrail:
        - {{eventTime: -5m, eventSource: cloudtrail.amazonaws.com, eventName: StopLogging, errorCode: AccessDenied,
           sourceIPAddress: 203.0.113.9, userIdentity: {{type: IAMUser, arn: "arn:aws:iam::123456789012:user/intern"}}}}
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


def write_files(root: Path, files: dict[str, str]) -> Path:
    """Write repository-relative files under root (a repository needs nothing more)."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def make_repo(root: Path, fixture: str = FIXTURE) -> Path:
    return write_files(root, {
        "rules/AWSCloudTrail/TrailStopped.yaml": RULE,
        "hunting/AWSCloudTrail/StopLoggingCalls.yaml": HUNT,
        "fixtures/AWSCloudTrail/TrailStopped.tests.yaml": fixture,
        "fixtures/AWSCloudTrail/StopLoggingCalls.tests.yaml": HUNT_FIXTURE,
    })
