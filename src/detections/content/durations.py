"""Durations as Sentinel content writes them: `5m`/`1h`/`1d`, .NET TimeSpan text and ISO 8601.

Rules say `queryFrequency: 1h`; ARM and the portal export `PT1H`; Microsoft's own validator also reads
.NET TimeSpan text (`01:00:00`, `1.00:00:00`). All three mean the same, so everything downstream
compares timedelta values, never text.
"""

from __future__ import annotations

import re
from datetime import timedelta

_SHORT = re.compile(r"^(\d+)([smhd])$")
_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$")
_ISO = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

def parse_duration(text: str) -> timedelta:
    """Parse one duration; ValueError names the accepted forms."""
    value = text.strip()
    if match := _SHORT.match(value):
        return timedelta(seconds=int(match[1]) * _UNIT_SECONDS[match[2]])
    if match := _TIMESPAN.match(value):
        days, hours, minutes, seconds, fraction = match.groups()
        if int(minutes) > 59 or int(seconds) > 59 or int(hours) > 23:
            raise ValueError(f"invalid TimeSpan {text!r}: hours must be < 24, minutes and seconds < 60")
        micro = int((fraction or "0").ljust(7, "0")) // 10
        return timedelta(days=int(days or 0), hours=int(hours), minutes=int(minutes),
                         seconds=int(seconds), microseconds=micro)
    if (match := _ISO.match(value)) and value not in ("P", "PT") and not value.endswith("T"):
        days, hours, minutes, seconds = match.groups()
        return timedelta(days=int(days or 0), hours=int(hours or 0), minutes=int(minutes or 0),
                         seconds=float(seconds or 0))
    raise ValueError(f"invalid duration {text!r}: use 5m, 1h, 1d, a TimeSpan such as 01:00:00, or ISO PT1H")


def format_duration(value: timedelta) -> str:
    """The shortest `5m`/`1h`/`1d` form (seconds when nothing shorter is exact)."""
    seconds = int(value.total_seconds())
    for unit in ("d", "h", "m"):
        if seconds % _UNIT_SECONDS[unit] == 0 and seconds:
            return f"{seconds // _UNIT_SECONDS[unit]}{unit}"
    return f"{seconds}s"
