"""Workbook queries tested like hunting queries (docs/fixtures.md, "Workbooks").

A workbook's fixture file names the workbook in `rule:`; each case names the query it runs (`query:`:
the item's `name`, its `title`, a dropdown parameter's name, or its path such as `items/3`) and the
values of the workbook parameters that query uses (`parameters:`; the workbook's defaults otherwise).
The query, its placeholders filled as Azure Workbooks fills them (detections.content.workbook_queries),
then runs as a hunting query: once over every record up to `now`, `fires` meaning it returned rows.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from detections.content.durations import parse_duration
from detections.content.model import HuntingQuery, Location, Repository, Workbook
from detections.content.workbook_queries import (
    ALL,
    TIME_RANGE,
    Parameter,
    ParameterError,
    QueryItem,
    TimeRange,
    default_values,
    expand,
    parameters,
    queries,
    used,
)
from detections.diagnostics import Diagnostic
from detections.mappers.times import TimeFormatError, parse_time
from detections.ruletest import FIXTURE_SUFFIX
from detections.ruletest.fixtures import BAD_FIXTURE, MIN_CASES, UNUSED_INPUT
from detections.ruletest.model import Case, FixtureFile


@dataclass
class FilledWorkbookQuery(HuntingQuery):
    """One query of a workbook with one case's parameter values, run as a hunting query; errors in
    its text point into the workbook file."""

    workbook: Workbook | None = None
    item: QueryItem | None = None

    @property
    def query_location(self) -> Location:
        assert self.workbook is not None and self.item is not None
        if self.workbook.source is None:
            return Location(self.workbook.path)
        return self.workbook.source.locate("template", *self.item.path, "query")


class _Problem(Exception):
    """A case that does not fit its workbook: where in the fixture, what, and what to do."""

    def __init__(self, where: tuple[str | int, ...], message: str, hint: str, code: str = BAD_FIXTURE):
        super().__init__(message)
        self.where, self.message, self.hint, self.code = where, message, hint, code


def workbook_cases(workbook: Workbook, fixture: FixtureFile) -> tuple[list[tuple[FilledWorkbookQuery, Case]], list[Diagnostic]]:
    """Each case with the workbook query it runs (its parameters filled), and every problem found."""
    declared = parameters(workbook.template)
    items = queries(workbook.template)
    pairs: list[tuple[FilledWorkbookQuery, Case]] = []
    problems: list[Diagnostic] = []
    for index, case in enumerate(fixture.cases):
        try:
            item = _pick(workbook, items, case.query)
            values = _values(workbook, declared, item, case)
            try:
                text = expand(item.text, declared, values)
            except ParameterError as exc:
                raise _Problem(("parameters", exc.name) if exc.name in case.parameters else ("parameters",),
                               str(exc), f"give it under the case's `parameters:` ({exc.name}: ...)") from None
        except _Problem as problem:
            where = fixture.source.locate("cases", index, *problem.where)
            problems.append(Diagnostic(problem.code, f"case {case.name!r}: {problem.message}", where, hint=problem.hint))
            continue
        content = FilledWorkbookQuery(path=workbook.path, id=workbook.id, name=f"{workbook.name} :: {item.label}",
                                description=workbook.description, query=text, source=workbook.source,
                                workbook=workbook, item=item)
        pairs.append((content, case))
    return pairs, problems


def _pick(workbook: Workbook, items: list[QueryItem], wanted: str | None) -> QueryItem:
    """The query a case names: by path (`items/3`), item or parameter name, or title (any case)."""
    names = [item.label for item in items]
    if wanted is None:
        raise _Problem((), f"a case of a workbook names the query it runs; {workbook.name!r} has: {', '.join(names)}",
                       "add `query: <item name, title or path such as items/3>` to the case")
    key = wanted.strip().lower()
    found = [item for item in items if key in {item.key, (item.name or "").lower(), (item.title or "").lower()}]
    if len(found) == 1:
        return found[0]
    if found:
        raise _Problem(("query",), f"{wanted!r} names {len(found)} queries of {workbook.name!r}",
                       "use the path instead: " + ", ".join(item.key for item in found))
    close = difflib.get_close_matches(wanted, names, n=1)
    raise _Problem(("query",), f"no Log Analytics query {wanted!r} in workbook {workbook.name!r}",
                   f"did you mean {close[0]!r}?" if close else f"its queries: {', '.join(names)}")


def _values(workbook: Workbook, declared: dict[str, Parameter], item: QueryItem, case: Case) -> dict[str, Any]:
    """The workbook's defaults overlaid with the case's values, after checking every given name is a
    parameter the query uses (a value the query never reads tests nothing)."""
    values = default_values(declared, case.now)
    reads = used(item.text, declared)
    for name, raw in case.parameters.items():
        if name not in declared:
            close = difflib.get_close_matches(name, list(declared), n=1)
            raise _Problem(("parameters", name), f"workbook {workbook.name!r} declares no parameter {name!r}",
                           f"did you mean {close[0]!r}?" if close else f"its parameters: {', '.join(declared) or 'none'}")
        if name not in reads:
            raise _Problem(("parameters", name), f"parameter {name!r} is given but query {item.label!r} never reads it",
                           "remove it, or run the query that uses it", UNUSED_INPUT)
        values[name] = _value(declared[name], raw, case.now)
    return values


def _value(parameter: Parameter, raw: Any, now: datetime) -> Any:
    where = ("parameters", parameter.name)
    if parameter.kind == TIME_RANGE:
        return _time_range(raw, now, where)
    if isinstance(raw, list) and all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in raw):
        return [str(v) for v in raw]
    if isinstance(raw, str | int | float) and not isinstance(raw, bool):
        return raw if raw == ALL else str(raw)
    raise _Problem(where, f"parameter {parameter.name!r} takes text, a number or a list of them",
                   f"e.g. {parameter.name}: [\"a\", \"b\"], or {ALL} for the dropdown's All")


def _time_range(raw: Any, now: datetime, where: tuple[str | int, ...]) -> TimeRange:
    """`1d` / `4h` (the last day, hours...), a number of milliseconds, or {start: ..., end: ...}."""
    hint = "e.g. TimeRange: 1d, or TimeRange: {start: -3d, end: -1d}"
    try:
        if isinstance(raw, str):
            return TimeRange(now, parse_duration(raw, compound=True))
        if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0:
            return TimeRange(now, timedelta(milliseconds=raw))
        if isinstance(raw, dict) and set(raw) <= {"start", "end"} and "start" in raw:
            end = parse_time(raw.get("end", "now"), now)
            start = parse_time(raw["start"], now)
            if start < end:
                return TimeRange(end, start_time=start)
    except (ValueError, TimeFormatError) as exc:
        raise _Problem(where, f"time range: {exc}", hint) from None
    raise _Problem(where, f"a time range is a duration or {{start, end}} with start before end, got {raw!r}", hint)


def workbook_policy(repository: Repository, fired: set[tuple[str, str]], tested: set[str], whole_library: bool) -> list[Diagnostic]:
    """--min-cases for workbooks: every Log Analytics query of a workbook has a case that returns rows.
    `fired` holds (workbook id, query path) of firing cases, `tested` the ids of workbooks with a fixture."""
    problems = []
    for workbook in repository.workbooks:
        key = workbook.id.lower()
        if key not in tested and not whole_library:
            continue
        for item in queries(workbook.template):
            if (key, item.key) not in fired:
                where = workbook.source.locate("template", *item.path, "query") if workbook.source else Location(workbook.path)
                problems.append(Diagnostic(
                    MIN_CASES, f"workbook {workbook.name!r}: query {item.label!r} ({item.key}) lacks a case that returns rows "
                               "(`fires: true`)", where,
                    hint=f"add a case with `query: {item.label}` to fixtures/workbooks/{Path(workbook.path).stem}{FIXTURE_SUFFIX} "
                         f"(rule: {workbook.id})"))
    return problems
