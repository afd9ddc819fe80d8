"""Workbook queries tested like hunting queries: each case runs the query it names, with its
parameter values, through the real engine; --min-cases wants a firing case for every query."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from detections.cli import main
from detections.content import load_repository
from detections.ruletest.runner import min_cases, run_fixture

from .repo import RULE_ID, make_repo

WORKBOOK_ID = "7a1b2c3d-0000-4000-8000-000000000001"
WORKBOOK = f"""\
id: {WORKBOOK_ID}
name: Trail activity
description: CloudTrail activity by source and failures.
version: 1.0.0
template:
  version: Notebook/1.0
  items:
    - type: 9
      name: parameters
      content:
        version: KqlParameterItem/1.0
        parameters:
          - name: TimeRange
            type: 4
            value: {{durationMs: 86400000}}
          - name: Accounts
            label: AWS account
            type: 2
            multiSelect: true
            quote: "'"
            delimiter: ","
            defaultValue: value::all
            typeSettings: {{selectAllValue: "*"}}
            queryType: 0
            query: |
              AWSCloudTrail
              | where TimeGenerated {{TimeRange}}
              | distinct RecipientAccountId
    - type: 3
      name: by source
      content:
        version: KqlItem/1.0
        title: Events by source
        queryType: 0
        query: |
          AWSCloudTrail
          | where TimeGenerated {{TimeRange}}
          | where RecipientAccountId in ({{Accounts}}) or '*' in ({{Accounts}})
          | summarize Events = count() by EventSource
    - type: 3
      name: failures
      content:
        version: KqlItem/1.0
        title: Failed calls
        queryType: 0
        query: |
          AWSCloudTrail
          | where TimeGenerated {{TimeRange}}
          | where ErrorCode matches regex "^[A-Z][a-z]{{2,}}[A-Z]"
          | summarize Failures = count() by ErrorCode, bin(TimeGenerated, {{TimeRange:grain}})
"""

CASES = """\
rule: {id}
cases:
  - name: every account by default
    query: by source
    records:
      cloudtrail:
        - {{eventTime: -1h, eventSource: ec2.amazonaws.com, eventName: RunInstances, recipientAccountId: "111122223333", userIdentity: {{type: IAMUser}}}}
        - {{eventTime: -2h, eventSource: ec2.amazonaws.com, eventName: StopInstances, recipientAccountId: "444455556666", userIdentity: {{type: IAMUser}}}}
        - {{eventTime: -3d, eventSource: iam.amazonaws.com, eventName: CreateUser, recipientAccountId: "111122223333", userIdentity: {{type: IAMUser}}}}
    expect:
      fires: true
      rows: [{{EventSource: ec2.amazonaws.com, Events: 2}}]
  - name: one account, a week, by title
    query: Events by source
    parameters: {{Accounts: ["111122223333"], TimeRange: 7d}}
    records:
      cloudtrail:
        - {{eventTime: -1h, eventSource: ec2.amazonaws.com, eventName: RunInstances, recipientAccountId: "111122223333", userIdentity: {{type: IAMUser}}}}
        - {{eventTime: -2h, eventSource: ec2.amazonaws.com, eventName: StopInstances, recipientAccountId: "444455556666", userIdentity: {{type: IAMUser}}}}
        - {{eventTime: -3d, eventSource: iam.amazonaws.com, eventName: CreateUser, recipientAccountId: "111122223333", userIdentity: {{type: IAMUser}}}}
    expect:
      rows: [{{EventSource: ec2.amazonaws.com, Events: 1}}, {{EventSource: iam.amazonaws.com, Events: 1}}]
  - name: failures by path, an absolute range
    query: items/2
    now: 2026-01-15T12:00:00Z
    parameters: {{TimeRange: {{start: 2026-01-15T00:00:00Z, end: 2026-01-15T06:00:00Z}}}}
    records:
      AWSCloudTrail:
        - {{TimeGenerated: 2026-01-15T01:10:00Z, ErrorCode: AccessDenied}}
        - {{TimeGenerated: 2026-01-15T01:20:00Z, ErrorCode: AccessDenied}}
        - {{TimeGenerated: 2026-01-15T08:00:00Z, ErrorCode: AccessDenied}}
        - {{TimeGenerated: 2026-01-15T01:30:00Z, ErrorCode: "ACCESS{{3}}"}}
    expect:
      fires: true
      rows:  # a 6-hour range bins by 10 minutes
        - {{ErrorCode: AccessDenied, Failures: 1, TimeGenerated: 2026-01-15T01:10:00Z}}
        - {{ErrorCode: AccessDenied, Failures: 1, TimeGenerated: 2026-01-15T01:20:00Z}}
  - name: the account dropdown
    query: Accounts
    records:
      AWSCloudTrail: [{{TimeGenerated: -5m, RecipientAccountId: "111122223333"}}]
    expect:
      fires: true
      rows: [{{RecipientAccountId: "111122223333"}}]
  - name: quiet outside the time range
    query: failures
    records:
      AWSCloudTrail: [{{TimeGenerated: -2d, ErrorCode: AccessDenied}}]
    expect: {{fires: false}}
"""


CASES = CASES.format(id=WORKBOOK_ID)


def _repo(tmp_path: Path, cases: str = CASES) -> Path:
    root = make_repo(tmp_path)
    (root / "workbooks").mkdir()
    (root / "workbooks/TrailActivity.yaml").write_text(WORKBOOK, encoding="utf-8")
    fixture = root / "fixtures/workbooks/TrailActivity.tests.yaml"
    fixture.parent.mkdir(parents=True)
    fixture.write_text(cases, encoding="utf-8")
    return root


def _run(root: Path):
    return run_fixture(load_repository(root), root / "fixtures/workbooks/TrailActivity.tests.yaml")


def test_each_case_runs_its_query_with_its_parameters(tmp_path):
    results = _run(_repo(tmp_path))
    assert [(r.case, r.status) for r in results] == [
        ("every account by default", "passed"), ("one account, a week, by title", "passed"),
        ("failures by path, an absolute range", "passed"), ("the account dropdown", "passed"),
        ("quiet outside the time range", "passed")], [r.error or r.mismatches for r in results]
    assert results[0].content == "Trail activity :: by source" and results[0].content_kind == "hunting"
    assert len(results[0].outcome.rows) == 1  # -3d is outside the default 1d range: only ec2


def test_a_wrong_expectation_fails_with_the_rows(tmp_path):
    results = _run(_repo(tmp_path, CASES.replace("Events: 2}]", "Events: 3}]", 1)))
    assert results[0].status == "failed"
    [mismatch] = results[0].mismatches
    assert mismatch.what == "rows" and mismatch.actual == [{"EventSource": "ec2.amazonaws.com", "Events": 2}]


@pytest.mark.parametrize(("change", "code", "message", "line"), [
    (("    query: by source\n", ""), "DET650", "a case of a workbook names the query it runs", 3),
    (("query: by source", "query: by sorce"), "DET650", "no Log Analytics query 'by sorce'", 4),
    (("TimeRange: 7d}", "TimeRange: 7d, Acounts: x}"), "DET650", "declares no parameter 'Acounts'", 15),
    (("parameters: {TimeRange: {start", "parameters: {Accounts: x, TimeRange: {start"), "DET654",
     "parameter 'Accounts' is given but query 'failures' never reads it", 26),
    (("TimeRange: 7d}", "TimeRange: soon}"), "DET650", "time range: invalid duration 'soon'", 15),
    (("expect: {fires: false}", "expect: {fires: true, alerts: 1}"), "DET650", "`alerts` does not apply to a workbook query", 49),
    (("      cloudtrail:\n", "      SecurityEvent: [{EventID: 4625}]\n      cloudtrail:\n"), "DET654",
     "never reads that table", 5),
])
def test_cases_that_do_not_fit_the_workbook_are_located_errors(tmp_path, change, code, message, line):
    [result] = _run(_repo(tmp_path, CASES.replace(*change, 1)))
    assert result.status == "error" and result.error.code == code, result.error
    assert message in result.error.message
    assert result.error.location.line == line


def test_query_and_parameters_belong_to_workbook_cases_only(tmp_path):
    root = _repo(tmp_path)
    path = root / "fixtures/AWSCloudTrail/TrailStopped.tests.yaml"
    path.write_text(path.read_text().replace("  - name: quiet on StartLogging\n",
                                             "  - name: quiet on StartLogging\n    query: by source\n"))
    [result] = run_fixture(load_repository(root), path)
    assert result.error.code == "DET650" and "`query` applies only to a workbook's cases" in result.error.message
    assert RULE_ID in path.read_text()


@pytest.mark.parametrize("tag", ["", "!crlf "])  # `!crlf`: a workbook saved on Windows
def test_query_errors_point_into_the_workbook(tmp_path, tag):
    root = _repo(tmp_path)
    workbook = root / "workbooks/TrailActivity.yaml"
    text = workbook.read_text().replace("| summarize Events = count() by EventSource",
                                        "| summarize Events = count() by EventSourc")
    workbook.write_text(text.replace("query: |\n          AWSCloudTrail", f"query: {tag}|\n          AWSCloudTrail"))
    result = _run(root)[0]
    assert result.status == "error" and result.error.code == "DET655"
    assert result.error.location.path == workbook
    line = workbook.read_text().splitlines()[result.error.location.line - 1]
    assert line[result.error.location.column - 1:].startswith("EventSourc")


def test_min_cases_wants_a_firing_case_for_every_query(tmp_path):
    root = _repo(tmp_path, CASES.replace("    query: Accounts\n", "    query: by source\n"))
    repository = load_repository(root)
    problems = [p for p in min_cases(repository, [root / "fixtures/workbooks/TrailActivity.tests.yaml"], False)]
    [problem] = problems
    assert problem.code == "DET656" and "query 'Accounts' (items/0/parameters/1) lacks a case that returns rows" in problem.message
    assert problem.location.path == root / "workbooks/TrailActivity.yaml"
    assert "fixtures/workbooks/TrailActivity.tests.yaml" in problem.hint
    assert min_cases(repository, [root / "fixtures/AWSCloudTrail/TrailStopped.tests.yaml"], False) == []


def test_cli_runs_workbook_fixtures_with_min_cases(tmp_path):
    root = _repo(tmp_path)
    result = CliRunner().invoke(main, ["test", "--root", str(root), "--min-cases"])
    assert result.exit_code == 0, result.output
    assert "9 passed, 0 failed, 0 errors" in result.output
    (root / "fixtures/workbooks/TrailActivity.tests.yaml").unlink()
    result = CliRunner().invoke(main, ["test", "--root", str(root), "--min-cases"])
    assert result.exit_code == 1 and result.output.count("lacks a case that returns rows") == 3


def test_pytest_collects_workbook_cases(tmp_path):
    import subprocess
    import sys

    root = _repo(tmp_path, CASES.replace("Events: 2}]", "Events: 5}]", 1))
    (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", "fixtures/workbooks"],
                          cwd=root, capture_output=True, text=True, timeout=120)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "PASSED fixtures/workbooks/TrailActivity.tests.yaml::the account dropdown" in out
    assert "FAILED fixtures/workbooks/TrailActivity.tests.yaml::every account by default" in out
    assert "Trail activity :: by source :: every account by default (failed)" in out
    assert "1 failed, 4 passed" in out and "Traceback" not in out
