from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from detections.diagnostics import ContentError
from detections.ruletest.fixtures import load_fixture


def load(tmp_path: Path, text: str):
    path = tmp_path / "X.tests.yaml"
    path.write_text(text, encoding="utf-8")
    return path, load_fixture(path)


def error(tmp_path: Path, text: str):
    path = tmp_path / "X.tests.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_fixture(path)
    [diagnostic] = err.value.diagnostics
    return diagnostic


GOOD = """\
rule: 0d5d1d7e-4c8b-4a57-9f5b-6f0c3c5a1e01
watchlists:
  TrustedIPs:
    - {SearchKey: 203.0.113.10}
cases:
  - name: fires
    now: 2026-01-15T12:00:00Z
    records:
      cloudtrail:
        - {eventTime: -10m, eventSource: signin.amazonaws.com, eventName: ConsoleLogin, sourceIPAddress: 198.51.100.7}
      AWSVPCFlow:
        - {TimeGenerated: -5m, DstPort: "22"}
    timeline: {runs: 2}
    expect: {fires: true, alerts_per_run: [0, 1], rows: [{SourceIpAddress: 198.51.100.7}]}
  - name: quiet
    records:
      AWSCloudTrail: [{EventName: ConsoleLogin}]
    expect: {fires: false}
"""


def test_good_fixture_resolves_times_and_maps_records(tmp_path):
    _, fixture = load(tmp_path, GOOD)
    assert fixture.rule == "0d5d1d7e-4c8b-4a57-9f5b-6f0c3c5a1e01"
    fires, quiet = fixture.cases
    now = datetime(2026, 1, 15, 12, tzinfo=UTC)
    assert fires.now == now and fires.runs == 2
    assert fires.tables["AWSCloudTrail"][0]["TimeGenerated"] == now - timedelta(minutes=10)
    assert fires.tables["AWSVPCFlow"][0]["DstPort"] == 22
    assert fires.watchlists == {"TrustedIPs": [{"SearchKey": "203.0.113.10"}]}
    assert fires.expect.alerts_per_run == [0, 1] and fires.expect.fires is True
    assert quiet.now == datetime(2026, 1, 1, tzinfo=UTC)
    assert quiet.tables["AWSCloudTrail"][0]["TimeGenerated"] == quiet.now
    assert fires.location.line == 6


def test_bad_yaml_is_one_located_message(tmp_path):
    d = error(tmp_path, "rule: x\ncases:\n  - name: a\n    expect: {fires: true\n")
    assert d.code == "DET100" and d.location.line >= 4 and "YAML syntax error" in d.message


def test_unknown_key_names_the_key_and_suggests(tmp_path):
    d = error(tmp_path, GOOD.replace("expect: {fires: false}", "expect: {fire: false}"))
    assert (d.code, d.location.line) == ("DET650", 18)
    assert d.message == "unknown key 'fire' in expect" and d.hint == "did you mean 'fires'?"


def test_unknown_column_names_column_and_table(tmp_path):
    d = error(tmp_path, GOOD.replace("{EventName: ConsoleLogin}", "{EventNam: ConsoleLogin}"))
    assert d.code == "DET652" and d.location.line == 17
    assert "record AWSCloudTrail[0], field 'EventNam'" in d.message
    assert "unknown column 'EventNam' of table AWSCloudTrail (did you mean EventName?)" in d.message
    assert "case 'quiet'" in d.message


def test_unmappable_record_names_case_record_and_field(tmp_path):
    d = error(tmp_path, GOOD.replace("eventTime: -10m, ", ""))
    assert d.code == "DET652" and d.location.line == 10
    assert d.message == "case 'fires': record cloudtrail[0], field 'eventTime': required field 'eventTime' is missing"
    assert str(d.location).startswith(str(tmp_path / "X.tests.yaml") + ":10:")


def test_bad_relative_time(tmp_path):
    d = error(tmp_path, GOOD.replace("now: 2026-01-15T12:00:00Z", "now: tomorrow"))
    assert (d.code, d.location.line) == ("DET653", 7) and "not a time" in d.message


def test_misspelled_records_key(tmp_path):
    d = error(tmp_path, GOOD.replace("AWSCloudTrail: [", "awscloudtrail: ["))
    assert d.message == "unknown records key 'awscloudtrail'" and d.hint == "did you mean 'AWSCloudTrail'?"


def test_structure_errors(tmp_path):
    assert "has no 'cases'" in error(tmp_path, "rule: x\n").message
    assert "alerts_per_run needs a timeline" in error(tmp_path, GOOD.replace("    timeline: {runs: 2}\n", "")).message
    assert "must list 2 numbers" in error(tmp_path, GOOD.replace("[0, 1]", "[0]")).message
    assert "two cases are named 'fires'" in error(tmp_path, GOOD.replace("name: quiet", "name: fires")).message
    assert "expect checks nothing" in error(tmp_path, GOOD.replace("{fires: false}", "{ordered: true}")).message
    assert "alerts must be a number" in error(tmp_path, GOOD.replace("{fires: false}", "{alerts: many}")).message


def test_watchlist_from_a_shared_csv_file(tmp_path):
    (tmp_path / "trusted.csv").write_text("SearchKey,Owner\n203.0.113.10,ops\n", encoding="utf-8")
    _, fixture = load(tmp_path, GOOD.replace("TrustedIPs:\n    - {SearchKey: 203.0.113.10}", "TrustedIPs: trusted.csv"))
    assert fixture.cases[0].watchlists["TrustedIPs"] == [{"SearchKey": "203.0.113.10", "Owner": "ops"}]
    missing = error(tmp_path, GOOD.replace("TrustedIPs:\n    - {SearchKey: 203.0.113.10}", "TrustedIPs: nope.csv"))
    assert "file 'nope.csv' not found" in missing.message


def test_yaml_1_2_scalars_keep_no_and_on_as_text(tmp_path):
    text = GOOD.replace("sourceIPAddress: 198.51.100.7}", "sourceIPAddress: 198.51.100.7, additionalEventData: {MFAUsed: No, X: on}}")
    _, fixture = load(tmp_path, text)
    assert fixture.cases[0].tables["AWSCloudTrail"][0]["AdditionalEventData"] == '{"MFAUsed":"No","X":"on"}'


def test_duplicate_key_and_non_mapping_files(tmp_path):
    d = error(tmp_path, GOOD.replace("    expect: {fires: false}", "    expect: {fires: false}\n    name: again"))
    assert (d.code, d.location.line) == ("DET101", 19) and "duplicate key 'name'; first defined on line 15" in d.message
    assert error(tmp_path, "- a\n- b\n").code == "DET102"
    assert error(tmp_path, "").message == "file is empty"


def test_flow_log_line_errors_point_at_the_line(tmp_path):
    text = GOOD.replace("      AWSVPCFlow:\n        - {TimeGenerated: -5m, DstPort: \"22\"}\n",
                        "      vpcflow: |\n        2 1 eni-1 10.0.0.1 10.0.0.2 1 22 6 1 1 -10m -9m ACCEPT OK\n        2 1 eni-1 10.0.0.1\n")
    d = error(tmp_path, text)
    assert d.location.line == 13
    assert d.message.startswith("case 'fires': record vpcflow line 2: 4 fields, but the format has 14")


@pytest.mark.parametrize(("change", "message", "line"), [
    ("{fires: false}", "{fires: false, alert: {tactics: null}}", 18),
    ("{fires: false}", "{fires: false, alert: {tactics: [1, {a: []}]}}", 18),
])
def test_expected_tactics_must_be_names(tmp_path, change, message, line):
    d = error(tmp_path, GOOD.replace(change, message))
    assert d.message == "tactics must be a list of tactic names" and d.location.line == line


def test_timeline_runs_are_bounded(tmp_path):
    d = error(tmp_path, GOOD.replace("{runs: 2}", "{runs: 1000000000000}"))
    assert d.message == "timeline runs must be between 1 and 1000" and d.location.line == 13


@pytest.mark.parametrize(("name", "content", "message"), [
    ("trusted.csv", b"SearchKey\n\xff\xfe\n", "trusted.csv:2:1: not a UTF-8 text file"),
    ("trusted.yaml", b"[1, 2", "trusted.yaml:2:1: YAML syntax error"),
    ("trusted.json", b"[1,", "trusted.json:1:4: JSON does not parse"),
])
def test_unreadable_shared_rows_file_is_located(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    d = error(tmp_path, GOOD.replace("TrustedIPs:\n    - {SearchKey: 203.0.113.10}", f"TrustedIPs: {name}"))
    assert message in d.message and d.location.line == 3


@pytest.mark.parametrize("now", ["0001-01-01T00:10:00Z", "9999-12-31T23:00:00Z"])
def test_now_stays_where_runs_and_lookbacks_fit_the_calendar(tmp_path, now):
    d = error(tmp_path, GOOD.replace("now: 2026-01-15T12:00:00Z", f"now: '{now}'"))
    assert (d.code, d.location.line) == ("DET653", 7) and d.message == "now must lie in the years 1900 to 9000"


OTHER = """\
rule: 0d5d1d7e-4c8b-4a57-9f5b-6f0c3c5a1e01
cases:
  - name: service installed
    now: 2026-01-15T12:00:00Z
    records:
      Event:
        - {TimeGenerated: -5m, EventID: "7045", Computer: host1}
    expect: {fires: true}
"""


def test_rows_of_a_sentinel_table_outside_the_product_take_its_declared_types(tmp_path):
    """Event is in detections.tables.OTHER_TABLES: EventID is an int there, whatever the YAML holds,
    and the engine sees the declared types (not ones guessed from the values)."""
    from detections.ruletest.simulate import execute

    _, fixture = load(tmp_path, OTHER)
    [case] = fixture.cases
    [row] = case.tables["Event"]
    assert (row["EventID"], row["Message"], row["EventCategory"], row["Type"]) == (7045, "", None, "Event")
    _, rows, _ = execute("Event | where EventID == 7045 | project EventID, EventCategory", case.tables, case.now, case)
    assert rows == [{"EventID": 7045, "EventCategory": None}]
    _, rows, _ = execute("Event | project EventID, EventCategory | getschema | project ColumnName, ColumnType",
                         case.tables, case.now, case)
    assert rows == [{"ColumnName": "EventID", "ColumnType": "int"}, {"ColumnName": "EventCategory", "ColumnType": "int"}]


def test_unknown_column_of_a_sentinel_table_outside_the_product(tmp_path):
    d = error(tmp_path, OTHER.replace("EventID:", "EventId:"))
    assert d.code == "DET652" and d.location.line == 7
    assert "record Event[0], field 'EventId'" in d.message
    assert "unknown column 'EventId' of table Event (did you mean EventID?)" in d.message


def test_a_misspelt_sentinel_table_key_gets_a_hint(tmp_path):
    d = error(tmp_path, OTHER.replace("      Event:", "      event:"))
    assert "unknown records key 'event'" in d.message and "'Event'" in (d.hint or "")
