"""Coverage layer, Zero Trust matrix, policy checks and doc pages are derived from the content."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from detections.content.model import (
    AnalyticsRule,
    DataConnector,
    EntityMapping,
    Extension,
    FieldMapping,
    HuntingQuery,
    Repository,
)
from detections.coverage.attack import navigator_layer
from detections.coverage.generate import LAYER_FILE, generated_files, orphan_files, stale_files, write_files
from detections.coverage.matrix import matrix_markdown, principle_matrix
from detections.coverage.pages import CaseSummary, render_pages
from detections.coverage.policy import policy_diagnostics


def make_rule(root: Path, name: str, **overrides) -> AnalyticsRule:
    fields = dict(
        path=root / "rules" / "AWSCloudTrail" / f"{name}.yaml",
        id=f"00000000-0000-0000-0000-{abs(hash(name)) % 10**12:012d}",
        name=name,
        kind="Scheduled",
        description="Detects a thing. Check who did it.",
        severity="High",
        query="AWSCloudTrail | where EventName == 'StopLogging'",
        query_frequency=timedelta(hours=1),
        query_period=timedelta(hours=1),
        trigger_operator="gt",
        trigger_threshold=0,
        tactics=("DefenseEvasion",),
        techniques=("T1562.008",),
        required_data_connectors=(DataConnector("AWS", ("AWSCloudTrail",)),),
        entity_mappings=(EntityMapping("IP", (FieldMapping("Address", "SourceIpAddress"),)),),
        extension=Extension(zero_trust=("assume-breach",), triage="1. Ask the owner."),
    )
    fields.update(overrides)
    return AnalyticsRule(**fields)


def make_repo(root: Path) -> Repository:
    hunt = HuntingQuery(
        path=root / "hunting" / "AWSGuardDuty" / "Severity.yaml",
        id="11111111-1111-1111-1111-111111111111",
        name="GuardDuty severity by activity type",
        description="Hunts.",
        query="AWSGuardDuty | summarize count() by ActivityType",
        tactics=("Discovery",),
        techniques=("T1580",),
        extension=Extension(zero_trust=("assume-breach",)),
    )
    return Repository(
        root=root,
        rules=[
            make_rule(root, "StopLogging"),
            make_rule(root, "DeleteTrail", extension=Extension(zero_trust=("least-privilege", "assume-breach"))),
        ],
        hunting=[hunt],
    )


def test_layer_scores_rules_per_technique_and_tactic(tmp_path: Path) -> None:
    layer = navigator_layer(make_repo(tmp_path))
    entries = {(t["techniqueID"], t["tactic"]): t for t in layer["techniques"]}
    assert entries[("T1562.008", "defense-evasion")]["score"] == 2
    assert "DeleteTrail, StopLogging" in entries[("T1562.008", "defense-evasion")]["comment"]
    assert entries[("T1580", "discovery")]["score"] == 0  # hunting only: listed, not scored
    assert layer["domain"] == "enterprise-attack"
    assert layer["gradient"]["maxValue"] == 2


def test_matrix_counts_each_principle_per_source(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    cells = principle_matrix(repo.rules)
    assert cells[("assume-breach", "AWSCloudTrail")] == ["DeleteTrail", "StopLogging"]
    assert cells[("least-privilege", "AWSCloudTrail")] == ["DeleteTrail"]
    assert cells[("verify-explicitly", "AWSCloudTrail")] == []
    text = matrix_markdown(repo)
    assert "| Assume breach | 2 / 0 | 0 / 1 | 0 / 0 | 0 / 0 |" in text


def test_policy_reports_missing_tactics_principle_and_entities(tmp_path: Path) -> None:
    repo = Repository(
        root=tmp_path,
        rules=[make_rule(tmp_path, "Bare", tactics=(), techniques=(), entity_mappings=(), extension=Extension())],
    )
    codes = sorted(d.code for d in policy_diagnostics(repo))
    assert codes == ["COV001", "COV002", "COV003", "COV004"]
    assert policy_diagnostics(make_repo(tmp_path)) == []


def test_pages_show_triage_entities_and_cases(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    pages = render_pages(repo, lambda item: [CaseSummary("fires on StopLogging", True), CaseSummary("quiet", False)])
    page = pages[Path("rules/AWSCloudTrail/StopLogging.md")]
    assert page.startswith("# StopLogging\n")
    assert "1. Ask the owner." in page
    assert "| IP | Address | `SourceIpAddress` |" in page
    assert "- fires on StopLogging (fires)" in page and "- quiet (stays quiet)" in page
    assert "[T1562.008](https://attack.mitre.org/techniques/T1562/008/)" in page
    assert "| Runs every / looks back | 1h / 1h |" in page
    index = pages[Path("rules/README.md")]
    assert "[StopLogging](AWSCloudTrail/StopLogging.md)" in index


def test_generated_files_are_written_once_and_then_up_to_date(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    docs = tmp_path / "docs"
    files = generated_files(repo, lambda item: [])
    assert stale_files(files, docs) == sorted(files)
    write_files(files, docs)
    assert stale_files(files, docs) == []
    layer = json.loads((docs / LAYER_FILE).read_text())
    assert layer == navigator_layer(repo)
    # a rule removed from the repository leaves an orphan page that the next write deletes
    repo.rules.pop()
    fewer = generated_files(repo, lambda item: [])
    assert orphan_files(fewer, docs) == [Path("rules/AWSCloudTrail/DeleteTrail.md")]
    assert Path("rules/AWSCloudTrail/DeleteTrail.md") in write_files(fewer, docs)
    assert not (docs / "rules/AWSCloudTrail/DeleteTrail.md").exists()
