"""Mapped rows are what the engine expects: typed columns that real rule queries can filter and parse."""

from datetime import UTC, datetime

from detections.kql import run_query
from detections.mappers import MAPPERS

NOW = datetime(2026, 1, 15, 12, tzinfo=UTC)


def table(key, value):
    mapper = MAPPERS[key]
    return {mapper.table: [row for _, row in mapper.map_records(value, NOW)]}


def test_cloudtrail_dynamic_columns_parse_in_queries():
    tables = table("cloudtrail", [{
        "eventTime": "-5m", "eventSource": "iam.amazonaws.com", "eventName": "AttachUserPolicy",
        "requestParameters": {"userName": "dev", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
        "userIdentity": {"type": "IAMUser", "userName": "dev", "sessionContext": {"attributes": {"mfaAuthenticated": "true"}}},
    }])
    query = """AWSCloudTrail
    | where TimeGenerated > ago(1h) and SessionMfaAuthenticated
    | extend Policy = tostring(parse_json(RequestParameters).policyArn)
    | project Policy, User = UserIdentityUserName"""
    assert run_query(query, tables, now=NOW).rows == [("arn:aws:iam::aws:policy/AdministratorAccess", "dev")]


def test_guardduty_severity_and_service_details():
    tables = table("guardduty", {"Findings": [{
        "id": "f1", "type": "UnauthorizedAccess:EC2/SSHBruteForce", "severity": 7.5, "updatedAt": "-1m",
        "service": {"action": {"networkConnectionAction": {"remoteIpDetails": {"ipAddressV4": "198.51.100.3"}}}},
    }]})
    query = """AWSGuardDuty | where Severity >= 7
    | extend RemoteIp = tostring(ServiceDetails.action.networkConnectionAction.remoteIpDetails.ipAddressV4)
    | project ActivityType, Severity, RemoteIp"""
    assert run_query(query, tables, now=NOW).rows == [("UnauthorizedAccess:EC2/SSHBruteForce", 7, "198.51.100.3")]


def test_vpcflow_numbers_and_times():
    tables = table("vpcflow", "2 123456789012 eni-1 203.0.113.9 10.0.0.5 50000 22 6 3 180 -10m -9m REJECT OK\n")
    query = "AWSVPCFlow | where DstPort == 22 and Action == 'REJECT' | project SrcAddr, Seconds = (End - TimeGenerated) / 1s"
    assert run_query(query, tables, now=NOW).rows == [("203.0.113.9", 60.0)]


def test_windows_event_data_parses_as_xml():
    xml = ("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><EventID>4625</EventID>"
           "<TimeCreated SystemTime='2026-01-15T11:59:00Z'/><Computer>web01</Computer></System><EventData>"
           "<Data Name='TargetUserName'>admin</Data><Data Name='LogonType'>3</Data><Data Name='IpAddress'>198.51.100.9</Data>"
           "</EventData></Event>")
    tables = table("windows", xml)
    query = "SecurityEvent | where EventID == 4625 and LogonType == 3 | summarize Failures = count() by IpAddress, Account, Activity"
    assert run_query(query, tables, now=NOW).rows == [("198.51.100.9", "\\admin", "4625 - An account failed to log on.", 1)]
    names = "SecurityEvent | mv-expand D = parse_xml(EventData).EventData.Data | project N = tostring(D['@Name']), V = tostring(D['#text'])"
    assert run_query(names, tables, now=NOW).rows == [("TargetUserName", "admin"), ("LogonType", "3"), ("IpAddress", "198.51.100.9")]
