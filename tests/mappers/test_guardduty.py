from datetime import UTC, datetime

import pytest

from detections.mappers import MAPPERS, MapError

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
MAP = MAPPERS["guardduty"]

FINDING = {
    "accountId": "123456789012",
    "arn": "arn:aws:guardduty:eu-west-1:123456789012:detector/d1/finding/f1",
    "createdAt": "2026-01-15T11:00:00.000Z",
    "description": "EC2 instance i-0abc is querying a domain associated with Bitcoin mining.",
    "id": "f1",
    "partition": "aws",
    "region": "eu-west-1",
    "resource": {"resourceType": "Instance", "instanceDetails": {"instanceId": "i-0abc"}},
    "schemaVersion": "2.0",
    "service": {"serviceName": "guardduty", "action": {"actionType": "DNS_REQUEST"}, "count": 3,
                "eventFirstSeen": "-2h", "eventLastSeen": "2026-01-15T11:55:00.000Z"},
    "severity": 6.9,
    "title": "Bitcoin-related domain queried by EC2 instance i-0abc.",
    "type": "CryptoCurrency:EC2/BitcoinTool.B!DNS",
    "updatedAt": "-5m",
}


def test_get_findings_response_maps_every_column():
    [row] = [r for _, r in MAP.map_records({"Findings": [FINDING]}, NOW)]
    assert MAP.table == "AWSGuardDuty"
    assert row["Id"] == "f1"
    assert row["ActivityType"] == "CryptoCurrency:EC2/BitcoinTool.B!DNS"
    assert row["Severity"] == 6  # int column; truncation keeps 6.9 in the Medium band
    assert row["Region"] == "eu-west-1" and row["AccountId"] == "123456789012"
    assert row["Partition"] == "aws" and row["SchemaVersion"] == "2.0"
    assert row["ResourceDetails"]["instanceDetails"]["instanceId"] == "i-0abc"
    assert row["ServiceDetails"]["action"]["actionType"] == "DNS_REQUEST"
    assert row["ServiceDetails"]["eventFirstSeen"] == "2026-01-15T10:00:00Z"
    assert row["ServiceDetails"]["eventLastSeen"] == "2026-01-15T11:55:00Z"
    assert row["TimeCreated"] == datetime(2026, 1, 15, 11, 0, tzinfo=UTC)
    assert row["TimeGenerated"] == datetime(2026, 1, 15, 11, 55, tzinfo=UTC)
    assert row["Title"].startswith("Bitcoin") and row["Arn"].endswith("finding/f1")
    assert row["Type"] == "AWSGuardDuty"


def test_cli_pascal_case_and_eventbridge_event():
    cli = {"Findings": [{key[0].upper() + key[1:]: value for key, value in FINDING.items()}]}
    event = {
        "version": "0",
        "id": "e1",
        "detail-type": "GuardDuty Finding",
        "source": "aws.guardduty",
        "account": "123456789012",
        "time": "2026-01-15T11:55:00Z",
        "region": "eu-west-1",
        "resources": [],
        "detail": {**FINDING, "severity": 8},
    }
    rows = [r for _, r in MAP.map_records([cli, event], NOW)]
    assert [(r["Id"], r["Severity"]) for r in rows] == [("f1", 6), ("f1", 8)]


def test_finding_without_type_names_the_field():
    with pytest.raises(MapError) as err:
        list(MAP.map_records([{k: v for k, v in FINDING.items() if k != "type"}], NOW))
    assert (err.value.path, err.value.field) == ((0,), "type")


def test_non_numeric_severity_names_the_field():
    with pytest.raises(MapError) as err:
        list(MAP.map_records([{**FINDING, "severity": "High"}], NOW))
    assert err.value.field == "severity"


def test_bad_nested_time_names_the_field():
    with pytest.raises(MapError) as err:
        list(MAP.map_records([{**FINDING, "service": {"eventFirstSeen": "soon"}}], NOW))
    assert err.value.field == "service.eventFirstSeen"
