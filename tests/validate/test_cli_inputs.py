"""Bad command-line input gives a clear message and the documented exit status, never a traceback:
0 ok, 1 findings or failures, 2 usage (a path or option that cannot work)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from detections.cli import main
from ruletest.repo import make_repo


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.output


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


@pytest.fixture
def not_a_folder(tmp_path: Path) -> Path:
    """A path no one can write into: its parent is a regular file (works as root too)."""
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    return blocker / "sub" / "out"


def test_validate_report_to_an_unwritable_path_is_a_usage_error(repo: Path, not_a_folder: Path) -> None:
    code, out = run("validate", str(repo), "--format", "json", "--output", str(not_a_folder))
    assert code == 2 and f"cannot write {not_a_folder}" in out


def test_validate_report_file_is_whole(repo: Path, tmp_path: Path) -> None:
    target = tmp_path / "reports" / "v.sarif"
    code, _ = run("validate", str(repo), "--format", "sarif", "--output", str(target))
    assert code == 0 and target.read_text().startswith("{") and target.read_text().rstrip().endswith("}")
    assert [p.name for p in target.parent.iterdir()] == ["v.sarif"]  # no temporary left behind


def test_validate_a_folder_without_content_is_an_error(repo: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out = run("validate", str(empty))
    assert code == 1 and "no content files" in out


@pytest.mark.parametrize("command", [["validate"], ["package"], ["test"], ["deploy", "--plan-only"], ["drift"],
                                     ["smoke"]])
def test_a_root_without_content_is_a_usage_error(tmp_path: Path, command: list[str]) -> None:
    """Packaging, testing or deploying (with --prune!) an empty folder by mistake must not 'succeed'."""
    code, out = run(*command, "--root", str(tmp_path))
    assert code == 2 and "no rules/, hunting/ or workbooks/ folder" in out


def test_validate_root_names_the_repository_from_anywhere(repo: Path, tmp_path: Path, monkeypatch) -> None:
    """validate takes --root like every command that reads the repository: checks and reported paths
    are relative to it, wherever the command runs."""
    monkeypatch.chdir(tmp_path)
    (repo / "rules" / "AWSCloudTrail" / "TrailStoppedCopy.yaml").write_text(
        (repo / "rules" / "AWSCloudTrail" / "TrailStopped.yaml").read_text())
    code, out = run("validate", "--root", str(repo))
    assert code == 1 and "rules/AWSCloudTrail/TrailStoppedCopy.yaml" in out and "DET200" in out
    code, out = run("validate", "--root", str(repo), str(repo / "rules" / "AWSCloudTrail" / "TrailStopped.yaml"))
    assert code == 0, out  # only the named file is reported on (the copy is the duplicate)


def test_the_root_is_found_upward_from_the_current_folder(repo: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(repo / "rules" / "AWSCloudTrail")
    code, out = run("package", "--out", str(tmp_path / "dist"))
    assert code == 0, out
    assert (tmp_path / "dist" / "manifest.json").is_file()
    monkeypatch.chdir(tmp_path)
    code, out = run("package", "--out", str(tmp_path / "dist2"))
    assert code == 2 and "no content repository here" in out


def test_package_into_an_unwritable_place_is_one_message(repo: Path, not_a_folder: Path) -> None:
    code, out = run("package", "--root", str(repo), "--out", str(not_a_folder))
    assert code == 1 and f"cannot write {not_a_folder}" in out


def test_junit_to_an_unwritable_path_is_a_usage_error(repo: Path, not_a_folder: Path) -> None:
    code, out = run("test", "--root", str(repo), "--junit", str(not_a_folder))
    assert code == 2 and f"cannot write {not_a_folder}" in out


def test_validating_the_fixtures_folder_does_not_read_rule_tests_as_content(repo: Path) -> None:
    (repo / "fixtures" / "hunting" / "AWSCloudTrail").mkdir(parents=True)
    (repo / "fixtures" / "hunting" / "AWSCloudTrail" / "X.tests.yaml").write_text("rule: x\ncases: []\n")
    code, out = run("validate", str(repo / "fixtures"))
    assert code == 1 and "no content files" in out and "X.tests.yaml" not in out


WORKBOOK = """\
id: 0f0e0d0c-0b0a-4909-8807-060504030201
name: Flows
description: Flows.
version: 1.0.0
template:
  version: Notebook/1.0
  items:
    - type: 9
      content:
        version: KqlParameterItem/1.0
        parameters: {parameters}
    - type: 3
      content:
        version: KqlItem/1.0
        query: "AWSVPCFlow | where TimeGenerated {{TimeRange}} | count"
        queryType: 0
        resourceType: microsoft.operationalinsights/workspaces
"""


@pytest.mark.parametrize("parameters", [
    "100000000000000000000000000000",
    "[{name: TimeRange, type: 4, value: {durationMs: 100000000000000000000000000000}}]",
    "[{name: TimeRange, type: 4, value: {durationMs: .nan}}]",
])
def test_hostile_workbook_parameters_are_findings_not_tracebacks(tmp_path: Path, parameters: str) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "workbooks").mkdir()
    (tmp_path / "workbooks" / "Flows.yaml").write_text(WORKBOOK.format(parameters=parameters))
    code, _ = run("validate", str(tmp_path))  # run() asserts there is no traceback
    assert code in (0, 1)
