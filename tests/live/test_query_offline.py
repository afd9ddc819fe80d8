"""`detections query --table NAME=PATH`: offline queries over local files with our engine."""

from __future__ import annotations

import gzip
import json

import pytest
from click.testing import CliRunner

from detections.cli import main

CLOUDTRAIL = {"Records": [
    {"eventTime": "2026-01-10T10:00:00Z", "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin",
     "userIdentity": {"type": "Root", "arn": "arn:aws:iam::123456789012:root", "accountId": "123456789012"},
     "sourceIPAddress": "198.51.100.7", "responseElements": {"ConsoleLogin": "Success"}},
    {"eventTime": "2026-01-10T11:00:00Z", "eventSource": "cloudtrail.amazonaws.com", "eventName": "StopLogging",
     "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/eve", "accountId": "123456789012"},
     "sourceIPAddress": "203.0.113.9"},
]}


def test_table_rows_in_json_jsonl_and_csv(cli, tmp_path):
    rows = [{"TimeGenerated": "2026-01-10T10:00:00Z", "EventName": "ConsoleLogin", "SourceIpAddress": "198.51.100.7"},
            {"TimeGenerated": "2026-01-10T11:00:00Z", "EventName": "StopLogging", "SourceIpAddress": "203.0.113.9"}]
    (tmp_path / "a.json").write_text(json.dumps(rows[:1]))
    (tmp_path / "b.jsonl").write_text(json.dumps(rows[1]) + "\n")
    (tmp_path / "c.csv").write_text("TimeGenerated,EventName,SourceIpAddress,ErrorCode\n"
                                    "2026-01-10T12:00:00Z,ConsoleLogin,198.51.100.7,\n")
    result = cli("query", "AWSCloudTrail | summarize n = count() by EventName | order by EventName asc",
                 "--table", f"AWSCloudTrail={tmp_path / 'a.json'}", "--table", f"AWSCloudTrail={tmp_path / 'b.jsonl'}",
                 "--table", f"AWSCloudTrail={tmp_path / 'c.csv'}", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [{"EventName": "ConsoleLogin", "n": 2}, {"EventName": "StopLogging", "n": 1}]


def test_native_cloudtrail_file_by_table_name_or_format_name_and_gzip(cli, tmp_path):
    (tmp_path / "trail.json").write_text(json.dumps(CLOUDTRAIL))
    (tmp_path / "trail.json.gz").write_bytes(gzip.compress(json.dumps(CLOUDTRAIL).encode()))
    query = "AWSCloudTrail | where UserIdentityType == 'Root' | project SourceIpAddress, EventName"
    for option in (f"AWSCloudTrail={tmp_path / 'trail.json'}", f"cloudtrail={tmp_path / 'trail.json.gz'}"):
        result = cli("query", query, "--table", option, "--format", "csv")
        assert result.exit_code == 0, result.output
        assert result.output.splitlines() == ["SourceIpAddress,EventName", "198.51.100.7,ConsoleLogin"]


def test_vpc_flow_log_lines(cli, tmp_path):
    (tmp_path / "flows.log").write_text(
        "2 123456789012 eni-0a1b 10.0.0.5 198.51.100.7 49152 443 6 10 840 1768039200 1768039260 ACCEPT OK\n"
        "2 123456789012 eni-0a1b 203.0.113.9 10.0.0.5 51515 22 6 3 180 1768039200 1768039260 REJECT OK\n")
    result = cli("query", "AWSVPCFlow | where Action == 'REJECT' | project SrcAddr, DstPort",
                 "--table", f"vpcflow={tmp_path / 'flows.log'}", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [{"SrcAddr": "203.0.113.9", "DstPort": 22}]


def test_timespan_and_now_limit_the_rows_offline(cli, tmp_path):
    (tmp_path / "trail.json").write_text(json.dumps(CLOUDTRAIL))
    result = cli("query", "AWSCloudTrail | project EventName, Age = now() - TimeGenerated", "--table",
                 f"cloudtrail={tmp_path / 'trail.json'}", "--now", "2026-01-10T11:30:00Z", "--timespan", "1h",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [{"EventName": "StopLogging", "Age": "0:30:00"}]


def test_table_output_shows_types_and_row_count(cli, tmp_path):
    (tmp_path / "trail.json").write_text(json.dumps(CLOUDTRAIL))
    result = cli("query", "AWSCloudTrail | project TimeGenerated, EventName", "--table",
                 f"cloudtrail={tmp_path / 'trail.json'}")
    assert result.exit_code == 0
    assert "datetime" in result.output and "StopLogging" in result.output and "2 row(s)" in result.output


def test_errors_are_one_line_with_position_and_no_traceback(cli, tmp_path):
    (tmp_path / "bad.jsonl").write_text('{"EventName": "x"}\n{"EventName": \n')
    bad_file = cli("query", "AWSCloudTrail", "--table", f"AWSCloudTrail={tmp_path / 'bad.jsonl'}")
    assert bad_file.exit_code == 1 and f"{tmp_path / 'bad.jsonl'}:2:" in bad_file.output
    (tmp_path / "trail.json").write_text(json.dumps(CLOUDTRAIL))
    bad_query = cli("query", "AWSCloudTrail\n| where EventNam == 'x'", "--table", f"cloudtrail={tmp_path / 'trail.json'}")
    assert bad_query.exit_code == 1 and "query:2:9:" in bad_query.output and "EventName" in bad_query.output
    no_target = cli("query", "print 1", env={"AZURE_WORKSPACE_ID": ""})
    assert no_target.exit_code == 2 and "--workspace-id" in no_target.output  # usage, as deploy's missing target
    bad_option = cli("query", "print 1", "--table", "nofile")
    assert bad_option.exit_code == 2 and "use NAME=PATH" in bad_option.output
    for result in (bad_file, bad_query, no_target, bad_option):
        assert "Traceback" not in result.output


def test_query_from_a_file_over_an_empty_custom_table(cli, tmp_path):
    (tmp_path / "q.kql").write_text("print answer = 42")
    (tmp_path / "t.json").write_text("[]")
    result = cli("query", f"@{tmp_path / 'q.kql'}", "--table", f"Custom={tmp_path / 't.json'}", "--format", "csv")
    assert result.output.splitlines() == ["answer", "42"]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("q.kql", b"print '\xe9'", "q.kql:1:8: not a UTF-8 text file (byte 0xe9)"),
    ("t.json.gz", b"not gzip", "t.json.gz: cannot read"),
    ("t.json", b"[{\"a\": \"\xff\"}]", "t.json:1:9: not a UTF-8 text file (byte 0xff)"),
])
def test_binary_or_broken_input_files_are_one_located_line(cli, tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    (tmp_path / "ok.json").write_text("[]")
    query = f"@{tmp_path / name}" if name.endswith(".kql") else "print 1"
    table = f"Custom={tmp_path / (name if not name.endswith('.kql') else 'ok.json')}"
    result = CliRunner().invoke(main, ["query", query, "--table", table])
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_ca_file_that_is_not_there_is_a_usage_error(cli, tmp_path):
    result = cli("query", "print 1", "--workspace-id", "x", env={"REQUESTS_CA_BUNDLE": str(tmp_path / "nope.pem")})
    assert result.exit_code == 2 and "no readable CA file there" in result.output


def test_deeply_nested_json_is_a_message_not_a_recursion_error(cli, tmp_path):
    (tmp_path / "deep.json").write_text("[" * 100_000)
    result = CliRunner().invoke(main, ["query", "print 1", "--table", f"Custom={tmp_path / 'deep.json'}"])
    assert result.exit_code == 1 and "deep.json:1:1: invalid JSON: nested too deeply to read" in result.output


def test_a_bad_value_in_table_rows_is_reported_as_such_not_as_a_native_format_error(cli, tmp_path):
    """AWSVPCFlow falls back to flow-log lines; rows whose keys are the table's columns keep their own error."""
    (tmp_path / "rows.json").write_text(json.dumps([{"DstPort": 2**40, "TimeGenerated": "2026-01-01T00:00:00Z"}]))
    result = cli("query", "AWSVPCFlow", "--table", f"AWSVPCFlow={tmp_path / 'rows.json'}")
    assert result.exit_code == 1
    assert "record 0 field DstPort: column DstPort (int): 1099511627776 is outside the 32-bit range" in result.output


@pytest.mark.parametrize("now", ["0001-01-01T00:00:00Z", "9999-12-31T23:00:00Z"])
def test_now_must_be_a_time_queries_can_look_back_from(cli, tmp_path, now):
    (tmp_path / "t.json").write_text("[]")
    result = cli("query", "print ago(1d)", "--now", now, "--table", f"T={tmp_path / 't.json'}")
    assert result.exit_code == 2 and "give a time in the years 1900 to 9000" in result.output
