"""ISO 8601 durations as Azure bodies carry them (`PT5M`, `PT1H`, `P1D`).

Reading any spelling (5m, 01:00:00, PT01H00M00S) is detections.content.durations' job; this module
only writes the canonical form Microsoft's converters emit, so templates read like theirs.
"""

from __future__ import annotations

from datetime import timedelta


def iso_duration(value: timedelta) -> str:
    """Canonical ISO 8601: `PT5M`, `PT1H30M`, `P1D`, `P1DT2H` (whole seconds)."""
    total = int(value.total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    time = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    return ("P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")) if total else "PT0S"
