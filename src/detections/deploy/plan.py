"""Plan and apply: compare every item, then change only what differs, one item at a time.

A plan lists each item as create / update (with its field changes) / unchanged / delete. Applying it
never stops at a rejected item: each outcome is recorded, so the summary says exactly what was and
was not deployed. A 409 Conflict (someone changed the item since we read it) is handled by reading it
again and retrying once; throttling and transient errors are retried inside the SDK pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from detections.content.model import Repository
from detections.deploy.compare import Change
from detections.deploy.resources import Deployed, Desired, Kind

CREATE, UPDATE, UNCHANGED, DELETE = "create", "update", "unchanged", "delete"
KEEP = "keep"  # ours, no longer in the repository, kept because --prune was not given


@dataclass
class PlanItem:
    action: str
    kind: Kind
    name: str
    title: str
    changes: list[Change] = field(default_factory=list)
    desired: Desired | None = None
    current: Deployed | None = None

    @property
    def takeover(self) -> str | None:
        """What writing this item takes from someone else: an item of the same id that another
        repository (or no repository: made in the portal or by another tool) owns."""
        if self.action != UPDATE or self.current is None or self.current.owned:
            return None
        if self.current.owner:
            return f"takes over from source {self.current.owner!r}"
        return "takes over an item without a source marker (made in the portal or by another tool)"


@dataclass
class Plan:
    items: list[PlanItem]
    strays: list[PlanItem] = field(default_factory=list)  # KEEP items: ours, not in the repo (no --prune)

    def count(self, action: str) -> int:
        return sum(1 for item in self.items if item.action == action)

    @property
    def pending(self) -> list[PlanItem]:
        return [item for item in self.items if item.action != UNCHANGED]


def make_plan(kinds: list[Kind], repo: Repository, *, prune: bool) -> Plan:
    """Read the workspace once per kind and compare it with the repository."""
    items: list[PlanItem] = []
    deletions: list[PlanItem] = []
    strays: list[PlanItem] = []
    for kind in kinds:
        wanted = kind.desired(repo)
        present = {item.name.lower(): item for item in kind.deployed()}
        for desired in wanted:
            current = present.pop(desired.name.lower(), None)
            if current is None:
                items.append(PlanItem(CREATE, kind, desired.name, desired.title, desired=desired))
                continue
            changes = kind.compare(current, desired)
            action = UPDATE if changes else UNCHANGED
            items.append(PlanItem(action, kind, desired.name, desired.title, changes, desired, current))
        for leftover in present.values():
            if not leftover.owned:
                continue  # not ours: never touched
            action = DELETE if prune else KEEP
            (deletions if prune else strays).append(PlanItem(action, kind, leftover.name, leftover.title,
                                                             current=leftover))
    return Plan(items + deletions, strays)


@dataclass
class Outcome:
    item: PlanItem
    error: str | None = None
    note: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def describe_error(exc: Exception) -> str:
    """One line naming the HTTP status and the service's error code and message (never headers/tokens);
    a credential that yields no token says so, without the SDK's multi-line list of what it tried."""
    from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

    from detections.deploy.connection import first_line

    if isinstance(exc, ClientAuthenticationError) and exc.status_code is None:
        return f"authentication failed: {first_line(exc)}"
    if isinstance(exc, HttpResponseError) and exc.status_code is not None:
        code = getattr(exc.error, "code", None) or exc.reason or "Error"
        message = getattr(exc.error, "message", None) or first_line(exc)
        return f"HTTP {exc.status_code} {code}: {message}"
    return f"{type(exc).__name__}: {first_line(exc)}"


def _apply_one(item: PlanItem) -> str | None:
    from azure.core.exceptions import ResourceExistsError

    kind = item.kind
    if item.action == DELETE:
        assert item.current is not None
        kind.remove(item.current)
        return None
    assert item.desired is not None
    try:
        kind.write(item.desired, item.current)
        return None
    except ResourceExistsError:
        fresh = kind.read(item.name)  # changed since we read it: read again, retry once
        if fresh is not None and not kind.compare(fresh, item.desired):
            return "conflict: already up to date when read again"
        kind.write(item.desired, fresh)
        return "conflict: read again and retried"


def apply_plan(plan: Plan) -> list[Outcome]:
    """Apply every pending item; one failure, of whatever kind, never stops the others."""
    outcomes: list[Outcome] = []
    for item in plan.pending:
        try:
            outcomes.append(Outcome(item, note=_apply_one(item)))
        except Exception as exc:  # reported per item in the summary, never swallowed
            outcomes.append(Outcome(item, error=describe_error(exc)))
    return outcomes
