"""Library policy: what every analytics rule in this repository must carry beyond Sentinel's own rules.

Sentinel accepts a rule without tactics, entities or a Zero Trust principle; our library does not,
because an alert without entities cannot be correlated and a rule without ATT&CK mapping cannot be
counted in coverage. (That each rule has a firing and a quiet test is enforced by
`detections test --min-cases`.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from detections.content.model import AnalyticsRule, HuntingQuery, Location, Repository
from detections.diagnostics import Diagnostic


@dataclass(frozen=True)
class PolicyCheck:
    code: str
    key: str  # YAML key the diagnostic points at
    message: str
    hint: str
    applies_to_hunting: bool
    passes: Callable[[AnalyticsRule | HuntingQuery], bool]


POLICY: tuple[PolicyCheck, ...] = (
    PolicyCheck(
        "COV001", "tactics", "has no MITRE ATT&CK tactics",
        "add `tactics:` (and `relevantTechniques:`) so the rule counts in the coverage layer",
        True, lambda item: bool(item.tactics),
    ),
    PolicyCheck(
        "COV002", "relevantTechniques", "has no MITRE ATT&CK techniques",
        "add `relevantTechniques:` (e.g. T1078.004) matching the tactics",
        True, lambda item: bool(item.techniques),
    ),
    PolicyCheck(
        "COV003", "x-detections", "names no Zero Trust principle",
        "add `x-detections: {zeroTrust: [assume-breach]}` (verify-explicitly, least-privilege, assume-breach)",
        True, lambda item: bool(item.extension.zero_trust),
    ),
    PolicyCheck(
        "COV004", "entityMappings", "has no entity mappings",
        "map at least one entity (Account, IP, Host, ...) so alerts correlate into incidents",
        False, lambda item: bool(item.entity_mappings),
    ),
)


def policy_diagnostics(repository: Repository) -> list[Diagnostic]:
    """One error per policy check an analytics rule or hunting query fails."""
    found: list[Diagnostic] = []
    for item in (*repository.rules, *repository.hunting):
        is_hunting = isinstance(item, HuntingQuery)
        for check in POLICY:
            if is_hunting and not check.applies_to_hunting:
                continue
            if not check.passes(item):
                location = item.source.locate(check.key) if item.source else Location(item.path)
                found.append(Diagnostic(check.code, f"'{item.name}' {check.message}", location, hint=check.hint))
    return found

