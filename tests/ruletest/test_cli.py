import json
import xml.etree.ElementTree as ET
from pathlib import Path

from click.testing import CliRunner

from detections.cli import main

from .repo import FIXTURE, make_repo


def run(root, *args):
    result = CliRunner().invoke(main, ["test", "--root", str(root), *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_passing_library(tmp_path):
    code, out = run(make_repo(tmp_path))
    assert code == 0, out
    assert "4 passed, 0 failed, 0 errors" in out
    assert "CloudTrail logging stopped" in out and "fires on StopLogging" in out
    assert "1 rows" in out  # the hunting case shows its row count


def test_failure_shows_a_diff_and_exits_1(tmp_path):
    make_repo(tmp_path, FIXTURE.replace("severity: Medium}", "severity: High}"))
    code, out = run(tmp_path, "--format", "human")
    assert code == 1
    assert "FAILED: CloudTrail logging stopped :: fires on StopLogging" in out
    assert '-  "severity": "High"' in out and '+  "severity": "Medium"' in out


def test_json_and_junit_outputs(tmp_path):
    root = make_repo(tmp_path, FIXTURE.replace("alerts: 1", "alerts: 2"))
    code, out = run(root, "--format", "json", "--junit", str(tmp_path / "out" / "junit.xml"))
    assert code == 1
    report = json.loads(out)
    assert report["summary"] == {"passed": 3, "failed": 1, "errors": 0, "policy_violations": 0, "seconds": report["summary"]["seconds"]}
    failed = next(r for r in report["results"] if r["status"] == "failed")
    assert failed["mismatches"] == [{"what": "alerts", "expected": 2, "actual": 1}]
    assert failed["runs"][0]["alerts"][0]["entities"] == [{"type": "IP", "Address": "198.51.100.7"}]
    suite = ET.parse(tmp_path / "out" / "junit.xml").getroot()
    assert suite.get("tests") == "4" and suite.get("failures") == "1"
    assert [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None] == ["fires on StopLogging"]


def test_keyword_selects_cases(tmp_path):
    code, out = run(make_repo(tmp_path), "-k", "quiet")
    assert code == 0 and "2 passed, 0 failed" in out
    code, out = run(tmp_path, "-k", "no-such-case")
    assert code == 2 and "no case matches" in out  # a -k that selects nothing is a usage error


def test_paths_limit_the_run(tmp_path):
    root = make_repo(tmp_path)
    code, out = run(root, str(root / "fixtures/AWSCloudTrail/StopLoggingCalls.tests.yaml"))
    assert code == 0 and "1 passed" in out


def test_min_cases_reports_rules_without_a_quiet_case(tmp_path):
    fires_only = FIXTURE[: FIXTURE.index("  - name: quiet")]
    code, out = run(make_repo(tmp_path, fires_only), "--min-cases")
    assert code == 1
    flat = out.replace("\n", " ")
    assert "analytics rule 'CloudTrail logging stopped' lacks a case that stays quiet (`fires: false`)" in flat
    assert "1 policy violations" in out
    code, out = run(make_repo(tmp_path), "--min-cases")
    assert code == 0, out


def test_broken_fixture_is_one_clear_message(tmp_path):
    make_repo(tmp_path, FIXTURE.replace("EventName: StartLogging", "EventNme: StartLogging"))
    code, out = run(tmp_path)
    assert code == 1
    assert "TrailStopped.tests.yaml:20:" in out.replace("\n", "")
    assert "unknown column 'EventNme' of table AWSCloudTrail (did you mean EventName?)" in out.replace("\n", "")
    assert "Traceback" not in out
    # shown as `detections validate` shows a problem: relative path, the offending line and a caret
    lines = out.splitlines()
    at = next(n for n, line in enumerate(lines) if "fixtures/AWSCloudTrail/TrailStopped.tests.yaml:20:" in line)
    assert lines[at].lstrip().startswith("fixtures/AWSCloudTrail/TrailStopped.tests.yaml:20:")
    assert "EventNme: StartLogging" in lines[at + 1] and lines[at + 1].lstrip().startswith("20 | ")
    column = int(lines[at].split(":")[2])
    assert lines[at + 2].endswith("^") and len(lines[at + 2]) == len(lines[at + 1].split("|")[0]) + 2 + column


def test_unused_watchlist_is_an_error(tmp_path):
    make_repo(tmp_path, FIXTURE.replace("cases:\n", "watchlists:\n  Admins: [{SearchKey: x}]\ncases:\n", 1))
    code, out = run(tmp_path)
    assert code == 1
    assert "watchlists 'Admins' is given but the query of 'CloudTrail logging stopped' never reads it" in out.replace("\n", " ")


def test_unknown_rule_id(tmp_path):
    make_repo(tmp_path, FIXTURE.replace("rule: 5b0e7f3a", "rule: 0b0e7f3a"))
    code, out = run(tmp_path)
    flat = out.replace("\n", " ")
    assert code == 1 and "no analytics rule, hunting query or workbook with id '0b0e7f3a" in flat
    assert "TrailStopped.yaml has id 5b0e7f3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b: use it as `rule:`" in flat


def test_min_cases_reports_content_without_fixtures_only_for_the_whole_library(tmp_path):
    root = make_repo(tmp_path)
    (root / "fixtures/AWSCloudTrail/StopLoggingCalls.tests.yaml").unlink()
    code, out = run(root, "--min-cases")
    assert code == 1
    assert "hunting query 'StopLogging calls' lacks a case that fires (`fires: true`)" in out.replace("\n", " ")
    code, out = run(root, "--min-cases", str(root / "fixtures/AWSCloudTrail/TrailStopped.tests.yaml"))
    assert code == 0, out


def test_alert_expectations_on_a_hunting_query_are_an_error(tmp_path):
    root = make_repo(tmp_path)
    hunt = root / "fixtures/AWSCloudTrail/StopLoggingCalls.tests.yaml"
    hunt.write_text(hunt.read_text().replace("{fires: true,", "{fires: true, alerts: 1,"))
    code, out = run(root)
    assert code == 1
    assert "`alerts` does not apply to a hunting query (it raises no alerts)" in out.replace("\n", " ")


def test_a_fixture_folder_that_cannot_be_listed_is_an_error(tmp_path, monkeypatch):
    """Running as root, chmod 000 cannot be tested for real; the walk and access checks are faked."""
    import os

    from detections.content import loader, yamlio

    root = make_repo(tmp_path)
    locked = root / "fixtures" / "Locked"
    locked.mkdir()
    real_walk = os.walk

    def walk(base, onerror=None):
        if Path(base) == root / "fixtures":
            onerror(PermissionError(13, "Permission denied", str(locked)))
        yield from real_walk(base, onerror=onerror)

    monkeypatch.setattr(loader.os, "walk", walk)
    monkeypatch.setattr(yamlio.os, "access", lambda path, mode: Path(path) != locked)
    code, out = run(root)
    assert code == 1 and "cannot list this folder: permission denied" in out.replace("\n", " ")
