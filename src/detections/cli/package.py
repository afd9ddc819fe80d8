"""`detections package`: build dist/ (ARM templates, combined template, DCR, manifest) from the content."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from detections.cli.options import ROOT_OPTION, CommandError, load_content, resolve_root

SOURCE_OPTION = click.option(
    "--source", envvar="DETECTIONS_SOURCE",
    help="Repository name in the ownership marker [env DETECTIONS_SOURCE; default: the root folder's name].",
)


@click.command(short_help="Build ARM templates and the Windows DCR into dist/.")
@ROOT_OPTION
@click.option("--out", type=click.Path(path_type=Path), default=Path("dist"), show_default=True,
              help="Output folder; replaced as a whole, and only if it is empty or an earlier package.")
@SOURCE_OPTION
@click.option("--workspace", envvar="SENTINEL_WORKSPACE", default="<workspace-name>",
              help="Workspace name for azuredeploy.parameters.json [env SENTINEL_WORKSPACE].")
@click.option("--location", envvar="AZURE_LOCATION", default="<azure-region>",
              help="Azure region for azuredeploy.parameters.json [env AZURE_LOCATION].")
def package(root: Path | None, out: Path, source: str | None, workspace: str, location: str) -> None:
    """Write ARM templates for every rule, hunting query and workbook, plus the Windows DCR, into OUT.

    Exit status: 1 when the content does not load or OUT cannot be written, 2 on usage errors.
    """
    from detections.package import PackageError, build_package

    out_console = Console(soft_wrap=True)
    errors = Console(stderr=True, soft_wrap=True)
    repo = load_content(resolve_root(root))
    try:
        result = build_package(repo, out, source=source, workspace=workspace, location=location)
    except PackageError as exc:
        raise CommandError(str(exc)) from None
    needs = result.needs
    out_console.print(
        f"packaged into {out}/ ({len(result.files)} files): analytics rules {len(repo.rules)}, "
        f"hunting queries {len(repo.hunting)}, workbooks {len(repo.workbooks)}", highlight=False,
    )
    if needs.all_events:
        errors.print("[yellow]warning: DCR collects ALL Security events:[/] " + "; ".join(needs.unrestricted),
                     highlight=False)
    elif needs.readers:
        out_console.print(f"DCR collects Security EventIDs {', '.join(map(str, needs.event_ids))}", highlight=False)
