"""Sentinel tables outside the product (SigninLogs, SecurityAlert, Event, ...): published rules that read
them validate against the tables' reference schemas, with a note that rule tests do not replay them."""

from __future__ import annotations

import pytest

from detections.diagnostics import Severity
from detections.kql import KqlSemanticError, bind, run_query
from detections.kql.types import KType
from detections.tables import OTHER_TABLES, TABLES

SIGNIN_QUERY = ("SigninLogs\n| where ResultType != \"0\"\n"
                "| summarize Failures = count() by UserPrincipalName, IPAddress\n"
                "| join kind=inner (AWSCloudTrail | where EventName == \"ConsoleLogin\" "
                "| summarize by SourceIpAddress) on $left.IPAddress == $right.SourceIpAddress\n")


def _over_signin_logs(document):
    document["query"] = SIGNIN_QUERY
    document["requiredDataConnectors"].append({"connectorId": "AzureActiveDirectory", "dataTypes": ["SigninLogs"]})
    document["entityMappings"] = [{"entityType": "IP", "fieldMappings": [{"identifier": "Address",
                                                                          "columnName": "IPAddress"}]}]
    document.pop("customDetails")
    document.pop("alertDetailsOverride")


def test_the_reference_tables_published_content_reads_are_shipped_apart_from_the_product_tables():
    assert {"Event", "SigninLogs", "SecurityAlert", "IdentityInfo", "AuditLogs", "GCPAuditLogs",
            "DeviceProcessEvents", "WindowsEvent", "OfficeActivity", "W3CIISLog"} <= set(OTHER_TABLES)
    assert not set(OTHER_TABLES) & set(TABLES)
    assert OTHER_TABLES["SigninLogs"]["ResultType"] is KType.STRING  # "0" is success: text, not a number
    assert OTHER_TABLES["WindowsEvent"]["EventData"] is KType.DYNAMIC
    assert OTHER_TABLES["Event"]["EventData"] is KType.STRING
    assert OTHER_TABLES["GCPAuditLogs"]["Request"] is KType.DYNAMIC
    assert OTHER_TABLES["SecurityAlert"]["IsIncident"] is KType.BOOL


def test_rule_over_another_sentinel_table_validates_with_a_note(repo):
    diagnostics = repo.validate(repo.rule(_over_signin_logs))
    assert [d for d in diagnostics if d.severity is not Severity.NOTE] == []
    [note] = diagnostics
    assert note.code == "DET907"
    assert note.message == "table outside the product's tables: not replayed (SigninLogs)"
    assert note.location.line > 1  # at the query


def test_columns_of_another_table_are_still_checked(repo):
    def misspelt(document):
        _over_signin_logs(document)
        document["query"] = SIGNIN_QUERY.replace("UserPrincipalName", "UserPrincipleName")

    diagnostics = repo.validate(repo.rule(misspelt))
    assert [d.code for d in diagnostics] == ["DET902"]
    assert "UserPrincipleName" in diagnostics[0].message


def test_product_table_queries_get_no_note(repo):
    assert "DET907" not in repo.codes(repo.rule())


def test_the_engine_replays_another_table_only_from_rows_a_fixture_gives():
    with pytest.raises(KqlSemanticError, match="unknown table 'SigninLogs'"):
        bind("SigninLogs | take 1")
    rows = [{"UserPrincipalName": "a@example.com", "IPAddress": "203.0.113.7", "ResultType": "50126"}]
    result = run_query("SigninLogs | where ResultType != '0' | project UserPrincipalName", {"SigninLogs": rows})
    assert result.rows == [("a@example.com",)]
