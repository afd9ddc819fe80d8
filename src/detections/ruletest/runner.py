"""Find fixture files, link them to their content, run every case and collect results.

The repository is loaded once per session and each case runs the query through the engine (which
caches parsed queries), so the whole library runs in seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from detections.content.loader import walk_files
from detections.content.model import AnalyticsRule, HuntingQuery, Location, Repository, Workbook
from detections.content.querymap import string_location
from detections.diagnostics import ContentError, Diagnostic
from detections.ruletest import FIXTURE_SUFFIX
from detections.ruletest.expect import Mismatch, check
from detections.ruletest.fixtures import (
    BAD_FIXTURE,
    MIN_CASES,
    QUERY_FAILED,
    UNKNOWN_CONTENT,
    UNUSED_INPUT,
    load_fixture,
)
from detections.ruletest.model import Case, FixtureFile, Outcome
from detections.ruletest.simulate import QueryFailed, simulate, unused_inputs
from detections.ruletest.workbooks import FilledWorkbookQuery, workbook_cases, workbook_policy

Status = Literal["passed", "failed", "error"]
Content = AnalyticsRule | HuntingQuery


@dataclass
class CaseResult:
    path: Path
    content: str  # the rule / hunting query name
    case: str
    status: Status
    seconds: float
    mismatches: list[Mismatch] = field(default_factory=list)
    error: Diagnostic | None = None
    outcome: Outcome | None = None
    content_kind: Literal["rule", "hunting"] = "rule"


def fixture_files(paths: Iterable[Path]) -> list[Path]:
    """`*.tests.yaml` files named or found under the given paths, sorted, without duplicates."""
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found.update(walk_files(path, lambda p: p.name.endswith(FIXTURE_SUFFIX)))
        elif path.is_file():
            found.add(path)
    return sorted(found)


def resolve(repository: Repository, fixture: FixtureFile) -> Content | Workbook:
    """The rule, hunting query or workbook a fixture tests: by id, or by path relative to the repository."""
    testable = (*repository.rules, *repository.hunting, *repository.workbooks)
    item = repository.by_id(fixture.rule)
    if item is None:
        wanted = (repository.root / fixture.rule).resolve()
        item = next((c for c in testable if Path(c.path).resolve() == wanted), None)
    if item is None:
        stem = fixture.path.name.removesuffix(FIXTURE_SUFFIX)
        namesake = next((c for c in testable if Path(c.path).stem == stem), None)
        hint = (f"{namesake.path} has id {namesake.id}: use it as `rule:`" if namesake else
                "set `rule:` to the `id` of the rule, hunting query or workbook under test (or its path from the "
                "repository root)")
        raise ContentError([Diagnostic(
            UNKNOWN_CONTENT, f"no analytics rule, hunting query or workbook with id {fixture.rule!r}",
            fixture.source.locate("rule"), hint=hint,
        )])
    return item


def targets(repository: Repository, fixture: FixtureFile) -> list[tuple[Content, Case]]:
    """Each case with the query it runs: the rule or hunting query under test, or for a workbook the
    query the case names with its parameter values. ContentError with every problem of the file."""
    item = resolve(repository, fixture)
    if isinstance(item, Workbook):
        pairs, problems = workbook_cases(item, fixture)
    else:
        pairs = [(item, case) for case in fixture.cases]
        problems = [
            Diagnostic(BAD_FIXTURE, f"case {case.name!r}: `{key}` applies only to a workbook's cases",
                       fixture.source.locate("cases", index, key), hint=f"remove `{key}:`")
            for index, case in enumerate(fixture.cases)
            for key, value in (("query", case.query), ("parameters", case.parameters)) if value
        ]
    problems += fixture_errors(fixture, pairs)
    if problems:
        raise ContentError(problems)
    return pairs


_ALERT_CHECKS = ("alerts", "alert", "entities", "details", "alerts_per_run")


def fixture_errors(fixture: FixtureFile, pairs: list[tuple[Content, Case]]) -> list[Diagnostic]:
    """Problems only visible once the content is known: inputs the query never reads (such a case does
    not test what it claims) and alert expectations on a hunting query (which raises no alerts)."""
    errors = []
    position = {id(case): index for index, case in enumerate(fixture.cases)}
    for content, case in pairs:
        index = position[id(case)]
        if isinstance(content, HuntingQuery):
            what = "a workbook query" if isinstance(content, FilledWorkbookQuery) else "a hunting query"
            errors += [
                Diagnostic(BAD_FIXTURE, f"case {case.name!r}: `{key}` does not apply to {what} (it raises no alerts)",
                           fixture.source.locate("cases", index, "expect", key), hint="use `fires` and `rows`")
                for key in _ALERT_CHECKS if getattr(case.expect, key) is not None
            ]
        for kind, name in unused_inputs(content.query, case):
            if kind == "records":
                where = fixture.source.locate("cases", index, "records")
                message = f"records for table {name} are given but the query of {content.name!r} never reads that table"
            else:
                where = fixture.source.locate("cases", index, kind, name)
                if where.line == fixture.source.locate("cases", index).line:
                    where = fixture.source.locate(kind, name)
                message = f"{kind} {name!r} is given but the query of {content.name!r} never reads it"
            errors.append(Diagnostic(UNUSED_INPUT, f"case {case.name!r}: {message}", where,
                                     hint="remove it, or fix the name to the one the query uses"))
    return errors


def run_case(content: Content, fixture: FixtureFile, case: Case) -> CaseResult:
    started = time.perf_counter()
    try:
        outcome = simulate(content, case)
    except QueryFailed as exc:
        where = string_location(content.query_location, exc.line, exc.column)
        error = Diagnostic(QUERY_FAILED, f"case {case.name!r}: the query failed: {exc}", where,
                           hint="fix the query, or report the engine gap if Sentinel accepts it")
        return CaseResult(fixture.path, content.name, case.name, "error", time.perf_counter() - started, error=error)
    mismatches = check(case.expect, outcome, case.now, hunting=isinstance(content, HuntingQuery))
    status: Status = "failed" if mismatches else "passed"
    kind: Literal["rule", "hunting"] = "hunting" if isinstance(content, HuntingQuery) else "rule"
    return CaseResult(fixture.path, content.name, case.name, status, time.perf_counter() - started, mismatches,
                      outcome=outcome, content_kind=kind)


def _file_error(path: Path, diagnostics: list[Diagnostic]) -> CaseResult:
    return CaseResult(path, "", "(fixture file)", "error", 0.0, error=diagnostics[0])


def run_fixture(repository: Repository, path: Path, keyword: str | None = None) -> list[CaseResult]:
    """Every (selected) case of one fixture file; a broken file is one error result."""
    try:
        fixture = load_fixture(path)
        pairs = targets(repository, fixture)
    except ContentError as exc:
        return [_file_error(path, exc.diagnostics)]
    return [run_case(content, fixture, case) for content, case in pairs if selected(keyword, fixture, case)]


def selected(keyword: str | None, fixture: FixtureFile, case: Case) -> bool:
    """`-k` filter: a case-insensitive substring of the case name, the rule id or the file name."""
    if not keyword:
        return True
    word = keyword.lower()
    return word in case.name.lower() or word in fixture.rule.lower() or word in fixture.path.name.lower()


def run_all(repository: Repository, paths: list[Path], keyword: str | None = None,
            progress: Callable[[Path], None] | None = None) -> list[CaseResult]:
    results: list[CaseResult] = []
    for path in paths:
        results.extend(run_fixture(repository, path, keyword))
        if progress:
            progress(path)
    return results


def min_cases(repository: Repository, paths: list[Path], whole_library: bool) -> list[Diagnostic]:
    """The policy: every analytics rule has a case that fires and one that stays quiet, every hunting
    query and every query of a workbook a case that returns rows. With `whole_library`, content
    without any fixture is reported too."""
    firing: dict[str, bool] = {}
    quiet: dict[str, bool] = {}
    tested: set[str] = set()
    workbook_fired: set[tuple[str, str]] = set()
    for path in paths:
        try:
            fixture = load_fixture(path)
            pairs = targets(repository, fixture)
        except ContentError:
            continue  # reported by the run itself
        for content, case in pairs:
            key = content.id.lower()
            tested.add(key)
            fires = case.expect.fires if case.expect.fires is not None else (
                None if case.expect.alerts is None else case.expect.alerts > 0)
            firing[key] = firing.get(key, False) or fires is True
            quiet[key] = quiet.get(key, False) or fires is False
            if isinstance(content, FilledWorkbookQuery) and content.item is not None and fires is True:
                workbook_fired.add((key, content.item.key))
    problems: list[Diagnostic] = []
    for item in (*repository.rules, *repository.hunting):
        key = item.id.lower()
        if key not in tested and not whole_library:
            continue
        missing = []
        if not firing.get(key):
            missing.append("a case that fires (`fires: true`)")
        if isinstance(item, AnalyticsRule) and not quiet.get(key):
            missing.append("a case that stays quiet (`fires: false`)")
        if missing:
            kind = "analytics rule" if isinstance(item, AnalyticsRule) else "hunting query"
            problems.append(Diagnostic(
                MIN_CASES, f"{kind} {item.name!r} lacks {' and '.join(missing)}", Location(Path(item.path)),
                hint=f"add the case(s) to fixtures/<folder>/{Path(item.path).stem}{FIXTURE_SUFFIX} (rule: {item.id})",
            ))
    return problems + workbook_policy(repository, workbook_fired, tested, whole_library)
