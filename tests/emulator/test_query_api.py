"""The Log Analytics query API of the emulator through the real LogsQueryClient, answered by our engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from azure.core.exceptions import HttpResponseError
from azure.monitor.query import LogsBatchQuery, LogsQueryStatus

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def trail(emulator):
    emulator.data.add_rows("AWSCloudTrail", [
        {"TimeGenerated": NOW - timedelta(minutes=10), "EventName": "ConsoleLogin", "SourceIpAddress": "198.51.100.7",
         "ResponseElements": {"ConsoleLogin": "Success"}},
        {"TimeGenerated": NOW - timedelta(hours=5), "EventName": "ConsoleLogin", "SourceIpAddress": "203.0.113.9"},
        {"TimeGenerated": NOW - timedelta(days=3), "EventName": "StopLogging", "SourceIpAddress": "203.0.113.9"},
    ])
    return emulator


def test_query_returns_typed_columns_and_honours_the_timespan(logs, trail):
    result = logs.query_workspace(trail.workspace_id, "AWSCloudTrail | project TimeGenerated, EventName, "
                                  "ResponseElements, Response = parse_json(ResponseElements) "
                                  "| order by TimeGenerated desc", timespan=timedelta(days=1))
    assert result.status == LogsQueryStatus.SUCCESS
    table = result.tables[0]
    assert table.columns == ["TimeGenerated", "EventName", "ResponseElements", "Response"]
    assert table.columns_types == ["datetime", "string", "string", "dynamic"]  # JSON text column, as the live table
    assert [row["EventName"] for row in table.rows] == ["ConsoleLogin", "ConsoleLogin"]
    assert table.rows[0]["TimeGenerated"] == NOW - timedelta(minutes=10)  # the SDK parsed our datetime text
    assert table.rows[0]["ResponseElements"] == '{"ConsoleLogin":"Success"}'
    assert table.rows[0]["Response"] == '{"ConsoleLogin":"Success"}'  # dynamic comes back as JSON text


def test_no_timespan_and_start_end_tuples(logs, trail):
    every = logs.query_workspace(trail.workspace_id, "AWSCloudTrail | count", timespan=None)
    assert every.tables[0].rows[0][0] == 3
    window = (NOW - timedelta(days=4), NOW - timedelta(days=2))
    assert logs.query_workspace(trail.workspace_id, "AWSCloudTrail | count", timespan=window).tables[0].rows[0][0] == 1


def test_bad_query_gives_the_nested_error_with_the_innermost_message(logs, trail):
    with pytest.raises(HttpResponseError) as info:
        logs.query_workspace(trail.workspace_id, "AWSCloudTrail | where Nope == 1", timespan=None)
    assert info.value.status_code == 400
    assert "Nope" in info.value.model.message
    body = info.value.response.json()["error"]
    assert body["code"] == "BadArgumentError" and body["innererror"]["code"] == "SemanticError"
    assert body["innererror"]["innererror"]["line"] == 1


def test_unknown_workspace_is_404(logs, trail):
    with pytest.raises(HttpResponseError) as info:
        logs.query_workspace("00000000-0000-0000-0000-000000000000", "print 1", timespan=None)
    assert info.value.status_code == 404


def test_batch_answers_each_query_separately(logs, trail):
    answers = logs.query_batch([
        LogsBatchQuery(trail.workspace_id, "AWSCloudTrail | count", timespan=timedelta(days=1)),
        LogsBatchQuery(trail.workspace_id, "AWSCloudTrail | project Missing", timespan=timedelta(days=1)),
    ])
    assert answers[0].tables[0].rows[0][0] == 2
    assert answers[1].status == LogsQueryStatus.FAILURE and "Missing" in answers[1].message


def test_kqlmagic_shape_and_anonymous_access(trail):
    url = f"{trail.url}/v1/workspaces/{trail.workspace_id}/query"
    body = {"query": "range c from 1 to 10 step 1 | count"}
    assert requests.post(url, json=body, verify=str(trail.ca_file), timeout=5).status_code == 401
    trail.anonymous_queries = True
    answer = requests.post(url, json=body, verify=str(trail.ca_file), timeout=5,
                           headers={"Prefer": "ai.response-thinning=false"}).json()
    table = answer["Tables"][0]
    assert table["Columns"] == [{"ColumnName": "Count", "DataType": "Int64", "ColumnType": "long"}]
    assert table["Rows"] == [[10]]


def test_throttled_query_is_429_with_retry_after_which_azure_core_does_not_retry_for_post(logs, trail):
    # azure-core retries 429 only for idempotent methods; the query API is a POST, so the caller
    # (detections.live.remote) must honour Retry-After itself.
    trail.faults.throttle("query", count=1, retry_after=0.05)
    with pytest.raises(HttpResponseError) as info:
        logs.query_workspace(trail.workspace_id, "print x = 1", timespan=None)
    assert info.value.status_code == 429
    assert info.value.response.headers["x-ms-retry-after-ms"] == "50"
    assert logs.query_workspace(trail.workspace_id, "print x = 1", timespan=None).tables[0].rows[0][0] == 1


def test_a_body_nested_too_deeply_is_a_400_not_a_crash(trail):
    trail.anonymous_queries = True
    url = f"{trail.url}/v1/workspaces/{trail.workspace_id}/query"
    answer = requests.post(url, data="[" * 100_000, verify=str(trail.ca_file), timeout=5,
                           headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "InvalidRequestContent"
    assert "nested too deeply" in answer.json()["error"]["message"]


@pytest.mark.parametrize("timespan", ["P30000D/0001-02-01T00:00:00Z", "9999-12-01T00:00:00Z/P60D", "yesterday"])
def test_a_timespan_outside_the_calendar_is_a_400(trail, timespan):
    trail.anonymous_queries = True
    url = f"{trail.url}/v1/workspaces/{trail.workspace_id}/query"
    answer = requests.post(url, json={"query": "print 1", "timespan": timespan}, verify=str(trail.ca_file), timeout=5)
    assert answer.status_code == 400 and answer.json()["error"]["innererror"]["code"] == "InvalidTimespan"
