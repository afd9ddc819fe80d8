"""LocalWorkspace: the time window of the query API over typed rows, shared by offline queries and the
emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from detections.kql import KqlSemanticError
from detections.live.local import LocalWorkspace

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def test_window_is_start_inclusive_end_exclusive_and_rows_added_later_are_seen():
    workspace = LocalWorkspace({"AWSCloudTrail": [
        {"TimeGenerated": NOW - timedelta(hours=h), "EventName": f"e{h}"} for h in (0, 1, 2, 3)]})
    query = "AWSCloudTrail | order by TimeGenerated asc | project EventName"
    assert workspace.run(query, start=NOW - timedelta(hours=2), end=NOW).rows == [["e2"], ["e1"]]
    workspace.add_rows("AWSCloudTrail", [{"TimeGenerated": NOW - timedelta(minutes=90), "EventName": "late"}])
    assert workspace.run(query, start=NOW - timedelta(hours=2), end=NOW).rows == [["e2"], ["late"], ["e1"]]
    assert len(workspace.run(query).rows) == 5  # no window: every row


def test_custom_tables_get_an_ingestion_time_and_inferred_types():
    before = datetime.now(UTC)
    workspace = LocalWorkspace({"Inventory_CL": [{"Host": "web-1", "Cores": 4}, {"Host": "db-1", "Cores": 16}]})
    result = workspace.run("Inventory_CL | where Cores > 8 | project Host, Cores",
                           start=before - timedelta(minutes=1), end=datetime.now(UTC) + timedelta(seconds=1))
    assert result.columns == [("Host", "string"), ("Cores", "long")]
    assert result.rows == [["db-1", 16]]
    assert workspace.run("Inventory_CL", start=NOW - timedelta(hours=1), end=NOW).rows == []  # ingested "now"
    assert workspace.schemas()["Inventory_CL"]["TimeGenerated"].value == "datetime"


def test_run_many_returns_each_answer_or_its_error():
    answers = LocalWorkspace().run_many(["print a = 1", "AWSCloudTrail | project Nope"])
    assert answers[0].rows == [[1]]
    assert isinstance(answers[1], KqlSemanticError)
    with pytest.raises(KqlSemanticError):
        LocalWorkspace().run("AWSCloudTrail | project Nope")


def test_without_builtin_tables_only_loaded_tables_exist():
    workspace = LocalWorkspace({"AWSCloudTrail": [{"EventName": "x"}]}, builtin_tables=False)
    assert workspace.run("AWSCloudTrail | count").rows == [[1]]
    with pytest.raises(KqlSemanticError) as info:
        workspace.run("AWSCloudTrail\n| union AWSGuardDuty")
    assert (info.value.line, info.value.column) == (2, 9)
    assert "'AWSGuardDuty': this workspace has no such table" in info.value.message
    assert LocalWorkspace().run("AWSGuardDuty | count").rows == [[0]]  # by default every built-in table exists


def test_typed_rows_are_not_converted_again():
    """Rows from files.load_table and the mappers are typed once; add_rows(typed=True) keeps them as given."""
    from detections.mappers.rows import coerce_row
    from detections.tables import TABLES

    now = datetime(2026, 1, 1, tzinfo=UTC)
    row = coerce_row("AWSVPCFlow", TABLES["AWSVPCFlow"], {"DstPort": "22", "TimeGenerated": now}, now)
    workspace = LocalWorkspace()
    workspace.add_rows("AWSVPCFlow", [row], typed=True)
    assert workspace.tables["AWSVPCFlow"] == [row] and workspace.tables["AWSVPCFlow"][0] is not row
    assert workspace.run("AWSVPCFlow | project DstPort").rows == [[22]]
