"""Workbook JSON -> YAML -> JSON is lossless, and the YAML shows each query as a block scalar."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from detections.cli import main
from detections.content import load_workbook
from detections.content.workbook_yaml import (
    WorkbookFormatError,
    find_notebook,
    json_to_yaml,
    template_to_json,
)

QUERY = 'AWSCloudTrail\n| where EventName == "CreateUser" \n| summarize count() by AWSRegion'

NOTEBOOK = {
    "version": "Notebook/1.0",
    "items": [
        {"type": 1, "content": {"json": "## CloudTrail\n\nEvents by region."}, "name": "text - 0"},
        {"type": 9, "content": {"version": "KqlParameterItem/1.0", "parameters": [
            {"id": "a1", "version": "KqlParameterItem/1.0", "name": "TimeRange", "type": 4, "isRequired": True,
             "value": {"durationMs": 86400000}, "typeSettings": {"selectableValues": [{"durationMs": 3600000}]}}]},
         "name": "parameters - 1"},
        {"type": 12, "content": {"version": "NotebookGroup/1.0", "groupType": "editable", "items": [
            {"type": 3, "content": {"version": "KqlItem/1.0", "query": QUERY, "size": 0, "title": "yes",
                                    "queryType": 0, "resourceType": "microsoft.operationalinsights/workspaces",
                                    "visualization": "barchart", "gridSettings": {"sortBy": [{"itemKey": "count_"}]}},
             "name": "query - 2"},
        ]}, "name": "group - 3"},
        {"type": 3, "content": {"query": "  leading spaces\nand a tab\there\n\n\n", "ratio": 0.5, "n": None,
                                "unicode": "caf\u00e9 \u2014 \u4e2d", "numberish": "1.0", "boolish": "true"}},
    ],
    "fallbackResourceIds": ["Azure Monitor"],
    "fromTemplateId": "sentinel-AmazonWebServicesCloudTrail",
    "$schema": "https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json",
}


def _round_trip(tmp_path, data) -> tuple[str, dict]:
    text = json_to_yaml(json.dumps(data), name="Trail")
    path = tmp_path / "workbooks" / "Trail.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return text, json.loads(template_to_json(load_workbook(path).template))


def test_round_trip_is_lossless_and_readable(tmp_path):
    text, back = _round_trip(tmp_path, NOTEBOOK)
    assert back == NOTEBOOK
    assert "query: |-\n" in text and '| where EventName == "CreateUser" \n' in text
    assert "!crlf" not in text


def test_crlf_strings_become_tagged_blocks(tmp_path):
    crlf = json.loads(json.dumps(NOTEBOOK).replace("\\n", "\\r\\n"))
    text, back = _round_trip(tmp_path, crlf)
    assert back == crlf
    assert "query: !crlf |-\n" in text and "\\r" not in text


def test_mixed_workbook_keeps_each_string_exact(tmp_path):
    """Published workbooks mix CRLF queries with LF markdown; a string with both breaks stays quoted."""
    mixed = json.loads(json.dumps(NOTEBOOK))
    mixed["items"][2]["content"]["items"][0]["content"]["query"] = QUERY.replace("\n", "\r\n")
    mixed["items"][3]["content"]["query"] = "one\r\ntwo\nthree\rfour"
    text, back = _round_trip(tmp_path, mixed)
    assert back == mixed
    assert "query: !crlf |-\n" in text and "json: |-\n" in text
    assert '"one\\r\\ntwo\\nthree\\rfour"' in text


@pytest.mark.parametrize("wrap", [
    lambda nb: {"resources": [{"type": "microsoft.insights/workbooks",
                               "properties": {"displayName": "x", "serializedData": json.dumps(nb)}}]},
    lambda nb: {"author": "me", "templateData": nb, "galleries": []},
])
def test_exports_are_unwrapped(wrap):
    assert find_notebook(wrap(NOTEBOOK)) == NOTEBOOK


@pytest.mark.parametrize(("text", "words"), [
    ("{not json", "not valid JSON"),
    ('{"items": []}', "no workbook content"),
    ('{"serializedData": "[concat(\'{\', parameters(\'x\'))]"}', "ARM expression"),
])
def test_bad_input(text, words):
    with pytest.raises(WorkbookFormatError, match=words):
        json_to_yaml(text, name="x")


def test_given_id_must_be_a_guid():
    with pytest.raises(WorkbookFormatError, match="not a GUID"):
        json_to_yaml(json.dumps(NOTEBOOK), name="x", workbook_id="wb-1")
    assert "id: 0f0e0d0c-0b0a-4909-8807-060504030201" in json_to_yaml(
        json.dumps(NOTEBOOK), name="x", workbook_id="0f0e0d0c-0b0a-4909-8807-060504030201")


def test_cli_import_and_export(tmp_path):
    source = tmp_path / "AWS CloudTrail.json"
    source.write_text(json.dumps(NOTEBOOK, indent=2))
    target = tmp_path / "workbooks" / "CloudTrail.yaml"
    target.parent.mkdir()
    runner = CliRunner()
    result = runner.invoke(main, ["workbook", "import", str(source), "-o", str(target), "--name", "CloudTrail"])
    assert result.exit_code == 0, result.output
    assert "name: CloudTrail" in target.read_text()
    result = runner.invoke(main, ["workbook", "export", str(target)])
    assert result.exit_code == 0 and json.loads(result.output) == NOTEBOOK
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    result = runner.invoke(main, ["workbook", "import", str(bad)])
    assert result.exit_code == 1 and "no workbook content" in result.output and "Traceback" not in result.output


def test_cli_export_of_invalid_yaml_is_a_diagnostic(tmp_path):
    path = tmp_path / "workbooks" / "Bad.yaml"
    path.parent.mkdir()
    path.write_text("id: 0f0e0d0c-0b0a-4909-8807-060504030201\nname: x\n")
    result = CliRunner().invoke(main, ["workbook", "export", str(path)])
    assert result.exit_code == 1 and "DET110" in result.output


@pytest.mark.parametrize(("content", "message"), [
    (b'{"version": "Notebook/1.0",\n "items": [}', "bad.json:2:12: not valid JSON"),
    (b'{"version": "Notebook/1.0", "items": ["\xe9"]}', "bad.json:1:40: error: not a UTF-8 text file (byte 0xe9)"),
])
def test_cli_import_of_broken_json_names_file_line_and_column(tmp_path, content, message):
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    result = CliRunner().invoke(main, ["workbook", "import", str(bad)])
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


def test_cli_writes_whole_files_or_reports_the_path(tmp_path):
    source = tmp_path / "wb.json"
    source.write_text(json.dumps(NOTEBOOK))
    (tmp_path / "blocker").write_text("a file where a folder should be")
    unwritable = tmp_path / "blocker" / "wb.yaml"
    result = CliRunner().invoke(main, ["workbook", "import", str(source), "-o", str(unwritable)])
    assert result.exit_code == 2 and f"cannot write {unwritable}" in result.output
    target = tmp_path / "out" / "wb.yaml"
    assert CliRunner().invoke(main, ["workbook", "import", str(source), "-o", str(target)]).exit_code == 0
    assert sorted(p.name for p in target.parent.iterdir()) == ["wb.yaml"]  # no temporary left behind


def test_cli_import_of_deeply_nested_json(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000)
    result = CliRunner().invoke(main, ["workbook", "import", str(deep)])
    assert result.exit_code == 1 and "deep.json:1:1: not valid JSON: nested too deeply to read" in result.output


def test_import_of_a_packaged_workbook_keeps_its_guid_name_and_description(tmp_path):
    """`detections package` writes each workbook as an ARM workbook resource named by the workbook's GUID:
    importing it back must give the same id (so a re-import deploys to the same workbook), not a new one."""
    from detections.package import build_package

    root = tmp_path / "repo"
    (root / "workbooks").mkdir(parents=True)
    original = root / "workbooks" / "Trail.yaml"
    original.write_text(json_to_yaml(json.dumps(NOTEBOOK), name="Trail activity", description="Line one.\nLine two.",
                                     workbook_id="0f0e0d0c-0b0a-4909-8807-060504030201"))
    from detections.content import load_repository

    result = build_package(load_repository(root), tmp_path / "dist", source="s", workspace="w", location="l")
    [packaged] = [path for path in result.files if "workbooks" in str(path)]
    target = tmp_path / "back" / "workbooks" / "Imported.yaml"
    target.parent.mkdir(parents=True)
    imported = CliRunner().invoke(main, ["workbook", "import", str(tmp_path / "dist" / packaged), "-o", str(target)])
    assert imported.exit_code == 0, imported.output
    back, before = load_workbook(target), load_workbook(original)
    assert (back.id, back.name, back.description.strip()) == (before.id, before.name, before.description.strip())
    assert back.template == before.template
    renamed = CliRunner().invoke(main, ["workbook", "import", str(tmp_path / "dist" / packaged), "--name", "Other",
                                        "--id", "1f0e0d0c-0b0a-4909-8807-060504030201"])
    assert "id: 1f0e0d0c-0b0a-4909-8807-060504030201\nname: Other\n" in renamed.output  # options still win
