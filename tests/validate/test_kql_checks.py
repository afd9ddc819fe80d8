"""KQL checks with the real engine (detections.kql) over the product tables: engine problems placed in the
file, output columns of the query for the rule's configuration, one bind per query and run."""

from __future__ import annotations

import json
import re

import pytest

from detections.content.workbook_yaml import json_to_yaml
from detections.diagnostics import Severity

from .conftest import VALID_HUNTING, VALID_RULE

SYNTAX_ERROR = "AWSCloudTrail\n| where == 1\n| project SourceIpAddress\n"  # '==' without its left side


def _at(path, diagnostic) -> str:
    """The file text from the diagnostic's line and column on."""
    line = path.read_text().splitlines()[diagnostic.location.line - 1]
    return line[diagnostic.location.column - 1:]


def _only(repo, path, code):
    found = [d for d in repo.validate(path) if d.code == code]
    assert len(found) == 1, [str(d) for d in repo.validate(path)]
    return found[0]


def test_valid_rule_and_hunting_query_pass(repo):
    assert repo.codes(repo.rule(), repo.hunting()) == []


def test_syntax_error_is_placed_in_the_file(repo):
    path = repo.rule(lambda d: d.update(query=SYNTAX_ERROR))
    diagnostic = _only(repo, path, "DET901")
    assert diagnostic.severity is Severity.ERROR
    assert "expected an expression but found '=='" in diagnostic.message
    assert _at(path, diagnostic).startswith("== 1")


def _rule_with_query_as(repo, form: str):
    """The valid rule with its `query:` block replaced by `form` (another YAML scalar style)."""
    text = re.sub(r"query: \|\n(?:  .*\n)+", lambda _: f"query: {form}\n", repo.rule().read_text())
    return repo.write("rules/AWSCloudTrail/Rule.yaml", text)


ONE_LINE = "AWSCloudTrail | where == 1 | project SourceIpAddress"


@pytest.mark.parametrize("form", [
    ONE_LINE, f"'{ONE_LINE}'", f'"{ONE_LINE}"', f">\n  {ONE_LINE}", f">-\n  {ONE_LINE}",
    "|-\n  AWSCloudTrail\n  | where == 1\n  | project SourceIpAddress", "|2\n    AWSCloudTrail\n    | where == 1",
])
def test_syntax_error_in_each_scalar_style_is_placed_at_its_column(repo, form):
    path = _rule_with_query_as(repo, form)
    assert _at(path, _only(repo, path, "DET901")).startswith("== 1")


@pytest.mark.parametrize("properties", ["!crlf ", "&q ", "!crlf &q ", "&q !crlf "])
@pytest.mark.parametrize("style", ["|", "|-", "|2"])
def test_workbook_query_with_node_properties_is_placed_like_without(repo, properties, style):
    """A `!crlf` block (workbooks saved on Windows) or an anchored one: the error is on its own line and
    column, not on the block's first line."""
    text = ("id: 695a3932-fda0-4d3a-8ced-fbd50556ab16\nname: W\ndescription: d\nversion: 1.0.0\ntemplate:\n"
            "  version: Notebook/1.0\n  items:\n    - type: 3\n      content:\n        version: KqlItem/1.0\n"
            f"        query: {properties}{style}\n          AWSCloudTrail\n          | where == 1\n"
            "          | project SourceIpAddress\n")
    path = repo.write("workbooks/W.yaml", text)
    diagnostic = _only(repo, path, "DET901")
    assert (diagnostic.location.line, diagnostic.location.column) == (13, 19)


@pytest.mark.parametrize(("query", "at", "message"), [
    ("AWSCloudTrial\n| project SourceIpAddress\n", "AWSCloudTrial", "unknown table 'AWSCloudTrial' (did you mean"),
    ("AWSCloudTrail\n| where EventNmae == 'ConsoleLogin'\n| project SourceIpAddress\n", "EventNmae ==",
     "unknown column or variable 'EventNmae' (did you mean 'EventName'?)"),
    ("AWSCloudTrail\n| extend Ip = nosuchfn(SourceIpAddress)\n| project SourceIpAddress\n", "nosuchfn(",
     "unknown function 'nosuchfn()'"),
    ("AWSCloudTrail\n| where EventName > now()\n| project SourceIpAddress\n", "> now()",
     "operator '>' is not defined for the operand types string and datetime"),
])
def test_semantic_error_is_placed_in_the_file(repo, query, at, message):
    path = repo.rule(lambda d: d.update(query=query))
    diagnostic = _only(repo, path, "DET902")
    assert diagnostic.severity is Severity.ERROR and message in diagnostic.message
    assert _at(path, diagnostic).startswith(at)


def test_every_semantic_error_of_a_query_is_reported(repo):
    path = repo.rule(lambda d: d.update(
        query="AWSCloudTrail\n| where EventNmae == 'ConsoleLogin'\n| project SourceIpAddress, Agent\n"))
    found = [d for d in repo.validate(path) if d.code == "DET902"]
    assert [_at(path, d)[:9] for d in found] == ["EventNmae", "Agent"]


@pytest.mark.parametrize(("query", "at", "message"), [
    ("AWSCloudTrail\n| evaluate autocluster()\n", "evaluate autocluster()",
     "evaluate plugin 'autocluster' is not supported"),
    ("AWSCloudTrail\n| extend Count = 0" + " + 1" * 2000 + "\n| project SourceIpAddress\n",  # within 10,000 characters
     "AWSCloudTrail", "the query nests too deeply to bind"),  # an engine limit, not a traceback
])
def test_what_the_engine_cannot_analyse_is_a_warning(repo, query, at, message):
    path = repo.rule(lambda d: d.update(query=query))
    diagnostics = repo.validate(path)
    [diagnostic] = [d for d in diagnostics if d.code == "DET903"]
    assert diagnostic.severity is Severity.WARNING and message in diagnostic.message
    assert _at(path, diagnostic).startswith(at)
    assert not {"DET904", "DET905", "DET906"} & {d.code for d in diagnostics}  # no columns known: not checked


@pytest.mark.parametrize(("code", "key", "change"), [
    ("DET904", "columnName: ClientIp", lambda d: d["entityMappings"][1]["fieldMappings"][0].update(columnName="ClientIp")),
    ("DET905", "Agent: UserAgent", lambda d: d["customDetails"].update(Agent="UserAgent")),
    ("DET906", "alertDisplayNameFormat: By {{UserName}}",
     lambda d: d["alertDetailsOverride"].update(alertDisplayNameFormat="By {{UserName}}")),
    ("DET906", "alertDescriptionFormat: From {{AWSRegion}}",
     lambda d: d["alertDetailsOverride"].update(alertDescriptionFormat="From {{AWSRegion}}")),
    ("DET906", "alertSeverityColumnName: Severity",
     lambda d: d["alertDetailsOverride"].update(alertSeverityColumnName="Severity")),
    ("DET906", "alertTacticsColumnName: Tactics",
     lambda d: d["alertDetailsOverride"].update(alertTacticsColumnName="Tactics")),
    ("DET906", "value: Provider", lambda d: d["alertDetailsOverride"].update(
        alertDynamicProperties=[{"alertProperty": "ProviderName", "value": "Provider"}])),
])
def test_column_missing_from_the_output_is_an_error_at_its_key(repo, code, key, change):
    """UserAgent and AWSRegion are AWSCloudTrail columns, but the rule's `project` dropped them."""
    path = repo.rule(change)
    diagnostic = _only(repo, path, code)
    assert diagnostic.severity is Severity.ERROR and "is not in the query's output" in diagnostic.message
    assert key in path.read_text().splitlines()[diagnostic.location.line - 1]
    assert diagnostic.hint.endswith("output columns: SourceIpAddress, TimeGenerated, UserIdentityArn")


def test_columns_the_query_outputs_pass(repo):
    def change(document):
        document["query"] += "| extend Severity = 'High', Tactics = 'InitialAccess', Agent = 'cli'\n"
        document["customDetails"]["Agent"] = "Agent"
        document["alertDetailsOverride"].update(
            alertSeverityColumnName="Severity", alertTacticsColumnName="Tactics",
            alertDynamicProperties=[{"alertProperty": "ProviderName", "value": "'AWS'"},  # quoted: a literal
                                    {"alertProperty": "ProductComponentName", "value": "Agent"}])
    assert repo.codes(repo.rule(change)) == []


def test_syntax_error_in_a_hunting_query_is_placed_in_its_file(repo):
    path = repo.hunting(lambda d: d.update(query=SYNTAX_ERROR))
    assert _at(path, _only(repo, path, "DET901")).startswith("== 1")


def test_hunting_time_placeholders_are_filled(repo, bound):
    path = repo.hunting(lambda d: d.update(
        query="AWSCloudTrail\n| where TimeGenerated between (todatetime('{{StartTimeISO}}') .. "
              "todatetime('{{EndTimeISO}}'))\n| summarize count() by AWSRegion\n"))
    assert repo.codes(path) == []
    assert bound == ["AWSCloudTrail\n| where TimeGenerated between (todatetime('2000-01-01T00:00:00Z') .. "
                     "todatetime('2000-01-02T00:00:00Z'))\n| summarize count() by AWSRegion\n"]


def test_other_table_in_a_hunting_query_gets_a_note(repo):
    path = repo.hunting(lambda d: d.update(query="SigninLogs\n| where ResultType != '0'\n| summarize count() by IPAddress\n"))
    diagnostic = _only(repo, path, "DET907")
    assert diagnostic.severity is Severity.NOTE and diagnostic.message.endswith("(SigninLogs)")


def test_workbook_queries_are_bound_with_parameters_replaced(repo, bound):
    notebook = {"version": "Notebook/1.0", "items": [
        {"type": 9, "content": {"parameters": [{"name": "TimeRange", "type": 4, "value": {"durationMs": 86400000}}]}},
        {"type": 3, "content": {"query": "AWSCloudTrail\n| where TimeGenerated {TimeRange}\n| where == 1\n| project X"}},
        {"type": 3, "content": {"query": "AWSCloudTrail\n| where EventNmae == 'x'"}},
        {"type": 3, "content": {"query": "resources | project id", "queryType": 1}},
    ]}
    path = repo.write("workbooks/Trail.yaml", json_to_yaml(json.dumps(notebook), name="Trail"))
    assert _at(path, _only(repo, path, "DET901")).startswith("== 1")
    assert _at(path, _only(repo, path, "DET902")).startswith("EventNmae")
    assert any("TimeGenerated > ago(1d)" in text for text in bound)
    assert not any(text.startswith("resources") for text in bound)  # Resource Graph query: not KQL on logs


def test_each_query_is_bound_once_per_run(repo, bound):
    """Seven checks read the analysis of each query; the engine binds it once per run."""
    rule, hunting = repo.rule(), repo.hunting()
    broken = repo.rule(lambda d: d.update(id="0b6f0f7c-1111-4222-8333-944455556666", query=SYNTAX_ERROR), name="B")
    repo.validate(rule, hunting, broken)
    assert sorted(bound) == sorted([VALID_RULE["query"], VALID_HUNTING["query"], SYNTAX_ERROR])
    repo.validate(rule)
    assert len(bound) == 4  # a new run binds again
