"""`detections query`, `smoke` and `backtest` against a workspace: the emulator, through the real
LogsQueryClient, selected by the variables `detections emulate` prints."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from detections.live.remote import RemoteWorkspace

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def trail(emulator):
    emulator.data.add_rows("AWSCloudTrail", [
        {"TimeGenerated": NOW - timedelta(minutes=5), "EventName": "ConsoleLogin", "SourceIpAddress": "198.51.100.7"},
        {"TimeGenerated": NOW - timedelta(days=2), "EventName": "StopLogging", "SourceIpAddress": "203.0.113.9"},
    ])
    return emulator


def test_query_uses_the_emulator_from_the_environment(cli, trail, emulator_env):
    result = cli("query", "AWSCloudTrail | project EventName", "--format", "json", env=emulator_env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [{"EventName": "ConsoleLogin"}]  # default timespan 1d
    result = cli("query", "AWSCloudTrail | count", "--timespan", "3d", "--format", "csv", env=emulator_env)
    assert result.output.splitlines() == ["Count", "2"]


def test_query_errors_are_clear(cli, trail, emulator_env):
    unknown = cli("query", "print 1", "--workspace-id", "00000000-0000-0000-0000-000000000000", env=emulator_env)
    assert unknown.exit_code == 1 and "unknown workspace" in unknown.output
    bad = cli("query", "AWSCloudTrail | project Nope", env=emulator_env)
    assert bad.exit_code == 1 and "Nope" in bad.output
    for result in (unknown, bad):
        assert "Traceback" not in result.output and "emulator-token" not in result.output


def test_now_is_refused_on_a_live_workspace(cli, trail, emulator_env):
    """--now cannot move a live workspace's clock: a usage error, not a silently shifted window."""
    result = cli("query", "AWSCloudTrail | count", "--now", "2026-01-10T11:30:00Z", env=emulator_env)
    assert result.exit_code == 2
    assert "--now works only offline, with --table" in result.output and "--timespan START/END" in result.output


def test_remote_workspace_waits_out_throttling(trail, monkeypatch):
    for key, value in trail.environment().items():
        monkeypatch.setenv(key, value)
    trail.faults.throttle("query", count=2, retry_after=0.05)
    result = RemoteWorkspace(trail.workspace_id).run("AWSCloudTrail | count")
    assert result.rows == [[2]]
    assert [r.status for r in trail.requests] == [429, 429, 200]


GOOD = "AWSCloudTrail\n| where EventName == 'ConsoleLogin'\n| project TimeGenerated, SourceIpAddress"
BAD = "AWSCloudTrail\n| project TimeGenerated, SourceIpAddress, NoSuchColumn"


def test_smoke_reports_the_rule_whose_query_fails(cli, trail, emulator_env, write_rule):
    write_rule("Good", "6f9e3c1a-0d7b-4c55-9a43-1e2f3a4b5c6d", GOOD)
    root = write_rule("Broken", "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d", BAD)
    result = cli("smoke", "--root", str(root), "--format", "json", env=emulator_env)
    assert result.exit_code == 1
    report = {item["name"]: item for item in json.loads(result.output)}
    assert report["Good"]["ok"] and report["Good"]["rows"] == 1
    assert not report["Broken"]["ok"] and "NoSuchColumn" in report["Broken"]["error"]
    table = cli("smoke", "--root", str(root), env=emulator_env)
    assert "FAIL" in table.output and "1 of 2 queries ran; 1 failed" in table.output


HUNTING = """\
id: 2b3c4d5e-6f70-4811-9a2b-3c4d5e6f7081
name: Logins in the hunting window
description: uses the hunting UI's time placeholders
requiredDataConnectors:
  - connectorId: AWS
    dataTypes: [AWSCloudTrail]
tactics: [InitialAccess]
relevantTechniques: [T1078]
query: |
  AWSCloudTrail
  | where TimeGenerated between (todatetime('{{StartTimeISO}}') .. todatetime('{{EndTimeISO}}'))
  | where EventName == 'ConsoleLogin'
"""


def test_smoke_passes_offline_over_local_files_with_hunting_placeholders(cli, write_rule, tmp_path):
    root = write_rule("Good", "6f9e3c1a-0d7b-4c55-9a43-1e2f3a4b5c6d", GOOD)
    (root / "hunting" / "AWSCloudTrail").mkdir(parents=True)
    (root / "hunting" / "AWSCloudTrail" / "Window.yaml").write_text(HUNTING, encoding="utf-8")
    recent = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()
    (tmp_path / "rows.json").write_text(json.dumps([{"TimeGenerated": recent, "EventName": "ConsoleLogin"}]))
    table = ["--table", f"AWSCloudTrail={tmp_path / 'rows.json'}"]
    result = cli("smoke", "--root", str(root), *table, "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {(item["kind"], item["name"]): item["rows"] for item in json.loads(result.output)}
    assert rows == {("rule", "Good"): 1, ("hunting", "Logins in the hunting window"): 1}  # placeholders filled
    assert "2 of 2 queries ran; 0 failed" in cli("smoke", "--root", str(root), *table).output


class _RefusingCredential:
    """A credential whose sign-in fails, as DefaultAzureCredential does without a login."""

    def get_token(self, *scopes, **kwargs):
        from azure.core.exceptions import ClientAuthenticationError

        raise ClientAuthenticationError("interactive sign-in required")


class _EmptyTokenCredential:
    """A credential whose token the service rejects (401)."""

    def get_token(self, *scopes, **kwargs):
        from azure.core.credentials import AccessToken

        return AccessToken(" ", 4102444800)


@pytest.mark.parametrize(("credential", "expected"), [
    (_RefusingCredential(), "authentication failed"),
    (_EmptyTokenCredential(), "access denied (401)"),
])
def test_authentication_failures_are_one_clear_line(trail, credential, expected):
    import click

    from detections.live.errors import fail_cleanly

    with pytest.raises(click.ClickException) as info, fail_cleanly():
        RemoteWorkspace(trail.workspace_id, credential=credential, endpoint=trail.url,
                        connection_verify=str(trail.ca_file)).run("print 1")
    assert info.value.message.startswith(expected)
    assert "Log Analytics Reader" in info.value.message or "az login" in info.value.message


def test_smoke_finds_a_table_the_workspace_lacks(cli, write_rule):
    from detections.emulator import Emulator

    root = write_rule("Good", "6f9e3c1a-0d7b-4c55-9a43-1e2f3a4b5c6d", GOOD)
    write_rule("Findings", "8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e", "AWSGuardDuty | where Severity > 7")
    with Emulator(tables={"AWSCloudTrail": []}, builtin_tables=False) as workspace:
        result = cli("smoke", "--root", str(root), "--format", "json", env=workspace.environment())
    assert result.exit_code == 1
    errors = {item["name"]: item["error"] for item in json.loads(result.output)}
    assert errors["Good"] is None and "'AWSGuardDuty'" in errors["Findings"]
