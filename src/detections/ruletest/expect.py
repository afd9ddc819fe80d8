"""Compare a case's expectation with the simulated outcome; each difference becomes a Mismatch
that reports render as expected-vs-actual with a diff."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from detections.content import jsonio
from detections.mappers.times import TimeFormatError, parse_time
from detections.ruletest.alerts import text
from detections.ruletest.model import Alert, Expectation, Outcome, Rows


@dataclass(frozen=True)
class Mismatch:
    what: str  # e.g. "alerts", "alert[0].name", "entities"
    expected: Any
    actual: Any

    def render(self) -> str:
        """`what`: expected vs actual, as a unified diff when either side spans several lines."""
        exp, act = _pretty(self.expected), _pretty(self.actual)
        if "\n" not in exp and "\n" not in act:
            return f"{self.what}: expected {exp}, got {act}"
        if type(self.expected) is not type(self.actual):
            return f"{self.what}: expected {exp}, got:\n{act}"
        diff = difflib.unified_diff(exp.splitlines(), act.splitlines(), "expected", "actual", lineterm="", n=50)
        return f"{self.what}:\n" + "\n".join(diff)


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=text, ensure_ascii=False)


def matches(expected: Any, actual: Any, now: datetime) -> bool:
    """Subset match: mappings need only the expected keys, lists the same items in any order,
    scalars equal as values or as text (6 matches "6"); a time matches by instant (relative allowed)."""
    if isinstance(expected, dict):
        if isinstance(actual, str) and actual.strip().startswith("{"):
            try:
                actual = jsonio.loads(actual)
            except jsonio.JsonError:
                return False
        return isinstance(actual, dict) and all(k in actual and matches(v, actual[k], now) for k, v in expected.items())
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return False
        remaining = list(actual)
        for item in expected:
            hit = next((i for i, a in enumerate(remaining) if matches(item, a, now)), None)
            if hit is None:
                return False
            remaining.pop(hit)
        return True
    if isinstance(actual, datetime) and not isinstance(expected, bool):
        try:
            return parse_time(expected, now) == actual
        except TimeFormatError:
            return False
    if isinstance(expected, str) and isinstance(actual, str):
        return expected == actual
    return expected == actual or text(expected) == text(actual)


def _detail_matches(expected: Any, values: list[Any], now: datetime) -> bool:
    """A custom detail holds one value per row of the alert: the expected value must be one of them
    (or, given as a list, be the whole list)."""
    return any(matches(expected, v, now) for v in values) or matches(expected, values, now)


def _alert_field(key: str, expected: Any, alert: Alert, now: datetime) -> bool:
    if key == "tactics":
        return {t.lower() for t in expected} <= {t.lower() for t in alert.tactics}
    if key == "severity":
        return str(expected).lower() == alert.severity.lower()
    if key == "properties":
        return matches(expected, alert.properties, now)
    return matches(expected, getattr(alert, key), now)


def _match_rows(expected: Rows, actual: Rows, ordered: bool, now: datetime) -> list[int]:
    """Indexes of expected rows that found no actual row (each actual row used once)."""
    unmatched: list[int] = []
    used: set[int] = set()
    start = 0
    for index, row in enumerate(expected):
        candidates = range(start, len(actual)) if ordered else range(len(actual))
        hit = next((i for i in candidates if i not in used and matches(row, actual[i], now)), None)
        if hit is None:
            unmatched.append(index)
        else:
            used.add(hit)
            start = hit + 1
    return unmatched


def check(expect: Expectation, outcome: Outcome, now: datetime, hunting: bool = False) -> list[Mismatch]:
    """Every way the outcome differs from the expectation (empty: the case passes)."""
    problems: list[Mismatch] = []
    alerts = outcome.alerts
    summaries = [a.summary() for a in alerts]
    if expect.fires is not None and expect.fires != outcome.fired:
        actual: dict[str, Any] = {"fires": outcome.fired, "runs": [run.explain() for run in outcome.runs]}
        actual.update({"rows": outcome.rows} if hunting else {"alerts": summaries})
        problems.append(Mismatch("fires", expect.fires, actual))
    if expect.alerts is not None and expect.alerts != len(alerts):
        problems.append(Mismatch("alerts", expect.alerts, len(alerts)))
    if expect.alerts_per_run is not None:
        actual_runs = [len(run.alerts) for run in outcome.runs]
        if actual_runs != expect.alerts_per_run:
            problems.append(Mismatch("alerts_per_run", expect.alerts_per_run, actual_runs))
    if problems and problems[0].what == "fires" and not alerts:
        return problems  # nothing raised: the alert checks below would only repeat that
    if expect.alert:
        if not alerts:
            problems.append(Mismatch("alert", expect.alert, "no alert was raised"))
        for index, alert in enumerate(alerts):
            wrong = [k for k, v in expect.alert.items() if not _alert_field(k, v, alert, now)]
            if wrong:
                actual = alert.summary()
                problems.append(Mismatch(f"alert[{index}]", expect.alert, {k: actual.get(k) for k in expect.alert}))
                break
    if expect.entities:
        found = [{"type": e.type, **e.identifiers} for a in alerts for e in a.entities]
        for entity in expect.entities:
            if not any(e["type"].lower() == str(entity["type"]).lower() and
                       matches({k: v for k, v in entity.items() if k != "type"}, e, now) for e in found):
                problems.append(Mismatch("entities", entity, found))
    if expect.details:
        for key, value in expect.details.items():
            values = [v for a in alerts for v in a.details.get(key, [])]
            if not _detail_matches(value, values, now):
                problems.append(Mismatch(f"details.{key}", value, values if values else "no such custom detail"))
    if expect.rows:
        actual_rows = outcome.rows
        missing = _match_rows(expect.rows, actual_rows, expect.ordered, now)
        if missing:
            label = "rows (in order)" if expect.ordered else "rows"
            problems.append(Mismatch(label, [expect.rows[i] for i in missing], actual_rows))
    return problems
