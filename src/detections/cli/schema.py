"""`detections schema`: print the JSON Schema of a content kind, for editors (yaml-language-server)."""

from __future__ import annotations

import json

import click

from detections import schemas

KINDS = ("rule", "hunting", "workbook", "extension")


@click.command()
@click.argument("kind", type=click.Choice(KINDS), default="rule")
def schema(kind: str) -> None:
    """Print the JSON Schema (Draft 2020-12) of KIND: rule, hunting, workbook or extension.

    Example: detections schema rule > .schemas/rule.json, then in VS Code settings:
    "yaml.schemas": {".schemas/rule.json": "rules/**/*.yaml"}.
    """
    click.echo(json.dumps(schemas.bundled(kind), indent=2))
