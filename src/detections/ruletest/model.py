"""What a rule test is made of: fixture files, their cases and expectations, and simulated alerts.

Plain dataclasses: the loader builds them from `fixtures/**/*.tests.yaml`, the simulation fills
`Alert`s, and the runner and reporters read both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from detections.content.model import Location, SourceMap

Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class Expectation:
    """What must come out of a case; None means "not checked"."""

    location: Location
    fires: bool | None = None
    alerts: int | None = None
    alert: dict[str, Any] | None = None
    entities: list[dict[str, Any]] | None = None
    details: dict[str, Any] | None = None
    rows: Rows | None = None
    ordered: bool = False
    alerts_per_run: list[int] | None = None


@dataclass
class Case:
    """One test case: the records (already mapped to table rows), the run time and the expectation."""

    name: str
    now: datetime
    tables: dict[str, Rows]
    expect: Expectation
    location: Location
    watchlists: dict[str, Rows] = field(default_factory=dict)
    externaldata: dict[str, Rows] = field(default_factory=dict)
    runs: int | None = None  # timeline mode: number of scheduled runs ending at `now`
    query: str | None = None  # workbook fixtures: the workbook query the case runs (name, title or path)
    parameters: dict[str, Any] = field(default_factory=dict)  # workbook fixtures: parameter name -> value


@dataclass
class FixtureFile:
    """A `*.tests.yaml` file: the content item it tests (by id or path) and its cases."""

    path: Path
    rule: str
    cases: list[Case]
    source: SourceMap


@dataclass(frozen=True)
class Entity:
    type: str
    identifiers: dict[str, str]

    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        return self.type, tuple(sorted(self.identifiers.items()))


@dataclass
class Alert:
    """An alert as Sentinel would raise it from one run of the rule."""

    name: str
    description: str
    severity: str
    tactics: tuple[str, ...]
    entities: list[Entity]
    details: dict[str, list[Any]]
    properties: dict[str, str]
    rows: Rows

    def summary(self) -> dict[str, Any]:
        """The alert as reports and diffs show it."""
        return {
            "name": self.name,
            "description": self.description,
            "severity": self.severity,
            "tactics": list(self.tactics),
            "entities": [{"type": e.type, **e.identifiers} for e in self.entities],
            "details": self.details,
            **({"properties": self.properties} if self.properties else {}),
        }


@dataclass
class Run:
    """One simulated run: when, what the query returned, whether it triggered, which alerts."""

    time: datetime
    columns: list[str]
    rows: Rows
    fired: bool
    alerts: list[Alert]
    warnings: list[str] = field(default_factory=list)
    window_start: datetime | None = None  # exclusive; None: no lower bound
    seen: dict[str, str] = field(default_factory=dict)  # table -> "records in the window of records given"

    def explain(self) -> dict[str, Any]:
        """What this run saw and did, for failure messages (why did it not fire?)."""
        start = "-inf" if self.window_start is None else self.window_start.isoformat().replace("+00:00", "Z")
        return {
            "run": self.time.isoformat().replace("+00:00", "Z"),
            "window": f"({start}, run]",
            "records in window": self.seen,
            "rows": len(self.rows),
            "alerts": len(self.alerts),
        }


@dataclass
class Outcome:
    runs: list[Run]

    @property
    def fired(self) -> bool:
        return any(run.fired for run in self.runs)

    @property
    def alerts(self) -> list[Alert]:
        return [alert for run in self.runs for alert in run.alerts]

    @property
    def rows(self) -> Rows:
        return [row for run in self.runs for row in run.rows]
