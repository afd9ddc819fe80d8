"""Helpers shared by the function families: argument coercion and result-type rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from detections.kql.types import KType
from detections.kql.values import to_string


def text(value: Any) -> str:
    """A string argument: Kusto casts non-strings (and dynamic values) to their text; null is ""."""
    return value if type(value) is str else to_string(value)


def _shared_type(known: Sequence[KType]) -> KType | None:
    """The promoted number type when all are numbers, the type when all agree, else None."""
    if all(kind.is_numeric for kind in known):
        return KType.INT if all(kind is KType.INT for kind in known) else numeric_promotion(known)
    return known[0] if all(kind is known[0] for kind in known) else None


def common_type(args: Sequence[KType]) -> KType:
    """Result type of iff()/case() branches: a dynamic branch takes the other branches' type,
    numbers promote (int+long -> long, any real -> real), and branches of unrelated types give
    dynamic, as Kusto.Language does."""
    known = [kind for kind in args if kind is not KType.UNKNOWN]
    if not known:
        return KType.UNKNOWN
    typed = [kind for kind in known if kind is not KType.DYNAMIC] or known
    return _shared_type(typed) or KType.DYNAMIC


def strict_common_type(args: Sequence[KType]) -> KType | None:
    """coalesce()/max_of()/min_of(): every argument of one type (numbers promote), else None."""
    known = [kind for kind in args if kind is not KType.UNKNOWN]
    return _shared_type(known) if known else KType.UNKNOWN


def numeric_promotion(args: Sequence[KType]) -> KType:
    """int/long -> long, any real -> real, any decimal -> decimal (Kusto arithmetic rules)."""
    if KType.DECIMAL in args:
        return KType.DECIMAL
    if KType.REAL in args:
        return KType.REAL
    if KType.UNKNOWN in args:
        return KType.UNKNOWN
    return KType.LONG


def long_or_real(args: Sequence[KType]) -> KType:
    """Integer arguments give long, decimal stays decimal, a timespan stays a timespan, else real."""
    kind = args[0] if args else KType.UNKNOWN
    if kind in (KType.INT, KType.LONG):
        return KType.LONG
    return kind if kind in (KType.DECIMAL, KType.UNKNOWN, KType.TIMESPAN) else KType.REAL


def keeps_type(args: Sequence[KType]) -> KType:
    """The first argument's type, with dynamic read as real (a number taken out of JSON)."""
    kind = args[0] if args else KType.UNKNOWN
    return KType.REAL if kind is KType.DYNAMIC else kind
