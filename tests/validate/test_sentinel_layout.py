"""Microsoft's Azure-Sentinel layout: published workbook templates (`Workbooks/*.json`, version
Notebook/1.0) are validated through the workbook converter, not skipped or read as our YAML, and a
checkout without our rules/ folder is still found."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from detections.content import load_file, load_repository
from detections.content.model import Workbook
from detections.diagnostics import Severity
from detections.validate import run

from .conftest import VALID_RULE

TEMPLATE = {
    "version": "Notebook/1.0",
    "items": [
        {"type": 1, "content": {"json": "## Sign-ins"}, "name": "text - 0"},
        {"type": 3, "name": "query - 1", "content": {
            "version": "KqlItem/1.0", "queryType": 0, "resourceType": "microsoft.operationalinsights/workspaces",
            "query": "AWSCloudTrail\r\n| extend Ok = EventName == \"ConsoleLogin\"\r\n| summarize Logins = QUERY"}},
    ],
    "fromTemplateId": "sentinel-AwsSignIns",
    "$schema": "https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json",
}


def _template(root: Path, query: str) -> Path:
    notebook = json.loads(json.dumps(TEMPLATE))
    notebook["items"][1]["content"]["query"] = notebook["items"][1]["content"]["query"].replace("QUERY", query)
    path = root / "Solutions" / "AWS" / "Workbooks" / "AwsSignIns.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook, indent=4), encoding="utf-8")
    return path


def _checkout(root: Path, query: str = "count()") -> Path:
    rule = root / "Solutions" / "AWS" / "Analytic Rules" / "ConsoleLogin.yaml"
    rule.parent.mkdir(parents=True, exist_ok=True)
    rule.write_text(yaml.safe_dump(VALID_RULE, sort_keys=False), encoding="utf-8")
    _template(root, query)
    return root


def test_a_published_workbook_template_loads_as_a_workbook(tmp_path):
    workbook = load_file(_template(tmp_path, "count()"))
    assert isinstance(workbook, Workbook)
    assert workbook.name == "AwsSignIns" and workbook.template["fromTemplateId"] == "sentinel-AwsSignIns"
    assert workbook.template["items"][1]["content"]["query"].endswith("| summarize Logins = count()")


def test_validating_a_template_checks_its_queries_and_places_problems_at_the_query_key(tmp_path):
    path = _template(tmp_path, "sum(Ok)")  # Microsoft's AmazonWebServicesUserActivities sums a bool
    diagnostics = run([path], root=tmp_path).diagnostics
    assert [(d.code, d.message) for d in diagnostics] == [("DET902", "sum() does not accept arguments of types (bool)")]
    line = path.read_text().splitlines()[diagnostics[0].location.line - 1]
    assert line.lstrip().startswith('"query": "AWSCloudTrail')
    assert run([_template(tmp_path, "count()")], root=tmp_path).diagnostics == []


def test_validating_a_checkout_includes_its_workbook_templates(tmp_path):
    result = run([_checkout(tmp_path, "sum(Ok)")])
    assert result.files == 2
    assert {(d.location.path.name, d.code) for d in result.diagnostics} == {("AwsSignIns.json", "DET902")}


def test_other_json_in_a_workbooks_folder_is_reported_as_skipped_not_as_an_error(tmp_path):
    path = tmp_path / "Workbooks" / "WorkbooksMetadata.json"
    path.parent.mkdir()
    path.write_text('[{"workbookKey": "x"}]', encoding="utf-8")
    [diagnostic] = run([tmp_path / "Workbooks"]).diagnostics
    assert diagnostic.code == "DET105" and diagnostic.severity is Severity.NOTE


def test_load_repository_finds_sentinel_content_folders(tmp_path):
    problems: list = []
    repository = load_repository(_checkout(tmp_path), problems)
    assert [r.path.name for r in repository.rules] == ["ConsoleLogin.yaml"]
    assert [w.name for w in repository.workbooks] == ["AwsSignIns"]
    assert problems == []


def test_load_repository_of_a_folder_without_content_says_so(tmp_path):
    problems: list = []
    repository = load_repository(tmp_path, problems)
    assert repository.rules == [] and repository.workbooks == []
    [problem] = problems
    assert problem.code == "DET103" and problem.severity is Severity.WARNING
    assert "no content files here" in problem.message
