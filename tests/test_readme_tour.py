"""The README's five-minute tour works as written: its rule validates, its cases pass, it packages."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from detections.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"


def test_tour_rule_validates_tests_and_packages(tmp_path: Path, monkeypatch) -> None:
    rule_yaml, fixture_yaml = re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)[:2]
    (tmp_path / "rules" / "AWSCloudTrail").mkdir(parents=True)
    (tmp_path / "fixtures" / "AWSCloudTrail").mkdir(parents=True)
    (tmp_path / "rules" / "AWSCloudTrail" / "TourTrailStopped.yaml").write_text(rule_yaml)
    (tmp_path / "fixtures" / "AWSCloudTrail" / "TourTrailStopped.tests.yaml").write_text(fixture_yaml)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for args in (["validate", "--strict"], ["test", "--min-cases"], ["package", "--out", "dist"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, f"detections {' '.join(args)}:\n{result.output}"
    assert (tmp_path / "dist" / "azuredeploy.json").is_file()
