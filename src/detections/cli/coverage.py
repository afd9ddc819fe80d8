"""`detections coverage` and `detections docs`: what the library detects, generated from the content."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from detections import report
from detections.cli.options import ROOT_OPTION, CommandError, load_content, resolve_root
from detections.content.model import Location, Repository
from detections.coverage.cases import case_lookup
from detections.coverage.generate import generated_files, orphan_files, stale_files, write_files
from detections.coverage.policy import policy_diagnostics
from detections.coverage.sources import DATA_SOURCES, data_sources
from detections.diagnostics import Diagnostic


def _summary(repository: Repository, console: Console) -> None:
    table = Table(title="Library coverage")
    table.add_column("Data source")
    table.add_column("Rules", justify="right")
    table.add_column("Hunting", justify="right")
    rules = Counter(source for rule in repository.rules for source in data_sources(rule))
    hunts = Counter(source for hunt in repository.hunting for source in data_sources(hunt))
    for source in DATA_SOURCES:
        table.add_row(source, str(rules[source]), str(hunts[source]))
    techniques = {t for item in (*repository.rules, *repository.hunting) for t in item.techniques}
    tactics = {t for item in repository.rules for t in item.tactics}
    console.print(table)
    console.print(
        f"{len(repository.rules)} rules, {len(repository.hunting)} hunting queries, "
        f"{len(repository.workbooks)} workbooks; {len(tactics)} tactics, {len(techniques)} techniques",
        soft_wrap=True,
    )


@click.command(short_help="Report ATT&CK and Zero Trust coverage and the policy.")
@ROOT_OPTION
@click.option("--check", is_flag=True, help="Also fail when generated docs/ is out of date with the content.")
def coverage(root: Path | None, check: bool) -> None:
    """Report ATT&CK and Zero Trust coverage and the library policy (exit 1 on gaps).

    Every rule must have tactics, techniques, a Zero Trust principle and entity mappings. With
    --check (run by `make check`) docs/ must also match the content: `make docs` refreshes it.

    Exit status: 1 when the policy finds gaps (or, with --check, docs/ is out of date) or the content
    does not load; 2 on usage errors.
    """
    repository = load_content(resolve_root(root))
    _summary(repository, Console())
    problems = policy_diagnostics(repository)
    if check:
        docs_dir = repository.root / "docs"
        files = generated_files(repository, case_lookup(repository, repository.root / "fixtures"))
        problems += [
            Diagnostic(
                "COV010", f"generated file docs/{path.as_posix()} is out of date with the content",
                Location(docs_dir / path), hint="run `make docs` (detections docs) and commit the result",
            )
            for path in stale_files(files, docs_dir) + orphan_files(files, docs_dir)
        ]
    if problems:
        report.write("human", problems, sys.stdout, root=repository.root)
    sys.exit(report.exit_code(problems))


@click.command(short_help="Generate docs/ (rule pages, coverage) from the content.")
@ROOT_OPTION
def docs(root: Path | None) -> None:
    """Generate docs/: a page per rule and hunting query, the coverage layer and the Zero Trust matrix.

    Exit status: 0 when docs/ is up to date (whether or not files changed); 1 when the content does not
    load or a file cannot be written; 2 on usage errors.
    """
    repository = load_content(resolve_root(root))
    docs_dir = repository.root / "docs"
    try:
        changed = write_files(generated_files(repository, case_lookup(repository, repository.root / "fixtures")),
                              docs_dir)
    except OSError as exc:
        raise CommandError(f"cannot write {exc.filename or docs_dir}: {exc.strerror or exc}",
                           hint="check the permissions of docs/; every file is written whole or not at all") from None
    for path in changed:
        click.echo(f"updated docs/{path.as_posix()}")
    click.echo(f"{len(changed)} file(s) changed")

