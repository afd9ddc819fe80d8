"""`detections test <fixture>` without --root finds the repository beside fixtures/, also when the
fixture sits in fixtures/hunting/ (a folder named like a content folder)."""

from click.testing import CliRunner

from detections.cli import main

from .repo import HUNT_FIXTURE, make_repo


def test_hunting_fixture_path_without_root(tmp_path):
    root = make_repo(tmp_path)
    fixture = root / "fixtures/hunting/AWSCloudTrail/StopLoggingCalls.tests.yaml"
    fixture.parent.mkdir(parents=True)
    fixture.write_text(HUNT_FIXTURE)
    (root / "fixtures/AWSCloudTrail/StopLoggingCalls.tests.yaml").unlink()
    result = CliRunner().invoke(main, ["test", str(fixture)])
    assert result.exit_code == 0, result.output
    assert "1 passed" in result.output
