"""Sentinel tactic names and their ATT&CK short names (as the Navigator and MITRE use them)."""

from __future__ import annotations

import re

# Sentinel's AttackTactic enum value -> ATT&CK tactic short name (x_mitre_shortname).
TACTIC_SHORTNAMES: dict[str, str] = {
    "Reconnaissance": "reconnaissance",
    "ResourceDevelopment": "resource-development",
    "InitialAccess": "initial-access",
    "Execution": "execution",
    "Persistence": "persistence",
    "PrivilegeEscalation": "privilege-escalation",
    "DefenseEvasion": "defense-evasion",
    "CredentialAccess": "credential-access",
    "Discovery": "discovery",
    "LateralMovement": "lateral-movement",
    "Collection": "collection",
    "CommandAndControl": "command-and-control",
    "Exfiltration": "exfiltration",
    "Impact": "impact",
    "ImpairProcessControl": "impair-process-control",
    "InhibitResponseFunction": "inhibit-response-function",
    "PreAttack": "pre-attack",
}


def tactic_title(tactic: str) -> str:
    """'PrivilegeEscalation' -> 'Privilege Escalation' for tables meant for people."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", tactic)
