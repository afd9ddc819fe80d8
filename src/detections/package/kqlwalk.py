"""Generic walks over detections.kql syntax trees (every node is a dataclass; sequences are tuples)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from detections.kql import ast


def children(node: Any) -> Iterator[ast.Node]:
    """The direct child nodes of a syntax node, in field order."""
    if not dataclasses.is_dataclass(node):
        return
    for item in dataclasses.fields(node):
        value = getattr(node, item.name)
        for element in value if isinstance(value, tuple) else (value,):
            if isinstance(element, ast.Node):
                yield element


def walk(node: Any) -> Iterator[ast.Node]:
    """Every node below and including `node`, depth first."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(children(current))))


def table_names(query: ast.Query, known: set[str]) -> list[str]:
    """The known tables a query reads, in order of first mention (let-bound names excluded)."""
    found: dict[str, None] = {}
    for node in walk(query):
        if isinstance(node, ast.TableRef) and node.name in known:
            found.setdefault(node.name)
    return list(found)
