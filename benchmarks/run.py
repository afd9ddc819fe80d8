"""`make bench`: the content library's check time (validate the repository, run every rule test),
then the KQL engine's throughput over 1,000,000 synthetic AWSCloudTrail rows and the latency of a
query over a 10-row table with its parse and plan cached. Generation and the one-off conversion of
dict rows to typed tuples (load_table) are timed separately from the queries."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from data import START, cloudtrail_rows  # noqa: E402
from library import report  # noqa: E402

from detections.kql import load_table, run_query  # noqa: E402

QUERIES = {
    "filter": 'AWSCloudTrail | where EventName == "ConsoleLogin" and AWSRegion != "eu-west-1" | count',
    "json extraction": "AWSCloudTrail | extend Bucket = tostring(parse_json(RequestParameters).bucketName) "
                       '| where Bucket == "bucket-7" | count',
    "summarize by bin": "AWSCloudTrail | summarize Events = count(), Users = dcount(UserIdentityUserName) "
                        "by bin(TimeGenerated, 1h), AWSRegion",
    "join": 'AWSCloudTrail | where EventName == "ConsoleLogin" | summarize Logins = count() by SourceIpAddress '
            '| join kind=inner (AWSCloudTrail | where EventName == "StopLogging" '
            "| summarize Stops = count() by SourceIpAddress) on SourceIpAddress",
}
SMALL_QUERY = ('AWSCloudTrail | where EventName in ("ConsoleLogin", "CreateUser") and TimeGenerated > ago(1d) '
               "| summarize count() by UserIdentityUserName, bin(TimeGenerated, 1h)")


def main(rows: int = 1_000_000) -> None:
    report(Path(__file__).resolve().parents[1])  # first, while the plan cache is cold
    started = time.perf_counter()
    data = cloudtrail_rows(rows)
    print(f"generated {rows:,} rows in {time.perf_counter() - started:.1f} s (not counted)")
    started = time.perf_counter()
    table = load_table("AWSCloudTrail", data)
    loaded = time.perf_counter() - started
    print(f"load_table (dicts -> typed tuples, once per table): {loaded:.2f} s, {rows / loaded:,.0f} rows/s")
    tables = {"AWSCloudTrail": table}
    now = START.replace(day=2)
    print(f"{'query':<18} {'seconds':>8} {'rows/s':>12} {'result rows':>12}")
    for name, query in QUERIES.items():
        run_query(query, {"AWSCloudTrail": load_table("AWSCloudTrail", data[:10])}, now=now)  # warm the plan cache
        started = time.perf_counter()
        result = run_query(query, tables, now=now)
        seconds = time.perf_counter() - started
        print(f"{name:<18} {seconds:>8.2f} {rows / seconds:>12,.0f} {len(result.rows):>12,}")
    small = {"AWSCloudTrail": data[:10]}
    run_query(SMALL_QUERY, small, now=now)
    repeats = 2000
    started = time.perf_counter()
    for _ in range(repeats):
        run_query(SMALL_QUERY, small, now=now)
    per_query = (time.perf_counter() - started) / repeats
    print(f"10-row query latency (parse+plan cached, dict rows converted each run): {per_query * 1e6:.0f} us")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
