"""Diagnostics: the one shape every check, loader and runner reports problems in.

Reporters (human, JSON, SARIF) render lists of these; nothing else in the toolkit prints problems.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from detections.content.model import Location


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True)
class Diagnostic:
    """One problem at one place: `code` is stable (e.g. "DET104"), `hint` says what to do."""

    code: str
    message: str
    location: Location
    severity: Severity = Severity.ERROR
    hint: str | None = None

    def __str__(self) -> str:
        text = f"{self.location}: {self.severity.value}: {self.message} [{self.code}]"
        return f"{text}\n  hint: {self.hint}" if self.hint else text


class ContentError(Exception):
    """Raised for bad input a user must fix; carries the diagnostics instead of a traceback."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        super().__init__("\n".join(str(d) for d in diagnostics))
