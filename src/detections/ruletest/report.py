"""Render rule-test results: a rich table with failure diffs, JSON, and JUnit XML for CI."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from detections.diagnostics import Diagnostic
from detections.report.common import display_path
from detections.report.human import print_diagnostics
from detections.ruletest.alerts import text
from detections.ruletest.runner import CaseResult

_STYLE = {"passed": "green", "failed": "red", "error": "bold red"}


def failure_text(result: CaseResult) -> str:
    """Why a case did not pass, as plain text (shared by the table, JUnit and the pytest plugin)."""
    if result.error is not None:
        return str(result.error)
    return "\n".join(m.render() for m in result.mismatches)


def counts(results: list[CaseResult]) -> Counter[str]:
    return Counter(r.status for r in results)


def _alert_counts(result: CaseResult) -> str:
    """Alert count, per run for a timeline (`0 1 1 0`); hunting queries show their row count."""
    runs = result.outcome.runs if result.outcome else []
    if result.content_kind == "hunting":
        return f"{sum(len(run.rows) for run in runs)} rows"
    return " ".join(str(len(run.alerts)) for run in runs)


def human(console: Console, results: list[CaseResult], policy: list[Diagnostic], seconds: float, root: Path) -> None:
    """The results table, then each case that did not pass: mismatches as text, errors (a broken fixture
    file, a query that fails) and policy violations as `detections validate` shows them, with the line."""
    table = Table(title="Rule tests", show_lines=False, expand=False)
    table.add_column("Result")
    table.add_column("Rule / query")
    table.add_column("Case")
    table.add_column("Alerts", justify="right")
    table.add_column("ms", justify="right")
    for r in results:
        alerts = "" if r.outcome is None else _alert_counts(r)
        table.add_row(Text(r.status.upper(), style=_STYLE[r.status]), r.content or str(r.path), r.case, alerts, f"{r.seconds * 1000:.0f}")
    console.print(table)
    for r in results:
        if r.status != "passed":
            console.rule(Text(f"{r.status.upper()}: {r.content or display_path(r.path, root)} :: {r.case}",
                              style=_STYLE[r.status]))
            if r.error is not None:
                print_diagnostics(console, [r.error], root)
                continue
            console.print(f"[dim]{display_path(r.path, root)}[/dim]")
            console.print(Text(failure_text(r)))
    if policy:
        console.rule(Text("POLICY (--min-cases)", style="red"))
        print_diagnostics(console, policy, root)
    c = counts(results)
    style = "green" if not (c["failed"] or c["error"] or policy) else "red"
    console.print(Text(
        f"{c['passed']} passed, {c['failed']} failed, {c['error']} errors"
        + (f", {len(policy)} policy violations" if policy else "")
        + f" in {seconds:.2f}s", style=style))


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=text))


def as_json(results: list[CaseResult], policy: list[Diagnostic], seconds: float) -> str:
    def one(r: CaseResult) -> dict[str, Any]:
        item: dict[str, Any] = {"file": str(r.path), "content": r.content, "case": r.case, "status": r.status,
                                "seconds": round(r.seconds, 4)}
        if r.outcome is not None:
            item["runs"] = [{"time": text(run.time), "rows": len(run.rows), "fired": run.fired,
                             "alerts": [a.summary() for a in run.alerts], "warnings": run.warnings}
                            for run in r.outcome.runs]
        if r.mismatches:
            item["mismatches"] = [{"what": m.what, "expected": m.expected, "actual": m.actual} for m in r.mismatches]
        if r.error is not None:
            item["error"] = _diagnostic(r.error)
        return item

    c = counts(results)
    document = {
        "summary": {"passed": c["passed"], "failed": c["failed"], "errors": c["error"],
                    "policy_violations": len(policy), "seconds": round(seconds, 3)},
        "results": [one(r) for r in results],
        "policy": [_diagnostic(d) for d in policy],
    }
    return json.dumps(_plain(document), indent=2)


def _diagnostic(d: Diagnostic) -> dict[str, Any]:
    return {"code": d.code, "message": d.message, "file": str(d.location.path), "line": d.location.line,
            "column": d.location.column, "hint": d.hint}


def junit(results: list[CaseResult], policy: list[Diagnostic], seconds: float) -> str:
    """JUnit XML text: one <testcase> per case (classname = the fixture file), policy violations as failing cases."""
    c = counts(results)
    suite = ET.Element("testsuite", name="detections rule tests", tests=str(len(results) + len(policy)),
                       failures=str(c["failed"] + len(policy)), errors=str(c["error"]), time=f"{seconds:.3f}")
    for r in results:
        case = ET.SubElement(suite, "testcase", classname=str(r.path), name=r.case, time=f"{r.seconds:.4f}")
        if r.status != "passed":
            tag = "failure" if r.status == "failed" else "error"
            detail = failure_text(r)
            ET.SubElement(case, tag, message=detail.splitlines()[0] if detail else r.status).text = detail
    for d in policy:
        case = ET.SubElement(suite, "testcase", classname="policy.min-cases", name=str(d.location.path))
        ET.SubElement(case, "failure", message=d.message).text = str(d)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)
