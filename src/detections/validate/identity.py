"""Identity checks: ids unique across the repository, file names unique, ids stable versus git."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from detections.content.model import AnalyticsRule, HuntingQuery, Location
from detections.diagnostics import Diagnostic
from detections.validate.base import Context, Item, RepositoryCheck
from detections.validate.gitbase import GitError, ids_at


class DuplicateId(RepositoryCheck):
    code = "DET200"
    title = "duplicate id"
    description = "Every rule, hunting query and workbook needs its own GUID `id`: Sentinel keys deployed content by it."

    def run_repository(self, ctx: Context) -> Iterator[Diagnostic]:
        by_id: dict[str, list[Item]] = defaultdict(list)
        for item in ctx.all_items():
            by_id[item.id.lower()].append(item)
        for items in by_id.values():
            for item in items[1:]:
                if ctx.is_selected(item):
                    yield self.report(item, ("id",), f"id {item.id} is also used by {ctx.display(items[0].path)}",
                                      "give this file a new GUID (python -c 'import uuid; print(uuid.uuid4())')")


class DuplicateFileName(RepositoryCheck):
    code = "DET201"
    title = "duplicate file name"
    description = "Two analytics rules (or two hunting queries) with the same file name in different folders."

    def run_repository(self, ctx: Context) -> Iterator[Diagnostic]:
        for kind in (AnalyticsRule, HuntingQuery):
            by_name: dict[str, list[Item]] = defaultdict(list)
            for item in ctx.all_items():
                if isinstance(item, kind):
                    by_name[item.path.name.lower()].append(item)
            for items in by_name.values():
                for item in items[1:]:
                    if ctx.is_selected(item):
                        yield self.report(item, (), f"file name {item.path.name} is also used by "
                                          f"{ctx.display(items[0].path)}", "rename one of the files")


class IdChanged(RepositoryCheck):
    code = "DET202"
    title = "id changed versus the git base"
    description = ("With `--base REF`, a file whose `id` differs from the same file at REF. Changing the id "
                   "makes Sentinel deploy a second copy of the rule instead of updating it.")

    def run_repository(self, ctx: Context) -> Iterator[Diagnostic]:
        if not ctx.base:
            return
        items = list(ctx.items())
        try:
            before = ids_at(ctx.base, ctx.repository.root, [item.path for item in items])
        except GitError as exc:
            yield self.at(Location(Path(ctx.repository.root)), f"cannot compare with --base {ctx.base}: {exc}",
                          "run inside a git checkout and pass an existing ref (e.g. --base origin/main)")
            return
        for item in items:
            old = before.get(item.path)
            if old and old.lower() != item.id.lower():
                yield self.report(item, ("id",), f"id changed from {old} (at {ctx.base}) to {item.id}",
                                  f"restore `id: {old}`: a new id deploys a duplicate rule")
