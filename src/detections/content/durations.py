"""Every spelling of a duration the project meets, read and written in one place.

Rule YAML says `queryFrequency: 1h`; ARM bodies and the REST APIs carry ISO 8601 (`PT1H`, and the
service echoes `PT01H00M00S` back as `PT1H`); Microsoft's validator also reads .NET TimeSpan text
(`01:00:00`, `1.00:00:00`); fixtures write compound spans (`1h30m`, `500ms`). All of them mean a
timedelta, so everything downstream compares values, never text.
"""

from __future__ import annotations

import re
from datetime import timedelta

_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SHORT = re.compile(r"^(\d+)([smhd])$")
_COMPOUND_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$")
_ISO = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
# Far beyond any rule's 14 days, yet inside what timedelta can hold: a huge number is a clear error.
_MAX_DAYS = 36500


def parse_duration(text: str, *, compound: bool = False) -> timedelta:
    """A content duration (`5m`, `01:00:00`, `PT1H`); with `compound`, also fixture spans (`1h30m`, `500ms`, `2w`).

    ValueError names the accepted forms.
    """
    value = text.strip() if isinstance(text, str) else ""
    if match := _SHORT.match(value):
        return _bounded(text, int(match[1]) * _UNIT_SECONDS[match[2]])
    if compound and (parts := _COMPOUND_PART.findall(value)) and "".join(map("".join, parts)) == value.replace(" ", ""):
        return _bounded(text, sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts))
    if match := _TIMESPAN.match(value):
        days, hours, minutes, seconds, fraction = match.groups()
        if int(minutes) > 59 or int(seconds) > 59 or int(hours) > 23:
            raise ValueError(f"invalid TimeSpan {text!r}: hours must be < 24, minutes and seconds < 60")
        micro = int((fraction or "0").ljust(7, "0")) // 10
        return _bounded(text, int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + int(seconds) + micro / 1e6)
    if value.startswith("P"):
        return parse_iso_duration(value)
    forms = "90s, 10m, 2h, 1d, 1h30m" if compound else "5m, 1h, 1d"
    raise ValueError(f"invalid duration {text!r}: use {forms}, a TimeSpan such as 01:00:00, or ISO PT1H")


def parse_iso_duration(text: str) -> timedelta:
    """ISO 8601 only, without years or months: all the Azure REST APIs accept on the wire."""
    value = text.strip() if isinstance(text, str) else ""
    match = _ISO.match(value)
    if not match or value in ("P", "PT") or value.endswith("T"):
        raise ValueError(f"invalid duration {text!r}: use an ISO 8601 duration such as PT1H or P1D")
    seconds = sum(float(amount) * _UNIT_SECONDS[unit[0]] for unit, amount in match.groupdict().items() if amount)
    return _bounded(text, seconds)


def format_duration(value: timedelta) -> str:
    """The shortest `5m`/`1h`/`1d` form (seconds when nothing shorter is exact), as rule YAML writes it."""
    seconds = int(value.total_seconds())
    for unit in ("d", "h", "m"):
        if seconds % _UNIT_SECONDS[unit] == 0 and seconds:
            return f"{seconds // _UNIT_SECONDS[unit]}{unit}"
    return f"{seconds}s"


def format_iso_duration(value: timedelta) -> str:
    """Canonical ISO 8601 (`PT5M`, `PT1H30M`, `P1D`, `P1DT5M`, whole seconds): what the service returns
    and Microsoft's converters emit, so templates and emulator answers read like theirs."""
    total = int(value.total_seconds())
    if not total:
        return "PT0S"
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    time = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    return "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")


def _bounded(text: str, seconds: float) -> timedelta:
    if seconds > _MAX_DAYS * 86400:
        raise ValueError(f"duration {text!r} is longer than {_MAX_DAYS} days")
    return timedelta(seconds=seconds)
