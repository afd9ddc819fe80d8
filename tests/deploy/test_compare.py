"""Compare by meaning: equal bodies in different spellings are unchanged; real edits are listed."""

from __future__ import annotations

import json

from detections.deploy.compare import MISSING, Change, canonical, diff


def _rule(**props) -> dict:
    base = {"displayName": "R", "queryFrequency": "PT1H", "tactics": ["Execution", "Persistence"]}
    return {"kind": "Scheduled", "properties": {**base, **props}}


def test_durations_compare_by_value() -> None:
    for spelling in ("PT1H", "1h", "01:00:00", "PT01H00M00S", "PT60M"):
        assert diff(_rule(queryFrequency=spelling), _rule()) == []
    assert diff(_rule(queryPeriod="P1DT00H05M00S"), _rule(queryPeriod="1445m")) == []


def test_order_free_lists_and_service_defaults() -> None:
    deployed = _rule(tactics=["Persistence", "Execution"], customDetails={}, alertRuleTemplateName=None,
                     description="", techniques=[])
    deployed |= {"id": "/subscriptions/x", "etag": '"abc"', "name": "n", "type": "t"}
    deployed["properties"]["lastModifiedUtc"] = "2026-01-01T00:00:00Z"
    assert diff(deployed, _rule()) == []


def test_list_contents_count_but_not_their_order() -> None:
    assert diff(_rule(groupByEntities=["Host", "Account"]), _rule(groupByEntities=["Account", "Host"])) == []
    changes = diff(_rule(alertDynamicProperties=[1, 2]), _rule(alertDynamicProperties=[2]))
    assert changes == [Change("properties.alertDynamicProperties", [1, 2], [2])]


def test_query_line_endings_and_trailing_space_do_not_count() -> None:
    assert diff(_rule(query="A\r\n| take 1  \r\n"), _rule(query="A\n| take 1")) == []
    assert diff(_rule(query="A | take 1"), _rule(query="A | take 2")) != []


def test_saved_search_tags_compare_as_sets() -> None:
    deployed = {"properties": {"tags": [{"name": "tactics", "value": "B,A"}, {"name": "x", "value": "1"}]}}
    desired = {"properties": {"tags": [{"name": "x", "value": "1"}, {"name": "tactics", "value": "A,B"}]}}
    assert diff(deployed, desired) == []


def test_workbook_json_compares_parsed() -> None:
    doc = {"version": "Notebook/1.0", "items": [{"type": 1}]}
    deployed = {"properties": {"serializedData": json.dumps(doc, indent=4), "timeModified": "now", "revision": "r"}}
    assert diff(deployed, {"properties": {"serializedData": json.dumps(doc, separators=(",", ":"))}}) == []


def test_added_and_removed_fields_are_reported() -> None:
    changes = diff(_rule(customDetails={"A": "B"}), _rule(severity="High"))
    assert changes == [Change("properties.customDetails.A", "B", MISSING), Change("properties.severity", MISSING, "High")]
    assert changes[0].render() == ['properties.customDetails.A: "B" -> (absent)']


def test_canonical_form_is_stable() -> None:
    assert canonical(_rule(queryFrequency="60m")) == canonical(_rule())
    assert canonical(_rule())["properties"]["queryFrequency"] == "PT1H"


def test_a_workbook_query_change_is_shown_at_its_item() -> None:
    def workbook(query: str) -> dict:
        doc = {"version": "Notebook/1.0", "items": [{"type": 1}, {"type": 3, "content": {"query": query}}]}
        return {"properties": {"serializedData": json.dumps(doc)}}

    (change,) = diff(workbook("T\n| take 1"), workbook("T\n| take 2"))
    assert change.path == "properties.serializedData.items[1].content.query"
    assert change.render() == [f"{change.path}:", "    @@ -1,2 +1,2 @@", "     T", "    -| take 1", "    +| take 2"]
