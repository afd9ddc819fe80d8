"""Where a query runs: the workspace named by --workspace-id (Azure or the emulator), or local files
given with --table; and the --timespan option, read the way the Log Analytics API reads it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

from detections.live.errors import LiveUsageError
from detections.live.local import LocalResult, LocalWorkspace


class Workspace(Protocol):
    def run(self, query: str, *, start: datetime | None = None, end: datetime | None = None,
            now: datetime | None = None) -> LocalResult: ...

    def run_many(self, queries: list[str], *, start: datetime | None = None, end: datetime | None = None,
                 now: datetime | None = None) -> list[LocalResult | Exception]: ...


def open_workspace(workspace_id: str | None, tables: Sequence[str]) -> Workspace:
    """Local files when --table is given (offline, our engine), else the workspace by ID."""
    if tables:
        from detections.live.files import load_table, parse_table_option

        local = LocalWorkspace()
        for option in tables:
            table, rows = load_table(*parse_table_option(option))
            local.add_rows(table, rows, typed=True)
        return local
    if not workspace_id:
        raise LiveUsageError("no workspace: give --workspace-id (or set AZURE_WORKSPACE_ID), or query local files "
                        "with --table AWSCloudTrail=path")
    from detections.live.remote import RemoteWorkspace

    return RemoteWorkspace(workspace_id)


def parse_timespan(text: str | None, now: datetime) -> tuple[datetime | None, datetime | None]:
    """`1d`, `PT1H` or `2026-01-01T00:00:00Z/2026-01-02T00:00:00Z` -> [start, end); None: no limit."""
    if not text:
        return None, None
    from detections.content.durations import parse_duration
    from detections.emulator import iso8601

    try:
        if "/" in text:
            return iso8601.parse_interval(text, now)
        return now - parse_duration(text), now
    except ValueError as exc:
        raise LiveUsageError(f"--timespan {text!r}: {exc} (or give START/END in ISO 8601)") from None


def parse_when(text: str | None) -> datetime:
    """An ISO 8601 time option (default: now, UTC)."""
    if not text:
        return datetime.now(UTC)
    from detections.emulator import iso8601
    from detections.mappers.times import NOW_YEARS

    try:
        when = iso8601.parse_datetime(text)
    except ValueError:
        raise LiveUsageError(f"{text!r} is not an ISO 8601 time such as 2026-01-15T00:00:00Z") from None
    if not NOW_YEARS[0] <= when.year <= NOW_YEARS[1]:
        raise LiveUsageError(f"{text!r}: give a time in the years {NOW_YEARS[0]} to {NOW_YEARS[1]}")
    return when


def floor_to(moment: datetime, step: timedelta) -> datetime:
    """The last multiple of `step` since the epoch at or before `moment` (runs align like Sentinel's)."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return epoch + ((moment - epoch) // step) * step
