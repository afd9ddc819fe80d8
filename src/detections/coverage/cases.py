"""Test cases per content item, read from fixtures/ for the documentation pages."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from detections.content.model import AnalyticsRule, HuntingQuery, Repository
from detections.coverage.pages import CaseLookup, CaseSummary
from detections.diagnostics import ContentError
from detections.ruletest.fixtures import load_fixture
from detections.ruletest.runner import fixture_files, resolve


def case_lookup(repository: Repository, fixtures_dir: Path) -> CaseLookup:
    """A lookup from a rule or hunting query to its test cases.

    Broken fixture files are left out here: `detections test` is where they are reported.
    """
    by_item: dict[str, list[CaseSummary]] = defaultdict(list)
    for path in fixture_files([fixtures_dir]):
        try:
            fixture = load_fixture(path)
            item = resolve(repository, fixture)
        except ContentError:
            continue
        by_item[item.id.lower()] += [CaseSummary(case.name, case.expect.fires) for case in fixture.cases]

    def lookup(item: AnalyticsRule | HuntingQuery) -> list[CaseSummary]:
        return by_item.get(item.id.lower(), [])

    return lookup
