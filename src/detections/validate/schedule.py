"""Scheduling checks of Scheduled rules: query frequency and period ranges and their relation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from detections.content.durations import format_duration
from detections.content.model import AnalyticsRule
from detections.diagnostics import Diagnostic
from detections.validate.base import Check, Context, Item

MIN_INTERVAL = timedelta(minutes=5)
MAX_INTERVAL = timedelta(days=14)
LONG_PERIOD = timedelta(days=2)
LONG_PERIOD_MIN_FREQUENCY = timedelta(hours=1)


class IntervalRange(Check):
    code = "DET400"
    title = "query frequency or period out of range"
    description = "`queryFrequency` and `queryPeriod` must each be between 5m and 14d."

    def run(self, item: Item, ctx: Context) -> Iterator[Diagnostic]:
        assert isinstance(item, AnalyticsRule)
        for key, value in (("queryFrequency", item.query_frequency), ("queryPeriod", item.query_period)):
            if value is not None and not MIN_INTERVAL <= value <= MAX_INTERVAL:
                yield self.report(item, (key,), f"{key} is {format_duration(value)}, outside 5m..14d",
                                  "use a value from 5m to 14d")


class PeriodShorterThanFrequency(Check):
    code = "DET401"
    title = "query period shorter than frequency"
    description = "`queryPeriod` must be at least `queryFrequency`, or events between runs are never looked at."

    def run(self, item: Item, ctx: Context) -> Iterator[Diagnostic]:
        assert isinstance(item, AnalyticsRule)
        if item.query_period is not None and item.query_frequency is not None \
                and item.query_period < item.query_frequency:
            yield self.report(item, ("queryPeriod",),
                              f"queryPeriod {format_duration(item.query_period)} is shorter than queryFrequency "
                              f"{format_duration(item.query_frequency)}",
                              "make queryPeriod at least queryFrequency")


class LongPeriodFrequency(Check):
    code = "DET402"
    title = "long query period run too often"
    description = "A `queryPeriod` of 2 days or more needs a `queryFrequency` of at least 1 hour."

    def run(self, item: Item, ctx: Context) -> Iterator[Diagnostic]:
        assert isinstance(item, AnalyticsRule)
        if item.query_period is not None and item.query_frequency is not None \
                and item.query_period >= LONG_PERIOD and item.query_frequency < LONG_PERIOD_MIN_FREQUENCY:
            yield self.report(item, ("queryFrequency",),
                              f"queryPeriod {format_duration(item.query_period)} needs queryFrequency >= 1h, "
                              f"not {format_duration(item.query_frequency)}",
                              "run the rule at most hourly, or shorten queryPeriod below 2d")
