"""ATT&CK Navigator layer of what the library detects.

One technique entry per (technique, tactic) pair a rule claims, scored by the number of analytics
rules (hunting queries count as comments only: they do not alert). Deterministic: entries are sorted
so the generated file only changes when the content does.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from detections.content.model import Repository
from detections.coverage.tactics import TACTIC_SHORTNAMES

LAYER_VERSIONS = {"attack": "16", "navigator": "5.1.0", "layer": "4.5"}


def navigator_layer(repository: Repository, name: str = "detections: AWS IaaS coverage") -> dict[str, Any]:
    """Build the Navigator layer (layer format 4.5) for the repository's rules and hunting queries."""
    rules: dict[tuple[str, str], list[str]] = defaultdict(list)
    hunts: dict[tuple[str, str], list[str]] = defaultdict(list)
    for items, into in ((repository.rules, rules), (repository.hunting, hunts)):
        for item in items:
            for technique in item.techniques:
                for tactic in item.tactics:
                    shortname = TACTIC_SHORTNAMES.get(tactic)
                    if shortname:
                        into[(technique, shortname)].append(item.name)
    techniques = []
    for technique, tactic in sorted(set(rules) | set(hunts)):
        rule_names = sorted(rules.get((technique, tactic), []))
        hunt_names = sorted(hunts.get((technique, tactic), []))
        comment = "; ".join(
            part
            for part in (
                "Rules: " + ", ".join(rule_names) if rule_names else "",
                "Hunting: " + ", ".join(hunt_names) if hunt_names else "",
            )
            if part
        )
        techniques.append(
            {
                "techniqueID": technique,
                "tactic": tactic,
                "score": len(rule_names),
                "comment": comment,
                "enabled": True,
                "showSubtechniques": "." in technique,
            }
        )
    top = max((entry["score"] for entry in techniques), default=1) or 1
    return {
        "name": name,
        "versions": LAYER_VERSIONS,
        "domain": "enterprise-attack",
        "description": "Techniques covered by analytics rules (score = number of rules) and hunting queries.",
        "filters": {"platforms": ["IaaS", "Windows", "Identity Provider"]},
        "sorting": 3,
        "layout": {"layout": "side", "showID": True, "showName": True},
        "hideDisabled": False,
        "techniques": techniques,
        "gradient": {"colors": ["#ffe766ff", "#8ec843ff"], "minValue": 0, "maxValue": top},
        "legendItems": [{"label": "covered by hunting only", "color": "#ffe766ff"}],
        "showTacticRowBackground": False,
        "selectTechniquesAcrossTactics": True,
        "selectSubtechniquesWithParent": False,
    }
