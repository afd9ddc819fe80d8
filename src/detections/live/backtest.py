"""`detections backtest`: how many alerts a rule would have raised each day on real history.

The rule runs at its queryFrequency over its queryPeriod (NRT rules: hourly windows, an
approximation of their one-minute runs), each run is triggered and grouped exactly as the rule tests
do (detections.ruletest.alerts), and suppression holds alerts back after one fires.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from detections.content.model import AnalyticsRule
from detections.live.target import Workspace, floor_to

NRT_WINDOW = timedelta(hours=1)
_JUST_BEFORE = timedelta(microseconds=1)


@dataclass
class DayCount:
    day: date
    runs: int = 0
    runs_alerting: int = 0
    alerts: int = 0
    suppressed: int = 0  # alerts held back by the rule's suppression
    rows: int = 0


@dataclass
class Backtest:
    rule: AnalyticsRule
    start: datetime
    end: datetime
    frequency: timedelta
    period: timedelta
    days: list[DayCount] = field(default_factory=list)

    @property
    def total_alerts(self) -> int:
        return sum(d.alerts for d in self.days)


def run_times(rule: AnalyticsRule, days: int, end: datetime) -> tuple[timedelta, timedelta, list[datetime]]:
    """(frequency, period, run times): runs aligned to the frequency, covering `days` days up to `end`."""
    frequency = rule.query_frequency if rule.kind != "NRT" and rule.query_frequency else NRT_WINDOW
    period = rule.query_period if rule.kind != "NRT" and rule.query_period else frequency
    last = floor_to(end, frequency)
    count = int(timedelta(days=days) / frequency)
    return frequency, period, [last - frequency * (count - 1 - i) for i in range(count)]


def backtest(rule: AnalyticsRule, workspace: Workspace, days: int, end: datetime,
             progress: Callable[[int, int], None] | None = None) -> Backtest:
    from detections.ruletest.alerts import group_rows, triggered

    frequency, period, times = run_times(rule, days, end)
    result = Backtest(rule, times[0] - period if times else end, times[-1] if times else end, frequency, period)
    by_day: dict[date, DayCount] = {}
    quiet_until: datetime | None = None
    for index, moment in enumerate(times):
        answer = workspace.run(rule.query, start=moment - period, end=moment, now=moment)
        day = by_day.setdefault((moment - _JUST_BEFORE).date(), DayCount((moment - _JUST_BEFORE).date()))
        day.runs += 1
        day.rows += len(answer.rows)
        alerts = len(group_rows(rule, answer.rows)) if triggered(rule, len(answer.rows)) else 0
        if alerts and quiet_until is not None and moment < quiet_until:
            day.suppressed += alerts
        elif alerts:
            day.runs_alerting += 1
            day.alerts += alerts
            if rule.suppression_enabled and rule.suppression_duration:
                quiet_until = moment + rule.suppression_duration
        if progress:
            progress(index + 1, len(times))
    result.days = [by_day[d] for d in sorted(by_day)]
    return result
