"""`detections backtest`: alerts per day at the rule's schedule, threshold, grouping and suppression."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from detections.emulator.iso8601 import format_datetime

END = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
RULE_ID = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
QUERY = "AWSCloudTrail\n| where EventName == 'ConsoleLogin'\n| project TimeGenerated, SourceIpAddress"
# One login in the window ending at END-24h, two in the one ending at END-6h, one in the one ending at END.
EVENTS = [END - timedelta(hours=30), END - timedelta(hours=7), END - timedelta(hours=7, minutes=30),
          END - timedelta(hours=1)]
DAY1, DAY2 = (END - timedelta(days=2)).date().isoformat(), (END - timedelta(days=1)).date().isoformat()


def rows():
    return [{"TimeGenerated": format_datetime(t), "EventName": "ConsoleLogin", "SourceIpAddress": f"198.51.100.{i}"}
            for i, t in enumerate(EVENTS)] + [
        {"TimeGenerated": format_datetime(END - timedelta(hours=2)), "EventName": "StopLogging"}]


def per_day(output: str) -> dict[str, tuple[int, int, int]]:
    report = json.loads(output)
    return {d["day"]: (d["runs"], d["alerts"], d["suppressed"]) for d in report["days"]}


@pytest.mark.parametrize(("options", "expected"), [
    ({}, {DAY1: (4, 1, 0), DAY2: (4, 2, 0)}),
    ({"grouping": "AlertPerResult"}, {DAY1: (4, 1, 0), DAY2: (4, 3, 0)}),
    ({"threshold": 1}, {DAY1: (4, 0, 0), DAY2: (4, 1, 0)}),
    ({"suppression": True, "suppression_duration": "12h"}, {DAY1: (4, 1, 0), DAY2: (4, 1, 1)}),
])
def test_backtest_against_the_emulator(cli, emulator, emulator_env, write_rule, options, expected):
    emulator.data.add_rows("AWSCloudTrail", rows())
    root = write_rule("Logins", RULE_ID, QUERY, frequency="6h", period="6h", **options)
    result = cli("backtest", RULE_ID, "--root", str(root), "--days", "2", "--end", format_datetime(END),
                 "--format", "json", env=emulator_env)
    assert result.exit_code == 0, result.output
    assert per_day(result.output) == expected
    assert sum(1 for r in emulator.requests if r.route == "query") == 8


def test_backtest_offline_moves_now_to_each_run(cli, write_rule, tmp_path):
    (tmp_path / "trail.json").write_text(json.dumps(rows()))
    query = "AWSCloudTrail\n| where TimeGenerated >= ago(6h) and EventName == 'ConsoleLogin'"
    root = write_rule("Logins", RULE_ID, query, frequency="6h", period="1d", name="Recent logins")
    result = cli("backtest", "recent logins", "--root", str(root), "--days", "2", "--end", format_datetime(END),
                 "--table", f"AWSCloudTrail={tmp_path / 'trail.json'}", "--format", "json")
    assert result.exit_code == 0, result.output
    assert per_day(result.output) == {DAY1: (4, 1, 0), DAY2: (4, 2, 0)}


def test_backtest_table_output_and_unknown_rule(cli, write_rule, tmp_path):
    (tmp_path / "trail.json").write_text(json.dumps(rows()))
    root = write_rule("Logins", RULE_ID, QUERY, frequency="1d", period="1d")
    table = cli("backtest", str(root / "rules" / "AWSCloudTrail" / "Logins.yaml"), "--root", str(root), "--days", "2",
                "--end", format_datetime(END), "--table", f"AWSCloudTrail={tmp_path / 'trail.json'}")
    assert table.exit_code == 0, table.output
    assert DAY2 in table.output and "2 alert(s) in 2 day(s)" in table.output
    missing = cli("backtest", "nope", "--root", str(root), "--table", f"AWSCloudTrail={tmp_path / 'trail.json'}")
    assert missing.exit_code == 2 and "no analytics rule 'nope'" in missing.output
    too_early = cli("backtest", RULE_ID, "--root", str(root), "--days", "90", "--end", "0001-01-02T00:00:00Z",
                    "--table", f"AWSCloudTrail={tmp_path / 'trail.json'}")
    assert too_early.exit_code == 2 and "give a time in the years 1900 to 9000" in too_early.output
