"""Reporters: render a list of Diagnostics as human text (rich), JSON or SARIF 2.1.0.

They take plain lists of Diagnostics so every producer (validate, the rule-test runner) can reuse them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from detections.diagnostics import Diagnostic, Severity
from detections.report import human, json_report, sarif
from detections.report.common import counts, display_path

__all__ = ["REPORTERS", "counts", "display_path", "exit_code", "write"]

Reporter = Callable[..., None]

# --format value -> reporter(diagnostics, out, *, root, files, color)
REPORTERS: dict[str, Reporter] = {
    "human": human.write,
    "json": json_report.write,
    "sarif": sarif.write,
}


def write(fmt: str, diagnostics: Sequence[Diagnostic], out: TextIO, *, root: Path | None = None,
          files: int | None = None, color: bool | None = None) -> None:
    """Render `diagnostics` to `out` in the format named `fmt` (human, json or sarif)."""
    REPORTERS[fmt](list(diagnostics), out, root=root or Path.cwd(), files=files, color=color)


def exit_code(diagnostics: Sequence[Diagnostic], *, strict: bool = False) -> int:
    """1 when there is an error (or, with strict, a warning), else 0."""
    failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    return 1 if any(d.severity in failing for d in diagnostics) else 0
