"""Load `fixtures/**/*.tests.yaml` (format: docs/fixtures.md) into FixtureFile objects.

Every problem (bad YAML, unknown key, unknown table column, a record that does not map, a bad time)
becomes one Diagnostic at the file:line:column of the offending key or record, raised as ContentError.
Records are mapped to table rows here, once, with relative times resolved against the case's `now`.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from detections.content import jsonio
from detections.content.model import Location, SourceMap
from detections.content.yamlio import parse_yaml_value, read_text, read_yaml
from detections.diagnostics import ContentError, Diagnostic
from detections.mappers import MAPPERS, MapError
from detections.mappers.rows import coerce_row
from detections.mappers.times import DEFAULT_NOW, NOW_YEARS, TimeFormatError, parse_time
from detections.ruletest.model import Case, Expectation, FixtureFile, Rows
from detections.tables import OTHER_TABLES, TABLES

# Diagnostic codes of rule tests (documented in docs/rule-tests.md).
BAD_FIXTURE = "DET650"
UNKNOWN_CONTENT = "DET651"
UNMAPPABLE = "DET652"
BAD_TIME = "DET653"
UNUSED_INPUT = "DET654"
QUERY_FAILED = "DET655"
MIN_CASES = "DET656"

KeyPath = tuple[str | int, ...]
MAX_RUNS = 1000  # a timeline replays the case's records once per run: keep a typo from running for hours
_FILE_HINT = "a fixture file is a mapping with `rule:` and `cases:` (see docs/fixtures.md)"

# Allowed keys per level: key -> (accepted types, what to write).
_TOP = {"rule": (str, "a rule, hunting query or workbook id"), "watchlists": (dict, "a mapping"),
        "externaldata": (dict, "a mapping"), "cases": (list, "a list of cases")}
_CASE = {"name": (str, "text"), "now": ((str, int), "a time"), "records": (dict, "a mapping of format or table -> records"),
         "watchlists": (dict, "a mapping"), "externaldata": (dict, "a mapping"),
         "timeline": (dict, "a mapping such as {runs: 4}"), "expect": (dict, "a mapping"),
         "query": (str, "the workbook query to run: its name, title or path such as items/3"),
         "parameters": (dict, "a mapping of workbook parameter: value")}
_EXPECT = {"fires": (bool, "true or false"), "alerts": (int, "a number"), "alert": (dict, "a mapping"),
           "entities": (list, "a list of {type: ..., <identifier>: ...}"), "details": (dict, "a mapping"),
           "rows": (list, "a list of row mappings"), "ordered": (bool, "true or false"),
           "alerts_per_run": (list, "a list of numbers")}
_ALERT = {"name": (str, "text"), "description": (str, "text"), "severity": (str, "text"),
          "tactics": (list, "a list of tactics"), "properties": (dict, "a mapping")}
_TIMELINE = {"runs": (int, "a number of runs")}


class _Reader:
    """Structure checks for one file, each failure raised as a located ContentError."""

    def __init__(self, path: Path, source: SourceMap):
        self.path = path
        self.source = source

    def fail(self, where: KeyPath, message: str, hint: str | None = None, code: str = BAD_FIXTURE) -> ContentError:
        return ContentError([Diagnostic(code, message, self.source.locate(*where), hint=hint)])

    def location(self, where: KeyPath) -> Location:
        return self.source.locate(*where)

    def mapping(self, data: Any, where: KeyPath, allowed: dict[str, tuple[Any, str]], required: tuple[str, ...], what: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(where, f"{what} must be a mapping, got {_kind(data)}")
        for key, value in data.items():
            if key not in allowed:
                close = difflib.get_close_matches(key, list(allowed), n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"allowed keys: {', '.join(allowed)}"
                raise self.fail((*where, key), f"unknown key {key!r} in {what}", hint)
            types, expected = allowed[key]
            if value is not None and (not isinstance(value, types) or (types is int and isinstance(value, bool))):
                raise self.fail((*where, key), f"{key} must be {expected}, got {_kind(value)}")
        for key in required:
            if data.get(key) is None:
                raise self.fail(where, f"{what} has no {key!r}", f"add `{key}:` (see docs/fixtures.md)")
        return data


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", type(None): "nothing"}.get(type(value), type(value).__name__)


def load_fixture(path: Path) -> FixtureFile:
    """Read, check and map one fixture file; ContentError (one located diagnostic) when it is broken."""
    data, source = read_yaml(Path(path), _FILE_HINT)
    reader = _Reader(Path(path), source)
    top = reader.mapping(data, (), _TOP, ("rule", "cases"), "the fixture file")
    shared_watchlists = _rows_by_name(reader, top.get("watchlists") or {}, ("watchlists",))
    shared_external = _rows_by_name(reader, top.get("externaldata") or {}, ("externaldata",))
    if not top["cases"]:
        raise reader.fail(("cases",), "the fixture file has no cases", "add at least one case under `cases:`")
    cases: list[Case] = []
    names: set[str] = set()
    for index, raw in enumerate(top["cases"]):
        case = _case(reader, raw, ("cases", index), shared_watchlists, shared_external)
        if case.name in names:
            raise reader.fail(("cases", index, "name"), f"two cases are named {case.name!r}", "give every case its own name")
        names.add(case.name)
        cases.append(case)
    return FixtureFile(Path(path), str(top["rule"]).strip(), cases, source)


def _case(reader: _Reader, raw: Any, where: KeyPath, watchlists: dict[str, Rows], external: dict[str, Rows]) -> Case:
    data = reader.mapping(raw, where, _CASE, ("name", "expect"), "a case")
    now = DEFAULT_NOW
    if data.get("now") is not None:
        try:
            now = parse_time(data["now"], DEFAULT_NOW)
        except TimeFormatError as exc:
            raise reader.fail((*where, "now"), str(exc), code=BAD_TIME) from None
        if not NOW_YEARS[0] <= now.year <= NOW_YEARS[1]:
            raise reader.fail((*where, "now"), f"now must lie in the years {NOW_YEARS[0]} to {NOW_YEARS[1]}",
                              "the simulation runs the rule at times before `now`; pick a realistic date",
                              code=BAD_TIME)
    runs = None
    if data.get("timeline") is not None:
        timeline = reader.mapping(data["timeline"], (*where, "timeline"), _TIMELINE, ("runs",), "timeline")
        runs = timeline["runs"]
        if not 1 <= runs <= MAX_RUNS:
            raise reader.fail((*where, "timeline", "runs"), f"timeline runs must be between 1 and {MAX_RUNS}",
                              "a timeline replays a few runs around the attack; split longer stories into cases")
    return Case(
        name=str(data["name"]),
        now=now,
        tables=_tables(reader, data.get("records") or {}, (*where, "records"), now, str(data["name"])),
        expect=_expect(reader, data["expect"], (*where, "expect"), runs),
        location=reader.location(where),
        watchlists={**watchlists, **_rows_by_name(reader, data.get("watchlists") or {}, (*where, "watchlists"))},
        externaldata={**external, **_rows_by_name(reader, data.get("externaldata") or {}, (*where, "externaldata"))},
        runs=runs,
        query=data.get("query"),
        parameters=dict(data.get("parameters") or {}),
    )


def _expect(reader: _Reader, raw: Any, where: KeyPath, runs: int | None) -> Expectation:
    data = reader.mapping(raw, where, _EXPECT, (), "expect")
    if all(data.get(key) is None for key in _EXPECT if key != "ordered"):
        raise reader.fail(where, "expect checks nothing", "state at least `fires: true` or `fires: false` (see docs/fixtures.md)")
    if data.get("alert") is not None:
        alert = reader.mapping(data["alert"], (*where, "alert"), _ALERT, (), "expect.alert")
        tactics = alert.get("tactics", [])
        if not isinstance(tactics, list) or not all(isinstance(t, str) for t in tactics):
            raise reader.fail((*where, "alert", "tactics"), "tactics must be a list of tactic names",
                              "e.g. tactics: [InitialAccess, Persistence]")
    for index, entity in enumerate(data.get("entities") or []):
        if not isinstance(entity, dict) or not isinstance(entity.get("type"), str) or len(entity) < 2:
            raise reader.fail((*where, "entities", index), "an expected entity is a mapping with `type` and at least one identifier",
                              "e.g. {type: IP, Address: 198.51.100.7}")
    for index, row in enumerate(data.get("rows") or []):
        if not isinstance(row, dict):
            raise reader.fail((*where, "rows", index), f"an expected row must be a mapping of column: value, got {_kind(row)}")
    per_run = data.get("alerts_per_run")
    if per_run is not None:
        if runs is None:
            raise reader.fail((*where, "alerts_per_run"), "alerts_per_run needs a timeline", "add `timeline: {runs: N}` to the case")
        if len(per_run) != runs or not all(isinstance(n, int) and not isinstance(n, bool) for n in per_run):
            raise reader.fail((*where, "alerts_per_run"), f"alerts_per_run must list {runs} numbers, one per run")
    return Expectation(
        location=reader.location(where),
        fires=data.get("fires"),
        alerts=data.get("alerts"),
        alert=data.get("alert"),
        entities=data.get("entities"),
        details=data.get("details"),
        rows=data.get("rows"),
        ordered=bool(data.get("ordered")),
        alerts_per_run=per_run,
    )


def _record_key(reader: _Reader, key: str, where: KeyPath) -> None:
    known = [*MAPPERS, *TABLES, *OTHER_TABLES]
    near = {name.lower(): name for name in known}.get(key.lower())
    if key in known or near is None and key.isidentifier():
        return
    hint = f"did you mean {near!r}?" if near else f"use a format ({', '.join(MAPPERS)}) or a table name ({', '.join(TABLES)})"
    raise reader.fail(where, f"unknown records key {key!r}", hint)


def _tables(reader: _Reader, records: dict[str, Any], where: KeyPath, now: datetime, case: str) -> dict[str, Rows]:
    tables: dict[str, Rows] = {}
    for key, value in records.items():
        here = (*where, key)
        _record_key(reader, key, here)
        mapper = MAPPERS.get(key)
        try:
            if mapper is not None:
                rows = [row for _, row in mapper.map_records(value, now)]
                table = mapper.table
            else:
                table = key
                schema = TABLES.get(key) or OTHER_TABLES.get(key)  # declared types; None: typed by value
                rows = [coerce_row(key, schema, _row_mapping(item, index), now, (index,))
                        for index, item in enumerate(value if isinstance(value, list) else [value])]
        except MapError as exc:
            record = "".join(f"[{p}]" if isinstance(p, int) else f" {p}" if p.startswith("line ") else f".{p}" for p in exc.path)
            field = f", field {exc.field!r}" if exc.field else ""
            raise ContentError([Diagnostic(
                UNMAPPABLE, f"case {case!r}: record {key}{record}{field}: {exc.message}",
                _record_location(reader, here, exc.path),
                hint="fix the record (see the mapping tables in docs/fixtures.md)",
            )]) from None
        tables.setdefault(table, []).extend(rows)
    return tables


def _record_location(reader: _Reader, key: KeyPath, record: tuple[str | int, ...]) -> Location:
    """Where a record is: its YAML node, or for line N of a text block (`vpcflow: |`) that line."""
    if record and isinstance(record[0], str) and record[0].startswith("line "):
        at = reader.location(key)
        return Location(at.path, at.line + int(record[0][5:]), at.column)
    return reader.location((*key, *record))


def _row_mapping(item: Any, index: int) -> Mapping[str, Any]:
    if not isinstance(item, dict):
        raise MapError((index,), None, f"a table row must be a mapping of column: value, got {_kind(item)}")
    return item


def _rows_by_name(reader: _Reader, data: dict[str, Any], where: KeyPath) -> dict[str, Rows]:
    """Watchlist or externaldata contents: name -> rows, given inline or as a file (csv, json, yaml)."""
    out: dict[str, Rows] = {}
    for name, value in data.items():
        here = (*where, name)
        rows = _rows_file(reader, value, here) if isinstance(value, str) else value
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise reader.fail(here, f"{name!r} must be a list of row mappings or the path of a csv/json/yaml file")
        out[str(name)] = rows
    return out


def _rows_file(reader: _Reader, relative: str, where: KeyPath) -> Any:
    path = reader.path.parent / relative
    if not path.is_file():
        raise reader.fail(where, f"file {relative!r} not found (paths are relative to {reader.path.parent})")
    try:
        text = read_text(path)
        if path.suffix.lower() == ".csv":
            return list(csv.DictReader(io.StringIO(text, newline="")))
        if path.suffix.lower() == ".json":
            try:
                return jsonio.loads(text)
            except jsonio.JsonError as exc:
                raise reader.fail(where, f"{relative}:{exc.lineno}:{exc.colno}: JSON does not parse: {exc.msg}") from None
        return parse_yaml_value(text, path)
    except ContentError as exc:
        first = exc.diagnostics[0]
        raise reader.fail(where, f"{relative}:{first.location.line}:{first.location.column}: {first.message}") from None
    except csv.Error as exc:
        raise reader.fail(where, f"{relative}: CSV does not parse: {exc}") from None
