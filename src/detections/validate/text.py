"""Text checks: queries must be plain ASCII (Microsoft's NonAscii test)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from detections.content.model import AnalyticsRule, HuntingQuery
from detections.diagnostics import Diagnostic
from detections.validate.base import Check, Context, Item
from detections.validate.querymap import query_location

_NON_ASCII = re.compile(r"[^\x00-\x7f]")


class NonAsciiQuery(Check):
    code = "DET700"
    title = "non-ASCII character in the query"
    description = ("Queries must contain only ASCII: a typographic dash or quote pasted from a document "
                   "breaks the query and fails Microsoft's CI.")
    kinds = (AnalyticsRule, HuntingQuery)

    def run(self, item: Item, ctx: Context) -> Iterator[Diagnostic]:
        assert isinstance(item, AnalyticsRule | HuntingQuery)
        match = _NON_ASCII.search(item.query)
        if match:
            before = item.query[:match.start()]
            line = before.count("\n") + 1
            column = match.start() - (before.rfind("\n") + 1) + 1
            char = match.group()
            yield self.at(query_location(item, ("query",), line, column),
                          f"non-ASCII character {char!r} (U+{ord(char):04X}) in the query",
                          "replace it with its ASCII equivalent (- ' \")")
