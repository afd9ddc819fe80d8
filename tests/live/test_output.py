"""`--format table`: a table when it fits the terminal, else one record per row (column, type, value)."""

from __future__ import annotations

import io

from rich.console import Console

from detections.live.local import LocalResult
from detections.live.output import render


def _print(result: LocalResult, width: int) -> list[str]:
    stream = io.StringIO()
    render(result, "table", Console(file=stream, width=width, color_system=None))
    return [line.rstrip() for line in stream.getvalue().splitlines()]


NARROW = LocalResult([("EventName", "string"), ("Count", "long")], [["ConsoleLogin", 2], ["StopLogging", 1]])
WIDE = LocalResult([(f"Column{n}", "string") for n in range(12)] + [("Details", "dynamic")],
                   [[f"value-{n}-of-row-{r}" for n in range(12)] + [{"arn": "arn:aws:iam::123456789012:user/alice"}]
                    for r in (1, 2)])


def test_a_table_that_fits_stays_a_table():
    lines = _print(NARROW, 80)
    assert any("EventName" in line and "Count" in line for line in lines)  # one header row
    assert any("ConsoleLogin" in line and "2" in line for line in lines)
    assert lines[-1] == "2 row(s)"


def test_rows_too_wide_for_the_terminal_become_records():
    lines = _print(WIDE, 80)
    assert all(len(line) <= 80 for line in lines)
    assert [line for line in lines if line.startswith("row ")] == [
        "row 1 " + "─" * 74, "row 2 " + "─" * 74]
    assert lines[1].split() == ["Column0", "string", "value-0-of-row-1"]
    assert lines[13].split() == ["Details", "dynamic", '{"arn":"arn:aws:iam::123456789012:user/alice"}']
    assert lines[-1] == "2 row(s)"


def test_the_same_rows_are_a_table_on_a_wide_terminal():
    lines = _print(WIDE, 400)
    assert not any(line.startswith("row ") for line in lines)
    assert any("value-0-of-row-1" in line and "value-11-of-row-1" in line for line in lines)
