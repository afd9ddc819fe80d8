"""The `detections` command line: one group, each sub-command in its own module, imported on use.

Commands are loaded lazily so `detections validate` does not pay for importing the Azure SDKs.
"""

from __future__ import annotations

import importlib

import click

# command name -> "module:attribute" of a click.Command
COMMANDS: dict[str, str] = {
    "validate": "detections.cli.validate:validate",
    "schema": "detections.cli.schema:schema",
    "workbook": "detections.cli.workbook:workbook",
    "test": "detections.cli.ruletest:test",
    "package": "detections.cli.package:package",
    "deploy": "detections.cli.deploy:deploy",
    "drift": "detections.cli.deploy:drift",
    "export": "detections.cli.deploy:export",
    "emulate": "detections.cli.emulate:emulate",
    "query": "detections.cli.query:query",
    "smoke": "detections.cli.query:smoke",
    "backtest": "detections.cli.query:backtest",
    "coverage": "detections.cli.coverage:coverage",
    "docs": "detections.cli.coverage:docs",
}


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported only when invoked or listed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            return None  # command not built yet in this checkout
        return getattr(module, attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="detections")
def main() -> None:
    """Validate, test, package and deploy Microsoft Sentinel content for AWS workloads."""
