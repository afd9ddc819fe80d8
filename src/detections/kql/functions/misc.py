"""Conditional and null-handling functions (iff, case, coalesce, isnull, not, new_guid)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from detections.kql import values
from detections.kql.functions.common import common_type, strict_common_type
from detections.kql.registry import scalar
from detections.kql.types import KType

B = KType.BOOL


def _iff(condition: Any, when_true: Any, when_false: Any) -> Any:
    """A null condition counts as false (like where)."""
    return when_true if condition is True else when_false


for _name in ("iff", "iif"):
    scalar(_name, 3, 3, lambda args: common_type(args[1:]), doc="then-value when the condition is true, else the else-value")(_iff)


def _case_type(args: Sequence[KType]) -> KType:
    return common_type([*args[1:-1:2], args[-1]]) if args else KType.UNKNOWN


@scalar("case", 3, None, _case_type)
def case(*args: Any) -> Any:
    """case(p1, v1, p2, v2, ..., else): the value after the first true predicate."""
    for position in range(0, len(args) - 1, 2):
        if args[position] is True:
            return args[position + 1]
    return args[-1]


@scalar("coalesce", 2, 64, strict_common_type)
def coalesce(*args: Any) -> Any:
    """The first argument that is not null (and, for strings, not empty)."""
    for arg in args:
        if arg is not None and arg != "":
            return arg
    return args[-1] if args and type(args[-1]) is str else None


@scalar("isnull", 1, 1, B)
def isnull(value: Any) -> bool:
    """True only for null: a string is never null, so isnull("") is false."""
    return value is None


@scalar("isnotnull", 1, 1, B)
def isnotnull(value: Any) -> bool:
    """True for any value but null."""
    return value is not None


scalar("not", 1, 1, B, doc="logical negation; not(null) is null")(values.not_)


@scalar("new_guid", 0, 0, KType.GUID)
def new_guid() -> str:
    """A random GUID (non-deterministic, like Kusto)."""
    return str(uuid.uuid4())
