"""The content library itself: the counts issue 6 promises, and generated docs that match the content.

Every item's validation and test cases run in `make check`; these tests keep the library's shape
from eroding in a pull request that only runs `make test`.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from detections.content import load_repository
from detections.content.model import Repository
from detections.coverage.cases import case_lookup
from detections.coverage.generate import generated_files, orphan_files, stale_files
from detections.coverage.policy import policy_diagnostics

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def library() -> Repository:
    return load_repository(ROOT)


def test_rule_counts_per_data_source(library: Repository) -> None:
    folders = Counter(rule.path.parent.name for rule in library.rules)
    minimum = {"AWSCloudTrail": 30, "AWSGuardDuty": 8, "AWSVPCFlow": 8, "SecurityEvent": 12, "CrossTable": 4}
    for folder, count in minimum.items():
        assert folders[folder] >= count, f"rules/{folder} has {folders[folder]} rules, the library promises {count}"
    assert {rule.kind for rule in library.rules} == {"Scheduled", "NRT"}


def test_hunting_and_workbook_counts(library: Repository) -> None:
    assert len(library.hunting) >= 25
    assert len(library.workbooks) >= 4
    names = {hunt.name for hunt in library.hunting}
    # the three example queries of the source article (Zero Trust for AWS IaaS)
    for article_query in ("GuardDuty high-severity findings by activity type", "Rejected IPv4 VPC flows",
                          "IAM users created, by region"):
        assert article_query in names


def test_every_rule_meets_the_library_policy(library: Repository) -> None:
    assert [str(d) for d in policy_diagnostics(library)] == []


def test_generated_docs_match_the_content(library: Repository) -> None:
    files = generated_files(library, case_lookup(library, ROOT / "fixtures"))
    docs = ROOT / "docs"
    assert stale_files(files, docs) == [], "run `make docs` and commit the result"
    assert orphan_files(files, docs) == []
