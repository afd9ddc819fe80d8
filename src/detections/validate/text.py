"""Text checks: queries must be plain ASCII (Microsoft's NonAscii test)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from detections.content.model import AnalyticsRule, HuntingQuery
from detections.diagnostics import Diagnostic, Severity
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


class CommentSwallowsQuery(Check):
    code = "DET701"
    title = "a // comment hides the rest of a folded query"
    description = ("A multi-line query written without `|` is folded by YAML into one line, so everything "
                   "after the first `//` comment is part of the comment and never runs.")
    severity = Severity.WARNING
    kinds = (AnalyticsRule, HuntingQuery)

    def run(self, item: Item, ctx: Context) -> Iterator[Diagnostic]:
        assert isinstance(item, AnalyticsRule | HuntingQuery)
        comment = item.query.find("//")
        if "\n" in item.query.strip() or comment < 0 or _inside_string(item.query, comment):
            return
        hidden = item.query[comment:].split(" | ", 1)
        if len(hidden) > 1:  # an operator after the comment: the author meant separate lines
            yield self.report(item, ("query",), "the query is folded into one line and a // comment "
                              "swallows the operators after it",
                              "write the query as a block scalar: `query: |` with the text indented below")


def _inside_string(text: str, offset: int) -> bool:
    """Whether `offset` is inside a '...' or "..." literal (so `//` there is not a comment)."""
    quote = None
    for char in text[:offset]:
        if quote and char == quote:
            quote = None
        elif not quote and char in ("'", '"'):
            quote = char
    return quote is not None
