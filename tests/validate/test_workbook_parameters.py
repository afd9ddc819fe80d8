"""Workbook queries are validated with only their declared {Parameters} filled: a regex quantifier
such as {3} or {2,5} in a string literal is left alone (it used to become `dynamic(null)`)."""

from __future__ import annotations

from detections.content.workbook_yaml import json_to_yaml

PARAMETERS = {"type": 9, "content": {"parameters": [
    {"name": "TimeRange", "type": 4, "value": {"durationMs": 3600000}},
    {"name": "Hosts", "type": 2, "multiSelect": True, "quote": "'", "delimiter": ",", "defaultValue": "value::all",
     "typeSettings": {"selectAllValue": "*"}, "query": "SecurityEvent\n| distinct Computer\n| project Computer"},
]}}


def _workbook(repo, *queries: str):
    import json

    items = [PARAMETERS, *({"type": 3, "content": {"query": q}} for q in queries)]
    return repo.write("workbooks/W.yaml", json_to_yaml(json.dumps({"version": "Notebook/1.0", "items": items}), name="W"))


def test_regex_quantifiers_are_not_parameters(repo, bound):
    query = ('SecurityEvent\n| where TimeGenerated {TimeRange}\n'
             '| where CommandLine matches regex @"[A-Za-z0-9+/]{16,}={0,2}" and Account matches regex "x{3}"\n'
             '| project CommandLine')
    assert repo.codes(_workbook(repo, query)) == []
    [text] = [t for t in bound if "CommandLine" in t and "matches" in t]
    assert '@"[A-Za-z0-9+/]{16,}={0,2}"' in text and '"x{3}"' in text
    assert "TimeGenerated > ago(1h)" in text


def test_declared_parameters_get_their_defaults_and_dropdown_queries_are_bound(repo, bound):
    query = ("SecurityEvent\n| where Computer in ({Hosts}) or '*' in ({Hosts})\n"
             "| summarize count() by Computer, bin(TimeGenerated, {TimeRange:grain})\n| project Computer")
    assert repo.codes(_workbook(repo, query)) == []
    assert any("Computer in ('*') or '*' in ('*')" in t and "bin(TimeGenerated, 5m)" in t for t in bound)
    assert any(t.startswith("SecurityEvent\n| distinct Computer") for t in bound)  # the Hosts dropdown's query


def test_an_undeclared_placeholder_stays_and_is_reported_where_it_is(repo):
    path = _workbook(repo, "SecurityEvent\n| where Computer == {Host}\n| project Computer")
    [diagnostic] = [d for d in repo.validate(path) if d.code == "DET901"]
    line = path.read_text().splitlines()[diagnostic.location.line - 1]
    assert line[diagnostic.location.column - 1:].startswith("{Host}")
