"""Workbook checks Microsoft's CI runs on workbook templates (workbooksTemplateValidator)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from detections.content.model import Workbook
from detections.diagnostics import Diagnostic
from detections.validate.base import Check, Context, Item, KeyPath

USER_WORKBOOK_ID = "sentinel-UserWorkbook"
_RESOURCE_ID = re.compile(r"/subscriptions/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/",
                          re.IGNORECASE)


def _strings(node: Any, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, (*path, index))
    elif isinstance(node, str):
        yield path, node


class UserWorkbookTemplateId(Check):
    code = "DET810"
    title = "workbook saved as a user workbook"
    description = ("`fromTemplateId: sentinel-UserWorkbook` marks a copy saved from the portal; a template must "
                   "not carry it (Microsoft's CI rejects it).")
    kinds = (Workbook,)

    def run(self, item: Item, ctx: Context) -> Iterator[Diagnostic]:
        assert isinstance(item, Workbook)
        if item.template.get("fromTemplateId") == USER_WORKBOOK_ID:
            yield self.report(item, ("template", "fromTemplateId"), f"fromTemplateId is {USER_WORKBOOK_ID}",
                              "remove fromTemplateId, or set it to sentinel-<YourWorkbookName>")


class HardCodedResourceId(Check):
    code = "DET811"
    title = "workbook names a specific Azure subscription"
    description = ("A `/subscriptions/<GUID>/` resource id in a workbook ties it to one workspace; deployed "
                   "elsewhere it shows nothing (Microsoft's CI rejects it). Use `{Workspace}`-style parameters.")
    kinds = (Workbook,)

    def run(self, item: Item, ctx: Context) -> Iterator[Diagnostic]:
        assert isinstance(item, Workbook)
        for path, text in _strings(item.raw.get("template", {}), ("template",)):
            if _RESOURCE_ID.search(text):
                yield self.report(item, path, "hard-coded subscription resource id",
                                  "replace it with a workbook parameter or remove it (fallbackResourceIds: [])")
