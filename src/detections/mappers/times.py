"""Times in fixtures: absolute (ISO 8601, epoch seconds) or relative to the simulated run (`-10m`).

Relative times keep test cases from rotting: `-10m` always means ten minutes before the case's `now`.
Every mapper and the fixture loader read times through `parse_time`, so all formats accept the same forms.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

DEFAULT_NOW = datetime(2026, 1, 1, tzinfo=UTC)

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_RELATIVE = re.compile(r"^(?:now)?\s*([+-])\s*((?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w)\s*)+)$")
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_EPOCH = re.compile(r"^\d{9,10}(?:\.\d+)?$")


class TimeFormatError(ValueError):
    """A value that is neither an absolute time nor a relative one."""


def parse_duration(text: str) -> timedelta:
    """`1h30m`, `90s`, `2d` -> timedelta (the units of relative times)."""
    text = text.strip()
    parts = _PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text.replace(" ", ""):
        raise TimeFormatError(f"{text!r} is not a duration (use e.g. 90s, 10m, 2h, 1d, 1h30m)")
    return timedelta(seconds=sum(float(n) * _UNITS[u] for n, u in parts))


def parse_time(value: object, now: datetime) -> datetime:
    """A time value from a fixture -> tz-aware UTC datetime.

    Accepted: `now`, `-10m` / `+1h` / `now-1h30m` (relative to `now`), ISO 8601 text (`Z` or offset;
    no offset means UTC), epoch seconds (int or text, as VPC flow logs write them), datetime objects.
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, bool):
        raise TimeFormatError(f"{value!r} is not a time")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str):
        raise TimeFormatError(f"{value!r} is not a time")
    text = value.strip()
    if text.lower() == "now":
        return now
    match = _RELATIVE.match(text.lower())
    if match:
        delta = parse_duration(match.group(2))
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
