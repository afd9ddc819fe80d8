from detections.content.model import AlertDetailsOverride
from detections.ruletest.alerts import build_alerts, group_rows, triggered

from .helpers import mapping, rule


def test_threshold_operators_against_row_count():
    assert triggered(rule(trigger_operator="gt", trigger_threshold=2), 3)
    assert not triggered(rule(trigger_operator="gt", trigger_threshold=2), 2)
    assert triggered(rule(trigger_operator="lt", trigger_threshold=1), 0)
    assert triggered(rule(trigger_operator="eq", trigger_threshold=2), 2)
    assert not triggered(rule(trigger_operator="ne", trigger_threshold=2), 2)
    assert triggered(rule(kind="NRT", trigger_operator=None, trigger_threshold=None), 1)
    assert not triggered(rule(kind="NRT", trigger_operator=None, trigger_threshold=None), 0)


def test_grouping_single_alert_and_alert_per_result():
    rows = [{"n": i} for i in range(3)]
    assert group_rows(rule(event_grouping="SingleAlert"), rows) == [rows]
    assert group_rows(rule(event_grouping="AlertPerResult"), rows) == [[r] for r in rows]


def test_alert_per_result_caps_at_150_with_a_summary_alert_of_all_rows():
    per_result = rule(event_grouping="AlertPerResult")
    assert len(group_rows(per_result, [{"n": i} for i in range(150)])) == 150
    groups = group_rows(per_result, [{"n": i} for i in range(200)])
    assert len(groups) == 150
    assert groups[148] == [{"n": 148}]
    assert [r["n"] for r in groups[149]] == list(range(200))
    nrt = rule(kind="NRT", event_grouping="AlertPerResult")
    assert len(group_rows(nrt, [{"n": i} for i in range(30)])) == 30
    capped = group_rows(nrt, [{"n": i} for i in range(31)])
    assert len(capped) == 30 and len(capped[-1]) == 31


def test_entities_skip_empty_values_drop_empty_entities_and_merge_duplicates():
    r = rule(entity_mappings=(mapping("Account", Name="User", CloudAppAccountId="Acct"), mapping("IP", Address="Ip")),
             event_grouping="SingleAlert")
    rows = [
        {"User": "alice", "Acct": "", "Ip": "198.51.100.7"},
        {"User": "alice", "Acct": None, "Ip": "198.51.100.7"},  # same entities again: merged
        {"User": "", "Acct": "", "Ip": None},  # nothing left: no entity
        {"User": "bob", "Acct": "123456789012", "Ip": ""},
    ]
    [alert] = build_alerts(r, rows)
    assert [(e.type, e.identifiers) for e in alert.entities] == [
        ("Account", {"Name": "alice"}),
        ("IP", {"Address": "198.51.100.7"}),
        ("Account", {"Name": "bob", "CloudAppAccountId": "123456789012"}),
    ]


def test_custom_details_per_alert():
    r = rule(custom_details={"Ip": "Ip", "Count": "Count"}, event_grouping="AlertPerResult")
    first, second = build_alerts(r, [{"Ip": "1.1.1.1", "Count": 5}, {"Ip": "", "Count": 2}])
    assert first.details == {"Ip": ["1.1.1.1"], "Count": [5]}
    assert second.details == {"Count": [2]}
    [single] = build_alerts(rule(custom_details={"Ip": "Ip"}), [{"Ip": "1.1.1.1"}, {"Ip": "2.2.2.2"}])
    assert single.details == {"Ip": ["1.1.1.1", "2.2.2.2"]}


def test_overrides_fill_placeholders_and_fall_back_to_rule_defaults():
    override = AlertDetailsOverride(
        display_name_format="{{Count}} failures from {{Ip}}",
        description_format="Source {{ Ip }} at {{When}}",
        severity_column="Sev",
        tactics_column="Tac",
    )
    r = rule(alert_details_override=override, event_grouping="AlertPerResult", severity="Low", tactics=("Impact",))
    good, empty, invalid = build_alerts(r, [
        {"Count": 6.0, "Ip": "1.1.1.1", "When": "t1", "Sev": "high", "Tac": "CredentialAccess, InitialAccess"},
        {"Count": 3, "Ip": "", "When": "t2", "Sev": "", "Tac": ""},
        {"Count": 1, "Ip": "2.2.2.2", "Sev": "Critical", "Tac": '["NotATactic"]'},
    ])
    assert (good.name, good.description) == ("6 failures from 1.1.1.1", "Source 1.1.1.1 at t1")
    assert (good.severity, good.tactics) == ("High", ("CredentialAccess", "InitialAccess"))
    assert (empty.name, empty.description) == ("Rule name", "Rule description")
    assert (empty.severity, empty.tactics) == ("Low", ("Impact",))
    assert invalid.name == "1 failures from 2.2.2.2" and invalid.description == "Rule description"
    assert (invalid.severity, invalid.tactics) == ("Low", ("Impact",))


def test_single_alert_overrides_come_from_the_first_row_and_dynamic_properties():
    override = AlertDetailsOverride(display_name_format="From {{Ip}}",
                                    dynamic_properties=(("ProviderName", "'AWS'"), ("AlertLink", "Link")))
    [alert] = build_alerts(rule(alert_details_override=override), [{"Ip": "a", "Link": "https://x"}, {"Ip": "b", "Link": ""}])
    assert alert.name == "From a"
    assert alert.properties == {"ProviderName": "AWS", "AlertLink": "https://x"}
    assert len(alert.rows) == 2
