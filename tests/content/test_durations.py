"""Durations in every form Sentinel content uses mean the same timedelta."""

from __future__ import annotations

from datetime import timedelta

import pytest

from detections.content.durations import format_duration, parse_duration


@pytest.mark.parametrize(("text", "expected"), [
    ("5m", timedelta(minutes=5)), ("1h", timedelta(hours=1)), ("14d", timedelta(days=14)), ("90s", timedelta(seconds=90)),
    ("01:00:00", timedelta(hours=1)), ("00:05:00", timedelta(minutes=5)), ("1.00:00:00", timedelta(days=1)),
    ("14.00:00:00", timedelta(days=14)), ("00:00:01.5", timedelta(seconds=1.5)),
    ("PT1H", timedelta(hours=1)), ("PT5M", timedelta(minutes=5)), ("P1D", timedelta(days=1)),
    ("P1DT2H", timedelta(days=1, hours=2)), ("PT30S", timedelta(seconds=30)),
])
def test_forms(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "1w", "5", "P", "PT", "25:00:00", "00:61:00", "1 h", "-5m"])
def test_invalid(text):
    with pytest.raises(ValueError, match="duration|TimeSpan"):
        parse_duration(text)


@pytest.mark.parametrize(("value", "text"), [
    (timedelta(days=2), "2d"), (timedelta(hours=5), "5h"), (timedelta(minutes=90), "90m"), (timedelta(seconds=45), "45s"),
])
def test_format(value, text):
    assert format_duration(value) == text and parse_duration(text) == value
