"""`detections smoke`: run every rule's and hunting query's query on the workspace for a short span,
so a table or column the workspace does not have shows up before the rule is deployed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from detections.content.model import AnalyticsRule, HuntingQuery, Repository
from detections.emulator.iso8601 import format_datetime
from detections.live.target import Workspace


@dataclass(frozen=True)
class SmokeResult:
    kind: str  # "rule" or "hunting"
    item: AnalyticsRule | HuntingQuery
    rows: int | None  # None when the query failed
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def with_time_range(query: str, start: datetime, end: datetime) -> str:
    """Fill the hunting UI's time placeholders ({{StartTimeISO}}, {{EndTimeISO}}) with the window."""
    return query.replace("{{StartTimeISO}}", format_datetime(start)).replace("{{EndTimeISO}}", format_datetime(end))


def _message(error: Exception) -> str:
    line, column = getattr(error, "line", None), getattr(error, "column", None)
    text = getattr(error, "message", None) or str(error)
    return f"query line {line}, column {column}: {text}" if line else text


def smoke(repo: Repository, workspace: Workspace, start: datetime, end: datetime) -> list[SmokeResult]:
    """One result per rule and hunting query, in repository order."""
    items: list[tuple[str, AnalyticsRule | HuntingQuery]] = [
        *(("rule", r) for r in repo.rules), *(("hunting", h) for h in repo.hunting)]
    queries = [with_time_range(item.query, start, end) for _, item in items]
    answers = workspace.run_many(queries, start=start, end=end, now=end)
    return [SmokeResult(kind, item, None, _message(answer)) if isinstance(answer, Exception)
            else SmokeResult(kind, item, len(answer.rows))
            for (kind, item), answer in zip(items, answers, strict=True)]
