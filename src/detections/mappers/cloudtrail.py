"""CloudTrail events -> AWSCloudTrail rows, as Sentinel's AWS (S3 / CloudTrail) connector maps them.

Input: a CloudTrail log file (`{"Records": [...]}`), single events as the console shows them, or
LookupEvents results (`{"CloudTrailEvent": "<json>"}`), as YAML or pasted JSON text.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from detections.content import jsonio
from detections.mappers.common import FieldPath, build_row, json_records, map_fields, require
from detections.mappers.errors import MapError, RecordPath

TABLE = "AWSCloudTrail"

# AWSCloudTrail column -> CloudTrail event field path.
FIELDS: dict[str, FieldPath] = {
    "TimeGenerated": ("eventTime",),
    "EventVersion": ("eventVersion",),
    "EventSource": ("eventSource",),
    "EventName": ("eventName",),
    "EventTypeName": ("eventType",),
    "Category": ("eventCategory",),
    "AWSRegion": ("awsRegion",),
    "SourceIpAddress": ("sourceIPAddress",),
    "UserAgent": ("userAgent",),
    "ErrorCode": ("errorCode",),
    "ErrorMessage": ("errorMessage",),
    "RequestParameters": ("requestParameters",),
    "ResponseElements": ("responseElements",),
    "AdditionalEventData": ("additionalEventData",),
    "Resources": ("resources",),
    "ServiceEventDetails": ("serviceEventDetails",),
    "AwsEventId": ("eventID",),
    "AwsRequestId_": ("requestID",),
    "SharedEventId": ("sharedEventID",),
    "APIVersion": ("apiVersion",),
    "ReadOnly": ("readOnly",),
    "ManagementEvent": ("managementEvent",),
    "RecipientAccountId": ("recipientAccountId",),
    "VpcEndpointId": ("vpcEndpointId",),
    "UserIdentityType": ("userIdentity", "type"),
    "UserIdentityPrincipalid": ("userIdentity", "principalId"),
    "UserIdentityArn": ("userIdentity", "arn"),
    "UserIdentityAccountId": ("userIdentity", "accountId"),
    "UserIdentityAccessKeyId": ("userIdentity", "accessKeyId"),
    "UserIdentityUserName": ("userIdentity", "userName"),
    "UserIdentityInvokedBy": ("userIdentity", "invokedBy"),
    "UserIdentityStoreArn": ("userIdentity", "onBehalfOf", "identityStoreArn"),
    "UserIdentityUserId": ("userIdentity", "onBehalfOf", "userId"),
    "SessionMfaAuthenticated": ("userIdentity", "sessionContext", "attributes", "mfaAuthenticated"),
    "SessionCreationDate": ("userIdentity", "sessionContext", "attributes", "creationDate"),
    "SessionIssuerType": ("userIdentity", "sessionContext", "sessionIssuer", "type"),
    "SessionIssuerPrincipalId": ("userIdentity", "sessionContext", "sessionIssuer", "principalId"),
    "SessionIssuerArn": ("userIdentity", "sessionContext", "sessionIssuer", "arn"),
    "SessionIssuerAccountId": ("userIdentity", "sessionContext", "sessionIssuer", "accountId"),
    "SessionIssuerUserName": ("userIdentity", "sessionContext", "sessionIssuer", "userName"),
    "EC2RoleDelivery": ("userIdentity", "sessionContext", "ec2RoleDelivery"),
}

_NESTED = ("userIdentity",)


def _unwrap(record: dict[str, Any], path: RecordPath) -> dict[str, Any]:
    """LookupEvents wraps the event as JSON text under CloudTrailEvent."""
    text = record.get("CloudTrailEvent")
    if not isinstance(text, str):
        return record
    try:
        event = jsonio.loads(text)
    except jsonio.JsonError as exc:
        raise MapError(path, "CloudTrailEvent", f"JSON text does not parse: {exc.msg}") from None
    if not isinstance(event, dict):
        raise MapError(path, "CloudTrailEvent", "expected a JSON object")
    return event


def map_records(value: Any, now: datetime) -> Iterator[tuple[RecordPath, dict[str, Any]]]:
    for path, raw in json_records(value, (), ("Records",)):
        record = _unwrap(raw, path)
        require(record, path, "eventTime", "eventSource", "eventName")
        for key in _NESTED:
            if key in record and not isinstance(record[key], dict):
                raise MapError(path, key, f"{key} must be a mapping, got {record[key]!r}")
        yield path, build_row(TABLE, map_fields(record, FIELDS), now, path)
