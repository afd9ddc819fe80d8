"""GuardDuty findings -> AWSGuardDuty rows, as Sentinel's AWS S3 connector maps the exported findings.

Input: findings as the GetFindings API returns them (`{"Findings": [...]}`, camelCase as in the API and
S3 exports, or PascalCase as the AWS CLI prints them) or EventBridge events whose `detail` is a finding.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from detections.mappers.common import FieldPath, build_row, dig, json_records, map_fields, require
from detections.mappers.errors import MapError, RecordPath
from detections.mappers.times import TimeFormatError, iso, parse_time

TABLE = "AWSGuardDuty"

# AWSGuardDuty column -> finding field (camelCase).
FIELDS: dict[str, FieldPath] = {
    "Id": ("id",),
    "Arn": ("arn",),
    "AccountId": ("accountId",),
    "Region": ("region",),
    "Partition": ("partition",),
    "SchemaVersion": ("schemaVersion",),
    "ActivityType": ("type",),
    "Title": ("title",),
    "Description": ("description",),
    "Severity": ("severity",),
    "TimeCreated": ("createdAt",),
    "TimeGenerated": ("updatedAt",),
    "ResourceDetails": ("resource",),
    "ServiceDetails": ("service",),
}


def _camel(record: dict[str, Any]) -> dict[str, Any]:
    """The CLI prints top-level keys in PascalCase; the API, S3 export and EventBridge in camelCase."""
    return {key[:1].lower() + key[1:]: value for key, value in record.items()}


def _finding(record: dict[str, Any]) -> dict[str, Any]:
    if record.get("source") == "aws.guardduty" or "detail-type" in record:
        detail = record.get("detail")
        return _camel(detail) if isinstance(detail, dict) else {}
    return _camel(record)


# Times inside the finding that rules read from ServiceDetails; relative times there become ISO text.
NESTED_TIMES: tuple[FieldPath, ...] = (("service", "eventFirstSeen"), ("service", "eventLastSeen"))


def _resolve_nested_times(finding: dict[str, Any], now: datetime, path: RecordPath) -> None:
    for *parents, leaf in NESTED_TIMES:
        holder = dig(finding, tuple(parents))
        if isinstance(holder, dict) and holder.get(leaf) is not None:
            try:
                holder[leaf] = iso(parse_time(holder[leaf], now))
            except TimeFormatError as exc:
                raise MapError(path, ".".join((*parents, leaf)), str(exc)) from None


def map_records(value: Any, now: datetime) -> Iterator[tuple[RecordPath, dict[str, Any]]]:
    for path, raw in json_records(value, (), ("Findings", "findings")):
        finding = _finding(raw)
        require(finding, path, "id", "type", "severity")
        finding.setdefault("updatedAt", finding.get("createdAt", now))
        _resolve_nested_times(finding, now, path)
        severity = finding["severity"]
        if isinstance(severity, bool) or not isinstance(severity, int | float | str):
            raise MapError(path, "severity", f"severity must be a number, got {severity!r}")
        try:
            # The table's Severity is an int; truncating keeps GuardDuty's bands (Low < 4, Medium < 7, High).
            finding["severity"] = math.floor(float(severity))
        except ValueError:
            raise MapError(path, "severity", f"severity must be a number, got {severity!r}") from None
        yield path, build_row(TABLE, map_fields(finding, FIELDS), now, path)
