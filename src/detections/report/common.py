"""Helpers shared by the reporters."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from detections.diagnostics import Diagnostic, Severity


def counts(diagnostics: Sequence[Diagnostic]) -> dict[str, int]:
    """Number of diagnostics per severity name (errors, warnings, notes)."""
    result = {"errors": 0, "warnings": 0, "notes": 0}
    names = {Severity.ERROR: "errors", Severity.WARNING: "warnings", Severity.NOTE: "notes"}
    for diagnostic in diagnostics:
        result[names[diagnostic.severity]] += 1
    return result


def display_path(path: Path, root: Path) -> str:
    """`path` relative to `root` with forward slashes when it is inside it, else as given."""
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()
