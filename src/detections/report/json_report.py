"""JSON output: one object with every diagnostic and a summary, for scripts and dashboards."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

from detections.diagnostics import Diagnostic
from detections.report.common import counts, display_path


def as_dict(diagnostic: Diagnostic, root: Path) -> dict:
    return {
        "code": diagnostic.code,
        "severity": diagnostic.severity.value,
        "message": diagnostic.message,
        "hint": diagnostic.hint,
        "file": display_path(diagnostic.location.path, root),
        "line": diagnostic.location.line,
        "column": diagnostic.location.column,
    }


def write(diagnostics: list[Diagnostic], out: TextIO, *, root: Path, files: int | None = None, **_: object) -> None:
    document = {
        "diagnostics": [as_dict(d, root) for d in diagnostics],
        "summary": {**counts(diagnostics), "files": files},
    }
    json.dump(document, out, indent=2)
    out.write("\n")
