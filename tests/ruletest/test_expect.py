from datetime import UTC, datetime

from detections.content.model import Location
from detections.ruletest.expect import Mismatch, check, matches
from detections.ruletest.model import Alert, Entity, Expectation, Outcome, Run

NOW = datetime(2026, 1, 15, 12, tzinfo=UTC)


def outcome(alerts, rows=None, per_run=None):
    rows = rows if rows is not None else [r for a in alerts for r in a.rows]
    runs = [Run(NOW, [], rows, bool(alerts), alerts)] if per_run is None else [
        Run(NOW, [], rows if i == 0 else [], bool(n), alerts[:n]) for i, n in enumerate(per_run)]
    return Outcome(runs)


def alert(**fields):
    base = dict(name="N", description="D", severity="High", tactics=("InitialAccess",),
                entities=[Entity("IP", {"Address": "1.1.1.1"}), Entity("Account", {"Name": "root", "CloudAppAccountId": "1"})],
                details={"Count": [6]}, properties={}, rows=[{"Ip": "1.1.1.1", "Count": 6, "When": NOW}])
    base.update(fields)
    return Alert(**base)


def expect(**fields):
    return Expectation(Location("f"), **fields)


def test_a_matching_expectation_passes():
    e = expect(fires=True, alerts=1, alert={"name": "N", "severity": "high", "tactics": ["InitialAccess"]},
               entities=[{"type": "ip", "Address": "1.1.1.1"}, {"type": "Account", "Name": "root"}],
               details={"Count": "6"}, rows=[{"Count": 6, "When": "now"}])
    assert check(e, outcome([alert()]), NOW) == []


def test_each_difference_is_reported():
    e = expect(fires=False, alerts=2, alert={"name": "Other"}, entities=[{"type": "IP", "Address": "9.9.9.9"}],
               details={"Count": 7, "Missing": 1}, rows=[{"Ip": "2.2.2.2"}])
    whats = [m.what for m in check(e, outcome([alert()]), NOW)]
    assert whats == ["fires", "alerts", "alert[0]", "entities", "details.Count", "details.Missing", "rows"]


def test_ordered_rows_and_alerts_per_run():
    rows = [{"n": 1}, {"n": 2}, {"n": 3}]
    o = outcome([alert(rows=rows)], rows=rows)
    assert check(expect(rows=[{"n": 3}, {"n": 1}]), o, NOW) == []
    assert [m.what for m in check(expect(rows=[{"n": 3}, {"n": 1}], ordered=True), o, NOW)] == ["rows (in order)"]
    assert check(expect(rows=[{"n": 1}, {"n": 3}], ordered=True), o, NOW) == []
    timeline = outcome([alert()], per_run=[0, 1, 1])
    assert check(expect(alerts_per_run=[0, 1, 1]), timeline, NOW) == []
    [m] = check(expect(alerts_per_run=[0, 1, 0]), timeline, NOW)
    assert (m.expected, m.actual) == ([0, 1, 0], [0, 1, 1])


def test_matches_subsets_text_and_times():
    assert matches({"a": 1}, {"a": "1", "b": 2}, NOW)
    assert matches({"a": 1}, '{"a": 1, "b": 2}', NOW)
    assert matches(["x", "y"], ["y", "x"], NOW)
    assert not matches(["x"], ["x", "y"], NOW)
    assert matches("-1h", datetime(2026, 1, 15, 11, tzinfo=UTC), NOW)
    assert not matches("6", "06", NOW)


def test_render_is_a_diff_for_structures_and_one_line_for_scalars():
    assert Mismatch("alerts", 1, 2).render() == "alerts: expected 1, got 2"
    text = Mismatch("alert[0]", {"name": "A", "severity": "High"}, {"name": "B", "severity": "High"}).render()
    assert '-  "name": "A",' in text and '+  "name": "B",' in text and '   "severity": "High"' in text


def test_when_nothing_fires_alert_checks_are_not_repeated():
    e = expect(fires=True, alerts=1, alert={"name": "N"}, entities=[{"type": "IP", "Address": "1.1.1.1"}])
    quiet = Outcome([Run(NOW, [], [], False, [], window_start=NOW, seen={"AWSCloudTrail": "0 of 2"})])
    fires, count = check(e, quiet, NOW)
    assert (fires.what, count.what) == ("fires", "alerts")
    assert fires.actual["runs"][0]["records in window"] == {"AWSCloudTrail": "0 of 2"}
    assert fires.render().startswith("fires: expected true, got:\n{")
