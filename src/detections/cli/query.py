"""`detections query`, `smoke` and `backtest`: KQL on a live workspace (or the emulator), or offline
on local files with our engine. See docs/live-queries.md."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from detections.cli.options import ROOT_OPTION, load_content, resolve_root
from detections.live.errors import LiveError, LiveUsageError, fail_cleanly
from detections.live.output import FORMATS

WORKSPACE_OPTION = click.option(
    "--workspace-id", envvar="AZURE_WORKSPACE_ID",
    help="Log Analytics workspace ID (customer ID GUID) [env AZURE_WORKSPACE_ID].")
TABLE_OPTION = click.option(
    "--table", "tables", multiple=True, metavar="NAME=PATH",
    help="Query local files instead (repeatable): table rows (JSON/JSONL/CSV) or native AWS/Windows logs, "
         "e.g. AWSCloudTrail=trail.json, vpcflow=flows.log.")


def _query_text(query: str) -> str:
    """The query itself, `-` for standard input, or `@file.kql`."""
    if query == "-":
        return sys.stdin.read()
    if query.startswith("@"):
        from detections.content.yamlio import read_text
        from detections.diagnostics import ContentError

        try:
            return read_text(Path(query[1:]), "query file")
        except ContentError as exc:
            [problem] = exc.diagnostics
            raise LiveError(f"{problem.location}: {problem.message}; {problem.hint}") from None
    return query


@click.command(short_help="Run KQL on a workspace or on local log files.")
@click.argument("query")
@WORKSPACE_OPTION
@TABLE_OPTION
@click.option("--timespan", default=None,
              help="Time range on TimeGenerated: 1h, 1d, PT6H or START/END [default: 1d live, all rows offline].")
@click.option("--now", "now_text", metavar="TIME", help="Offline only: the time now() and ago() use (ISO 8601).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=FORMATS[0], show_default=True,
              help="table: rich table, or one record per row when too wide for the terminal; json: a list of "
                   "objects; csv: a header and rows.")
def query(query: str, workspace_id: str | None, tables: tuple[str, ...], timespan: str | None,
          now_text: str | None, fmt: str) -> None:
    """Run QUERY (KQL; `-` reads stdin, `@file.kql` a file) on a workspace or on local files.

    Exit status: 1 when the query fails or the workspace cannot be queried; 2 on usage errors (no
    workspace, a bad --table, --timespan or --now, --now on a live workspace).
    """
    from detections.live.output import render
    from detections.live.target import open_workspace, parse_timespan, parse_when

    with fail_cleanly():
        if now_text and not tables:
            raise LiveUsageError("--now works only offline, with --table: a live workspace evaluates now() and "
                                 "ago() at its own current time; give --timespan START/END for a past window")
        now = parse_when(now_text)
        workspace = open_workspace(workspace_id, tables)
        start, end = parse_timespan(timespan or (None if tables else "1d"), now)
        result = workspace.run(_query_text(query), start=start, end=end, now=now)
        render(result, fmt, Console())


@click.command(short_help="Run every rule's and hunting query's query on a workspace.")
@ROOT_OPTION
@WORKSPACE_OPTION
@TABLE_OPTION
@click.option("--timespan", default="1h", show_default=True, help="How far back each query looks.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table: one line per query with its result; json: a list of {kind, id, name, path, ok, "
                   "rows, error}.")
def smoke(root: Path | None, workspace_id: str | None, tables: tuple[str, ...], timespan: str, fmt: str) -> None:
    """Run every rule's and hunting query's query on the workspace; list those that fail.

    Exit status: 1 when a query fails or the workspace cannot be queried; 2 on usage errors.
    """
    from detections.live.smoke import smoke as run_smoke
    from detections.live.target import open_workspace, parse_timespan, parse_when

    root = resolve_root(root)
    repo = load_content(root)
    with fail_cleanly():
        workspace = open_workspace(workspace_id, tables)
        start, end = parse_timespan(timespan, parse_when(None))
        results = run_smoke(repo, workspace, start, end)
    failed = [r for r in results if not r.ok]
    if fmt == "json":
        click.echo(json.dumps([{"kind": r.kind, "id": r.item.id, "name": r.item.name, "path": _relative(r.item.path, root),
                                "ok": r.ok, "rows": r.rows, "error": r.error} for r in results], indent=2))
    else:
        console = Console()
        table = Table("", "kind", "name", header_style="bold")
        table.add_column("path", overflow="fold")
        table.add_column("result", overflow="fold")
        for r in results:
            table.add_row(Text("ok", "green") if r.ok else Text("FAIL", "red"), r.kind, Text(r.item.name),
                          Text(_relative(r.item.path, root)), Text(f"{r.rows} row(s)" if r.ok else r.error or ""))
        console.print(table)
        console.print(f"{len(results) - len(failed)} of {len(results)} queries ran; {len(failed)} failed")
    if failed:
        sys.exit(1)


@click.command(short_help="Count the alerts a rule would have raised per day.")
@click.argument("rule")
@ROOT_OPTION
@WORKSPACE_OPTION
@TABLE_OPTION
@click.option("--days", type=click.IntRange(1, 90), default=14, show_default=True,
              help="How many days of history, ending at --end, to replay the rule's schedule over.")
@click.option("--end", "end_text", metavar="TIME", help="End of the history (ISO 8601) [default: now].")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table: a line per day (runs, alerts, suppressed, rows); json: the same per day, for scripts.")
def backtest(rule: str, root: Path | None, workspace_id: str | None, tables: tuple[str, ...], days: int,
             end_text: str | None, fmt: str) -> None:
    """Count the alerts RULE (id, name or file) would have raised each day over the last --days.

    Exit status: 1 when a query fails or the workspace cannot be queried; 2 on usage errors (an unknown
    RULE, a bad --end or --table).
    """
    from detections.content.durations import format_duration
    from detections.live.backtest import backtest as run_backtest
    from detections.live.target import open_workspace, parse_when

    console = Console(stderr=True)
    root = resolve_root(root)
    repo = load_content(root)
    with fail_cleanly():
        target = _find_rule(repo, rule)
        workspace = open_workspace(workspace_id, tables)
        if not tables and any(word in target.query for word in ("ago(", "now(")):
            console.print("[yellow]note:[/] the query uses ago()/now(), which Azure evaluates at the current "
                          "time, not at each past run; counts for past windows may be low", highlight=False)
        with console.status("backtesting") as status:
            result = run_backtest(target, workspace, days, parse_when(end_text),
                                  progress=lambda done, total: status.update(f"run {done} of {total}"))
    if fmt == "json":
        click.echo(json.dumps({"rule": target.id, "name": target.name, "frequency": format_duration(result.frequency),
                               "period": format_duration(result.period), "total_alerts": result.total_alerts,
                               "days": [{"day": d.day.isoformat(), "runs": d.runs, "runs_alerting": d.runs_alerting,
                                         "alerts": d.alerts, "suppressed": d.suppressed, "rows": d.rows}
                                        for d in result.days]}, indent=2))
        return
    table = Table("day", "runs", "runs alerting", "alerts", "suppressed", "result rows",
                  title=Text(f"{target.name}: every {format_duration(result.frequency)} over the last "
                               f"{format_duration(result.period)}"), header_style="bold")
    for d in result.days:
        table.add_row(d.day.isoformat(), str(d.runs), str(d.runs_alerting), str(d.alerts), str(d.suppressed),
                      str(d.rows))
    out = Console()
    out.print(table)
    out.print(f"{result.total_alerts} alert(s) in {days} day(s)")


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def _find_rule(repo, wanted: str):
    """A rule by id, by name (case-insensitive) or by file path."""
    for rule in repo.rules:
        if wanted.lower() in (rule.id.lower(), rule.name.lower()) or Path(wanted).resolve() == rule.path.resolve():
            return rule
    raise LiveUsageError(f"no analytics rule {wanted!r} (give its id, name or file path)")
