"""`detections package`: build dist/ (ARM templates, combined template, DCR, manifest) from the content."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from detections.content.model import Repository
from detections.diagnostics import ContentError

ROOT_OPTION = click.option(
    "--root", type=click.Path(path_type=Path, file_okay=False), default=Path("."), show_default=True,
    help="Repository root (holds rules/, hunting/, workbooks/).",
)
SOURCE_OPTION = click.option(
    "--source", envvar="DETECTIONS_SOURCE",
    help="Repository name in the ownership marker [env DETECTIONS_SOURCE; default: the root folder's name].",
)


def load_content(root: Path, console: Console) -> Repository:
    """Load the repository or exit 1 with one message per problem (never a traceback)."""
    from detections.content import load_repository

    try:
        return load_repository(root)
    except ContentError as exc:
        for diagnostic in exc.diagnostics:
            console.print(str(diagnostic), markup=False, highlight=False)
        console.print(f"[red]{len(exc.diagnostics)} problem(s) in the content: fix them (see `detections validate`)")
        sys.exit(1)


@click.command()
@ROOT_OPTION
@click.option("--out", type=click.Path(path_type=Path), default=Path("dist"), show_default=True,
              help="Output folder; replaced as a whole, and only if it is empty or an earlier package.")
@SOURCE_OPTION
@click.option("--workspace", envvar="SENTINEL_WORKSPACE", default="<workspace-name>",
              help="Workspace name for azuredeploy.parameters.json [env SENTINEL_WORKSPACE].")
@click.option("--location", envvar="AZURE_LOCATION", default="<azure-region>",
              help="Azure region for azuredeploy.parameters.json [env AZURE_LOCATION].")
def package(root: Path, out: Path, source: str | None, workspace: str, location: str) -> None:
    """Write ARM templates for every rule, hunting query and workbook, plus the Windows DCR, into OUT."""
    from detections.package import PackageError, build_package

    console = Console(stderr=True, soft_wrap=True)
    repo = load_content(root, console)
    try:
        result = build_package(repo, out, source=source, workspace=workspace, location=location)
    except PackageError as exc:
        console.print(f"[red]error:[/] {exc}", highlight=False)
        sys.exit(1)
    needs = result.needs
    console.print(
        f"packaged into {out}/ ({len(result.files)} files): analytics rules {len(repo.rules)}, "
        f"hunting queries {len(repo.hunting)}, workbooks {len(repo.workbooks)}", highlight=False,
    )
    if needs.all_events:
        console.print("[yellow]DCR collects ALL Security events:[/] " + "; ".join(needs.unrestricted), highlight=False)
    elif needs.readers:
        console.print(f"DCR collects Security EventIDs {', '.join(map(str, needs.event_ids))}", highlight=False)
