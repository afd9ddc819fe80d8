"""Times in fixtures: absolute (ISO 8601, epoch seconds) or relative to the simulated run (`-10m`).

Relative times keep test cases from rotting: `-10m` always means ten minutes before the case's `now`.
Every mapper and the fixture loader read times through `parse_time`, so all formats accept the same forms.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from detections.content.durations import parse_duration

DEFAULT_NOW = datetime(2026, 1, 1, tzinfo=UTC)
# The years a simulated or queried `now` may lie in: runs, lookbacks and ago() reach decades before it
# (1000 runs of 14 days is about 40 years), which must stay inside the calendar datetimes can hold.
NOW_YEARS = (1900, 9000)

_RELATIVE = re.compile(r"^(?:now)?\s*([+-])\s*((?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w)\s*)+)$")
_EPOCH = re.compile(r"^\d{9,10}(?:\.\d+)?$")


class TimeFormatError(ValueError):
    """A value that is neither an absolute time nor a relative one."""


def parse_time(value: object, now: datetime) -> datetime:
    """A time value from a fixture -> tz-aware UTC datetime; TimeFormatError for anything else.

    Accepted: `now`, `-10m` / `+1h` / `now-1h30m` (relative to `now`), ISO 8601 text (`Z` or offset;
    no offset means UTC), epoch seconds (int or text, as VPC flow logs write them), datetime objects.
    """
    try:
        return _parse_time(value, now)
    except TimeFormatError:
        raise
    except (ValueError, OverflowError, OSError) as exc:  # out-of-range epochs, years, durations
        raise TimeFormatError(f"{value!r} is not a usable time: {exc}") from None


def _parse_time(value: object, now: datetime) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TimeFormatError(f"{value!r} is not a time")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    text = value.strip()
    if text.lower() == "now":
        return now
    match = _RELATIVE.match(text.lower())
    if match:
        delta = parse_duration(match.group(2), compound=True)
        return now - delta if match.group(1) == "-" else now + delta
    if _EPOCH.match(text):
        return datetime.fromtimestamp(float(text), UTC)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise TimeFormatError(
            f"{value!r} is not a time: use ISO 8601 (2026-01-15T12:00:00Z), epoch seconds, "
            "or a time relative to the run (now, -10m, -2h, -1d, -90s)"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def iso(value: datetime) -> str:
    """The ISO text AWS writes (`2026-01-01T00:00:00Z`), for fields that stay text in a row."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
