"""Synthetic AWSCloudTrail rows for the benchmark (deterministic, generated in memory)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

EVENTS = ["ConsoleLogin", "GetObject", "PutObject", "AssumeRole", "DescribeInstances", "CreateUser",
          "AttachUserPolicy", "StopLogging", "RunInstances", "AuthorizeSecurityGroupIngress"]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"]
START = datetime(2024, 5, 1, tzinfo=UTC)


def cloudtrail_rows(count: int, seed: int = 7) -> list[dict]:
    """`count` CloudTrail rows over one day: event names, IPs, users and JSON request parameters."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        event = EVENTS[rng.randrange(len(EVENTS))]
        rows.append({
            "TimeGenerated": START + timedelta(seconds=rng.randrange(86_400)),
            "EventName": event,
            "EventSource": "s3.amazonaws.com" if "Object" in event else "iam.amazonaws.com",
            "AWSRegion": REGIONS[rng.randrange(len(REGIONS))],
            "SourceIpAddress": f"10.{rng.randrange(4)}.{rng.randrange(256)}.{rng.randrange(256)}",
            "UserIdentityUserName": f"user{rng.randrange(500)}",
            "UserIdentityAccountId": str(100000000000 + rng.randrange(20)),
            "RequestParameters": json.dumps({"bucketName": f"bucket-{rng.randrange(50)}", "key": f"k{i}"}),
        })
    return rows
