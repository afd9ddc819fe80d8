"""Reporters: human text with the offending line and caret, JSON, SARIF 2.1.0 for GitHub code scanning."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from detections import report
from detections.content.model import Location
from detections.diagnostics import Diagnostic, Severity


@pytest.fixture
def sample(tmp_path: Path) -> tuple[Path, list[Diagnostic]]:
    rule = tmp_path / "rules" / "AWSCloudTrail" / "Rule.yaml"
    rule.parent.mkdir(parents=True)
    rule.write_text("id: x\nseverity: Critical\nname: [a]\nquery: AWSCloudTrail | evaluate autocluster()\n")
    diagnostics = [
        Diagnostic("DET112", "value not allowed: `severity` is 'Critical'", Location(rule, 2, 11),
                   hint="use one of: Informational, Low, Medium, High"),
        Diagnostic("DET120", "unknown key `nam`", Location(rule, 3, 1), Severity.WARNING),
        Diagnostic("DET903", "evaluate plugin 'autocluster' is not supported", Location(rule, 4, 24),
                   Severity.WARNING),
    ]
    return tmp_path, diagnostics


def render(fmt: str, diagnostics, root: Path, **options) -> str:
    out = io.StringIO()
    report.write(fmt, diagnostics, out, root=root, color=False, **options)
    return out.getvalue()


def test_human_groups_by_file_and_shows_the_line_with_a_caret(sample):
    root, diagnostics = sample
    text = render("human", diagnostics, root, files=1)
    lines = text.splitlines()
    assert "rules/AWSCloudTrail/Rule.yaml" in lines
    assert any(line.startswith("  rules/AWSCloudTrail/Rule.yaml:2:11: error: value not allowed") for line in lines)
    source = next(i for i, line in enumerate(lines) if line.endswith("| severity: Critical"))
    caret_line = lines[source + 1]
    assert caret_line.index("^") == lines[source].index("severity: Critical") + 10  # column 11
    assert "hint: use one of: Informational" in text and "[DET112]" in text
    assert lines[-1] == "1 error(s), 2 warning(s) in 1 file"


def test_human_without_problems_says_so(tmp_path):
    assert "0 error(s), 0 warning(s) in 3 files" in render("human", [], tmp_path, files=3)


def test_json(sample):
    root, diagnostics = sample
    document = json.loads(render("json", diagnostics, root, files=1))
    assert document["summary"] == {"errors": 1, "warnings": 2, "notes": 0, "files": 1}
    first = document["diagnostics"][0]
    assert first == {"code": "DET112", "severity": "error", "message": "value not allowed: `severity` is 'Critical'",
                     "hint": "use one of: Informational, Low, Medium, High",
                     "file": "rules/AWSCloudTrail/Rule.yaml", "line": 2, "column": 11}


def test_sarif_shape_for_github_code_scanning(sample):
    root, diagnostics = sample
    log = json.loads(render("sarif", diagnostics, root))
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "detections"
    assert [rule["id"] for rule in driver["rules"]] == ["DET112", "DET120", "DET903"]
    assert all(rule["shortDescription"]["text"] and rule["fullDescription"]["text"] for rule in driver["rules"])
    assert driver["rules"][1]["defaultConfiguration"]["level"] == "warning"
    first = run["results"][0]
    assert first["ruleId"] == "DET112" and first["ruleIndex"] == 0 and first["level"] == "error"
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "rules/AWSCloudTrail/Rule.yaml", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 2, "startColumn": 11}
    assert "Hint: use one of" in first["message"]["text"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")


def test_sarif_accepts_codes_from_other_producers(tmp_path):
    diagnostic = Diagnostic("RT001", "case failed", Location(tmp_path / "fixtures" / "x.tests.yaml", 4, 3))
    [rule] = json.loads(render("sarif", [diagnostic], tmp_path))["runs"][0]["tool"]["driver"]["rules"]
    assert rule["id"] == "RT001"


@pytest.mark.parametrize(("severities", "strict", "code"), [
    ([], False, 0),
    ([Severity.WARNING], False, 0),
    ([Severity.WARNING], True, 1),
    ([Severity.NOTE], True, 0),
    ([Severity.ERROR], False, 1),
])
def test_exit_code(tmp_path, severities, strict, code):
    diagnostics = [Diagnostic("DET1", "m", Location(tmp_path), severity) for severity in severities]
    assert report.exit_code(diagnostics, strict=strict) == code


def test_human_shows_a_window_of_a_very_long_line(tmp_path):
    path = tmp_path / "rules" / "Long.yaml"
    path.parent.mkdir()
    path.write_text("query: " + "x" * 5000 + "Y" + "z" * 5000 + "\n")
    diagnostic = Diagnostic("DET700", "bad character", Location(path, 1, 5008))
    lines = render("human", [diagnostic], tmp_path).splitlines()
    source = next(line for line in lines if "Y" in line)
    caret = lines[lines.index(source) + 1]
    assert len(source) < 200 and source.split("| ", 1)[1].startswith("...") and source.endswith("...")
    assert caret.index("^") == source.index("Y")
