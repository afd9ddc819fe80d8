"""Alert rules (Scheduled and NRT) through the real SecurityInsightsMgmtClient against the emulator."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.core.rest import HttpRequest
from azure.mgmt.securityinsight.models import (
    EntityMapping,
    FieldMapping,
    NrtAlertRule,
    ScheduledAlertRule,
)

from detections.emulator import ALERT_RULES


def scheduled(**overrides) -> ScheduledAlertRule:
    fields = dict(kind="Scheduled", display_name="Root console login", enabled=True, severity="High",
                  query="AWSCloudTrail | where EventName == 'ConsoleLogin'",
                  query_frequency=timedelta(hours=1), query_period=timedelta(hours=1),
                  trigger_operator="GreaterThan", trigger_threshold=0, suppression_enabled=False,
                  suppression_duration=timedelta(hours=5), tactics=["InitialAccess"], techniques=["T1078"])
    fields.update(overrides)
    return ScheduledAlertRule(**fields)


def put(sentinel, emulator, rule_id, rule):
    return sentinel.alert_rules.create_or_update(emulator.resource_group, emulator.workspace_name, rule_id, rule)


def test_create_is_201_then_update_is_200_and_durations_come_back_canonical(sentinel, emulator):
    created = put(sentinel, emulator, "rule-1", scheduled())
    updated = put(sentinel, emulator, "rule-1", scheduled(severity="Low"))
    assert [r.status for r in emulator.requests] == [201, 200]
    assert updated.severity == "Low" and updated.etag != created.etag
    stored = emulator.store.get(ALERT_RULES, "rule-1")
    # the SDK sends PT01H00M00S; the service keeps and returns the canonical spelling
    assert stored["properties"]["queryFrequency"] == "PT1H"
    assert stored["properties"]["suppressionDuration"] == "PT5H"
    assert stored["properties"]["eventGroupingSettings"] == {"aggregationKind": "SingleAlert"}
    emulator.clear_requests()
    got = sentinel.alert_rules.get(emulator.resource_group, emulator.workspace_name, "rule-1")
    assert [(r.method, r.route, r.name) for r in emulator.requests] == [("GET", "alertRules", "rule-1")]
    assert got.query_period == timedelta(hours=1) and got.techniques == ["T1078"]
    assert got.id.endswith("/providers/Microsoft.SecurityInsights/alertRules/rule-1")


def test_list_follows_absolute_next_links_across_pages(sentinel, emulator):
    for index in range(5):
        put(sentinel, emulator, f"rule-{index}", scheduled(display_name=f"rule {index}"))
    names = [r.name for r in sentinel.alert_rules.list(emulator.resource_group, emulator.workspace_name)]
    assert names == [f"rule-{i}" for i in range(5)]
    assert sum(1 for r in emulator.requests if r.method == "GET") == 3  # page size 2


def test_delete_is_200_then_204_and_get_is_404(sentinel, emulator):
    put(sentinel, emulator, "gone", scheduled())
    sentinel.alert_rules.delete(emulator.resource_group, emulator.workspace_name, "gone")
    sentinel.alert_rules.delete(emulator.resource_group, emulator.workspace_name, "gone")
    assert [r.status for r in emulator.requests if r.method == "DELETE"] == [200, 204]
    with pytest.raises(ResourceNotFoundError):
        sentinel.alert_rules.get(emulator.resource_group, emulator.workspace_name, "gone")


def test_stale_etag_is_409_and_current_etag_succeeds(sentinel, emulator):
    first = put(sentinel, emulator, "r", scheduled())
    put(sentinel, emulator, "r", scheduled(severity="Medium"))
    with pytest.raises(ResourceExistsError) as info:
        put(sentinel, emulator, "r", scheduled(severity="Low", etag=first.etag))
    assert info.value.status_code == 409 and info.value.error.code == "Conflict"
    current = sentinel.alert_rules.get(emulator.resource_group, emulator.workspace_name, "r")
    assert put(sentinel, emulator, "r", scheduled(severity="Low", etag=current.etag)).severity == "Low"


def test_concurrent_edit_makes_the_next_etag_put_conflict_once(sentinel, emulator):
    read = put(sentinel, emulator, "r", scheduled())
    emulator.faults.concurrent_edit(ALERT_RULES, "r")
    with pytest.raises(ResourceExistsError):
        put(sentinel, emulator, "r", scheduled(etag=read.etag))
    again = sentinel.alert_rules.get(emulator.resource_group, emulator.workspace_name, "r")
    assert put(sentinel, emulator, "r", scheduled(etag=again.etag)).name == "r"


def test_nrt_rule_needs_a_preview_api_version(sentinel, emulator):
    rule = NrtAlertRule(kind="NRT", display_name="nrt", enabled=True, severity="Medium",
                        query="AWSCloudTrail | take 1", suppression_enabled=False,
                        suppression_duration=timedelta(hours=1))
    assert put(sentinel, emulator, "nrt", rule).kind == "NRT"
    body = {"kind": "NRT", "properties": rule.properties.as_dict()}
    url = f"{emulator.url}{emulator.workspace_resource_id}/providers/Microsoft.SecurityInsights/alertRules/nrt2"
    response = sentinel.send_request(HttpRequest("PUT", url, params={"api-version": "2025-09-01"}, json=body))
    assert response.status_code == 400 and "preview" in response.json()["error"]["message"]


@pytest.mark.parametrize(("overrides", "fragment"), [
    ({"kind": None}, "'kind' property is required"),
    ({"query_frequency": timedelta(hours=2), "query_period": timedelta(hours=1)}, "longer than queryPeriod"),
    ({"query_frequency": timedelta(minutes=1)}, "out of range"),
    ({"query_period": timedelta(days=15)}, "out of range"),
    ({"suppression_duration": timedelta(hours=25)}, "suppressionDuration"),
    ({"trigger_threshold": -1}, "negative"),
    ({"severity": "Critical"}, "'Critical' is not one of"),
    ({"trigger_operator": "gt"}, "triggerOperator"),
    ({"tactics": ["Initial Access"]}, "tactics[0]"),
    ({"techniques": ["T1078.004"]}, "techniques[0]"),
    ({"query": "search * | take 1"}, "search *"),
    ({"query": "x" * 10_001}, "limit is 10000"),
    ({"display_name": None}, "displayName: the field is required"),
    ({"custom_details": {f"k{i}": "EventName" for i in range(21)}}, "limit is 20"),
    ({"entity_mappings": [EntityMapping(entity_type="IP", field_mappings=[
        FieldMapping(identifier="Address", column_name="SourceIpAddress")] * 4)]}, "1 to 3"),
    ({"entity_mappings": [EntityMapping(entity_type="Robot", field_mappings=[
        FieldMapping(identifier="Address", column_name="SourceIpAddress")])]}, "entityType"),
])
def test_service_rules_answer_400_bad_request_with_the_reason(sentinel, emulator, overrides, fragment):
    with pytest.raises(HttpResponseError) as info:
        put(sentinel, emulator, "bad", scheduled(**overrides))
    assert info.value.status_code == 400
    assert info.value.error.code == "BadRequest"
    assert fragment in info.value.error.message
    assert emulator.store.get(ALERT_RULES, "bad") is None


def test_every_problem_is_listed_in_one_answer(sentinel, emulator):
    with pytest.raises(HttpResponseError) as info:
        put(sentinel, emulator, "bad", scheduled(severity="Critical", trigger_threshold=-5))
    assert "severity" in info.value.error.message and "triggerThreshold" in info.value.error.message


def test_throttling_is_retried_by_the_sdk_after_retry_after(sentinel, emulator):
    emulator.faults.throttle(ALERT_RULES, count=2, retry_after=0.2)
    started = time.monotonic()
    put(sentinel, emulator, "r", scheduled())
    assert time.monotonic() - started >= 0.4  # two waits of 0.2 s
    assert [r.status for r in emulator.requests] == [429, 429, 201]


def test_injected_failure_for_one_item_leaves_others_alone(sentinel, emulator):
    emulator.faults.fail(ALERT_RULES, "broken", status=400, count=None)
    put(sentinel, emulator, "fine", scheduled())
    with pytest.raises(HttpResponseError) as info:
        put(sentinel, emulator, "broken", scheduled())
    assert info.value.status_code == 400
    assert emulator.store.names(ALERT_RULES) == ["fine"]


def test_front_door_checks_token_api_version_and_scope(sentinel, emulator):
    url = f"{emulator.url}{emulator.workspace_resource_id}/providers/Microsoft.SecurityInsights/alertRules"
    missing = sentinel.send_request(HttpRequest("GET", url))
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "MissingApiVersionParameter"
    with pytest.raises(ResourceNotFoundError) as info:
        sentinel.alert_rules.get(emulator.resource_group, "other-ws", "r")
    assert info.value.error.code == "ResourceNotFound"
    import requests

    anonymous = requests.get(url, params={"api-version": "2025-10-01-preview"}, verify=str(emulator.ca_file),
                             timeout=5)
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "AuthenticationFailed"


def test_seeded_item_is_listed_like_any_other(sentinel, emulator):
    emulator.seed(ALERT_RULES, "foreign", {"kind": "Scheduled", "properties": scheduled().properties.as_dict()})
    assert [r.name for r in sentinel.alert_rules.list(emulator.resource_group, emulator.workspace_name)] == ["foreign"]


@pytest.mark.parametrize(("overrides", "fragment"), [
    ({"query": "AWSCloudTrial | take 1"}, "Failed to run the analytics rule query"),
    ({"query": "AWSCloudTrail | project EventName", "entity_mappings": [EntityMapping(
        entity_type="IP", field_mappings=[FieldMapping(identifier="Address", column_name="SourceIpAddress")])]},
     "entityMappings[0].fieldMappings[0].columnName: column 'SourceIpAddress' is not in the query results"),
    ({"query": "AWSCloudTrail | project EventName", "custom_details": {"Ip": "SourceIpAddress"}},
     "customDetails.Ip"),
])
def test_query_and_mapped_columns_are_checked_against_the_workspace(sentinel, emulator, overrides, fragment):
    with pytest.raises(HttpResponseError) as info:
        put(sentinel, emulator, "bad", scheduled(**overrides))
    assert info.value.status_code == 400 and fragment in info.value.error.message


def test_override_placeholders_and_custom_tables_of_the_workspace(sentinel, emulator):
    from azure.mgmt.securityinsight.models import AlertDetailsOverride

    rule = scheduled(query="AWSCloudTrail | project EventName",
                     alert_details_override=AlertDetailsOverride(alert_display_name_format="{{EventName}} by {{Who}}"))
    with pytest.raises(HttpResponseError) as info:
        put(sentinel, emulator, "r", rule)
    assert "column 'Who' is not in the query results" in info.value.error.message
    emulator.data.add_rows("Custom_CL", [{"Who": "eve", "TimeGenerated": "2026-01-01T00:00:00Z"}])
    assert put(sentinel, emulator, "r", scheduled(query="Custom_CL | project Who", custom_details={"Who": "Who"})).name == "r"


def test_a_rule_on_a_table_the_workspace_lacks_is_rejected():
    from azure.mgmt.securityinsight import SecurityInsightsMgmtClient

    from detections.emulator import Emulator

    with Emulator(tables={"AWSCloudTrail": []}, builtin_tables=False) as emulator:
        client = SecurityInsightsMgmtClient(emulator.credential, emulator.subscription_id, base_url=emulator.url,
                                            **emulator.client_kwargs())
        assert put(client, emulator, "ok", scheduled()).name == "ok"
        with pytest.raises(HttpResponseError) as info:
            put(client, emulator, "gd", scheduled(query="AWSGuardDuty | take 1"))
    assert "Failed to run the analytics rule query" in info.value.error.message
    assert "'AWSGuardDuty'" in info.value.error.message


def test_a_rule_over_a_sentinel_table_outside_the_product_is_accepted_and_runs_empty(sentinel, emulator, logs):
    """Sentinel accepts a rule over Event or SigninLogs (detections.tables.OTHER_TABLES): the emulated
    workspace has those tables, empty, with their declared column types."""
    query = "Event | where EventID == 7045 | project TimeGenerated, Computer, EventID"
    rule = scheduled(query=query, entity_mappings=[EntityMapping(
        entity_type="Host", field_mappings=[FieldMapping(identifier="HostName", column_name="Computer")])])
    assert put(sentinel, emulator, "svc", rule).name == "svc"
    assert put(sentinel, emulator, "signin", scheduled(query="SigninLogs | take 1")).name == "signin"
    result = logs.query_workspace(emulator.workspace_id, query, timespan=None)
    assert [(c, t) for c, t in zip(result.tables[0].columns, result.tables[0].columns_types, strict=True)] == [
        ("TimeGenerated", "datetime"), ("Computer", "string"), ("EventID", "int")]
    assert result.tables[0].rows == []
    with pytest.raises(HttpResponseError) as info:
        put(sentinel, emulator, "typo", scheduled(query="Event | project EventId"))
    assert "unknown column or variable 'EventId'" in info.value.error.message


def test_only_loaded_sentinel_tables_exist_without_the_builtin_ones():
    from detections.emulator import Emulator

    with Emulator(tables={"Event": [{"EventID": "7045", "Computer": "h"}]}, builtin_tables=False) as emulator:
        assert emulator.data.schemas()["Event"]["EventID"].value == "int"
        assert "SigninLogs" not in emulator.data.schemas()


@pytest.mark.parametrize("kind", [[], {}, 1, None])
def test_a_kind_that_is_not_text_is_a_400(sentinel, emulator, kind):
    url = (f"{emulator.url}{emulator.workspace_resource_id}/providers/Microsoft.SecurityInsights/alertRules/r1"
           "?api-version=2025-10-01-preview")
    answer = sentinel.send_request(HttpRequest("PUT", url, json={"kind": kind, "properties": {}}))
    assert answer.status_code == 400 and "kind" in answer.json()["error"]["message"]
