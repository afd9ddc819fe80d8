"""Security event IDs derived from queries with the KQL parser, and the XPath of the data collection rule."""

from __future__ import annotations

import pytest

from detections.kql import parse
from detections.package.dcr import SecurityEventNeeds, xpath_queries
from detections.package.eventids import event_id_usage


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ("SecurityEvent | where EventID == 4625", {4625}),
        ("SecurityEvent | where EventID in (4624, 4625) | project Computer", {4624, 4625}),
        ("let ids = dynamic([4720, 4726]);\nSecurityEvent | where EventID in (ids)", {4720, 4726}),
        ("SecurityEvent | where EventID == 4697 or EventID == 4698", {4697, 4698}),
        ("SecurityEvent | where Computer has 'web' and EventID == 1102", {1102}),
        ("SecurityEvent | where EventID between (4720 .. 4722)", {4720, 4721, 4722}),
        ("SecurityEvent | extend x = 1 | where EventID == 4688 | summarize count() by Computer", {4688}),
        ("union SecurityEvent, AWSCloudTrail | where EventID == 1102", {1102}),
        ("union Security* | where EventID == 4740", {4740}),
        # a let-bound table filtered where it is used, and a join's right side with its own filter
        (
            "let base = SecurityEvent | where TimeGenerated > ago(1d);\n"
            "base | where EventID in (4624, 4625) | join (base | where EventID == 4672) on Computer",
            {4624, 4625, 4672},
        ),
    ],
)
def test_event_ids_are_derived_from_filters(query: str, ids: set[int]) -> None:
    usage = event_id_usage(parse(query))
    assert usage.reads_table and usage.event_ids == ids and usage.unrestricted == []


@pytest.mark.parametrize(
    "query",
    [
        "SecurityEvent | summarize count() by EventID",
        "SecurityEvent | where EventID != 4624",
        "union withsource=T Sec* | take 10",
        "SecurityEvent | where EventID == 4624 or Computer == 'x'",
        "SecurityEvent | summarize count() by EventID | where EventID == 4624",  # filter after reshaping
        "SecurityEvent | extend EventID = 4625 | where EventID == 4625",  # filter on a recomputed column
        "let ids = toscalar(AWSCloudTrail | count); SecurityEvent | where EventID in (ids)",
    ],
)
def test_unprovable_filters_mean_every_event(query: str) -> None:
    usage = event_id_usage(parse(query))
    assert usage.reads_table and usage.unrestricted


def test_queries_without_security_event_need_nothing() -> None:
    usage = event_id_usage(parse("AWSCloudTrail | where EventName == 'ConsoleLogin'"))
    assert not usage.reads_table and not usage.event_ids


def test_xpath_lists_ids_in_chunks_of_twenty() -> None:
    needs = SecurityEventNeeds(event_ids=list(range(1, 23)), readers=["r.yaml"])
    queries = xpath_queries(needs)
    assert len(queries) == 2
    assert queries[0].startswith("Security!*[System[(EventID=1 or EventID=2 or ") and queries[0].endswith("EventID=20)]]")
    assert queries[1] == "Security!*[System[(EventID=21 or EventID=22)]]"


def test_xpath_collects_everything_when_any_reader_is_unrestricted() -> None:
    needs = SecurityEventNeeds(event_ids=[4625], readers=["a.yaml"], unrestricted=["a.yaml: no filter"])
    assert xpath_queries(needs) == ["Security!*"]


def test_a_query_the_engine_cannot_read_collects_every_event() -> None:
    """A huge timespan literal overflows the lexer; packaging still finishes and the DCR stays safe."""
    from detections.package.dcr import security_event_needs

    needs = security_event_needs([("rules/X.yaml", "SecurityEvent | where TimeGenerated > ago(99999999999d)")])
    assert needs.readers == ["rules/X.yaml"] and needs.unrestricted and needs.all_events
