"""Run every registered check over a repository (or some of its files) and collect diagnostics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from detections.content.loader import (
    FOLDER_LOADERS,
    content_files,
    find_root,
    is_content_file,
    load_files,
    walk_files,
)
from detections.content.model import Location
from detections.diagnostics import Diagnostic
from detections.ruletest import FIXTURE_SUFFIX
from detections.validate.base import Context, RepositoryCheck
from detections.validate.registry import CHECKS

MISSING_PATH = "DET103"


def _expand(paths: Sequence[Path], diagnostics: list[Diagnostic]) -> list[Path]:
    """The content files the given paths name; a missing path or a folder without content is an error,
    so a typo never passes as "0 errors"."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir() and find_root(path) == path.resolve():  # a repository root: its content folders only
            found = content_files(path)
        elif path.is_dir():  # rule-test files (fixtures/hunting/...) are not content, whatever their folder
            found = walk_files(path, lambda p: is_content_file(p) and not p.name.endswith(FIXTURE_SUFFIX)
                               and any(parent.name.lower() in FOLDER_LOADERS for parent in p.parents))
        elif path.exists():
            found = [path]
        else:
            diagnostics.append(Diagnostic(MISSING_PATH, "no such file or folder", Location(path),
                                          hint="check the path passed to detections validate"))
            continue
        if not found:
            diagnostics.append(Diagnostic(MISSING_PATH, "no content files (*.yaml under rules/, hunting/ or "
                                          "workbooks/) in this folder", Location(path),
                                          hint="pass a content file, a content folder or the repository root"))
        files.extend(found)
    return files


@dataclass(frozen=True)
class Result:
    diagnostics: list[Diagnostic]
    files: int  # content files reported on


def validate(paths: Sequence[Path] = (), *, root: Path | None = None, base: str | None = None) -> list[Diagnostic]:
    """The diagnostics of `run` (see there)."""
    return run(paths, root=root, base=base).diagnostics


def run(paths: Sequence[Path] = (), *, root: Path | None = None, base: str | None = None) -> Result:
    """Validate the repository at `root` (found from the paths or the current folder when omitted).

    With `paths`, only those files (or the content files under those folders) are reported on, but
    ids and file names are still compared with the whole repository.
    """
    diagnostics: list[Diagnostic] = []
    root = root or find_root(Path(paths[0]) if paths else Path.cwd())
    if paths:
        selected_files = _expand([Path(p) for p in paths], diagnostics)
        selected: frozenset[Path] | None = frozenset(p.resolve() for p in selected_files)
        known = {p.resolve() for p in content_files(root)} if root else set()
        files = [*content_files(root)] if root else []
        files += [p for p in selected_files if p.resolve() not in known]
    else:
        if root is None:
            return Result([Diagnostic(MISSING_PATH, "no content repository here (no rules/ folder here or above)",
                                      Location(Path.cwd()), hint="run inside the repository or pass PATH...")], 0)
        files, selected = content_files(root), None
    load_problems: list[Diagnostic] = []
    repository = load_files(files, root or Path.cwd(), load_problems)
    diagnostics += [d for d in load_problems if selected is None or d.location.path.resolve() in selected]
    ctx = Context(repository, base=base, selected=selected)
    items = list(ctx.items())
    for check in CHECKS:
        if isinstance(check, RepositoryCheck):
            diagnostics.extend(check.run_repository(ctx))
            continue
        for item in items:
            if check.applies(item):
                diagnostics.extend(check.run(item, ctx))
    return Result(diagnostics, len(files) if selected is None else len(selected))
