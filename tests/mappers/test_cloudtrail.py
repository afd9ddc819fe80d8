import json
from datetime import UTC, datetime, timedelta

import pytest

from detections.mappers import MAPPERS, MapError

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
MAP = MAPPERS["cloudtrail"]

ASSUMED_ROLE_EVENT = {
    "eventVersion": "1.09",
    "userIdentity": {
        "type": "AssumedRole",
        "principalId": "AROAEXAMPLEROLEID:ops-session",
        "arn": "arn:aws:sts::123456789012:assumed-role/Ops/ops-session",
        "accountId": "123456789012",
        "accessKeyId": "ASIAEXAMPLEKEY",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAEXAMPLEROLEID",
                "arn": "arn:aws:iam::123456789012:role/Ops",
                "accountId": "123456789012",
                "userName": "Ops",
            },
            "attributes": {"creationDate": "2026-01-15T11:00:00Z", "mfaAuthenticated": "false"},
            "ec2RoleDelivery": "2.0",
        },
    },
    "eventTime": "2026-01-15T11:50:00Z",
    "eventSource": "cloudtrail.amazonaws.com",
    "eventName": "StopLogging",
    "awsRegion": "eu-west-1",
    "sourceIPAddress": "198.51.100.7",
    "userAgent": "aws-cli/2.15.0",
    "requestParameters": {"name": "arn:aws:cloudtrail:eu-west-1:123456789012:trail/org"},
    "responseElements": None,
    "requestID": "5d1c0f3e-1111-4c8e-9a0a-000000000001",
    "eventID": "0b6a1a8e-2222-4f1b-8f6d-000000000002",
    "readOnly": False,
    "eventType": "AwsApiCall",
    "managementEvent": True,
    "recipientAccountId": "123456789012",
    "eventCategory": "Management",
}

CONSOLE_LOGIN = {
    "eventVersion": "1.09",
    "userIdentity": {"type": "Root", "principalId": "123456789012", "arn": "arn:aws:iam::123456789012:root", "accountId": "123456789012"},
    "eventTime": "-10m",
    "eventSource": "signin.amazonaws.com",
    "eventName": "ConsoleLogin",
    "awsRegion": "us-east-1",
    "sourceIPAddress": "203.0.113.10",
    "userAgent": "Mozilla/5.0",
    "requestParameters": None,
    "responseElements": {"ConsoleLogin": "Failure"},
    "additionalEventData": {"LoginTo": "https://console.aws.amazon.com/", "MobileVersion": "No", "MFAUsed": "No"},
    "errorMessage": "Failed authentication",
    "eventID": "3c5c7b4a-3333-4e25-a1a1-000000000003",
    "eventType": "AwsConsoleSignIn",
    "recipientAccountId": "123456789012",
}


def rows(value):
    return [row for _, row in MAP.map_records(value, NOW)]


def test_log_file_maps_every_record_with_the_connector_columns():
    log_file = json.dumps({"Records": [ASSUMED_ROLE_EVENT, CONSOLE_LOGIN]})
    stop, login = rows(log_file)
    assert MAP.table == "AWSCloudTrail"
    assert stop["TimeGenerated"] == datetime(2026, 1, 15, 11, 50, tzinfo=UTC)
    assert stop["EventName"] == "StopLogging"
    assert stop["EventSource"] == "cloudtrail.amazonaws.com"
    assert stop["UserIdentityType"] == "AssumedRole"
    assert stop["UserIdentityArn"] == "arn:aws:sts::123456789012:assumed-role/Ops/ops-session"
    assert stop["UserIdentityAccessKeyId"] == "ASIAEXAMPLEKEY"
    assert stop["SessionIssuerUserName"] == "Ops"
    assert stop["SessionIssuerArn"] == "arn:aws:iam::123456789012:role/Ops"
    assert stop["SessionIssuerType"] == "Role"
    assert stop["SessionMfaAuthenticated"] is False
    assert stop["SessionCreationDate"] == datetime(2026, 1, 15, 11, 0, tzinfo=UTC)
    assert stop["EC2RoleDelivery"] == "2.0"
    assert stop["SourceIpAddress"] == "198.51.100.7"
    assert stop["AWSRegion"] == "eu-west-1"
    assert stop["RecipientAccountId"] == "123456789012"
    assert stop["RequestParameters"] == '{"name":"arn:aws:cloudtrail:eu-west-1:123456789012:trail/org"}'
    assert stop["ResponseElements"] == ""  # JSON text columns are strings: absent is empty, as in Sentinel
    assert stop["AwsEventId"] == "0b6a1a8e-2222-4f1b-8f6d-000000000002"
    assert stop["AwsRequestId_"] == "5d1c0f3e-1111-4c8e-9a0a-000000000001"
    assert stop["ReadOnly"] is False
    assert stop["ManagementEvent"] is True
    assert stop["EventTypeName"] == "AwsApiCall"
    assert stop["Category"] == "Management"
    assert stop["ErrorCode"] == "" and stop["Type"] == "AWSCloudTrail"
    assert login["TimeGenerated"] == NOW - timedelta(minutes=10)
    assert json.loads(login["AdditionalEventData"])["MFAUsed"] == "No"
    assert login["ErrorMessage"] == "Failed authentication"
    assert login["UserIdentityType"] == "Root"


def test_console_single_event_and_lookup_events_shape():
    lookup = {"EventId": "x", "CloudTrailEvent": json.dumps(CONSOLE_LOGIN)}
    assert [r["EventName"] for r in rows([CONSOLE_LOGIN, lookup])] == ["ConsoleLogin", "ConsoleLogin"]


def test_record_paths_point_into_the_log_file():
    paths = [path for path, _ in MAP.map_records([{"Records": [CONSOLE_LOGIN, CONSOLE_LOGIN]}], NOW)]
    assert paths == [(0, "Records", 0), (0, "Records", 1)]


@pytest.mark.parametrize(
    ("record", "field", "words"),
    [
        ({k: v for k, v in CONSOLE_LOGIN.items() if k != "eventTime"}, "eventTime", "missing"),
        ({**CONSOLE_LOGIN, "eventTime": "yesterday"}, "eventTime", "not a time"),
        ({**CONSOLE_LOGIN, "userIdentity": "root"}, "userIdentity", "mapping"),
    ],
)
def test_unmappable_record_names_the_field(record, field, words):
    with pytest.raises(MapError) as err:
        rows([CONSOLE_LOGIN, record])
    assert err.value.path == (1,)
    assert err.value.field == field
    assert words in err.value.message


def test_bad_json_text_is_a_map_error():
    with pytest.raises(MapError, match="does not parse"):
        rows('{"Records": [')
