"""check() and bind() share one binding path: a query one accepts the other accepts, and a problem
one reports the other reports. Found on a published SecurityEvent rule that joins the output of
`evaluate pivot(...)` inside `union isfuzzy=true`: check() reported the join key, bind() silently
dropped the whole union leg."""

import pytest

from detections.kql import KqlSemanticError, bind, check, run_query

SCHEMA = {"T": {"Host": "string", "Key": "string", "Value": "string"}}

# The join key exists only once the pivot has seen the data (one column per value of Key).
PIVOT_JOIN = """T
| evaluate pivot(Key, take_any(Value), Host)
| where LogonId != '0x3e7'
| join kind=inner (T | where Key == 'LogonId' | project Host, Id = Value) on $left.LogonId == $right.Id
| project Host, LogonId"""
FUZZY = f"union isfuzzy=true ({PIVOT_JOIN}), (T | where Key == 'none' | project Host, LogonId = Value)"
UNPACK_JOIN = """T
| extend Bag = bag_pack(Key, Value)
| evaluate bag_unpack(Bag)
| join kind=inner (T | project Host, Id = Value) on $left.LogonId == $right.Id"""


@pytest.mark.parametrize("query", [PIVOT_JOIN, FUZZY, UNPACK_JOIN])
def test_join_on_a_column_only_the_data_supplies_binds_in_both(query):
    assert check(query, SCHEMA) == []
    bind(query, SCHEMA)


def test_the_fuzzy_leg_runs_instead_of_being_dropped():
    rows = [{"Host": "h", "Key": "LogonId", "Value": "0x1"}]
    assert run_query(FUZZY, {"T": rows}, schemas=SCHEMA).rows == [("h", "0x1")]


def test_a_fuzzy_leg_the_data_cannot_resolve_is_skipped_with_a_warning():
    """No rows: the pivot gives no LogonId column; Kusto skips such a fuzzy leg with a warning."""
    result = run_query(FUZZY, {"T": []}, schemas=SCHEMA)
    assert result.rows == []
    assert any("isfuzzy" in warning and "LogonId" in warning for warning in result.warnings)


def test_a_mistake_in_a_fuzzy_leg_fails_both():
    """isfuzzy tolerates a missing table, not a misspelt column: bind() used to drop the leg."""
    query = "union isfuzzy=true (T | project Hots), (T | project Host)"
    errors = check(query, SCHEMA)
    assert [str(e) for e in errors] == ["line 1, column 33: unknown column or variable 'Hots'"]
    with pytest.raises(KqlSemanticError, match="Hots"):
        bind(query, SCHEMA)
