"""SARIF 2.1.0 output that GitHub code scanning accepts (upload with github/codeql-action/upload-sarif).

Each code becomes a `rules[]` entry (id, title, description, default level); each diagnostic a result
with a physicalLocation whose uri is relative to the repository root, so annotations land on the PR diff.
"""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TextIO

from detections.diagnostics import Diagnostic, Severity
from detections.report.common import display_path
from detections.validate.codes import catalogue

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}


def _tool_version() -> str:
    try:
        return version("detections")
    except PackageNotFoundError:
        return "0.0.0"


def _rule(code: str, level: str) -> dict:
    title, description = catalogue().get(code, (code, code))
    return {
        "id": code,
        "name": "".join(word.capitalize() for word in title.replace("*", "").split() if word.isalnum()) or code,
        "shortDescription": {"text": title},
        "fullDescription": {"text": description},
        "defaultConfiguration": {"level": level},
    }


def document(diagnostics: list[Diagnostic], root: Path) -> dict:
    """The SARIF log as a dict."""
    rule_index: dict[str, int] = {}
    rules: list[dict] = []
    results: list[dict] = []
    for diagnostic in diagnostics:
        level = LEVELS[diagnostic.severity]
        if diagnostic.code not in rule_index:
            rule_index[diagnostic.code] = len(rules)
            rules.append(_rule(diagnostic.code, level))
        text = diagnostic.message + (f"\nHint: {diagnostic.hint}" if diagnostic.hint else "")
        results.append({
            "ruleId": diagnostic.code,
            "ruleIndex": rule_index[diagnostic.code],
            "level": level,
            "message": {"text": text},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": display_path(diagnostic.location.path, root), "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": max(1, diagnostic.location.line),
                               "startColumn": max(1, diagnostic.location.column)},
                },
            }],
        })
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "detections", "version": _tool_version(), "rules": rules}},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root.resolve().as_uri() + "/"}},
            "results": results,
        }],
    }


def write(diagnostics: list[Diagnostic], out: TextIO, *, root: Path, **_: object) -> None:
    json.dump(document(diagnostics, root), out, indent=2)
    out.write("\n")
