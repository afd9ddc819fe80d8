"""Human output: diagnostics grouped by file, each as file:line:column with the offending line and a caret."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.text import Text

from detections.diagnostics import Diagnostic, Severity
from detections.report.common import counts, display_path

WIDTH = 120  # characters of the offending line shown around the column
STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.NOTE: "cyan"}


def _source_line(path: Path, line: int, cache: dict[Path, list[str] | None]) -> str | None:
    if path not in cache:
        try:
            cache[path] = path.read_text(encoding="utf-8-sig").splitlines() if path.is_file() else None
        except (OSError, UnicodeDecodeError):
            cache[path] = None
    lines = cache[path]
    return lines[line - 1] if lines and 0 < line <= len(lines) else None


def _window(line: str, column: int) -> tuple[str, int]:
    """At most WIDTH characters of `line` around `column` (minified JSON, generated YAML), with `...`
    where it is cut, and the caret's offset in what is shown."""
    if len(line) <= WIDTH:
        return line, column - 1
    start = max(0, min(column - 1 - WIDTH // 2, len(line) - WIDTH))
    head = "..." if start else ""
    tail = "..." if start + WIDTH < len(line) else ""
    return head + line[start:start + WIDTH] + tail, column - 1 - start + len(head)


def print_diagnostics(console: Console, diagnostics: list[Diagnostic], root: Path) -> None:
    """Diagnostics grouped by file, each with its offending line and a caret: `detections validate`'s
    look, shared by every command that reports a problem in a file (rule tests, content loading)."""
    by_file: dict[Path, list[Diagnostic]] = defaultdict(list)
    for diagnostic in diagnostics:
        by_file[diagnostic.location.path].append(diagnostic)
    cache: dict[Path, list[str] | None] = {}
    for path in sorted(by_file, key=lambda p: display_path(p, root)):
        shown = display_path(path, root)
        console.print(Text(shown, style="bold underline"))
        for d in sorted(by_file[path], key=lambda d: (d.location.line, d.location.column)):
            # `file:line:column: error: message` on each line: the shape compilers print, which terminals
            # and editors make a link, and the one Diagnostic.__str__ gives in one-line messages
            where = f"{shown}:{d.location.line}:{d.location.column}"
            console.print(Text.assemble(f"  {where}: ", (f"{d.severity.value}:", STYLES[d.severity]), " ",
                                        d.message, (f"  [{d.code}]", "dim")))
            source = _source_line(path, d.location.line, cache)
            if source is not None:
                shown_line, caret = _window(source.replace("\t", " "), d.location.column)
                number = f"{d.location.line:>6} | "
                console.print(Text.assemble((number, "dim"), shown_line))
                pad = " " * (len(number) - 2)
                console.print(Text.assemble((f"{pad}| ", "dim"), " " * caret, ("^", STYLES[d.severity])))
            if d.hint:
                console.print(Text.assemble("           ", ("hint: ", "green"), d.hint))
        console.print()


def write(diagnostics: list[Diagnostic], out: TextIO, *, root: Path, files: int | None = None,
          color: bool | None = None, **_: object) -> None:
    console = Console(file=out, no_color=color is False, force_terminal=color, highlight=False,
                      soft_wrap=True, emoji=False)
    print_diagnostics(console, diagnostics, root)
    total = counts(diagnostics)
    scope = f" in {files} file{'s' if files != 1 else ''}" if files is not None else ""
    style = "bold red" if total["errors"] else ("yellow" if total["warnings"] else "bold green")
    summary = f"{total['errors']} error(s), {total['warnings']} warning(s){scope}"
    console.print(Text("✔ " + summary if not diagnostics else summary, style=style))
