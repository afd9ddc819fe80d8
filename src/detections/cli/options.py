"""Options and helpers several commands share, so each behaves the same way for the same input.

One error style: a one-line failure is click's `Error: ...` on standard error (CommandError, exit 1,
with an optional `hint:` line; click.UsageError, exit 2, for options that cannot work). One way to find the repository (`--root`, else the nearest folder upward from the current one that
holds rules/, hunting/ or workbooks/), one way to load it (problems reported as `detections validate`
reports them, exit 1) and one way to write an output file (whole or not at all; an unwritable path is
a usage error, exit 2, never a traceback).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from detections.content.model import Repository

ROOT_OPTION = click.option(
    "--root", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None,
    help="Repository root (holds rules/, hunting/, workbooks/, fixtures/) [default: found upward from here].")


class CommandError(click.ClickException):
    """A failure the user can act on (exit 1), printed like every one-line error of the CLI:
    `Error: <message>`, then `hint: <what to do>` when there is a hint."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def format_message(self) -> str:
        return f"{self.message}\nhint: {self.hint}" if self.hint else self.message


def resolve_root(root: Path | None, start: Path | None = None) -> Path:
    """The content repository: `--root` when given (it must hold content folders), else the nearest
    one at or above `start` (a path the user named) or the current folder; a usage error (exit 2)
    when there is none."""
    from detections.content.loader import CONTENT_FOLDERS, find_root

    if root is not None:
        if not any((root / name).is_dir() for name in CONTENT_FOLDERS):
            raise click.UsageError(f"--root {root}: no rules/, hunting/ or workbooks/ folder there; "
                                   "pass the repository root")
        return root
    found = (start and find_root(start)) or find_root(Path.cwd())
    if found is None:
        raise click.UsageError("no content repository here (no rules/, hunting/ or workbooks/ folder in this "
                               "folder or above): run inside the repository or pass --root")
    return found


def write_text_file(path: Path, text: str, what: str = "--output") -> None:
    """Write a whole output file (detections.content.atomic); an unwritable path is a usage error naming it."""
    from detections.content.atomic import write_text

    try:
        write_text(path, text)
    except OSError as exc:
        raise click.BadParameter(f"cannot write {path}: {exc.strerror or exc}", param_hint=what) from None


def load_content(root: Path) -> Repository:
    """The repository's content, or exit 1 after reporting every problem the way `detections validate`
    does (grouped by file, with the offending line), never with a traceback."""
    from detections import report
    from detections.content import load_repository
    from detections.diagnostics import ContentError

    try:
        return load_repository(root)
    except ContentError as exc:
        report.write("human", exc.diagnostics, sys.stderr, root=root)
        click.echo(f"{len(exc.diagnostics)} problem(s) in the content: fix them first (see `detections validate`)",
                   err=True)
        sys.exit(1)
