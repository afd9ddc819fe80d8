"""VPC flow log lines -> AWSVPCFlow rows, as Sentinel's AWS S3 connector maps them.

Input: the text of a flow log file (a block scalar) or a list of lines. Lines are in the default
format (version 2, 14 fields) until a header line names the fields of a custom format; the header
may be written as AWS writes it in S3 (`version account-id ...`) or as the log format string
(`${version} ${account-id} ...`). `-` means no value. `start`/`end` are epoch seconds (relative
times such as `-10m` are accepted too); `start` becomes TimeGenerated and `end` becomes End.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from detections.mappers.common import build_row
from detections.mappers.errors import MapError, RecordPath

TABLE = "AWSVPCFlow"

DEFAULT_FORMAT = [
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
]

# AWS field name -> AWSVPCFlow column (None: a valid AWS field the table has no column for).
FIELDS: dict[str, str | None] = {
    "version": "Version",
    "account-id": "AccountId",
    "interface-id": "InterfaceId",
    "srcaddr": "SrcAddr",
    "dstaddr": "DstAddr",
    "srcport": "SrcPort",
    "dstport": "DstPort",
    "protocol": "Protocol",
    "packets": "Packets",
    "bytes": "Bytes",
    "start": "TimeGenerated",
    "end": "End",
    "action": "Action",
    "log-status": "LogStatus",
    "vpc-id": "VpcId",
    "subnet-id": "SubnetId",
    "instance-id": "InstanceId",
    "tcp-flags": "TcpFlags",
    "type": "TrafficType",
    "pkt-srcaddr": "PktSrcAddr",
    "pkt-dstaddr": "PktDstAddr",
    "region": "Region",
    "az-id": "AzId",
    "sublocation-type": "SublocationType",
    "sublocation-id": "SublocationId",
    "pkt-src-aws-service": "PktSrcAwsService",
    "pkt-dst-aws-service": "PktDstAwsService",
    "flow-direction": "FlowDirection",
    "traffic-path": "TrafficPath",
    **dict.fromkeys(
        [
            "ecs-cluster-arn",
            "ecs-cluster-name",
            "ecs-container-instance-arn",
            "ecs-container-instance-id",
            "ecs-container-id",
            "ecs-second-container-id",
            "ecs-service-name",
            "ecs-task-definition-arn",
            "ecs-task-arn",
            "ecs-task-id",
            "reject-reason",
            "resource-id",
            "encryption-status",
        ]
    ),
}

_NAME = re.compile(r"^(?:\$\{)?([a-z][a-z0-9-]*)\}?$")


def _header(tokens: list[str], path: RecordPath) -> list[str] | None:
    """The field names if this line is a header, else None (it is a data line)."""
    names = [m.group(1) if (m := _NAME.match(t)) else None for t in tokens]
    if None in names or not any(n in FIELDS for n in names):
        return None
    unknown = [n for n in names if n not in FIELDS]
    if unknown:
        raise MapError(
            path,
            unknown[0],
            f"unknown VPC flow log field {unknown[0]!r} in the header line (fields: {', '.join(FIELDS)})",
        )
    return names  # type: ignore[return-value]


def _lines(value: Any) -> Iterator[tuple[RecordPath, str]]:
    if isinstance(value, str):
        for number, line in enumerate(value.splitlines(), start=1):
            yield (f"line {number}",), line
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if not isinstance(item, str):
                raise MapError((index,), None, f"expected a flow log line (text), got {item!r}")
            yield (index,), item
    else:
        raise MapError((), None, "expected flow log text (a block scalar) or a list of lines")


def map_records(value: Any, now: datetime) -> Iterator[tuple[RecordPath, dict[str, Any]]]:
    fields = DEFAULT_FORMAT
    for path, line in _lines(value):
        tokens = line.split()
        if not tokens or tokens[0].startswith("#"):
            continue
        header = _header(tokens, path)
        if header is not None:
            fields = header
            continue
        if len(tokens) != len(fields):
            raise MapError(
                path,
                None,
                f"{len(tokens)} fields, but the format has {len(fields)} ({' '.join(fields)}); add a header line for a custom format",
            )
        values: dict[str, tuple[str, Any]] = {}
        for name, token in zip(fields, tokens, strict=True):
            column = FIELDS[name]
            if column is not None and token != "-":
                values[column] = (name, token)
        yield path, build_row(TABLE, values, now, path)
