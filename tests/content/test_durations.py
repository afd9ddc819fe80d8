"""Durations in every form Sentinel content uses mean the same timedelta."""

from __future__ import annotations

from datetime import timedelta

import pytest

from detections.content.durations import (
    format_duration,
    format_iso_duration,
    parse_duration,
    parse_iso_duration,
)


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


@pytest.mark.parametrize(("text", "expected"), [
    ("1h30m", timedelta(minutes=90)), ("500ms", timedelta(milliseconds=500)), ("2w", timedelta(weeks=2)),
    ("1h 30m", timedelta(minutes=90)), ("00:05:00", timedelta(minutes=5)), ("PT5M", timedelta(minutes=5)),
])
def test_compound_spans_of_fixtures(text, expected):
    assert parse_duration(text, compound=True) == expected


@pytest.mark.parametrize("text", ["10x", "1h30", "", "h"])
def test_compound_invalid(text):
    with pytest.raises(ValueError, match="10m"):
        parse_duration(text, compound=True)


@pytest.mark.parametrize("text", ["5m", "01:00:00", "P", "PT", "P1DT", "P1Y"])
def test_wire_durations_are_iso_only(text):
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_iso_duration(text)


@pytest.mark.parametrize(("text", "canonical"), [
    ("PT01H00M00S", "PT1H"), ("PT90M", "PT1H30M"), ("P1DT5M", "P1DT5M"), ("P1W", "P7D"), ("PT0S", "PT0S"),
])
def test_iso_round_trip_is_canonical(text, canonical):
    assert format_iso_duration(parse_iso_duration(text)) == canonical


@pytest.mark.parametrize("text", ["999999999999d", "P99999999999D", "99999999:00:00"])
def test_huge_durations_are_value_errors(text):
    with pytest.raises(ValueError):
        parse_duration(text, compound=True)
