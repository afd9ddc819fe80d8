"""ISO 8601 durations, datetimes and intervals exactly as the Azure REST APIs accept them.

The service accepts only ISO 8601 on the wire (`PT1H`, `PT01H00M00S`, `P1DT5M`), never the `1h`
shorthand of rule YAML, so the emulator parses strictly and answers with the canonical spelling
(what the service echoes back), which is why a deployer must compare durations by value.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration(text: str) -> timedelta:
    """Parse an ISO 8601 duration without years or months; ValueError otherwise."""
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if not match or text.strip() in ("P", "PT") or text.strip().endswith("T"):
        raise ValueError(f"{text!r} is not an ISO 8601 duration such as PT1H or P1D")
    return timedelta(**{unit: float(value) for unit, value in match.groupdict().items() if value})


def format_duration(value: timedelta) -> str:
    """Canonical ISO 8601 (`PT5M`, `PT1H30M`, `P1D`, `P1DT5M`) as the service returns it."""
    total = int(value.total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    time = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    if not total:
        return "PT0S"
    return "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")


def parse_datetime(text: str) -> datetime:
    """An ISO 8601 datetime; naive values are UTC, as in the Log Analytics API."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    """`2026-01-01T00:00:00Z`, with a fraction only when there is one (the query API's spelling)."""
    value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    return text + "Z"


def parse_interval(text: str, now: datetime) -> tuple[datetime, datetime]:
    """The query API's `timespan`: a duration ending now, `start/end`, `start/duration` or `duration/end`."""
    if "/" not in text:
        return now - parse_duration(text), now
    first, second = (part.strip() for part in text.split("/", 1))
    if first.upper().startswith("P"):
        end = parse_datetime(second)
        return end - parse_duration(first), end
    start = parse_datetime(first)
    if second.upper().startswith("P"):
        return start, start + parse_duration(second)
    return start, parse_datetime(second)
