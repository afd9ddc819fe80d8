"""`detections test`: run the rule test cases under fixtures/ through the Sentinel simulation."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from detections.cli.options import ROOT_OPTION, resolve_root, write_text_file


@click.command(short_help="Run the rule tests (fixtures/**/*.tests.yaml).")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@ROOT_OPTION
@click.option("-k", "keyword", help="Run only cases whose name, rule id or file name contains this text.")
@click.option("--junit", type=click.Path(path_type=Path, dir_okay=False), help="Also write JUnit XML here (for CI).")
@click.option("--format", "fmt", type=click.Choice(["human", "json"]), default="human", show_default=True,
              help="human: a table, then each case that did not pass; json: every result, for scripts.")
@click.option("--min-cases", is_flag=True,
              help="Policy: every rule needs a case that fires and one that stays quiet; every hunting query "
                   "and every query of a workbook one that returns rows.")
def test(paths: tuple[Path, ...], root: Path | None, keyword: str | None, junit: Path | None, fmt: str, min_cases: bool) -> None:
    """Run rule tests (fixtures/**/*.tests.yaml, or the given files/folders).

    Exit status: 1 when a case fails or errs (or the --min-cases policy is not met), 2 on usage errors.
    """
    from detections.content import load_repository
    from detections.ruletest import report
    from detections.ruletest.runner import fixture_files, run_all
    from detections.ruletest.runner import min_cases as policy_check

    out = Console(soft_wrap=True)
    err = Console(stderr=True)
    started = time.perf_counter()
    root = resolve_root(root, paths[0] if paths else None)
    load_problems: list = []
    repository = load_repository(root, load_problems)
    files = fixture_files(list(paths) or [root / "fixtures"])
    if not files:
        raise click.UsageError(f"no rule test files (*.tests.yaml) under {', '.join(map(str, paths or [root / 'fixtures']))}")
    if load_problems and fmt == "human":
        err.print(f"[yellow]{len(load_problems)} content problem(s): their rules cannot be tested "
                  "(run `detections validate`)[/]; first: " + str(load_problems[0]), highlight=False)
    with Progress(TextColumn("testing"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                  console=err, transient=True, disable=fmt != "human") as progress:
        task = progress.add_task("", total=len(files))
        results = run_all(repository, files, keyword,
                          progress=lambda path: progress.update(task, advance=1, description=path.name))
    if not results:
        raise click.UsageError(f"no case matches -k {keyword!r}")
    policy = policy_check(repository, files, whole_library=not paths) if min_cases else []
    seconds = time.perf_counter() - started
    if fmt == "json":
        click.echo(report.as_json(results, policy, seconds))
    else:
        report.human(out, results, policy, seconds, root)
    if junit:
        write_text_file(junit, report.junit(results, policy, seconds), "--junit")
    if policy or any(r.status != "passed" for r in results):
        sys.exit(1)
