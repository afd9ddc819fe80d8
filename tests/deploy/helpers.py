"""Helpers for deploy tests: sample item ids and a `Workspace` bundling the emulator with our deployer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detections.content import load_repository
from detections.content.model import Repository
from detections.deploy.clients import Clients, Target
from detections.deploy.plan import Outcome, Plan, apply_plan, make_plan
from detections.deploy.resources import all_kinds
from detections.emulator import Emulator

SAMPLE_REPO = Path(__file__).parents[1] / "package" / "data" / "repo"
SOURCE = "my-repo"
RULE_SCHEDULED = "3f1b0c2e-8a4d-4c55-9d1e-6a7b8c9d0e11"
RULE_NRT = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
HUNTING_SECURITY = "5c4d3e2f-1a0b-4c9d-8e7f-6a5b4c3d2e1f"
HUNTING_CLOUDTRAIL = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
WORKBOOK = "6f5e4d3c-2b1a-4f0e-9d8c-7b6a5f4e3d2c"


@dataclass
class Workspace:
    """The emulator plus our deploy machinery pointed at it."""

    emulator: Emulator
    target: Target
    clients: Clients
    root: Path

    def repo(self) -> Repository:
        return load_repository(self.root)

    def plan(self, prune: bool = False, source: str = SOURCE) -> Plan:
        return make_plan(all_kinds(self.clients, self.target, source), self.repo(), prune=prune)

    def deploy(self, prune: bool = False) -> list[Outcome]:
        return apply_plan(self.plan(prune))

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.root / relative
        text = path.read_text()
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new))

    def puts(self) -> list[Any]:
        return [r for r in self.emulator.requests if r.method in ("PUT", "DELETE")]
