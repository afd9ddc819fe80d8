"""`detections schema`: print the JSON Schema of a content kind, for editors (yaml-language-server)."""

from __future__ import annotations

import json

import click

from detections import schemas

KINDS = ("rule", "hunting", "workbook", "extension")


@click.command(short_help="Print the JSON Schema of a content kind, for editors.")
@click.argument("kind", type=click.Choice(KINDS), default="rule", metavar="[KIND]")
def schema(kind: str) -> None:
    """Print the JSON Schema (Draft 2020-12) of KIND: rule (the default), hunting, workbook or extension.

    Example: detections schema rule > .schemas/rule.json, then in VS Code settings:
    "yaml.schemas": {".schemas/rule.json": "rules/**/*.yaml"}.

    Exit status: 0, or 2 on usage errors (an unknown KIND).
    """
    click.echo(json.dumps(schemas.bundled(kind), indent=2))
