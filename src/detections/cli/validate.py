"""`detections validate`: check content the way Microsoft's CI does, and more, before a pull request."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import click

from detections import report
from detections.cli.options import ROOT_OPTION, resolve_root, write_text_file
from detections.content.loader import find_root
from detections.validate import run


@click.command(short_help="Check content the way Microsoft's CI does, and more.")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@ROOT_OPTION
@click.option("--format", "fmt", type=click.Choice(sorted(report.REPORTERS)), default="human", show_default=True,
              help="Output format; sarif is for GitHub code scanning.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file instead of standard output.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--base", metavar="REF", help="Git ref to compare ids with (a changed id is an error).")
def validate(paths: tuple[Path, ...], root: Path | None, fmt: str, output: Path | None, strict: bool,
             base: str | None) -> None:
    """Validate rules, hunting queries and workbooks (default: the whole repository).

    PATHS are files or folders to report on; ids and file names are still compared with the whole
    repository. Files outside any repository are checked on their own.

    Exit status: 1 when there are errors (or warnings, with --strict), 2 on usage errors, else 0.
    """
    if root is not None:
        root = resolve_root(root)
    result = run(paths, root=root, base=base)
    root = root or find_root(paths[0] if paths else Path.cwd()) or Path.cwd()
    if output:
        stream = io.StringIO()
        report.write(fmt, result.diagnostics, stream, root=root, files=result.files, color=False)
        write_text_file(output, stream.getvalue())
        if fmt != "human":  # keep the terminal informative when the report went to a file
            report.write("human", result.diagnostics, sys.stdout, root=root, files=result.files)
    else:
        report.write(fmt, result.diagnostics, sys.stdout, root=root, files=result.files)
    sys.exit(report.exit_code(result.diagnostics, strict=strict))
