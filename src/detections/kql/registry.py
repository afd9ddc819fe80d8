"""Registries of scalar and aggregate functions: one declaration gives the binder a function's
arity and result type and gives the executor its implementation, so the two cannot disagree.

Modules under detections.kql.functions declare entries with `scalar(...)` / `aggregate(...)`;
importing detections.kql.functions fills SCALARS and AGGREGATES.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from detections.kql.types import KType

# Result type from the argument types (KType.UNKNOWN when an argument's type is unknown).
TypeRule = Callable[[Sequence[KType]], KType]


@dataclass(frozen=True)
class ScalarFunction:
    """A scalar function such as tolower() or parse_json().

    impl receives evaluated arguments as Python values (see detections.kql.types) and returns one.
    When `null_propagating` is set the executor returns None without calling impl if any argument
    is None. When `needs_context` is set impl receives the query's Runtime first (`.now`, fixed once per query).
    `constant_args` lists argument positions that must be constants (regex patterns, type names);
    the binder rejects non-constants there and the executor may pre-compute them once.
    """

    name: str
    min_args: int
    max_args: int | None  # None: variadic
    result_type: TypeRule
    impl: Callable[..., Any]
    null_propagating: bool = False
    needs_context: bool = False
    constant_args: tuple[int, ...] = ()
    doc: str = ""


@dataclass(frozen=True)
class AggregateFunction:
    """An aggregation usable in summarize (and make-series where `series` is set).

    `impl(arg_columns)` gets one list per argument holding that argument's values for every row of
    the group (in row order) and returns the aggregate value. Aggregates that return several
    columns (arg_max, arg_min, take_any(*)) are expanded by the binder; `output_prefix` gives
    Kusto's default column name: "<prefix>_<column>" when the first argument is a plain column
    reference, else "<prefix>_" (count() -> "count_").
    """

    name: str
    min_args: int
    max_args: int | None
    result_type: TypeRule
    impl: Callable[[list[list[Any]]], Any]
    output_prefix: str
    constant_args: tuple[int, ...] = ()
    doc: str = ""


SCALARS: dict[str, ScalarFunction] = {}
AGGREGATES: dict[str, AggregateFunction] = {}


def scalar(name: str, min_args: int, max_args: int | None, result_type: TypeRule | KType, **options: Any):
    """Decorator declaring a scalar function: @scalar("tolower", 1, 1, KType.STRING)."""

    def register(impl: Callable[..., Any]) -> Callable[..., Any]:
        rule = result_type if callable(result_type) and not isinstance(result_type, KType) else _fixed(result_type)
        SCALARS[name] = ScalarFunction(name, min_args, max_args, rule, impl, **options)
        return impl

    return register


def aggregate(name: str, min_args: int, max_args: int | None, result_type: TypeRule | KType, output_prefix: str, **options: Any):
    """Decorator declaring an aggregate function: @aggregate("dcount", 1, 2, KType.LONG, "dcount")."""

    def register(impl: Callable[[list[list[Any]]], Any]) -> Callable[[list[list[Any]]], Any]:
        rule = result_type if callable(result_type) and not isinstance(result_type, KType) else _fixed(result_type)
        AGGREGATES[name] = AggregateFunction(name, min_args, max_args, rule, impl, output_prefix, **options)
        return impl

    return register


def _fixed(result: KType) -> TypeRule:
    return lambda _args: result
