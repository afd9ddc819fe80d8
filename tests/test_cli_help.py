"""`--help` describes every command and option: a one-line summary per command in `detections --help`,
the exit statuses, and what each option means."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from detections.cli import COMMANDS, main


def _leaves() -> list[tuple[str, click.Command]]:
    """(command line, command) of every command that runs, sub-commands of groups included."""
    ctx = click.Context(main)
    found = []
    for name in COMMANDS:
        command = main.get_command(ctx, name)
        assert command is not None, name
        if isinstance(command, click.Group):
            found += [(f"{name} {sub}", command.commands[sub]) for sub in command.commands]
        else:
            found.append((name, command))
    return found


def _help(words: str) -> str:
    result = CliRunner().invoke(main, [*words.split(), "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_the_command_list_shows_a_whole_summary_for_each_command():
    listing = CliRunner().invoke(main, ["--help"], terminal_width=80).output
    ctx = click.Context(main)
    for name in COMMANDS:
        summary = main.get_command(ctx, name).short_help
        assert summary and len(summary) <= 60 and summary.endswith("."), name
        assert f"  {name.ljust(8)}  {summary}\n" in listing, name  # not cut mid-sentence
    assert "..." not in listing.split("Commands:")[1]


@pytest.mark.parametrize(("words", "command"), _leaves(), ids=[words for words, _ in _leaves()])
def test_every_command_states_its_exit_status_and_describes_each_option(words, command):
    assert "Exit status:" in _help(words)
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"detections {words} {param.opts[0]} has no description"


def test_root_is_everywhere_the_repository_is_read_and_location_only_where_workbooks_are_written():
    for words in ("validate", "test", "package", "deploy", "drift", "smoke", "backtest", "coverage", "docs"):
        assert "--root DIRECTORY Repository root" in _help(words), words
    assert "--location" in _help("deploy")
    for words in ("drift", "export"):
        assert "--location" not in _help(words), words


def test_option_texts_the_qa_pass_found_missing():
    assert "KIND: rule (the default), hunting, workbook or extension" in _help("schema")
    assert "every query of a workbook" in _help("test")
    assert "Azure subscription ID of the workspace" in _help("deploy")
