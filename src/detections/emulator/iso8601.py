"""ISO 8601 datetimes and intervals exactly as the Azure REST APIs accept and spell them.

Durations on the wire are strict ISO 8601 (detections.content.durations.parse_iso_duration); this
module adds the datetime and `timespan` interval forms of the Log Analytics query API.
"""

from __future__ import annotations

from datetime import UTC, datetime

from detections.content.durations import parse_iso_duration


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
    """The query API's `timespan`: a duration ending now, `start/end`, `start/duration` or `duration/end`.

    ValueError for anything else, including an interval reaching past the years a datetime can hold."""
    try:
        return _interval(text, now)
    except OverflowError:
        raise ValueError(f"timespan {text!r} reaches outside the years 1 to 9999") from None


def _interval(text: str, now: datetime) -> tuple[datetime, datetime]:
    if "/" not in text:
        return now - parse_iso_duration(text), now
    first, second = (part.strip() for part in text.split("/", 1))
    if first.upper().startswith("P"):
        end = parse_datetime(second)
        return end - parse_iso_duration(first), end
    start = parse_datetime(first)
    if second.upper().startswith("P"):
        return start, start + parse_iso_duration(second)
    return start, parse_datetime(second)
