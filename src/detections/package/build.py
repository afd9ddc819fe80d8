"""`detections package`: every template, the combined template, the DCR and a manifest, written atomically.

Output is deterministic (sorted keys, items ordered by kind and id, no timestamps), so the same content
gives byte-identical files and a package diff in review shows only real changes. Everything is written
into a temporary sibling folder first and moved into place, so a failure never leaves a half package.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from detections.content.atomic import staging_folder
from detections.content.model import AnalyticsRule, HuntingQuery, Repository, Workbook
from detections.package import templates
from detections.package.bodies import template_scope
from detections.package.dcr import SecurityEventNeeds, dcr_resource, security_event_needs

COMBINED = "azuredeploy.json"
PARAMETERS = "azuredeploy.parameters.json"
MANIFEST = "manifest.json"
DCR_FILE = "dcr/windows-security-events.json"
GENERATOR = "detections"
PLACEHOLDER_WORKSPACE = "<workspace-name>"
PLACEHOLDER_LOCATION = "<azure-region>"

Item = AnalyticsRule | HuntingQuery | Workbook
# kind name, content folder, resources builder
KINDS: list[tuple[str, str, Any]] = [
    ("AnalyticsRule", "rules", templates.rule_resources),
    ("HuntingQuery", "hunting", templates.hunting_resources),
    ("Workbook", "workbooks", templates.workbook_resources),
]


class PackageError(Exception):
    """A package cannot be written (the message says what to do)."""


@dataclass
class PackageResult:
    out: Path
    files: dict[str, str]  # relative path -> sha256
    needs: SecurityEventNeeds


def default_source(root: Path) -> str:
    """The repository name written into ownership markers: $DETECTIONS_SOURCE or the checkout's folder name."""
    return os.environ.get("DETECTIONS_SOURCE") or root.resolve().name


def dump_json(document: Any) -> bytes:
    """The one JSON spelling of every package file: sorted keys, 2-space indent, trailing newline."""
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def relative(path: Path, root: Path) -> PurePosixPath | None:
    try:
        return PurePosixPath(path.resolve().relative_to(root.resolve()).as_posix())
    except ValueError:
        return None


def _label(item: Item, root: Path) -> str:
    rel = relative(item.path, root)
    return rel.as_posix() if rel else item.path.as_posix()


def template_path(item: Item, folder: str, root: Path) -> str:
    """dist path mirrors the content path (rules/AWSCloudTrail/X.yaml -> rules/AWSCloudTrail/X.json)."""
    rel = relative(item.path, root)
    if rel is None or rel.parts[0] != folder:
        return f"{folder}/{item.id}.json"
    return rel.with_suffix(".json").as_posix()


def _digests(files: dict[str, bytes]) -> dict[str, str]:
    return {path: hashlib.sha256(data).hexdigest() for path, data in sorted(files.items())}


def render(repo: Repository, *, source: str, workspace: str, location: str) -> tuple[dict[str, bytes], SecurityEventNeeds]:
    """All package files in memory (path -> bytes), manifest included."""
    scope = template_scope(source)
    files: dict[str, bytes] = {}
    manifest_items: list[dict[str, Any]] = []
    combined: list[dict[str, Any]] = []
    groups: list[list[Item]] = [list(repo.rules), list(repo.hunting), list(repo.workbooks)]
    for (kind, folder, build), items in zip(KINDS, groups, strict=True):
        for item in sorted(items, key=lambda i: (i.id.lower(), str(i.path))):
            resources = build(item, scope)
            path = template_path(item, folder, repo.root)
            files[path] = dump_json(templates.template(resources))
            combined.extend(resources)
            manifest_items.append({
                "kind": kind, "id": item.id, "name": item.name, "version": item.version,
                "content": _label(item, repo.root), "template": path,
            })
    needs = security_event_needs((_label(item, repo.root), item.query) for item in [*repo.rules, *repo.hunting])
    extra: dict[str, Any] = {}
    if needs.readers:
        files[DCR_FILE] = dump_json(templates.template([dcr_resource(needs)], templates.DCR_PARAMETER))
        combined.append(dcr_resource(needs))
        extra = templates.DCR_PARAMETER
    files[COMBINED] = dump_json(templates.template(combined, extra))
    files[PARAMETERS] = dump_json(templates.parameters_file(workspace, location))
    hashes = _digests(files)
    for entry in manifest_items:
        entry["sha256"] = hashes[entry["template"]]
    files[MANIFEST] = dump_json({
        "generator": GENERATOR,
        "source": source,
        "items": manifest_items,
        "dataCollectionRule": {
            "template": DCR_FILE if needs.readers else None,
            "securityEventIds": needs.event_ids,
            "allSecurityEvents": needs.all_events,
            "why": needs.unrestricted,
            "readers": needs.readers,
        },
        "files": hashes,
    })
    return files, needs


def write_tree(files: dict[str, bytes], out: Path) -> None:
    """Write into a temp sibling, then swap it in; refuse to replace a folder that is not a package."""
    out = out.resolve()
    if out.exists() and not _is_replaceable(out):
        raise PackageError(
            f"{out} exists and is not a detections package (no {MANIFEST} from {GENERATOR}); "
            "choose another --out or empty it"
        )
    try:
        staging = staging_folder(out)
    except OSError as exc:
        raise PackageError(f"cannot write {out}: {exc.strerror or exc}; choose another --out") from None
    try:
        for rel, data in files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if out.exists():
            retired = staging.with_name(staging.name + "-old")
            out.rename(retired)
            try:
                staging.rename(out)
            except BaseException:
                retired.rename(out)  # put the previous package back
                raise
            shutil.rmtree(retired)
        else:
            staging.rename(out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise PackageError(f"cannot write {out}: {exc.strerror or exc}; the previous package is unchanged") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _is_replaceable(out: Path) -> bool:
    if not out.is_dir():
        return False
    if not any(out.iterdir()):
        return True
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("generator") == GENERATOR


def build_package(
    repo: Repository,
    out: Path,
    *,
    source: str | None = None,
    workspace: str = PLACEHOLDER_WORKSPACE,
    location: str = PLACEHOLDER_LOCATION,
) -> PackageResult:
    files, needs = render(repo, source=source or default_source(repo.root), workspace=workspace, location=location)
    write_tree(files, out)
    return PackageResult(out=out, files=_digests(files), needs=needs)
