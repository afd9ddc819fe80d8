"""The shape of a validation check: one small class per problem, each with a stable code.

Checks are independent (pySigma style): an item check looks at one rule, hunting query or workbook;
a repository check looks across all content (unique ids, file names, ids versus a git base). Each
class carries its code, title and description, so reporters (SARIF rule metadata) and the docs
describe exactly the checks that run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any, ClassVar

from detections.content.model import AnalyticsRule, HuntingQuery, Location, Repository, Workbook
from detections.diagnostics import Diagnostic, Severity

Item = AnalyticsRule | HuntingQuery | Workbook
KeyPath = tuple[str | int, ...]

_DATA = Path(__file__).parent / "data"


@cache
def data_file(name: str) -> dict[str, Any]:
    """A JSON data table shipped beside the checks (MITRE, entities, connectors)."""
    return json.loads((_DATA / name).read_text(encoding="utf-8"))


@dataclass
class Context:
    """What checks share during one validation run."""

    repository: Repository
    base: str | None = None  # git ref to compare ids against (--base)
    selected: frozenset[Path] | None = None  # report only on these files (None: all)
    cache: dict[Any, Any] = field(default_factory=dict)  # per-run memo (e.g. KQL analyses)

    def all_items(self) -> list[Item]:
        """Every loaded item of the repository (selected or not)."""
        return [*self.repository.rules, *self.repository.hunting, *self.repository.workbooks]

    @cached_property
    def _selected_ids(self) -> frozenset[int]:
        return frozenset(id(item) for item in self.all_items()
                         if self.selected is None or item.path.resolve() in self.selected)

    def display(self, path: Path) -> str:
        """A path as messages name it: relative to the repository, like every reported location."""
        from detections.report.common import display_path  # the report package imports the checks

        return display_path(path, self.repository.root)

    def is_selected(self, item: Item) -> bool:
        """Whether problems of `item` are reported in this run."""
        return id(item) in self._selected_ids

    def items(self) -> Iterator[Item]:
        """Every loaded item that was selected for checking."""
        return (item for item in self.all_items() if self.is_selected(item))


class Check:
    """Base of all checks. Subclasses set the class attributes and implement `run`."""

    code: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str]
    severity: ClassVar[Severity] = Severity.ERROR
    kinds: ClassVar[tuple[type, ...]] = (AnalyticsRule,)
    # kinds Microsoft's CI does not hold to this check (it only compiles hunting queries): a warning for them
    warning_kinds: ClassVar[tuple[type, ...]] = ()

    def applies(self, item: Item) -> bool:
        return isinstance(item, self.kinds)

    def run(self, item: Item, ctx: Context) -> Iterator[Diagnostic]:
        raise NotImplementedError

    def report(self, item: Item, key_path: KeyPath, message: str, hint: str | None = None) -> Diagnostic:
        location = item.source.locate(*key_path) if item.source else Location(item.path)
        severity = Severity.WARNING if isinstance(item, self.warning_kinds) else self.severity
        return self.at(location, message, hint, severity)

    def at(self, location: Location, message: str, hint: str | None = None,
           severity: Severity | None = None) -> Diagnostic:
        return Diagnostic(self.code, message, location, severity or self.severity, hint)


class RepositoryCheck(Check):
    """A check across all content of the repository (run once, not per item)."""

    def applies(self, item: Item) -> bool:
        return False

    def run_repository(self, ctx: Context) -> Iterator[Diagnostic]:
        raise NotImplementedError
