"""`detections validate` / `detections schema` through click: exit codes, formats, output file."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from detections.cli import main


@pytest.fixture(autouse=True)
def in_repo(monkeypatch, repo):
    """Run from the repository folder, as a user would."""
    monkeypatch.chdir(repo.root)


def _run(repo, *args):
    return CliRunner().invoke(main, ["validate", *args])


def test_clean_repository_exits_0_and_warning_fails_only_with_strict(repo):
    repo.rule()
    result = _run(repo, "--strict")
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s) in 1 file" in result.output
    repo.rule(lambda d: d.update(queryFrequence="1h"))  # an unknown key: a warning
    result = _run(repo)
    assert result.exit_code == 0, result.output
    assert "0 error(s), 1 warning(s) in 1 file" in result.output
    assert _run(repo, "--strict").exit_code == 1


def test_errors_exit_1_with_file_line_and_caret(repo):
    repo.rule(lambda d: d.update(severity="Critical"))
    result = _run(repo)
    assert result.exit_code == 1
    assert "rules/AWSCloudTrail/Rule.yaml" in result.output
    assert "severity: Critical" in result.output and "^" in result.output and "DET112" in result.output


def test_broken_yaml_is_one_message_not_a_traceback(repo):
    repo.write("rules/AWSCloudTrail/Broken.yaml", "id: [1,\nname: x\n")
    result = _run(repo)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.count("DET100") == 1


def test_json_and_sarif_to_file(repo):
    repo.rule(lambda d: d.update(relevantTechniques=["T1999"]))
    result = _run(repo, "--format", "json")
    document = json.loads(result.output)
    assert document["summary"]["errors"] == 1
    assert document["diagnostics"][0]["file"] == "rules/AWSCloudTrail/Rule.yaml"
    out = repo.root / "report.sarif"
    result = _run(repo, "--format", "sarif", "--output", str(out))
    assert result.exit_code == 1
    sarif = json.loads(out.read_text())
    assert sarif["runs"][0]["results"][0]["ruleId"] == "DET301"


def test_path_argument_limits_the_report(repo):
    repo.rule(name="Good")
    bad = repo.rule(lambda d: d.update(id="bad", name="Bad"), name="Bad")
    assert _run(repo, "rules/AWSCloudTrail/Good.yaml").exit_code == 0
    assert _run(repo, str(bad)).exit_code == 1
    missing = _run(repo, "rules/nope.yaml")
    assert missing.exit_code == 1 and "no such file or folder" in missing.output


def test_schema_command_prints_self_contained_schemas():
    runner = CliRunner()
    for kind in ("rule", "hunting", "workbook", "extension"):
        result = runner.invoke(main, ["schema", kind])
        assert result.exit_code == 0
        schema = json.loads(result.output)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert ".json" not in json.dumps([v for k, v in _refs(schema)])


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield key, value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_dot_means_the_content_folders_only(repo):
    repo.rule()
    repo.write(".github/workflows/pull-request.yaml", "on: [pull_request]\n")
    repo.write("fixtures/AWSCloudTrail/Rule.tests.yaml", "rule: x\ncases: []\n")
    repo.write("docs/notes/other.yaml", "- a list\n")
    result = _run(repo, ".")
    assert result.exit_code == 0, result.output
    assert "in 1 file" in result.output
    assert _run(repo, "rules").exit_code == 0
