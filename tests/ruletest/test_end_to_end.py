"""The real engine behind the simulation: the small repository of repo.py, run without stand-ins."""

from click.testing import CliRunner

from detections.cli import main
from detections.content import load_repository
from detections.ruletest.runner import run_fixture

from .repo import FIXTURE, make_repo


def test_library_passes_with_the_engine(tmp_path):
    root = make_repo(tmp_path)
    repository = load_repository(root)
    results = run_fixture(repository, root / "fixtures/AWSCloudTrail/TrailStopped.tests.yaml")
    assert [(r.case, r.status) for r in results] == [
        ("fires on StopLogging", "passed"), ("quiet on StartLogging", "passed"), ("quiet when denied", "passed")]
    [alert] = results[0].outcome.alerts
    assert alert.name == "Trail stopped from 198.51.100.7"
    assert alert.description == "Stopped by arn:aws:iam::123456789012:user/mallory"
    assert alert.details == {"Caller": ["arn:aws:iam::123456789012:user/mallory"], "Trail": ["org-trail"]}


def test_timeline_double_alert_with_the_engine(tmp_path):
    # 1h frequency, 2h lookback: an event 90 minutes ago is in the lookback of the last two runs.
    fixture = FIXTURE.replace("eventTime: -10m", "eventTime: -90m").replace(
        "    expect:\n      fires: true\n      alerts: 1\n", "    timeline: {runs: 3}\n    expect:\n      fires: true\n      alerts_per_run: [0, 1, 1]\n")
    root = make_repo(tmp_path, fixture)
    rule = root / "rules/AWSCloudTrail/TrailStopped.yaml"
    rule.write_text(rule.read_text().replace("queryPeriod: 1h", "queryPeriod: 2h"))
    result = CliRunner().invoke(main, ["test", "--root", str(root), "-k", "fires on StopLogging"])
    assert result.exit_code == 0, result.output
    assert "1 passed" in result.output


def test_query_error_points_into_the_rule_file(tmp_path):
    root = make_repo(tmp_path)
    rule = root / "rules/AWSCloudTrail/TrailStopped.yaml"
    rule.write_text(rule.read_text().replace('| where EventName == "StopLogging"', '| where EventNam == "StopLogging"'))
    results = run_fixture(load_repository(root), root / "fixtures/AWSCloudTrail/TrailStopped.tests.yaml")
    error = results[0].error
    assert results[0].status == "error" and error.code == "DET655"
    assert (error.location.line, error.location.column) == (16, 11)  # line 2 of the block scalar under `query: |` on line 14
    assert "EventNam" in error.message


def test_watchlist_and_externaldata_reach_the_engine(tmp_path):
    root = make_repo(tmp_path, FIXTURE.replace("cases:\n", "watchlists:\n  TrustedIPs: [{SearchKey: 203.0.113.1}]\n"
                                               "externaldata:\n  \"https://example.com/bad.csv\": [{Ip: 198.51.100.7}]\ncases:\n", 1))
    rule = root / "rules/AWSCloudTrail/TrailStopped.yaml"
    rule.write_text(rule.read_text().replace('  | extend Trail', (
        "  | where SourceIpAddress !in ((_GetWatchlist('TrustedIPs') | project SearchKey))\n"
        '  | where SourceIpAddress in ((externaldata(Ip: string)["https://example.com/bad.csv"] with (format="csv")))\n'
        '  | extend Trail')))
    results = run_fixture(load_repository(root), root / "fixtures/AWSCloudTrail/TrailStopped.tests.yaml")
    assert [r.status for r in results] == ["passed"] * 3, [r.error or r.mismatches for r in results]
    trusted = FIXTURE.replace("cases:\n", "watchlists:\n  TrustedIPs: [{SearchKey: 198.51.100.7}]\n"
                              "externaldata:\n  \"https://example.com/bad.csv\": [{Ip: 198.51.100.7}]\ncases:\n", 1)
    (root / "fixtures/AWSCloudTrail/TrailStopped.tests.yaml").write_text(trusted)
    results = run_fixture(load_repository(root), root / "fixtures/AWSCloudTrail/TrailStopped.tests.yaml")
    assert [m.what for m in results[0].mismatches] == ["fires", "alerts"]
