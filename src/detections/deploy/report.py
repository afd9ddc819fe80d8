"""What the user reads: the plan (per item, with field diffs) and the end summary of a deployment."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from detections.deploy.plan import CREATE, DELETE, KEEP, UNCHANGED, UPDATE, Outcome, Plan, PlanItem

SYMBOLS = {CREATE: ("+", "green"), UPDATE: ("~", "yellow"), UNCHANGED: ("=", "dim"), DELETE: ("-", "red"),
           KEEP: ("!", "yellow")}
PAST = {CREATE: "created", UPDATE: "updated", DELETE: "deleted"}


def _line(item: PlanItem) -> str:
    symbol, style = SYMBOLS[item.action]
    return (f"[{style}]{symbol} {item.action:<9}[/] {item.kind.label:<13} {escape(item.name)}  "
            f"{escape(item.title)}")


def render_plan(plan: Plan, console: Console, *, show_unchanged: bool = True) -> None:
    for item in plan.items:
        if item.action == UNCHANGED and not show_unchanged:
            continue
        console.print(_line(item), highlight=False)
        if item.takeover:
            console.print(f"      [yellow]! {escape(item.takeover)}[/]", highlight=False)
        for change in item.changes:
            for text in change.render():
                console.print(f"      {escape(text)}", highlight=False)
    for stray in plan.strays:
        console.print(f"{_line(stray)}  (ours, no longer in the repository; --prune deletes it)", highlight=False)
    counts = ", ".join(f"{plan.count(a)} to {a}" for a in (CREATE, UPDATE, DELETE))
    console.print(f"Plan: {counts}, {plan.count(UNCHANGED)} unchanged.", highlight=False)


def render_summary(plan: Plan, outcomes: list[Outcome], console: Console) -> None:
    """Exactly what was and was not deployed."""
    done = [o for o in outcomes if o.ok]
    failed = [o for o in outcomes if not o.ok]
    parts = [f"{sum(1 for o in done if o.item.action == a)} {PAST[a]}" for a in (CREATE, UPDATE, DELETE)]
    console.print(f"Deployed: {', '.join(parts)}, {plan.count(UNCHANGED)} unchanged.", highlight=False)
    for outcome in done:
        if outcome.note:
            console.print(f"  note: {outcome.item.kind.label} {escape(outcome.item.name)}: {escape(outcome.note)}",
                          highlight=False)
    if failed:
        console.print(f"[red]NOT deployed ({len(failed)}):[/]", highlight=False)
        for outcome in failed:
            item = outcome.item
            console.print(f"  [red]x[/] {item.action} {item.kind.label} {escape(item.name)} "
                          f"{escape(item.title)}: {escape(outcome.error or '')}", highlight=False)
