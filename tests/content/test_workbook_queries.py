"""How workbook placeholders expand (Azure Workbooks' formats) and which queries a workbook has."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from detections.content.workbook_queries import (
    ALL,
    ParameterError,
    TimeRange,
    default_values,
    expand,
    grain,
    parameters,
    queries,
)

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
TEMPLATE = {"version": "Notebook/1.0", "items": [
    {"type": 1, "content": {"json": "## title"}},
    {"type": 9, "name": "parameters", "content": {"parameters": [
        {"name": "TimeRange", "type": 4, "value": {"durationMs": 604800000}},
        {"name": "Accounts", "type": 2, "multiSelect": True, "quote": "'", "delimiter": ",",
         "defaultValue": ALL, "typeSettings": {"selectAllValue": "*"}, "label": "AWS account",
         "query": "AWSCloudTrail | distinct RecipientAccountId", "queryType": 0},
        {"name": "MinSeverity", "type": 2, "value": "4", "jsonData": "[]"},
        {"name": "Needle", "type": 1},
    ]}},
    {"type": 3, "name": "by source", "content": {"title": "Events by source", "query": "AWSCloudTrail | count"}},
    {"type": 3, "name": "arg", "content": {"query": "resources", "queryType": 1}},
    {"type": 12, "name": "group", "content": {"items": [
        {"type": 3, "name": "nested", "content": {"query": "AWSVPCFlow | count", "exportParameterName": "Picked",
                                                   "exportDefaultValue": "none"}},
    ]}},
]}


def test_declared_parameters_with_their_settings_and_defaults():
    declared = parameters(TEMPLATE)
    assert list(declared) == ["TimeRange", "Accounts", "MinSeverity", "Needle", "Picked"]
    assert declared["TimeRange"].default == 604800000
    assert declared["Accounts"].multi and declared["Accounts"].quote == "'" and declared["Accounts"].select_all == "*"
    assert declared["Accounts"].default == ALL and declared["MinSeverity"].default == "4"
    assert declared["Needle"].default is None and declared["Picked"].default == "none"
    values = default_values(declared, NOW)
    assert values["TimeRange"] == TimeRange(NOW, timedelta(days=7)) and "Needle" not in values


def test_queries_are_the_log_analytics_items_and_dropdowns_nested_included():
    found = queries(TEMPLATE)
    assert [(q.key, q.label) for q in found] == [
        ("items/1/parameters/1", "Accounts"), ("items/2", "by source"), ("items/4/items/0", "nested")]
    assert found[1].title == "Events by source" and found[1].path == ("items", 2, "content")


def test_time_range_forms():
    declared = parameters(TEMPLATE)
    last_day = {"TimeRange": TimeRange(NOW, timedelta(days=1))}
    text = "T | where TimeGenerated {TimeRange} | summarize by bin(TimeGenerated, {TimeRange:grain}) | where x between ({TimeRange:start} .. {TimeRange:end})"
    assert expand(text, declared, last_day) == (
        "T | where TimeGenerated > ago(1d) | summarize by bin(TimeGenerated, 30m) | where x between "
        "(datetime(2026-01-14T12:00:00.000Z) .. datetime(2026-01-15T12:00:00.000Z))")
    absolute = {"TimeRange": TimeRange(NOW, start_time=NOW - timedelta(hours=6))}
    assert expand("{TimeRange}", declared, absolute) == \
        "between (datetime(2026-01-15T06:00:00.000Z) .. datetime(2026-01-15T12:00:00.000Z))"
    assert expand("{TimeRange:label}", declared, last_day) == "Last 1d"
    assert grain(TimeRange(NOW, timedelta(hours=1))) == timedelta(minutes=5)
    assert grain(TimeRange(NOW, timedelta(days=7))) == timedelta(hours=4)


def test_dropdowns_quote_join_and_select_all():
    declared = parameters(TEMPLATE)
    query = "where A in ({Accounts}) or '*' in ({Accounts}) | where S >= toint(\"{MinSeverity}\")"
    assert expand(query, declared, {"Accounts": ALL, "MinSeverity": "7"}) == \
        "where A in ('*') or '*' in ('*') | where S >= toint(\"7\")"
    assert expand("({Accounts})", declared, {"Accounts": ["111122223333", "444455556666"]}) == \
        "('111122223333','444455556666')"
    assert expand("({Accounts})", declared, {"Accounts": [ALL]}) == "('*')"  # All ticked in a saved selection
    assert expand("'{Needle:escape}'", declared, {"Needle": "it's"}) == "'it\\'s'"


def test_only_declared_names_are_placeholders():
    text = 'extract(@"[0-9]{3}-x{2,5}", 0, Col) | where C == "{Unknown}" | project {Accounts}'
    assert expand(text, parameters(TEMPLATE), {"Accounts": "1"}) == \
        'extract(@"[0-9]{3}-x{2,5}", 0, Col) | where C == "{Unknown}" | project \'1\''


@pytest.mark.parametrize(("text", "values", "message"), [
    ("{Needle}", {}, "'Needle' has no value"),
    ("{MinSeverity}", {"MinSeverity": ["4", "7"]}, "takes one value"),
    ("{Picked}", {"Picked": ALL}, "no select-all value"),
    ("{TimeRange:bogus}", {"TimeRange": TimeRange(NOW, timedelta(days=1))}, "no format 'bogus'"),
    ("{Accounts:$.id}", {"Accounts": "1"}, "format '$.id' is not supported"),
])
def test_unfillable_placeholders_are_errors(text, values, message):
    with pytest.raises(ParameterError, match=message.replace("$", r"\$")):
        expand(text, parameters(TEMPLATE), values)
