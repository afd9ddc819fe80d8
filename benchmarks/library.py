"""The content library's own check time, as `make check` spends it: loading and validating the whole
repository, then running every rule-test case. Measured cold (fresh plan cache) and again warm."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from detections.content.loader import load_repository
from detections.ruletest.runner import fixture_files, run_all
from detections.validate import run as validate


@dataclass
class LibraryTimes:
    """Seconds spent and what was checked."""

    validate_seconds: float
    files: int
    problems: int
    test_seconds: float
    cases: int
    statuses: Counter


def check_library(root: Path) -> LibraryTimes:
    """Validate `root` and run all its rule tests once; the caller decides cold or warm."""
    started = time.perf_counter()
    result = validate(root=root)
    validated = time.perf_counter() - started
    started = time.perf_counter()
    cases = run_all(load_repository(root), fixture_files([root / "fixtures"]))
    tested = time.perf_counter() - started
    return LibraryTimes(validated, result.files, len(result.diagnostics), tested, len(cases),
                        Counter(case.status for case in cases))


def report(root: Path) -> None:
    """Print cold and warm timings of the library check."""
    for label in ("cold", "warm"):
        times = check_library(root)
        per_case = times.test_seconds / times.cases * 1e3 if times.cases else 0.0
        statuses = ", ".join(f"{count} {status}" for status, count in sorted(times.statuses.items()))
        print(f"library check ({label}): validate {times.files} files {times.validate_seconds:.2f} s "
              f"({times.problems} problems); rule tests {times.cases} cases {times.test_seconds:.2f} s "
              f"({per_case:.1f} ms per case; {statuses})")
