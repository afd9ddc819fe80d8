"""Printing query results as a rich table, JSON or CSV (values as Log Analytics shows them)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from detections.emulator.iso8601 import format_datetime

if TYPE_CHECKING:  # the CLI reads FORMATS at start-up; the engine's types are not needed for that
    from detections.live.local import LocalResult


def cell(value: Any) -> Any:
    """A JSON-ready value: datetimes ISO 8601 UTC, timespans as text, dynamic kept as JSON."""
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, timedelta | Decimal):
        return str(value)
    return value


def _text(value: Any) -> str:
    value = cell(value)
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def records(result: LocalResult) -> list[dict[str, Any]]:
    names = [name for name, _ in result.columns]
    return [{n: cell(v) for n, v in zip(names, row, strict=True)} for row in result.rows]


def _json(result: LocalResult, console: Console) -> None:
    sys.stdout.write(json.dumps(records(result), indent=2, default=str) + "\n")


def _csv(result: LocalResult, console: Console) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow([name for name, _ in result.columns])
    writer.writerows([_text(v) for v in row] for row in result.rows)


# A cell of a wide value gets at least this many characters before the table gives way to records.
MIN_VALUE_WIDTH = 20


def _fits(result: LocalResult, cells: list[list[str]], width: int) -> bool:
    """Whether the table is legible at `width`: each column as wide as its header, long values given at
    least MIN_VALUE_WIDTH before folding (plus rich's one space of padding each side and the rules)."""
    needed = 1
    for index, (name, ktype) in enumerate(result.columns):
        header = max(len(name), len(ktype))
        longest = max((len(row[index]) for row in cells), default=0)
        needed += min(max(header, longest), max(header, MIN_VALUE_WIDTH)) + 3
    return needed <= width


def _grid(result: LocalResult, cells: list[list[str]], console: Console) -> None:
    table = Table(show_lines=False, header_style="bold")
    for name, ktype in result.columns:
        table.add_column(Text(f"{name}\n{ktype}"), overflow="fold")
    for row in cells:
        table.add_row(*map(Text, row))  # values are data, never markup
    console.print(table)


def _records(result: LocalResult, cells: list[list[str]], console: Console) -> None:
    """One block per row, a `column  type  value` line per column: rows too wide for a table."""
    for number, row in enumerate(cells, 1):
        console.rule(f"row {number}", align="left", style="dim")
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(overflow="fold")
        for (name, ktype), value in zip(result.columns, row, strict=True):
            grid.add_row(Text(name), Text(ktype), Text(value))
        console.print(grid)


def _table(result: LocalResult, console: Console) -> None:
    """A table when it fits the terminal, else the same rows as records (column: value)."""
    cells = [[_text(v) for v in row] for row in result.rows]
    (_grid if _fits(result, cells, console.width) else _records)(result, cells, console)
    console.print(f"{len(result.rows)} row(s)", style="dim")


# --format value -> renderer; the first is the default
RENDERERS: dict[str, Callable[[LocalResult, Console], None]] = {"table": _table, "json": _json, "csv": _csv}
FORMATS = tuple(RENDERERS)


def render(result: LocalResult, fmt: str, console: Console) -> None:
    """Print the result in `fmt` (a key of RENDERERS), then its warnings on standard error."""
    RENDERERS[fmt](result, console)
    for warning in result.warnings:
        Console(stderr=True).print(f"[yellow]warning:[/] {warning}", highlight=False)
