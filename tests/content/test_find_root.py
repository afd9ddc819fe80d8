"""find_root: the repository a path belongs to, also from inside fixtures/ whose sub-folders mirror
the content folders (fixtures/hunting/, fixtures/workbooks/)."""

from pathlib import Path

from detections.content.loader import find_root


def _tree(root: Path, *folders: str) -> None:
    for folder in folders:
        (root / folder).mkdir(parents=True)


def test_fixture_under_fixtures_hunting_finds_the_repository(tmp_path):
    _tree(tmp_path, "rules/AWSCloudTrail", "hunting/AWSGuardDuty", "fixtures/hunting/AWSGuardDuty")
    fixture = tmp_path / "fixtures/hunting/AWSGuardDuty/X.tests.yaml"
    fixture.write_text("rule: x\n")
    assert find_root(fixture) == tmp_path.resolve()
    assert find_root(tmp_path / "fixtures") == tmp_path.resolve()


def test_fixtures_workbooks_folder_is_not_a_root(tmp_path):
    _tree(tmp_path, "workbooks", "fixtures/workbooks")
    assert find_root(tmp_path / "fixtures/workbooks") == tmp_path.resolve()


def test_a_lone_fixtures_folder_is_still_found(tmp_path):
    # nothing above qualifies: a repository that happens to be named fixtures/ is still a repository
    _tree(tmp_path, "fixtures/rules/T")
    assert find_root(tmp_path / "fixtures/rules/T") == (tmp_path / "fixtures").resolve()


def test_nearest_content_folder_wins_and_none_outside(tmp_path):
    _tree(tmp_path, "outer/rules", "outer/inner/hunting", "elsewhere")
    assert find_root(tmp_path / "outer/inner") == (tmp_path / "outer/inner").resolve()
    assert find_root(tmp_path / "elsewhere") is None

