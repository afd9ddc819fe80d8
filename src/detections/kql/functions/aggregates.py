"""Aggregation functions for summarize (and make-series).

Each impl receives one list per argument with that argument's values for every row of the group
(see detections.kql.registry.AggregateFunction). Nulls are ignored by every aggregate except
count(); an empty group gives the documented defaults (count/dcount/sum/stdev/variance 0,
make_* [], avg NaN, the others null). Type rules return None for argument types Kusto rejects
(sum of a string, avg of a dynamic ...), which the binder reports.

Naming: `output_prefix` gives "<prefix>_<first argument's column>" ("set" -> set_X). An empty
prefix means the column keeps the argument's own name (take_any(X) -> X, binary_all_or(X) -> X);
arg_max/arg_min/take_any with several arguments are expanded by the binder. percentile(X, 50) and
percentiles(X, 50, 95) are named percentile_X_50 (one column per percentile) and
percentiles_array(X, ...) percentiles_X; percentiles() returns its values as a list, one per
requested percentile, for the binder to spread into columns.

dcount()/dcountif()/hll() are exact here (Kusto's are HyperLogLog estimates that may differ by a
small error on large inputs).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from detections.kql import values
from detections.kql.registry import aggregate, scalar
from detections.kql.types import KType
from detections.kql.values import json_key

L, R, Y, B, T, D = KType.LONG, KType.REAL, KType.DYNAMIC, KType.BOOL, KType.TIMESPAN, KType.DATETIME
MAX_SET_SIZE = 1_048_576
_SUMMABLE = {KType.INT, KType.LONG, KType.REAL, KType.DECIMAL, KType.TIMESPAN, KType.UNKNOWN}
_AVERAGEABLE = _SUMMABLE | {KType.DATETIME}
_ORDERABLE = _AVERAGEABLE | {KType.STRING, KType.BOOL}

# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _present(column: Sequence[Any]) -> list[Any]:
    return [value for value in column if value is not None]


def _where(column: Sequence[Any], predicate: Sequence[Any]) -> list[Any]:
    """Values of the rows whose predicate is true (a null predicate counts as false)."""
    return [value for value, keep in zip(column, predicate, strict=False) if keep is True]


def _constant(columns: list[list[Any]], position: int, default: Any) -> Any:
    """A constant argument (maxSize, percentile): the same value on every row."""
    if len(columns) > position and columns[position]:
        value = columns[position][0]
        return default if value is None else value
    return default


def _summable(args: Sequence[KType]) -> KType | None:
    """sum(): numbers and timespans (adding datetimes has no meaning: sum(TimeGenerated) is an error)."""
    kind = args[0] if args else KType.UNKNOWN
    if kind not in _SUMMABLE:
        return None
    return L if kind is KType.INT else kind


def _orderable(args: Sequence[KType]) -> KType | None:
    kind = args[0] if args else KType.UNKNOWN
    return kind if kind in _ORDERABLE else None


def _predicate_at(position: int) -> Callable[[Sequence[KType]], bool]:
    def ok(args: Sequence[KType]) -> bool:
        return len(args) <= position or args[position] in (B, KType.UNKNOWN)

    return ok


def _checked(rule: Callable[[Sequence[KType]], KType | None], predicate: int | None) -> Callable[[Sequence[KType]], KType | None]:
    """A type rule that also requires a bool predicate argument at `predicate`."""
    if predicate is None:
        return rule
    ok = _predicate_at(predicate)
    return lambda args: rule(args) if ok(args) else None


def _fixed(kind: KType) -> Callable[[Sequence[KType]], KType]:
    return lambda _args: kind


def _accepting(kinds: set[KType], result: KType | None = None) -> Callable[[Sequence[KType]], KType | None]:
    """A rule accepting a first argument of these types (or unknown): `result`, or the argument's type."""

    def rule(args: Sequence[KType]) -> KType | None:
        kind = args[0] if args else KType.UNKNOWN
        if kind is KType.UNKNOWN:
            return result or kind
        return (result or kind) if kind in kinds else None

    return rule


_dynamic_only = _accepting({Y}, Y)


_INTEGER = frozenset({KType.INT, KType.LONG, KType.UNKNOWN})
_NUMBER = _INTEGER | {KType.REAL, KType.DECIMAL}


def _typed_at(rule: Callable[[Sequence[KType]], KType | None], positions: tuple[int, ...],
              accepted: frozenset[KType] | None) -> Callable[[Sequence[KType]], KType | None]:
    """A type rule that also requires the constant arguments (maxSize, percentile) at `positions`
    to be of the `accepted` types, as Kusto does: make_set(x, "ten") is rejected when binding."""
    if not positions or accepted is None:
        return rule
    return lambda args: rule(args) if all(p >= len(args) or args[p] in accepted for p in positions) else None


def _declare(name: str, minimum: int, maximum: int | None, rule: Callable, prefix: str,
             impl: Callable[[list[list[Any]]], Any], doc: str, constant_args: tuple[int, ...] = (),
             predicate: int | None = None, constant_types: frozenset[KType] | None = _INTEGER) -> None:
    """Register an aggregate; its constant arguments must be of `constant_types` (None: any)."""
    checked = _typed_at(_checked(rule, predicate), constant_args, constant_types)
    aggregate(name, minimum, maximum, checked, prefix, constant_args=constant_args, doc=doc)(impl)


# ---------------------------------------------------------------------------------------------
# counting
# ---------------------------------------------------------------------------------------------


def _count(columns: list[list[Any]]) -> int:
    return len(columns[0]) if columns else 0


def _countif(columns: list[list[Any]]) -> int:
    return sum(1 for keep in columns[0] if keep is True)


def _dcount(column: Sequence[Any]) -> int:
    return len({json_key(value) for value in column if value is not None})


_declare("count", 0, 0, _fixed(L), "count", _count,
         "number of rows of the group (nulls included); the binder passes the row count")
_declare("countif", 1, 1, _fixed(L), "countif", _countif, "rows whose predicate is true", predicate=0)
_declare("dcount", 1, 2, _fixed(L), "dcount", lambda c: _dcount(c[0]),
         "distinct non-null values (exact; Kusto estimates)", constant_args=(1,), constant_types=None)
_declare("dcountif", 2, 3, _fixed(L), "dcountif", lambda c: _dcount(_where(c[0], c[1])),
         "distinct non-null values of the rows whose predicate is true", constant_args=(2,), predicate=1,
         constant_types=None)
_NOT_DYNAMIC = {kind for kind in KType if kind is not Y}
_declare("count_distinct", 1, 1, _accepting(_NOT_DYNAMIC, L), "count_distinct", lambda c: _dcount(c[0]), "exact distinct count")
_declare("count_distinctif", 2, 2, _accepting(_NOT_DYNAMIC, L), "count_distinctif", lambda c: _dcount(_where(c[0], c[1])),
         "exact distinct count of the rows whose predicate is true", predicate=1)


# ---------------------------------------------------------------------------------------------
# sum / avg
# ---------------------------------------------------------------------------------------------


def _sum(column: Sequence[Any]) -> Any:
    present = _present(column)
    if not present:
        return 0
    first = type(present[0])
    if first is timedelta:
        return sum(present, timedelta(0))
    if first is Decimal:
        return sum(values.to_decimal(v) for v in present)
    try:
        return sum(present)
    except TypeError:
        return None


def _avg(column: Sequence[Any]) -> Any:
    present = _present(column)
    if not present:
        return math.nan
    first = type(present[0])
    if first is timedelta:
        return sum(present, timedelta(0)) / len(present)
    if first is datetime:
        origin = values.TICKS_ORIGIN
        return origin + sum((v - origin for v in present), timedelta(0)) / len(present)
    if first is Decimal:
        return sum(present) / len(present)
    return _real_sum([float(v) for v in present]) / len(present)


def _real_sum(numbers: list[float]) -> float:
    """An exact sum (fsum), or inf/nan as plain float arithmetic gives when it overflows (1e308 + 1e308)."""
    try:
        return math.fsum(numbers)
    except (OverflowError, ValueError):
        return sum(numbers)


def _avg_type(args: Sequence[KType]) -> KType | None:
    """avg(): numbers give real; timespans, datetimes and decimals keep their type."""
    kind = args[0] if args else KType.UNKNOWN
    if kind not in _AVERAGEABLE:
        return None
    return kind if kind in (T, D, KType.DECIMAL, KType.UNKNOWN) else R


_declare("sum", 1, 1, _summable, "sum", lambda c: _sum(c[0]), "sum of the non-null values (0 when none)")
_declare("sumif", 2, 2, _summable, "sumif", lambda c: _sum(_where(c[0], c[1])), "sum of the rows whose predicate is true",
         predicate=1)
_declare("avg", 1, 1, _avg_type, "avg", lambda c: _avg(c[0]), "mean of the non-null values (NaN when none)")
_declare("avgif", 2, 2, _avg_type, "avgif", lambda c: _avg(_where(c[0], c[1])), "mean of the rows whose predicate is true",
         predicate=1)


# ---------------------------------------------------------------------------------------------
# min / max
# ---------------------------------------------------------------------------------------------


def _extreme(pick: Callable[..., Any]) -> Callable[[Sequence[Any]], Any]:
    def impl(column: Sequence[Any]) -> Any:
        present = [v for v in column if v is not None and not (type(v) is float and v != v)]
        if not present:
            return None
        try:
            return pick(present)
        except TypeError:
            return pick(present, key=values.sort_key)

    return impl


_min, _max = _extreme(min), _extreme(max)
_declare("min", 1, 1, _orderable, "min", lambda c: _min(c[0]), "smallest non-null value")
_declare("max", 1, 1, _orderable, "max", lambda c: _max(c[0]), "largest non-null value")
_declare("minif", 2, 2, _orderable, "minif", lambda c: _min(_where(c[0], c[1])), "smallest value of the rows whose predicate is true",
         predicate=1)
_declare("maxif", 2, 2, _orderable, "maxif", lambda c: _max(_where(c[0], c[1])), "largest value of the rows whose predicate is true",
         predicate=1)


def _arg_extreme(largest: bool) -> Callable[[list[list[Any]]], Any]:
    """arg_max/arg_min as one column: the values of the other arguments on the row with the
    extreme first argument (the binder usually expands these into several columns itself)."""

    def impl(columns: list[list[Any]]) -> Any:
        best, best_row = None, None
        for row, value in enumerate(columns[0]):
            if value is None or (type(value) is float and value != value):
                continue
            if best is None or (value > best if largest else value < best):
                best, best_row = value, row
        if best_row is None:
            return None
        picked = [column[best_row] for column in columns]
        return picked[0] if len(picked) == 1 else picked

    return impl


for _name, _largest in (("arg_max", True), ("arg_min", False)):
    _declare(_name, 1, None, _orderable, "", _arg_extreme(_largest),
             f"row with the {'largest' if _largest else 'smallest'} first argument; expanded by the binder")


def _take_any(columns: list[list[Any]]) -> Any:
    for row in range(len(columns[0])):
        picked = [column[row] for column in columns]
        if picked[0] is not None:
            return picked[0] if len(picked) == 1 else picked
    return None


def _take_anyif(columns: list[list[Any]]) -> Any:
    for value, keep in zip(columns[0], columns[1], strict=False):
        if keep is True and value is not None:
            return value
    return None


for _name in ("take_any", "any"):
    _declare(_name, 1, None, lambda args: args[0] if args else KType.UNKNOWN, "" if _name == "take_any" else "any",
             _take_any, "some non-null value of the group (Kusto does not say which)")
_declare("take_anyif", 2, 2, lambda args: args[0], "", _take_anyif, "some value of the rows whose predicate is true",
         predicate=1)


# ---------------------------------------------------------------------------------------------
# make_set / make_list / make_bag
# ---------------------------------------------------------------------------------------------


def _make_set(column: Sequence[Any], limit: Any) -> list[Any]:
    """Distinct non-null values, first-seen order; array values contribute their elements."""
    limit = min(int(limit), MAX_SET_SIZE)
    seen: set[Any] = set()
    out: list[Any] = []
    for value in column:
        for item in value if type(value) is list else (value,):
            if item is None:
                continue
            key = json_key(item)
            if key not in seen:
                seen.add(key)
                out.append(item)
                if len(out) >= limit:
                    return out
    return out


def _make_list(column: Sequence[Any], limit: Any, keep_nulls: bool = False) -> list[Any]:
    limit = min(int(limit), MAX_SET_SIZE)
    out = [value for value in column if keep_nulls or value is not None]
    return out[:limit]


def _make_bag(column: Sequence[Any], limit: Any) -> dict[str, Any]:
    """Union of the property bags of the group (non-bags ignored; first value of a key wins)."""
    limit = min(int(limit), MAX_SET_SIZE)
    bag: dict[str, Any] = {}
    for value in column:
        if type(value) is dict:
            for key, item in value.items():
                if key not in bag and len(bag) < limit:
                    bag[key] = item
    return bag


_declare("make_set", 1, 2, _fixed(Y), "set", lambda c: _make_set(c[0], _constant(c, 1, MAX_SET_SIZE)),
         "array of the distinct values (arrays are expanded), at most maxSize", constant_args=(1,))
_declare("makeset", 1, 2, _fixed(Y), "set", lambda c: _make_set(c[0], _constant(c, 1, 128)),
         "deprecated make_set (default maxSize 128)", constant_args=(1,))
_declare("make_set_if", 2, 3, _fixed(Y), "set", lambda c: _make_set(_where(c[0], c[1]), _constant(c, 2, MAX_SET_SIZE)),
         "make_set over the rows whose predicate is true", constant_args=(2,), predicate=1)
_declare("make_list", 1, 2, _fixed(Y), "list", lambda c: _make_list(c[0], _constant(c, 1, MAX_SET_SIZE)),
         "array of the non-null values in row order", constant_args=(1,))
_declare("makelist", 1, 2, _fixed(Y), "list", lambda c: _make_list(c[0], _constant(c, 1, 128)),
         "deprecated make_list (default maxSize 128)", constant_args=(1,))
_declare("make_list_if", 2, 3, _fixed(Y), "list", lambda c: _make_list(_where(c[0], c[1]), _constant(c, 2, MAX_SET_SIZE)),
         "make_list over the rows whose predicate is true", constant_args=(2,), predicate=1)
_declare("make_list_with_nulls", 1, 2, _fixed(Y), "list",
         lambda c: _make_list(c[0], _constant(c, 1, MAX_SET_SIZE), keep_nulls=True),
         "array of all the values, nulls included", constant_args=(1,))
_declare("make_bag", 1, 2, _dynamic_only, "bag", lambda c: _make_bag(c[0], _constant(c, 1, MAX_SET_SIZE)),
         "property bag merging the group's bags", constant_args=(1,))
_declare("make_bag_if", 2, 3, _dynamic_only, "bag", lambda c: _make_bag(_where(c[0], c[1]), _constant(c, 2, MAX_SET_SIZE)),
         "make_bag over the rows whose predicate is true", constant_args=(2,), predicate=1)


# ---------------------------------------------------------------------------------------------
# percentiles, stdev, variance
# ---------------------------------------------------------------------------------------------


def _nearest_rank(ordered: list[Any], requested: Any) -> Any:
    """Nearest-rank percentile: an element of the data, as Kusto's estimate always is; null for a
    percentage that is not a finite number."""
    percent = values.to_real(requested)
    if not ordered or percent is None or not math.isfinite(percent):
        return None
    rank = max(math.ceil(percent / 100.0 * len(ordered)), 1)
    return ordered[min(rank, len(ordered)) - 1]


def _ordered(column: Sequence[Any]) -> list[Any]:
    present = [v for v in column if v is not None and not (type(v) is float and v != v)]
    try:
        return sorted(present)
    except TypeError:
        return sorted(present, key=values.sort_key)


def _percentile_type(args: Sequence[KType]) -> KType | None:
    """Integers give long, decimal gives real, every other type is kept (Kusto.Language)."""
    kind = args[0] if args else KType.UNKNOWN
    if kind in (KType.INT, KType.LONG):
        return L
    return R if kind is KType.DECIMAL else kind


def _percentiles(columns: list[list[Any]]) -> list[Any]:
    ordered = _ordered(columns[0])
    return [_nearest_rank(ordered, column[0]) if column else None for column in columns[1:]]


_declare("percentile", 2, 2, _percentile_type, "percentile", lambda c: _nearest_rank(_ordered(c[0]), _constant(c, 1, 50)),
         "nearest-rank percentile (an element of the data)", constant_args=(1,), constant_types=_NUMBER)
_declare("percentiles", 2, None, _percentile_type, "percentile", _percentiles,
         "several percentiles; one column per percentile (named by the binder)")
_declare("percentiles_array", 2, None, _fixed(Y), "percentiles", _percentiles,
         "several percentiles as one dynamic array")


def _as_number(value: Any) -> float:
    """Datetimes and timespans take part in stdev/variance as their ticks."""
    if type(value) is timedelta:
        return float(values.ticks(value))
    if type(value) is datetime:
        return float(values.ticks(value - values.TICKS_ORIGIN))
    return float(value)


def _variance(column: Sequence[Any], sample: bool) -> float:
    numbers = [_as_number(v) for v in column if v is not None]
    count = len(numbers)
    if count < 2:
        return 0.0
    mean = _real_sum(numbers) / count
    squares = _real_sum([(x - mean) * (x - mean) for x in numbers])
    return squares / (count - 1 if sample else count)


def _numeric(args: Sequence[KType]) -> KType | None:
    kind = args[0] if args else KType.UNKNOWN
    return R if kind in _AVERAGEABLE else None


for _name, _sample, _root in (("stdev", True, True), ("stdevp", False, True), ("variance", True, False), ("variancep", False, False)):
    def _stat(column: Sequence[Any], sample: bool = _sample, root: bool = _root) -> float:
        result = _variance(column, sample)
        return math.sqrt(result) if root else result

    kind_doc = ("standard deviation" if _root else "variance") + (" (sample, n-1)" if _sample else " (population)")
    _declare(_name, 1, 1, _numeric, _name, lambda c, stat=_stat: stat(c[0]), kind_doc + "; 0 for fewer than two values")
    _declare(_name + "if", 2, 2, _numeric, _name + "if", lambda c, stat=_stat: stat(_where(c[0], c[1])),
             kind_doc + " of the rows whose predicate is true", predicate=1)


# ---------------------------------------------------------------------------------------------
# bitwise, hll (exact)
# ---------------------------------------------------------------------------------------------


def _binary_all(fn: Callable[[int, int], int], start: int) -> Callable[[list[list[Any]]], Any]:
    def impl(columns: list[list[Any]]) -> Any:
        numbers = [n for n in map(values.to_long, columns[0]) if n is not None]  # timespans as ticks; NaN is null
        if not numbers:
            return None
        result = start
        for number in numbers:
            result = fn(result, number)
        return result

    return impl


for _name, _fn, _start in (("binary_all_or", int.__or__, 0), ("binary_all_and", int.__and__, -1),
                           ("binary_all_xor", int.__xor__, 0)):
    _declare(_name, 1, 1, _accepting({KType.INT, KType.LONG, KType.REAL, KType.DECIMAL, D, T}), "",
             _binary_all(_fn, _start), "bitwise fold of the group's values (the column keeps its name)")


def _hll(column: Sequence[Any]) -> list[Any]:
    """Our hll() value: the distinct values themselves (exact), as a dynamic array."""
    return _make_set(column, MAX_SET_SIZE)


def _hll_merge_values(sketches: Sequence[Any]) -> list[Any]:
    return _make_set([item for sketch in sketches if type(sketch) is list for item in sketch], MAX_SET_SIZE)


_HLL_TYPES = {KType.INT, KType.LONG, KType.DECIMAL, KType.STRING, D, T, Y, KType.GUID}
_declare("hll", 1, 2, _accepting(_HLL_TYPES, Y), "hll", lambda c: _hll(c[0]), "distinct-count sketch (exact: the distinct values)",
         constant_args=(1,))
_declare("hll_if", 2, 3, _accepting(_HLL_TYPES, Y), "hll_if", lambda c: _hll(_where(c[0], c[1])), "hll() of the rows whose predicate is true",
         constant_args=(2,), predicate=1)
_declare("hll_merge", 1, 1, _fixed(Y), "hll_merge", lambda c: _hll_merge_values(c[0]), "merge hll() sketches of the group")


@scalar("hll_merge", 1, 64, Y)
def hll_merge(*sketches: Any) -> list[Any]:
    """Scalar form: merge several hll() sketches."""
    return _hll_merge_values(sketches)


@scalar("dcount_hll", 1, 1, L)
def dcount_hll(sketch: Any) -> int | None:
    """Distinct count held by an hll() sketch."""
    return len(sketch) if type(sketch) is list else None
