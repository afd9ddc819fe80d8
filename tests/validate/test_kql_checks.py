"""KQL checks: engine problems mapped into the file, output columns of the query, engine absence."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from detections.diagnostics import Severity
from detections.validate import kql as kql_checks


class KqlSyntaxError(Exception):
    def __init__(self, message: str, line: int, column: int):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


class FakeEngine:
    """Outputs the columns of the query's last `| project` line; `@@` is a syntax error at its place."""

    def __init__(self):
        self.seen: list[str] = []

    def bind(self, text: str, schemas=None):
        self.seen.append(text)
        for number, line in enumerate(text.splitlines(), 1):
            if "@@" in line:
                raise KqlSyntaxError("unexpected '@@'", number, line.index("@@") + 1)
        if "boom" in text:
            raise RuntimeError("engine bug")
        projected = re.findall(r"\| project (.*)", text)[-1]
        return [(name.strip(), "string") for name in projected.split(",")]


@pytest.fixture
def fake(monkeypatch) -> FakeEngine:
    engine = FakeEngine()
    monkeypatch.setattr(kql_checks, "engine", lambda: SimpleNamespace(bind=engine.bind))
    return engine


def test_engine_unavailable_is_one_warning(repo, monkeypatch):
    monkeypatch.setattr(kql_checks, "engine", lambda: None)
    repo.rule(name="A")
    repo.rule(lambda d: d.update(id="0b6f0f7c-1111-4222-8333-944455556666"), name="B")
    found = [d for d in repo.validate() if d.code == "DET900"]
    assert len(found) == 1 and found[0].severity == Severity.WARNING
    assert "KQL engine unavailable" in found[0].message


def test_valid_rule_passes_with_engine(repo, fake):
    assert [d.code for d in repo.validate(repo.rule())] == []


def test_syntax_error_is_placed_in_the_file(repo, fake):
    path = repo.rule(lambda d: d.update(query="AWSCloudTrail\n| where @@\n| project SourceIpAddress\n"))
    [diagnostic] = [d for d in repo.validate(path) if d.code == "DET901"]
    lines = path.read_text().splitlines()
    assert lines[diagnostic.location.line - 1][diagnostic.location.column - 1:].startswith("@@")


def test_single_line_query_position(repo, fake):
    path = repo.write("rules/AWSCloudTrail/One.yaml",
                      repo.rule().read_text().replace("query: |", 'query: "T | where @@ | project x"\nold: |'))
    diagnostics = [d for d in repo.validate(path) if d.code == "DET901"]
    line = path.read_text().splitlines()[diagnostics[0].location.line - 1]
    assert line[diagnostics[0].location.column - 1:].startswith("@@")


@pytest.mark.parametrize("properties", ["!crlf ", "&q ", "!crlf &q ", "&q !crlf "])
@pytest.mark.parametrize("style", ["|", "|-", "|2"])
def test_workbook_query_with_node_properties_is_placed_like_without(repo, fake, properties, style):
    """A `!crlf` block (workbooks saved on Windows) or an anchored one: the error is on its own line and
    column, not on the block's first line."""
    text = ("id: 695a3932-fda0-4d3a-8ced-fbd50556ab16\nname: W\ndescription: d\nversion: 1.0.0\ntemplate:\n  version: Notebook/1.0\n  items:\n"
            "    - type: 3\n      content:\n        version: KqlItem/1.0\n"
            f"        query: {properties}{style}\n          AWSCloudTrail\n          | where @@ == 1\n"
            "          | project X\n")
    path = repo.write("workbooks/W.yaml", text)
    [diagnostic] = [d for d in repo.validate(path) if d.code == "DET901"]
    assert (diagnostic.location.line, diagnostic.location.column) == (13, 19)


def test_engine_failure_is_a_warning_not_a_crash(repo, fake):
    path = repo.rule(lambda d: d.update(query="AWSCloudTrail | where boom\n| project SourceIpAddress"))
    [diagnostic] = [d for d in repo.validate(path) if d.code == "DET903"]
    assert diagnostic.severity == Severity.WARNING and "engine bug" in diagnostic.message


@pytest.mark.parametrize(("code", "change"), [
    ("DET904", lambda d: d["entityMappings"][1]["fieldMappings"][0].update(columnName="ClientIp")),
    ("DET905", lambda d: d["customDetails"].update(Agent="UserAgent")),
    ("DET906", lambda d: d["alertDetailsOverride"].update(alertDisplayNameFormat="By {{UserName}}")),
    ("DET906", lambda d: d["alertDetailsOverride"].update(alertSeverityColumnName="Severity")),
    ("DET906", lambda d: d["alertDetailsOverride"].update(
        alertDynamicProperties=[{"alertProperty": "ProviderName", "value": "Provider"}])),
])
def test_columns_missing_from_output(repo, fake, code, change):
    path = repo.rule(change)
    found = [d for d in repo.validate(path) if d.code == code]
    assert len(found) == 1 and "not in the query's output" in found[0].message


def test_quoted_dynamic_property_is_a_literal(repo, fake):
    path = repo.rule(lambda d: d["alertDetailsOverride"].update(
        alertDynamicProperties=[{"alertProperty": "ProviderName", "value": "'AWS'"}]))
    assert [d.code for d in repo.validate(path)] == []


def test_hunting_time_placeholders_are_filled(repo, fake):
    repo.hunting(lambda d: d.update(
        query="AWSCloudTrail\n| where TimeGenerated between (todatetime('{{StartTimeISO}}') .. now())\n"
              "| project AWSRegion\n"))
    repo.validate()
    assert any("todatetime('2000-01-01T00:00:00Z')" in text for text in fake.seen)


def test_workbook_queries_are_bound_with_parameters_replaced(repo, fake):
    from detections.content.workbook_yaml import json_to_yaml

    notebook = {"version": "Notebook/1.0", "items": [
        {"type": 9, "content": {"parameters": [{"name": "TimeRange", "type": 4, "value": {"durationMs": 86400000}}]}},
        {"type": 3, "content": {"query": "AWSCloudTrail\n| where TimeGenerated {TimeRange}\n| where @@\n| project X"}},
        {"type": 3, "content": {"query": "resources | project id", "queryType": 1}},
    ]}
    import json

    path = repo.write("workbooks/Trail.yaml", json_to_yaml(json.dumps(notebook), name="Trail"))
    [diagnostic] = [d for d in repo.validate(path) if d.code == "DET901"]
    assert any("TimeGenerated > ago(1d)" in text for text in fake.seen)
    assert not any(text.startswith("resources") for text in fake.seen)  # Resource Graph query: not KQL on logs
    line = path.read_text().splitlines()[diagnostic.location.line - 1]
    assert line[diagnostic.location.column - 1:].startswith("@@")


def test_real_engine_unknown_table_and_missing_column(repo):
    if kql_checks.engine() is None:
        pytest.fail("the KQL engine (detections.kql) must be importable")
    bad_table = repo.rule(lambda d: d.update(query="AWSCloudTrial\n| project SourceIpAddress\n"), name="Table")
    [diagnostic] = [d for d in repo.validate(bad_table) if d.code == "DET902"]
    line = bad_table.read_text().splitlines()[diagnostic.location.line - 1]
    assert line[diagnostic.location.column - 1:].startswith("AWSCloudTrial")
    missing = repo.rule(lambda d: d.update(query="AWSCloudTrail\n| project UserIdentityArn, SourceIpAddress\n",
                                           customDetails={"Region": "AWSRegion"}), name="Column")
    assert "DET905" in [d.code for d in repo.validate(missing)]


def test_broken_engine_import_is_reported(repo, monkeypatch):
    import importlib

    def broken(name, *args, **kwargs):
        raise SyntaxError("invalid syntax (parser.py, line 3)")

    kql_checks._load_engine.cache_clear()
    monkeypatch.setattr(importlib, "import_module", broken)
    try:
        repo.rule()
        [diagnostic] = [d for d in repo.validate() if d.code == "DET900"]
        assert "SyntaxError: invalid syntax" in diagnostic.message
    finally:
        monkeypatch.undo()
        kql_checks._load_engine.cache_clear()
