"""MITRE ATT&CK checks: every technique needs a matching tactic, tactics spelt as Sentinel spells them."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from detections import schemas
from detections.content.model import AnalyticsRule, HuntingQuery
from detections.diagnostics import Diagnostic, Severity
from detections.validate.base import Check, Context, Item, data_file


@cache
def technique_tactics() -> dict[str, frozenset[str]]:
    """Technique id (T1234) -> the tactics MITRE lists it under."""
    table: dict[str, set[str]] = {}
    for tactic, techniques in data_file("mitre.json")["tactics"].items():
        for technique in techniques:
            table.setdefault(technique, set()).add(tactic)
    return {technique: frozenset(tactics) for technique, tactics in table.items()}


@cache
def canonical_tactics() -> dict[str, str]:
    """Any spelling (lower case, spaces and dashes removed) -> Sentinel's tactic name."""
    names = schemas.bundled("rule")["$defs"]["tactic"]["enum"]
    return {name.lower(): name for name in names}


def _canonical(tactic: str) -> str | None:
    return canonical_tactics().get(tactic.replace(" ", "").replace("-", "").lower())


class TechniqueWithoutTactic(Check):
    code = "DET300"
    title = "technique without a matching tactic"
    description = ("Each entry of `relevantTechniques` must belong (in MITRE ATT&CK) to at least one tactic "
                   "listed in `tactics`, as Microsoft's CI requires of analytics rules (a warning for "
                   "hunting queries, which that CI only compiles).")
    kinds = (AnalyticsRule, HuntingQuery)
    warning_kinds = (HuntingQuery,)

    def run(self, item: Item, ctx: Context) -> Iterator[Diagnostic]:
        assert isinstance(item, AnalyticsRule | HuntingQuery)
        present = {_canonical(t) for t in item.tactics}
        table = technique_tactics()
        for index, technique in enumerate(item.techniques):
            expected = table.get(technique.split(".")[0])
            if expected and not expected & present:
                yield self.report(item, ("relevantTechniques", index),
                                  f"no tactic of technique {technique} is in `tactics`",
                                  "add one of: " + ", ".join(sorted(expected)))


class UnknownTechnique(Check):
    code = "DET301"
    title = "unknown technique"
    description = "A technique id that is not in the MITRE ATT&CK Enterprise matrix (Microsoft's CI rejects it too)."
    kinds = (AnalyticsRule, HuntingQuery)

    def run(self, item: Item, ctx: Context) -> Iterator[Diagnostic]:
        assert isinstance(item, AnalyticsRule | HuntingQuery)
        table = technique_tactics()
        for index, technique in enumerate(item.techniques):
            if technique.split(".")[0] not in table:
                yield self.report(item, ("relevantTechniques", index),
                                  f"{technique} is not an ATT&CK Enterprise technique",
                                  "check the id on https://attack.mitre.org/techniques/enterprise/")


class TacticSpelling(Check):
    code = "DET302"
    title = "tactic not in Sentinel's spelling"
    description = ("Hunting queries are not schema-checked by Microsoft, and published ones say "
                   "`Credential Access`; Sentinel's spelling is `CredentialAccess`.")
    severity = Severity.WARNING
    kinds = (HuntingQuery,)

    def run(self, item: Item, ctx: Context) -> Iterator[Diagnostic]:
        assert isinstance(item, HuntingQuery)
        for index, tactic in enumerate(item.tactics):
            canonical = _canonical(tactic)
            if canonical != tactic:
                hint = f"write {canonical}" if canonical else "use one of: " + ", ".join(canonical_tactics().values())
                yield self.report(item, ("tactics", index), f"tactic {tactic!r} is not in Sentinel's spelling", hint)
