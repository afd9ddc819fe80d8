"""End-to-end twins of the hand-worked simulation and alert tests (test_simulate.py, test_alerts.py):
the same behaviours (lookback window, every table windowed, threshold, grouping and its cap, entities,
overrides, NRT runs) through real rule YAML, fixture YAML and the real KQL engine. Each expectation is
worked out by hand from the records; the fixture's `expect` checks it, and the outcome is checked
directly too. The double alert of overlapping scheduled lookbacks and the hunting query over all time
have their twins in test_end_to_end.py and test_cli.py (the sample repository of repo.py)."""

from __future__ import annotations

import textwrap
import uuid
from datetime import UTC, datetime, timedelta

from detections.content import load_repository
from detections.ruletest.runner import CaseResult, run_fixture

from .repo import write_files

NOW = datetime(2026, 1, 15, 12, tzinfo=UTC)
SCHEDULE = "queryFrequency: 1h\nqueryPeriod: 1h\ntriggerOperator: gt\ntriggerThreshold: {threshold}\n"
FAILED_LOGINS = """\
AWSCloudTrail
| where EventName == "ConsoleLogin" and tostring(parse_json(ResponseElements).ConsoleLogin) == "Failure"
"""


def rule_yaml(name: str, query: str, extra: str = "", *, kind: str = "Scheduled", threshold: int = 0,
              grouping: str = "AlertPerResult") -> str:
    """A Sentinel analytics rule: a 1h/1h schedule (none for NRT), tactic CredentialAccess, severity Medium."""
    schedule = "" if kind == "NRT" else SCHEDULE.format(threshold=threshold)
    return (
        f"id: {uuid.uuid5(uuid.NAMESPACE_URL, name)}\nname: {name}\ndescription: {name} (rule text).\nseverity: Medium\n"
        "requiredDataConnectors:\n  - connectorId: AWS\n    dataTypes: [AWSCloudTrail]\n"
        f"{schedule}tactics: [CredentialAccess]\nrelevantTechniques: [T1110]\n"
        f"query: |\n{textwrap.indent(query, '  ')}{extra}"
        f"eventGroupingSettings:\n  aggregationKind: {grouping}\nversion: 1.0.0\nkind: {kind}\n"
    )


def run(tmp_path, rule: str, cases: str) -> dict[str, CaseResult]:
    """Run a one-rule repository's fixture; every case must pass. Results by case name."""
    root = write_files(tmp_path, {
        "rules/AWSCloudTrail/Rule.yaml": rule,
        "fixtures/AWSCloudTrail/Rule.tests.yaml": "rule: rules/AWSCloudTrail/Rule.yaml\ncases:\n" + textwrap.dedent(cases),
    })
    results = run_fixture(load_repository(root), root / "fixtures/AWSCloudTrail/Rule.tests.yaml")
    assert [r.status for r in results] == ["passed"] * len(results), [(r.case, r.error or r.mismatches) for r in results]
    return {r.case: r for r in results}


def failure(at: str, ip: str, user: str = "alice", extra: str = "") -> str:
    """A failed console sign-in as CloudTrail writes it, as one YAML flow mapping."""
    return (f"{{eventTime: {at}, eventSource: signin.amazonaws.com, eventName: ConsoleLogin, sourceIPAddress: {ip}, "
            f"userIdentity: {{type: IAMUser, userName: {user}, accountId: '111122223333'}}, "
            f"responseElements: {{ConsoleLogin: Failure}}{extra}}}")


def test_lookback_is_the_query_period_before_the_run_with_an_exclusive_start(tmp_path):
    query = FAILED_LOGINS + "| project TimeGenerated, SourceIpAddress, MinutesAgo = (now() - TimeGenerated) / 1m\n"
    at = {"-30m": "198.51.100.1", "-59m": "198.51.100.2", "-60m": "198.51.100.3", "-61m": "198.51.100.4",
          "+1m": "198.51.100.5"}
    records = "\n".join(f"          - {failure(t, ip)}" for t, ip in at.items())
    result = run(tmp_path, rule_yaml("Failed sign-ins", query), f"""\
      - name: sees (now-1h, now]
        now: 2026-01-15T12:00:00Z
        records:
          cloudtrail:
{records}
        expect:
          alerts: 2
          rows: [{{SourceIpAddress: 198.51.100.1, MinutesAgo: 30}}, {{SourceIpAddress: 198.51.100.2, MinutesAgo: 59}}]
    """)["sees (now-1h, now]"]
    [only] = result.outcome.runs
    assert sorted(r["SourceIpAddress"] for r in only.rows) == ["198.51.100.1", "198.51.100.2"]
    assert (only.time, only.window_start, only.seen) == (NOW, NOW - timedelta(hours=1), {"AWSCloudTrail": "2 of 5"})


def test_lookback_applies_to_every_table_the_query_reads(tmp_path):
    query = """\
AWSGuardDuty
| where ActivityType startswith "UnauthorizedAccess:IAMUser"
| extend RemoteIp = tostring(ServiceDetails.action.awsApiCallAction.remoteIpDetails.ipAddressV4)
| join kind=inner (
    AWSCloudTrail
    | where EventName == "ConsoleLogin"
    | project RemoteIp = SourceIpAddress, UserIdentityArn
  ) on RemoteIp
| project RemoteIp, ActivityType, UserIdentityArn
"""
    finding = ("{{Findings: [{{id: f1, type: 'UnauthorizedAccess:IAMUser/MaliciousIPCaller', severity: 5, updatedAt: {at}, "
               "service: {{action: {{awsApiCallAction: {{remoteIpDetails: {{ipAddressV4: 203.0.113.50}}}}}}}}}}]}}")
    login = ("[{{eventTime: {at}, eventSource: signin.amazonaws.com, eventName: ConsoleLogin, sourceIPAddress: 203.0.113.50, "
             "userIdentity: {{type: IAMUser, arn: 'arn:aws:iam::111122223333:user/alice'}}, responseElements: {{ConsoleLogin: Success}}}}]")
    cases = "".join(f"  - name: {name}\n"
                    f"    records: {{guardduty: {finding.format(at=found)}, cloudtrail: {login.format(at=signed_in)}}}\n"
                    f"    expect: {{fires: {fires}}}\n" for name, found, signed_in, fires in [
        ("both in the lookback", "-10m", "-20m", "true"),
        ("sign-in before the lookback", "-10m", "-2h", "false"),
        ("finding before the lookback", "-2h", "-20m", "false"),
    ])
    results = run(tmp_path, rule_yaml("Sign-in from a GuardDuty flagged IP", query), cases)
    [alert] = results["both in the lookback"].outcome.alerts
    assert alert.rows == [{"RemoteIp": "203.0.113.50", "ActivityType": "UnauthorizedAccess:IAMUser/MaliciousIPCaller",
                           "UserIdentityArn": "arn:aws:iam::111122223333:user/alice"}]
    assert results["sign-in before the lookback"].outcome.runs[0].seen == {"AWSGuardDuty": "1 of 1", "AWSCloudTrail": "0 of 1"}
    assert results["finding before the lookback"].outcome.runs[0].seen == {"AWSGuardDuty": "0 of 1", "AWSCloudTrail": "1 of 1"}


def test_threshold_on_the_row_count_and_a_single_alert_for_all_rows(tmp_path):
    query = FAILED_LOGINS + "| project TimeGenerated, SourceIpAddress, UserIdentityUserName\n"
    extra = ("entityMappings:\n  - entityType: IP\n    fieldMappings:\n      - identifier: Address\n        columnName: SourceIpAddress\n"
             "customDetails:\n  TriedUsers: UserIdentityUserName\n")
    three = "\n".join(f"            - {failure(f'-{n}m', '198.51.100.9', user)}" for n, user in [(5, "alice"), (4, "bob"), (3, "carol")])
    results = run(tmp_path, rule_yaml("Console sign-in failure burst", query, extra, threshold=2, grouping="SingleAlert"), f"""\
      - name: three failures fire
        records:
          cloudtrail:
{three}
        expect:
          alerts: 1
          entities: [{{type: IP, Address: 198.51.100.9}}]
          details: {{TriedUsers: [alice, bob, carol]}}
      - name: two failures stay quiet
        records:
          cloudtrail:
{three[: three.rindex(chr(10))]}
        expect: {{fires: false, rows: [{{UserIdentityUserName: alice}}, {{UserIdentityUserName: bob}}]}}
    """)
    [alert] = results["three failures fire"].outcome.alerts
    assert len(alert.rows) == 3 and [(e.type, e.identifiers) for e in alert.entities] == [("IP", {"Address": "198.51.100.9"})]
    quiet = results["two failures stay quiet"].outcome
    assert len(quiet.rows) == 2 and quiet.alerts == [] and not quiet.fired


def test_entities_skip_empty_identifiers_drop_empty_entities_and_merge_duplicates(tmp_path):
    query = """\
AWSCloudTrail
| where EventSource == "iam.amazonaws.com" and EventName == "CreateAccessKey"
| project TimeGenerated, UserIdentityUserName, UserIdentityAccountId, SourceIpAddress
"""
    extra = """\
entityMappings:
  - entityType: Account
    fieldMappings:
      - {identifier: Name, columnName: UserIdentityUserName}
      - {identifier: CloudAppAccountId, columnName: UserIdentityAccountId}
  - entityType: IP
    fieldMappings:
      - {identifier: Address, columnName: SourceIpAddress}
"""
    event = "{{eventTime: {at}, eventSource: iam.amazonaws.com, eventName: CreateAccessKey, userIdentity: {who}{ip}}}"
    alice = "{type: IAMUser, userName: alice, accountId: '111122223333'}"
    records = "\n".join("            - " + event.format(at=at, who=who, ip=ip) for at, who, ip in [
        ("-30m", alice, ", sourceIPAddress: 198.51.100.7"),
        ("-20m", alice, ", sourceIPAddress: 198.51.100.7"),  # the same entities again: merged
        ("-15m", "{type: AWSService}", ""),  # no user, account or address: no entity at all
        ("-10m", "{type: AssumedRole, accountId: '444455556666'}", ", sourceIPAddress: 198.51.100.8"),  # no Name
    ])
    results = run(tmp_path, rule_yaml("Access key created", query, extra, grouping="SingleAlert"), f"""\
      - name: one alert with each entity once
        records:
          cloudtrail:
{records}
        expect:
          alerts: 1
          entities: [{{type: Account, Name: alice}}, {{type: IP, Address: 198.51.100.8}}]
    """)
    [alert] = results["one alert with each entity once"].outcome.alerts
    assert len(alert.rows) == 4
    assert [(e.type, e.identifiers) for e in alert.entities] == [
        ("Account", {"Name": "alice", "CloudAppAccountId": "111122223333"}),
        ("IP", {"Address": "198.51.100.7"}),
        ("Account", {"CloudAppAccountId": "444455556666"}),
        ("IP", {"Address": "198.51.100.8"}),
    ]


def test_overrides_fill_from_each_row_and_fall_back_to_the_rule(tmp_path):
    query = FAILED_LOGINS + """\
| summarize Failures = count(), MfaUsed = take_any(tostring(parse_json(AdditionalEventData).MFAUsed)),
            Service = take_any(EventSource) by User = UserIdentityUserName
| extend Severity = iff(Failures >= 3, "High", "Low"),
         Tactics = iff(Failures >= 3, "CredentialAccess,InitialAccess", "")
| order by Failures desc
"""
    extra = """\
alertDetailsOverride:
  alertDisplayNameFormat: "{{Failures}} failed console sign-ins for {{User}}"
  alertDescriptionFormat: "MFA used: {{MfaUsed}}"
  alertSeverityColumnName: Severity
  alertTacticsColumnName: Tactics
  alertDynamicProperties:
    - {alertProperty: ProviderName, value: "'AWS'"}
    - {alertProperty: ProductComponentName, value: Service}
"""
    mfa = ", additionalEventData: {MFAUsed: 'No'}"
    records = "\n".join(f"            - {failure(at, ip, user, more)}" for at, ip, user, more in [
        ("-40m", "198.51.100.9", "alice", mfa), ("-30m", "198.51.100.9", "alice", mfa),
        ("-20m", "198.51.100.9", "alice", mfa), ("-10m", "198.51.100.10", "bob", ""),
    ])
    results = run(tmp_path, rule_yaml("Failed sign-ins by user", query, extra), f"""\
      - name: one alert per user
        records:
          cloudtrail:
{records}
        expect:
          alerts: 2
          alert: {{properties: {{ProviderName: AWS, ProductComponentName: signin.amazonaws.com}}}}
    """)
    alice, bob = results["one alert per user"].outcome.alerts
    assert (alice.name, alice.description) == ("3 failed console sign-ins for alice", "MFA used: No")
    assert (alice.severity, alice.tactics) == ("High", ("CredentialAccess", "InitialAccess"))
    # bob's MfaUsed is empty: the rule's own description; empty Tactics: the rule's tactics
    assert (bob.name, bob.description) == ("1 failed console sign-ins for bob", "Failed sign-ins by user (rule text).")
    assert (bob.severity, bob.tactics) == ("Low", ("CredentialAccess",))


def test_nrt_runs_see_what_arrived_since_the_previous_run(tmp_path):
    query = 'AWSCloudTrail\n| where EventName in ("StopLogging", "DeleteTrail")\n| project TimeGenerated, EventName, SourceIpAddress\n'
    stop = "{{eventTime: {at}, eventSource: cloudtrail.amazonaws.com, eventName: {name}, sourceIPAddress: 198.51.100.7, userIdentity: {{type: Root}}}}"
    records = f"[{stop.format(at='-90s', name='StopLogging')}, {stop.format(at='-10m', name='DeleteTrail')}]"
    results = run(tmp_path, rule_yaml("Trail tampering (NRT)", query, kind="NRT"), f"""\
      - name: one run sees every earlier record
        records: {{cloudtrail: {records}}}
        expect: {{alerts: 2}}
      - name: later runs see only what arrived since
        records: {{cloudtrail: {records}}}
        timeline: {{runs: 3}}
        expect: {{alerts_per_run: [1, 1, 0]}}
    """)
    runs = results["later runs see only what arrived since"].outcome.runs
    start = datetime(2026, 1, 1, tzinfo=UTC)  # the default `now`
    assert [r.time for r in runs] == [start - timedelta(minutes=2), start - timedelta(minutes=1), start]
    assert [[row["EventName"] for row in r.rows] for r in runs] == [["DeleteTrail"], ["StopLogging"], []]
    assert [r.window_start for r in runs] == [None, runs[0].time, runs[1].time]


def test_alert_per_result_caps_a_run_at_150_alerts_the_last_one_for_all_rows(tmp_path):
    query = 'AWSVPCFlow\n| where DstPort == 22 and Action == "REJECT"\n| summarize Attempts = count() by SrcAddr\n'
    # an SSH sweep from 200 sources: one rejected flow each, a line of the default VPC flow log format
    flows = "\n".join(f"              2 111122223333 eni-0a1b2c 198.18.{n // 100}.{n % 100} 10.0.0.5 40000 22 6 1 60 -10m -9m REJECT OK"
                      for n in range(200))
    results = run(tmp_path, rule_yaml("Rejected SSH by source", query), f"""\
      - name: 200 sources
        records:
          vpcflow: |
{flows}
        expect: {{alerts: 150}}
    """)
    alerts = results["200 sources"].outcome.alerts
    assert [len(a.rows) for a in alerts] == [1] * 149 + [200]
    assert len({a.rows[0]["SrcAddr"] for a in alerts[:149]}) == 149
    assert {r["SrcAddr"] for r in alerts[-1].rows} == {f"198.18.{n // 100}.{n % 100}" for n in range(200)}
