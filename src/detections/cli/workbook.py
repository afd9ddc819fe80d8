"""`detections workbook import|export`: convert between Sentinel workbook JSON and our workbook YAML."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from detections import report
from detections.cli.options import write_text_file
from detections.content import load_workbook
from detections.content.workbook_yaml import WorkbookFormatError, json_to_yaml, template_to_json
from detections.content.yamlio import read_text
from detections.diagnostics import ContentError


@click.group(short_help="Convert workbooks between Sentinel's JSON and YAML.")
def workbook() -> None:
    """Convert workbooks between Sentinel's JSON and readable YAML (lossless both ways)."""


@workbook.command("import", short_help="Workbook JSON (content, gallery or ARM template) to YAML.")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="YAML file to write (default: standard output).")
@click.option("--name", help="Workbook name [default: an ARM workbook resource's display name, else the file name "
                             "without extension].")
@click.option("--id", "workbook_id", help="Workbook GUID [default: an ARM workbook resource's own GUID, so a re-import "
                                          "deploys to the same workbook; else derived from the name, stable].")
@click.option("--description", help="Workbook description [default: the workbook resource's].")
def import_(source: Path, output: Path | None, name: str | None, workbook_id: str | None,
            description: str | None) -> None:
    """Convert a workbook JSON export (gallery template, serializedData or ARM template) to YAML.

    Exit status: 1 when SOURCE is not a workbook we can convert, 2 on usage errors.
    """
    try:
        text = json_to_yaml(read_text(source, "workbook JSON file"), name=name, default_name=source.stem,
                            workbook_id=workbook_id, description=description)
    except ContentError as exc:
        _fail(exc)
    except WorkbookFormatError as exc:
        raise click.ClickException(f"{source}{exc.where}: {exc}") from None
    _emit(text, output)


@workbook.command("export", short_help="Workbook YAML to the workbook JSON Sentinel stores.")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="JSON file to write (default: standard output).")
def export(source: Path, output: Path | None) -> None:
    """Convert a workbook YAML file to the workbook JSON Sentinel stores.

    Exit status: 1 when SOURCE is not a valid workbook YAML file, 2 on usage errors.
    """
    try:
        loaded = load_workbook(source)
    except ContentError as exc:
        _fail(exc)
    _emit(template_to_json(loaded.template), output)


def _fail(error: ContentError) -> NoReturn:
    """Report the problems as `detections validate` does and exit 1."""
    report.write("human", error.diagnostics, sys.stderr)
    sys.exit(1)


def _emit(text: str, output: Path | None) -> None:
    """Standard output, or the whole file at once (never half a workbook)."""
    if output:
        write_text_file(output, text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
