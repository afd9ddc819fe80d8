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


def _table(result: LocalResult, console: Console) -> None:
    table = Table(show_lines=False, header_style="bold")
    for name, ktype in result.columns:
        table.add_column(Text(f"{name}\n{ktype}"), overflow="fold")
    for row in result.rows:
        table.add_row(*(Text(_text(v)) for v in row))  # values are data, never markup
    console.print(table)
    console.print(f"{len(result.rows)} row(s)", style="dim")


# --format value -> renderer; the first is the default
RENDERERS: dict[str, Callable[[LocalResult, Console], None]] = {"table": _table, "json": _json, "csv": _csv}
FORMATS = tuple(RENDERERS)


def render(result: LocalResult, fmt: str, console: Console) -> None:
    """Print the result in `fmt` (a key of RENDERERS), then its warnings on standard error."""
    RENDERERS[fmt](result, console)
    for warning in result.warnings:
        Console(stderr=True).print(f"[yellow]warning:[/] {warning}", highlight=False)
