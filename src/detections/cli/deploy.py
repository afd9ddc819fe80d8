"""`detections deploy`, `detections drift` and `detections export`: the workspace side of the content."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console

from detections.cli.options import ROOT_OPTION, CommandError, load_content, resolve_root
from detections.cli.package import SOURCE_OPTION

# flag -> (environment variables, in order of preference)
TARGET_ENV = {
    "subscription": ("AZURE_SUBSCRIPTION_ID",),
    "resource_group": ("AZURE_RESOURCE_GROUP",),
    "workspace": ("SENTINEL_WORKSPACE", "AZURE_WORKSPACE_NAME"),
}
def _read_hint(error: Exception) -> str:
    """What to check when the workspace cannot be read: the network and endpoint when nothing answered,
    else the target and the login."""
    from azure.core.exceptions import ServiceRequestError

    from detections.deploy.clients import ARM_ENDPOINT_ENV, endpoint

    if isinstance(error, ServiceRequestError):
        return f"nothing answered at {endpoint()}: check the network, the endpoint ({ARM_ENDPOINT_ENV}) and the CA file"
    return ("check the target and your Azure login (az login, managed identity or OIDC); "
            "see docs/deploy.md for the role needed")


def _target_options(with_location: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--subscription/--resource-group/--workspace (and, where workbooks are written, --location), each
    also read from the environment."""
    options = [
        click.option("--subscription", envvar=list(TARGET_ENV["subscription"]),
                     help="Azure subscription ID of the workspace [env AZURE_SUBSCRIPTION_ID]."),
        click.option("--resource-group", envvar=list(TARGET_ENV["resource_group"]),
                     help="Resource group of the workspace [env AZURE_RESOURCE_GROUP]."),
        click.option("--workspace", envvar=list(TARGET_ENV["workspace"]),
                     help="Log Analytics workspace name [env SENTINEL_WORKSPACE or AZURE_WORKSPACE_NAME]."),
    ]
    if with_location:
        options.append(click.option("--location", envvar="AZURE_LOCATION",
                                    help="Azure region of the workbooks [env AZURE_LOCATION; default: the "
                                         "workspace's region]."))

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def _target(subscription: str | None, resource_group: str | None, workspace: str | None,
            location: str | None = None):
    from detections.deploy.clients import Target

    given = {"subscription": subscription, "resource_group": resource_group, "workspace": workspace}
    missing = [f"--{name.replace('_', '-')} (or {' / '.join(TARGET_ENV[name])})" for name, v in given.items() if not v]
    if missing:
        raise click.UsageError("no target workspace: set " + ", ".join(missing))
    return Target(str(subscription), str(resource_group), str(workspace), location)


def _clients(target: Any) -> Any:
    """The SDK clients for the target, with SDK logging kept off the terminal; a CA file the
    environment names but that is not there is a usage error (exit 2), reported before any request."""
    from detections.deploy.clients import make_clients
    from detections.deploy.connection import ConnectionSetupError, quiet_sdk_logging

    quiet_sdk_logging()
    try:
        return make_clients(target)
    except ConnectionSetupError as exc:
        raise click.UsageError(str(exc)) from None


def _kinds(target: Any, source: str) -> list[Any]:
    from detections.deploy.resources import all_kinds

    return all_kinds(_clients(target), target, source)


def _cannot_read(error: Exception) -> NoReturn:
    """The workspace cannot be read: the service's reason and what to check (exit 1)."""
    from detections.deploy.plan import describe_error

    raise CommandError(f"cannot read the workspace: {describe_error(error)}", hint=_read_hint(error))


def _plan(kinds: list[Any], repo: Any, prune: bool) -> Any:
    """Read the workspace; an unreachable or forbidden workspace exits 1 with the service's reason."""
    from azure.core.exceptions import AzureError

    from detections.deploy.plan import make_plan

    try:
        return make_plan(kinds, repo, prune=prune)
    except AzureError as exc:
        _cannot_read(exc)


def _can_ask() -> bool:
    """Whether a person can answer the confirmation (stdin is a terminal)."""
    return sys.stdin.isatty()


def _source(source: str | None, root: Path) -> str:
    from detections.package import default_source

    return source or default_source(root)


@click.command(short_help="Plan, then apply the content to a Sentinel workspace.")
@_target_options(with_location=True)
@ROOT_OPTION
@SOURCE_OPTION
@click.option("--plan-only", is_flag=True, help="Show the plan and stop.")
@click.option("--yes", is_flag=True, help="Apply without asking (CI).")
@click.option("--prune", is_flag=True, help="Delete items deployed from this repository that it no longer holds.")
def deploy(subscription: str | None, resource_group: str | None, workspace: str | None, location: str | None,
           root: Path | None, source: str | None, plan_only: bool, yes: bool, prune: bool) -> None:
    """Plan, then apply the repository's rules, hunting queries and workbooks to a Sentinel workspace.

    Exit status: 0 when applied (or nothing to do, or --plan-only); 1 when the workspace cannot be read,
    an item was not deployed or the confirmation was declined; 2 on usage errors (no target, a CA file
    that is not there, no terminal to confirm on without --yes).
    """
    from detections.deploy.plan import apply_plan
    from detections.deploy.report import render_plan, render_summary

    console = Console(soft_wrap=True)
    root = resolve_root(root)
    repo = load_content(root)
    target = _target(subscription, resource_group, workspace, location)
    source = _source(source, root)
    kinds = _kinds(target, source)  # a CA file that is not there stops here, before any output
    console.print(f"Workspace {target.workspace} (resource group {target.resource_group}), source {source!r}",
                  highlight=False)
    plan = _plan(kinds, repo, prune)
    render_plan(plan, console)
    if plan_only or not plan.pending:
        return
    if not yes:
        if not _can_ask():
            raise click.UsageError("not applied: no terminal to confirm on; pass --yes to apply without asking, "
                                   "or --plan-only to only show the plan")
        click.confirm("Apply these changes?", abort=True)
    outcomes = apply_plan(plan)
    render_summary(plan, outcomes, console)
    if any(not outcome.ok for outcome in outcomes):
        sys.exit(1)


@click.command(short_help="Show what differs between the workspace and the repository.")
@_target_options(with_location=False)
@ROOT_OPTION
@SOURCE_OPTION
def drift(subscription: str | None, resource_group: str | None, workspace: str | None, root: Path | None,
          source: str | None) -> None:
    """Show what differs between the workspace and the repository.

    Exit status: 0 when the workspace matches; 1 when anything differs or the workspace cannot be read;
    2 on usage errors.
    """
    from detections.deploy.report import render_plan

    console = Console(soft_wrap=True)
    root = resolve_root(root)
    repo = load_content(root)
    target = _target(subscription, resource_group, workspace)
    plan = _plan(_kinds(target, _source(source, root)), repo, True)
    render_plan(plan, console, show_unchanged=False)
    if plan.pending:
        console.print(f"[yellow]drift:[/] {len(plan.pending)} item(s) differ from the repository", highlight=False)
        sys.exit(1)
    console.print("no drift: the workspace matches the repository", highlight=False)


@click.command(short_help="Write a workspace's analytics rules as Sentinel YAML.")
@_target_options(with_location=False)
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("export"), show_default=True,
              help="Folder to write rules/<Table>/<Name>.yaml into; a repository root updates its rule files.")
@click.option("--overwrite", is_flag=True, help="Replace a file at a new rule's path that is not a rule file.")
def export(subscription: str | None, resource_group: str | None, workspace: str | None, out: Path,
           overwrite: bool) -> None:
    """Write the workspace's Scheduled and NRT analytics rules as Sentinel YAML (bulk import).

    A rule whose id a file under OUT/rules already holds updates that file in place (its x-detections
    block and requiredDataConnectors kept), so exporting into the repository never duplicates an id.

    Exit status: 1 when the workspace cannot be read or a rule cannot be written, 2 on usage errors.
    """
    from azure.core.exceptions import AzureError

    from detections.content.atomic import write_text
    from detections.deploy.export import existing_rules, export_rules

    console = Console(soft_wrap=True)
    target = _target(subscription, resource_group, workspace)
    client = _clients(target).sentinel
    try:
        rules = [rule.as_dict() for rule in client.alert_rules.list(target.resource_group, target.workspace)]
    except AzureError as exc:
        _cannot_read(exc)
    counts = dict.fromkeys(("new", "update", "unchanged", "skipped", "failed"), 0)
    for item in export_rules(rules, existing_rules(out)):
        path = out / item.path
        if item.action == "failed":
            console.print(f"[red]not exported[/] {path}: {item.error}", highlight=False)
        elif item.action == "update":
            console.print(f"updated {path}: the file of rule {item.rule_id}, rewritten in place", highlight=False)
        elif item.action == "new" and path.exists() and not overwrite:
            console.print(f"skipped {path}: exists and is not a rule file (use --overwrite to replace it)",
                          highlight=False)
            counts["skipped"] += 1
            continue
        counts[item.action] += 1
        if item.action not in ("new", "update"):
            continue
        try:
            write_text(path, item.text)
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc.strerror or exc}; {counts['new'] + counts['update'] - 1} "
                               "rule(s) were written before it (each file is whole)") from None
    other = sum(1 for rule in rules if rule.get("kind") not in ("Scheduled", "NRT"))
    console.print(f"exported {counts['new'] + counts['update']} rule(s) to {out}/ ({counts['new']} new, "
                  f"{counts['update']} updated in place, {counts['unchanged']} unchanged, {counts['skipped']} "
                  f"skipped, {counts['failed']} failed; {other} rule(s) of other kinds such as Fusion are not "
                  "content and were left out)", highlight=False)
    if counts["failed"]:
        sys.exit(1)
