"""pytest plugin (entry point `detections`): every case of a `*.tests.yaml` rule test file is a test item.

Files are collected when they lie under the `fixtures/` folder of a content repository (beside `rules/`,
`hunting/` or `workbooks/`) that pytest walks (e.g. `pytest fixtures` or `testpaths = ["tests", "fixtures"]`), or
anywhere with `--detections-fixtures` / the ini option `detections_fixtures = true`. The content root is
the folder holding that `fixtures/` folder (else pytest's rootdir); it is loaded once per session. This
module imports nothing heavy at start-up, since pytest loads it in every run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from detections.ruletest import FIXTURE_SUFFIX


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("detections", "rule tests (detections)")
    group.addoption("--detections-fixtures", action="store_true", default=False,
                    help="collect rule test cases from every *.tests.yaml file pytest walks")
    parser.addini("detections_fixtures", type="bool", default=False,
                  help="collect rule test cases from every *.tests.yaml file pytest walks")


def _content_root(path: Path, config: pytest.Config) -> tuple[Path, bool]:
    """(content root, whether the file is under the fixtures/ folder of a content repository, as
    every command finds it; test data that merely sits in some fixtures/ folder is not)."""
    from detections.content.loader import find_root  # only once a *.tests.yaml file is met

    root = find_root(path.parent)
    if root is not None and root / "fixtures" in path.parents:
        return root, True
    return config.rootpath, False


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if not file_path.name.endswith(FIXTURE_SUFFIX):
        return None
    config = parent.config
    root, in_fixtures = _content_root(file_path, config)
    if in_fixtures or config.getoption("detections_fixtures") or config.getini("detections_fixtures"):
        return RuleTestFile.from_parent(parent, path=file_path, root=root)
    return None


def _repository(config: pytest.Config, root: Path) -> Any:
    cache = config.stash.setdefault(_REPOSITORIES, {})
    if root not in cache:
        from detections.content import load_repository

        cache[root] = load_repository(root, [])
    return cache[root]


_REPOSITORIES = pytest.StashKey[dict]()


class RuleTestFailure(Exception):
    """A case that did not pass; carries the text the report shows."""


class RuleTestFile(pytest.File):
    def __init__(self, *, root: Path, **kwargs: Any):
        super().__init__(**kwargs)
        self.root = root

    def collect(self):  # type: ignore[override]
        from detections.diagnostics import ContentError
        from detections.ruletest.fixtures import load_fixture
        from detections.ruletest.runner import targets

        try:
            fixture = load_fixture(self.path)
            pairs = targets(_repository(self.config, self.root), fixture)
        except ContentError as exc:
            yield BrokenFixture.from_parent(self, name="(fixture file)", problems="\n".join(map(str, exc.diagnostics)))
            return
        for content, case in pairs:
            yield RuleTestCase.from_parent(self, name=case.name, content=content, fixture=fixture, case=case)


class BrokenFixture(pytest.Item):
    def __init__(self, *, problems: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.problems = problems

    def runtest(self) -> None:
        raise RuleTestFailure(self.problems)

    def repr_failure(self, excinfo, style=None):  # type: ignore[override]
        return str(excinfo.value) if isinstance(excinfo.value, RuleTestFailure) else super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, f"{self.path.name}: broken fixture file"


class RuleTestCase(pytest.Item):
    def __init__(self, *, content: Any, fixture: Any, case: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self.content = content
        self.fixture = fixture
        self.case = case

    def runtest(self) -> None:
        from detections.ruletest.report import failure_text
        from detections.ruletest.runner import run_case

        result = run_case(self.content, self.fixture, self.case)
        if result.status != "passed":
            raise RuleTestFailure(f"{self.case.location}: {self.content.name} :: {self.case.name} ({result.status})\n"
                                  f"{failure_text(result)}")

    def repr_failure(self, excinfo, style=None):  # type: ignore[override]
        return str(excinfo.value) if isinstance(excinfo.value, RuleTestFailure) else super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, self.case.location.line - 1, f"{self.content.name} :: {self.case.name}"
