"""Simulate Sentinel running a rule: limit each table to the run's window, run the query with the
engine at the run time, then trigger and build alerts (detections.ruletest.alerts).

Windows (docs/rule-tests.md): a Scheduled run at time t sees rows with TimeGenerated in
(t - queryPeriod, t], in every table the query reads. An NRT run sees what arrived since the previous
run: the first run sees every row up to t, each later run (one minute apart) the rows in
(previous run, t]. A hunting query runs once over every row up to `now`.
A timeline replays N runs at queryFrequency (NRT: 1 minute) ending at the case's `now`.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from detections.content.model import AnalyticsRule, HuntingQuery
from detections.kql import KqlError, run_query
from detections.ruletest.alerts import build_alerts, triggered
from detections.ruletest.model import Case, Outcome, Rows, Run
from detections.tables import OTHER_TABLES

NRT_INTERVAL = timedelta(minutes=1)


class QueryFailed(Exception):
    """The engine rejected or failed the query; carries the engine's message and position."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        self.line = line
        self.column = column
        super().__init__(message)


def run_times(rule: AnalyticsRule | HuntingQuery, case: Case) -> list[datetime]:
    """The run times of a case: `now`, or a timeline of runs ending at `now`."""
    runs = case.runs or 1
    scheduled = isinstance(rule, AnalyticsRule) and rule.kind != "NRT" and rule.query_frequency is not None
    step = rule.query_frequency if scheduled else NRT_INTERVAL
    return [case.now - step * (runs - 1 - k) for k in range(runs)]


def window(rule: AnalyticsRule | HuntingQuery, time: datetime, previous: datetime | None) -> tuple[datetime | None, datetime]:
    """(exclusive start, inclusive end) of what a run at `time` sees; start None = no lower bound."""
    if isinstance(rule, AnalyticsRule) and rule.kind != "NRT" and rule.query_period is not None:
        return time - rule.query_period, time
    if isinstance(rule, AnalyticsRule):
        return previous, time
    return None, time


def limit(tables: dict[str, Rows], start: datetime | None, end: datetime) -> dict[str, Rows]:
    """Every table cut to the window on TimeGenerated (Sentinel applies the lookback to each table)."""
    out: dict[str, Rows] = {}
    for name, rows in tables.items():
        out[name] = [
            row for row in rows
            if (tg := row.get("TimeGenerated")) is None or ((start is None or tg > start) and tg <= end)
        ]
    return out


def execute(query: str, tables: dict[str, Rows], now: datetime, case: Case) -> tuple[list[str], Rows, list[str]]:
    """Run the query with the engine: (columns, rows as dicts, warnings)."""
    try:
        # rows of a Sentinel table outside the product keep its declared column types (not their values')
        declared = {name: OTHER_TABLES[name] for name in tables if name in OTHER_TABLES}
        result = run_query(query, tables, now=now, schemas=declared or None, watchlists=case.watchlists or None,
                           externaldata=case.externaldata or None)
    except KqlError as exc:
        raise QueryFailed(exc.message, exc.line, exc.column) from None
    columns = list(result.columns)
    rows = [dict(zip(columns, values, strict=True)) for values in result.rows]
    return columns, rows, [str(w) for w in result.warnings]


def simulate(rule: AnalyticsRule | HuntingQuery, case: Case) -> Outcome:
    """All runs of a case and their alerts (hunting queries: rows only, `fired` = any row)."""
    runs: list[Run] = []
    previous: datetime | None = None
    for time in run_times(rule, case):
        start, end = window(rule, time, previous)
        visible = limit(case.tables, start, end)
        columns, rows, warnings = execute(rule.query, visible, time, case)
        if isinstance(rule, AnalyticsRule):
            fired = triggered(rule, len(rows))
            alerts = build_alerts(rule, rows) if fired else []
        else:
            fired, alerts = bool(rows), []
        seen = {name: f"{len(visible[name])} of {len(given)}" for name, given in case.tables.items()}
        runs.append(Run(time, columns, rows, fired, alerts, warnings, start, seen))
        previous = time
    return Outcome(runs)


def unused_inputs(query: str, case: Case) -> list[tuple[str, str]]:
    """Inputs of a case that its query never reads, as (kind, name): record tables not named in the
    query, watchlists not fetched with _GetWatchlist('alias'), externaldata urls not in the query."""
    lowered = query.lower()
    unused: list[tuple[str, str]] = [
        ("records", table) for table in case.tables if not re.search(rf"(?<![\w.]){re.escape(table)}(?!\w)", query)
    ]
    unused += [
        ("watchlists", alias) for alias in case.watchlists
        if f"'{alias.lower()}'" not in lowered and f'"{alias.lower()}"' not in lowered
    ]
    unused += [("externaldata", url) for url in case.externaldata if url not in query]
    return unused
