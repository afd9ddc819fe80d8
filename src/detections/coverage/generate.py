"""Everything `detections docs` generates into docs/, and the up-to-date check `make check` runs."""

from __future__ import annotations

import json
from pathlib import Path

from detections.content.atomic import write_text
from detections.content.model import Repository
from detections.coverage.attack import navigator_layer
from detections.coverage.matrix import matrix_markdown
from detections.coverage.pages import CaseLookup, render_pages

LAYER_FILE = Path("coverage/attack-navigator-layer.json")
MATRIX_FILE = Path("coverage/zero-trust.md")
GENERATED_DIRS = (Path("rules"), Path("hunting"))  # every .md below these is generated


def generated_files(repository: Repository, cases: CaseLookup) -> dict[Path, str]:
    """Path (relative to docs/) -> text, for the coverage layer, the matrix and every doc page."""
    files = render_pages(repository, cases)
    files[LAYER_FILE] = json.dumps(navigator_layer(repository), indent=2, sort_keys=True) + "\n"
    files[MATRIX_FILE] = matrix_markdown(repository)
    return files


def stale_files(files: dict[Path, str], docs_dir: Path) -> list[Path]:
    """Generated files that are missing on disk or differ from what the content gives now."""
    stale = []
    for relative, text in sorted(files.items()):
        target = docs_dir / relative
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            stale.append(relative)
    return stale


def orphan_files(files: dict[Path, str], docs_dir: Path) -> list[Path]:
    """Generated pages on disk whose rule or hunting query no longer exists."""
    on_disk = {
        page.relative_to(docs_dir) for folder in GENERATED_DIRS for page in (docs_dir / folder).rglob("*.md")
    }
    return sorted(on_disk - set(files))


def write_files(files: dict[Path, str], docs_dir: Path) -> list[Path]:
    """Write changed files (each whole or not at all), delete orphans; returns what changed."""
    orphans = orphan_files(files, docs_dir)
    for orphan in orphans:
        (docs_dir / orphan).unlink()
    changed = stale_files(files, docs_dir)
    for relative in changed:
        write_text(docs_dir / relative, files[relative])
    return changed + orphans
