"""Plan nodes of the tabular operators that keep or reshape rows one by one.

A plan node (`Op`) knows its output columns (so binding a query is building its plan) and turns the
output of its input node into its own rows. Rows are plain tuples in column order; compiled scalar
expressions are closures `row -> value` (see detections.kql.compiler).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

from detections.kql.errors import KqlSemanticError
from detections.kql.types import KType
from detections.kql.values import copy_json, json_key, sort_key

Row = tuple
Column = tuple[str, KType]
RowFn = Callable[[Row], Any]


@dataclass
class Runtime:
    """Per-run state read by compiled closures: the query's fixed `now`, its inputs and caches.

    A cached plan owns one Runtime; each run resets it, so closures compiled once see the
    current run's values without being rebuilt."""

    now: datetime | None = None
    tables: dict[str, list[Row]] = field(default_factory=dict)
    watchlists: dict[str, list[dict]] = field(default_factory=dict)
    externaldata: dict[str, list[dict]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    cache: dict[int, Any] = field(default_factory=dict)

    def reset(self, **values: Any) -> None:
        for key, value in values.items():
            setattr(self, key, value)
        self.warnings = []
        self.cache = {}


def null_of(ktype: KType) -> Any:
    """The null value of a type: strings are never null in Kusto, they are empty."""
    return "" if ktype is KType.STRING else None


def unique_name(name: str, taken: Sequence[str] | set[str]) -> str:
    """Kusto's clash rule: a second `X` becomes `X1`, then `X2`, ..."""
    if name not in taken:
        return name
    n = 1
    while f"{name}{n}" in taken:
        n += 1
    return f"{name}{n}"


class Op:
    """A plan node. `columns` is the output schema; `run` produces the rows."""

    columns: list[Column]
    label = "operator"
    # Whether the row order is defined, so window functions (row_number, prev...) may run: sort,
    # top, range, serialize... make it so, where/extend/project/take keep it, the rest drop it.
    serialized = False
    # Whether the columns may include ones no one knows (a fuzzy union over a table this workspace
    # lacks): names the schema lacks then read as null of unknown type, as Kusto.Language allows.
    open_schema = False

    def run(self, rt: Runtime) -> list[Row]:
        raise NotImplementedError

    def index(self) -> dict[str, int]:
        return {name: i for i, (name, _) in enumerate(self.columns)}


class Source(Op):
    """Fixed rows (datatable, print, getschema): their order is the written one."""

    label = "datatable"
    serialized = True

    def __init__(self, columns: list[Column], rows: list[Row], label: str = "datatable") -> None:
        self.columns, self.rows, self.label = columns, rows, label
        # the rows live in the cached plan: dynamic cells are handed out as copies
        self._mutable = any(type(x) in (dict, list) for row in rows for x in row)

    def run(self, rt: Runtime) -> list[Row]:
        if self._mutable:
            return [tuple(copy_json(x) for x in row) for row in self.rows]
        return self.rows


class TableScan(Op):
    """A table given to run_query (rows already converted to tuples in schema order)."""

    label = "table"

    def __init__(self, name: str, columns: list[Column]) -> None:
        self.name, self.columns = name, columns

    def run(self, rt: Runtime) -> list[Row]:
        return rt.tables.get(self.name, [])


class Cached(Op):
    """A tabular `let` or materialize(): evaluated at most once per run, however often referenced."""

    label = "let"

    def __init__(self, inner: Op) -> None:
        self.inner, self.columns, self.serialized = inner, inner.columns, inner.serialized
        self.open_schema = inner.open_schema

    def run(self, rt: Runtime) -> list[Row]:
        key = id(self)
        rows = rt.cache.get(key)
        if rows is None:
            rows = rt.cache[key] = self.inner.run(rt)
        return rows


class Computed(Op):
    """Rows produced by a closure over the runtime (range, print, externaldata, _GetWatchlist)."""

    def __init__(self, columns: list[Column], produce: Callable[[Runtime], list[Row]], label: str) -> None:
        self.columns, self.produce, self.label = columns, produce, label

    def run(self, rt: Runtime) -> list[Row]:
        return self.produce(rt)


class Filter(Op):
    label = "where"

    def __init__(self, source: Op, predicate: RowFn) -> None:
        self.source, self.predicate, self.columns = source, predicate, source.columns
        self.serialized = source.serialized

    def run(self, rt: Runtime) -> list[Row]:
        pred = self.predicate
        return [r for r in self.source.run(rt) if pred(r) is True]


class Window:
    """Position of the current row, for row_number()/prev()/next()/row_cumsum() in serialized input."""

    __slots__ = ("rows", "pos", "state")

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.pos = 0
        self.state: dict[int, Any] = {}


class Compute(Op):
    """extend / project: each output column is either a copied input column (an int index) or a
    computed closure. Closures that use a Window see the row's position."""

    def __init__(self, source: Op, columns: list[Column], parts: list[int | RowFn], label: str,
                 window: Window | None = None, serialized: bool | None = None) -> None:
        self.source, self.columns, self.parts, self.label, self.window = source, columns, parts, label, window
        self.serialized = source.serialized if serialized is None else serialized
        self._shape = self._plan_shape(parts, len(source.columns)) if window is None else None

    @staticmethod
    def _plan_shape(parts: list[int | RowFn], n_in: int) -> Callable[[list[Row]], list[Row]]:
        """How rows are built, decided once per plan (not per run): the fast path for the shape."""
        if all(isinstance(p, int) for p in parts):  # project of columns: one C-level pick per row
            if not parts:
                return lambda rows: [() for _ in rows]
            pick = itemgetter(*parts)
            if len(parts) > 1:
                return lambda rows: [pick(r) for r in rows]
            return lambda rows: [(pick(r),) for r in rows]
        computed = [(k, p) for k, p in enumerate(parts) if not isinstance(p, int)]
        if all(p == k for k, p in enumerate(parts) if isinstance(p, int)) and len(parts) >= n_in:
            # extend: the input row with some columns replaced in place and new ones appended
            if [k for k, _ in computed] == list(range(n_in, len(parts))):
                extra = [p for _, p in computed]
                if len(extra) == 1:
                    f = extra[0]
                    return lambda rows: [r + (f(r),) for r in rows]
                return lambda rows: [r + tuple([f(r) for f in extra]) for r in rows]
            padding = [None] * (len(parts) - n_in)

            def replace(rows: list[Row]) -> list[Row]:
                out = []
                for r in rows:
                    cells = [*r, *padding]
                    for k, f in computed:
                        cells[k] = f(r)
                    out.append(tuple(cells))
                return out

            return replace
        fns = [(lambda r, i=p: r[i]) if isinstance(p, int) else p for p in parts]
        return lambda rows: [tuple([f(r) for f in fns]) for r in rows]

    def run(self, rt: Runtime) -> list[Row]:
        rows = self.source.run(rt)
        if self._shape is None:
            return self._run_windowed(rows)
        return self._shape(rows)

    def _run_windowed(self, rows: list[Row]) -> list[Row]:
        fns = [(lambda r, i=p: r[i]) if isinstance(p, int) else p for p in self.parts]
        window = self.window
        window.rows, window.state = rows, {}
        out = []
        for pos, r in enumerate(rows):
            window.pos = pos
            out.append(tuple([f(r) for f in fns]))
        return out


class Take(Op):
    label = "take"

    def __init__(self, source: Op, count: int) -> None:
        self.source, self.count, self.columns = source, count, source.columns
        self.serialized = source.serialized

    def run(self, rt: Runtime) -> list[Row]:
        return self.source.run(rt)[: max(self.count, 0)]


@dataclass(frozen=True)
class SortKey:
    fn: RowFn
    descending: bool = True
    nulls_first: bool | None = None  # None: Kusto default (asc -> first, desc -> last)

    @property
    def nulls_go_first(self) -> bool:
        return (not self.descending) if self.nulls_first is None else self.nulls_first


def _is_null(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def sort_rows(rows: list[Row], keys: Sequence[SortKey]) -> list[Row]:
    """Stable multi-key sort with Kusto's null placement (nulls and NaN grouped together)."""
    out = list(rows)
    for key in reversed(keys):
        fn, desc, nulls_first = key.fn, key.descending, key.nulls_go_first
        # With reverse=True the null group must have the *greater* flag to come first.
        null_flag = 0 if nulls_first != desc else 2

        def row_key(r: Row, fn: RowFn = fn, null_flag: int = null_flag) -> Any:
            v = fn(r)
            if _is_null(v):
                return (null_flag,)
            return (1, sort_key(v))

        out.sort(key=row_key, reverse=desc)
    return out


class Sort(Op):
    label = "sort"
    serialized = True

    def __init__(self, source: Op, keys: list[SortKey]) -> None:
        self.source, self.keys, self.columns = source, keys, source.columns

    def run(self, rt: Runtime) -> list[Row]:
        return sort_rows(self.source.run(rt), self.keys)


class Top(Op):
    label = "top"
    serialized = True

    def __init__(self, source: Op, count: int, keys: list[SortKey]) -> None:
        self.source, self.count, self.keys, self.columns = source, count, keys, source.columns

    def run(self, rt: Runtime) -> list[Row]:
        rows = self.source.run(rt)
        if len(self.keys) == 1 and self.count * 8 < len(rows):
            key = self.keys[0]
            fn = key.fn
            present = [r for r in rows if not _is_null(fn(r))]
            pick = heapq.nlargest if key.descending else heapq.nsmallest
            best = pick(self.count, present, key=lambda r: sort_key(fn(r)))
            if len(best) < self.count:
                missing = [r for r in rows if _is_null(fn(r))]
                best = missing + best if key.nulls_go_first else best + missing
            return best[: self.count]
        return sort_rows(rows, self.keys)[: max(self.count, 0)]


class Distinct(Op):
    label = "distinct"

    def __init__(self, source: Op) -> None:
        self.source, self.columns = source, source.columns
        self._scalar_only = all(t is not KType.DYNAMIC for _, t in self.columns)  # rows hash as they are

    def run(self, rt: Runtime) -> list[Row]:
        rows = self.source.run(rt)
        if self._scalar_only:
            return list(dict.fromkeys(rows))  # first occurrence of each row, in order
        seen: dict[Any, Row] = {}
        for row in rows:
            seen.setdefault(tuple([json_key(v) for v in row]), row)  # true is not 1; bags hash
        return list(seen.values())


class Count(Op):
    label = "count"

    def __init__(self, source: Op) -> None:
        self.source, self.columns = source, [("Count", KType.LONG)]

    def run(self, rt: Runtime) -> list[Row]:
        return [(len(self.source.run(rt)),)]


class Union(Op):
    """union (outer): every input column, by name; a missing cell is the column type's null.
    `withsource` adds the name of each input table as the first column."""

    label = "union"
    # isfuzzy=true: a leg whose columns only the data decides (evaluate pivot/bag_unpack) and that
    # fails to resolve against them is skipped with a warning, as Kusto runs fuzzy unions
    fuzzy = False

    def __init__(self, sources: list[Op], columns: list[Column], maps: list[list[int | None]],
                 source_column: str | None, source_names: list[str]) -> None:
        self.sources, self.columns, self.maps = sources, columns, maps
        self.source_column, self.source_names = source_column, source_names

    def run(self, rt: Runtime) -> list[Row]:
        out: list[Row] = []
        offset = 1 if self.source_column else 0
        nulls = [null_of(t) for _, t in self.columns[offset:]]
        for src, mapping, name in zip(self.sources, self.maps, self.source_names, strict=True):
            head = (name,) if offset else ()
            picks = [(i, nulls[k]) for k, i in enumerate(mapping)]
            for r in self._leg_rows(src, rt):
                out.append(head + tuple([d if i is None else r[i] for i, d in picks]))
        return out

    def _leg_rows(self, src: Op, rt: Runtime) -> list[Row]:
        if not self.fuzzy:
            return src.run(rt)
        try:
            return src.run(rt)
        except KqlSemanticError as err:
            rt.warnings.append(f"union isfuzzy=true: a leg was skipped ({err})")
            return []
