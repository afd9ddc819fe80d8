"""Plan nodes that group rows: summarize (aggregates, arg_max/arg_min/take_any expansions) and join/lookup."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from detections.kql.errors import KqlUnsupportedError
from detections.kql.ops_core import Column, Op, Row, RowFn, Runtime, null_of
from detections.kql.values import json_key, sort_key


@dataclass(frozen=True)
class Aggregate:
    """One aggregate computed per group: `impl(arg_columns)` from the registry, or `pick`, a
    function choosing the group's row for arg_max/arg_min/take_any (its `args` then give the values
    returned as a tuple)."""

    impl: Callable[[list[list[Any]]], Any] | None
    args: Sequence[RowFn]
    count_rows: bool = False  # count(): the group's size
    pick: Callable[[list[Row]], Row | None] | None = None


def pick_extreme(key: RowFn, maximum: bool) -> Callable[[list[Row]], Row | None]:
    """arg_max/arg_min: the first row with the greatest/least non-null key."""

    def pick(rows: list[Row]) -> Row | None:
        best_row, best = None, None
        for r in rows:
            k = key(r)
            if k is None or k != k:
                continue
            if best_row is None or (k > best if maximum else k < best):
                best_row, best = r, k
        return best_row

    return pick


def pick_first(rows: list[Row]) -> Row | None:
    return rows[0] if rows else None


def evaluate_aggregate(agg: Aggregate, rows: list[Row]) -> Any:
    """The aggregate's value over one group's rows."""
    if agg.count_rows:
        return len(rows)
    if agg.pick is not None:
        chosen = agg.pick(rows)
        return tuple(None for _ in agg.args) if chosen is None else tuple(f(chosen) for f in agg.args)
    return agg.impl([[f(r) for r in rows] for f in agg.args])


class Summarize(Op):
    """Group by the key closures, compute every aggregate per group, then the output expressions
    over the row of aggregate values (`outputs`: an int is a slot index, else a closure)."""

    label = "summarize"

    def __init__(self, source: Op, columns: list[Column], keys: list[RowFn], key_of: RowFn,
                 aggregates: list[Aggregate], outputs: list[int | RowFn]) -> None:
        self.source, self.columns, self.keys, self.key_of = source, columns, keys, key_of
        self.aggregates, self.outputs = aggregates, outputs
        self._direct = all(isinstance(o, int) for o in outputs)

    def _groups(self, rows: list[Row]) -> dict[Any, list[Row]]:
        """Rows by their key tuple. One key groups on the bare value (no tuple built per row) and
        is wrapped once per group afterwards."""
        single = len(self.keys) == 1
        key_of = self.keys[0] if single else self.key_of
        groups: dict[Any, list[Row]] = {}
        for r in rows:
            k = key_of(r)
            bucket = groups.get(k)
            if bucket is None:
                groups[k] = [r]
            else:
                bucket.append(r)
        return {(k,): g for k, g in groups.items()} if single else groups

    def run(self, rt: Runtime) -> list[Row]:
        rows = self.source.run(rt)
        groups = self._groups(rows) if self.keys else {(): rows}  # no `by`: one row, even over no input
        outputs, direct = self.outputs, self._direct
        out = []
        for key, members in groups.items():
            values = tuple(evaluate_aggregate(a, members) for a in self.aggregates)
            if direct:
                out.append(key + tuple([values[i] for i in outputs]))
            else:
                out.append(key + tuple([values[o] if isinstance(o, int) else o(values) for o in outputs]))
        return out


JOIN_KINDS = ("innerunique", "inner", "leftouter", "rightouter", "fullouter", "leftanti", "rightanti",
              "leftsemi", "rightsemi")


class Join(Op):
    """Hash join on equality of key columns. `kind` is one of JOIN_KINDS; inner and outer kinds emit
    left columns then the kept right columns (`right_keep`), semi/anti kinds one side only."""

    label = "join"

    def __init__(self, left: Op, right: Op, kind: str, left_keys: list[int], right_keys: list[int],
                 columns: list[Column], right_keep: list[int]) -> None:
        self.left, self.right, self.kind = left, right, kind
        self.left_keys, self.right_keys = left_keys, right_keys
        self.columns, self.right_keep = columns, right_keep

    @staticmethod
    def _key(indexes: list[int]) -> RowFn:
        return itemgetter(*indexes)  # one index: the value; several: a tuple

    def run(self, rt: Runtime) -> list[Row]:
        kind = self.kind
        left_rows, right_rows = self.left.run(rt), self.right.run(rt)
        lkey, rkey = self._key(self.left_keys), self._key(self.right_keys)
        if kind == "innerunique":
            first: dict[Any, Row] = {}
            for r in left_rows:
                first.setdefault(lkey(r), r)
            left_rows = list(first.values())
        index: dict[Any, list[Row]] = {}
        for r in right_rows:
            index.setdefault(rkey(r), []).append(r)
        if kind in ("leftsemi", "leftanti"):
            want = kind == "leftsemi"
            return [r for r in left_rows if (lkey(r) in index) is want]
        if kind in ("rightsemi", "rightanti"):
            left_keys = {lkey(r) for r in left_rows}
            want = kind == "rightsemi"
            return [r for r in right_rows if (rkey(r) in left_keys) is want]
        keep = self.right_keep
        n_left = len(self.left.columns)
        left_nulls = tuple(null_of(t) for _, t in self.columns[:n_left])
        right_nulls = tuple(null_of(t) for _, t in self.columns[n_left:])
        out: list[Row] = []
        matched_right: set[int] = set()
        outer_left = kind in ("leftouter", "fullouter")
        track_right = kind in ("rightouter", "fullouter")
        for lr in left_rows:
            matches = index.get(lkey(lr))
            if matches:
                for rr in matches:
                    out.append(lr + tuple([rr[i] for i in keep]))
                    if track_right:
                        matched_right.add(id(rr))
            elif outer_left:
                out.append(lr + right_nulls)
        if track_right:
            out.extend(left_nulls + tuple([rr[i] for i in keep]) for rr in right_rows if id(rr) not in matched_right)
        return out


class MakeSeries(Op):
    """make-series: per group, one array per aggregate over the axis bins [start, end) of size
    `step`, absent bins filled with the aggregate's default; then the array of bin starts."""

    label = "make-series"

    def __init__(self, source: Op, columns: list[Column], keys: list[RowFn], axis: RowFn,
                 aggregates: list[Aggregate], defaults: list[Any], bounds: Callable[[list[Row]], tuple[Any, Any, Any]],
                 nonempty: bool = False) -> None:
        self.source, self.columns, self.keys, self.axis = source, columns, keys, axis
        self.aggregates, self.defaults, self.bounds, self.nonempty = aggregates, defaults, bounds, nonempty

    def run(self, rt: Runtime) -> list[Row]:
        rows = self.source.run(rt)
        axis = self.axis
        present = [r for r in rows if axis(r) is not None]
        start, end, step = self.bounds(present)
        if start is None or end is None or not step:
            return []
        count = 0
        while start + step * count < end:
            count += 1
            if count > 1_000_000:
                raise KqlUnsupportedError("make-series would create more than 1,000,000 bins")
        groups: dict[Any, dict[int, list[Row]]] = {}
        keys = self.keys
        for r in present:
            position = int((axis(r) - start) // step)
            if 0 <= position < count:
                key = tuple([f(r) for f in keys])
                groups.setdefault(key, {}).setdefault(position, []).append(r)
        bins = [start + step * k for k in range(count)]
        if not groups and self.nonempty:  # kind=nonempty: one row of defaults (null group keys)
            groups[tuple(null_of(t) for _, t in self.columns[:len(keys)])] = {}
        out = []
        for key, by_bin in groups.items():
            series = []
            for agg, default in zip(self.aggregates, self.defaults, strict=True):
                series.append([evaluate_aggregate(agg, by_bin[k]) if k in by_bin else default for k in range(count)])
            out.append(key + tuple(series) + (list(bins),))
        return out


@dataclass(frozen=True)
class NestedLevel:
    """One top-nested level: group by `of`, rank the groups by `aggregate`, keep `count` of them
    (all when None), optionally folding the rest into one group labelled `others`."""

    of: RowFn
    aggregate: Aggregate
    count: int | None
    descending: bool
    others: Any = None
    has_others: bool = False


class TopNested(Op):
    label = "top-nested"

    def __init__(self, source: Op, columns: list[Column], levels: list[NestedLevel]) -> None:
        self.source, self.columns, self.levels = source, columns, levels

    def _expand(self, rows: list[Row], depth: int) -> list[tuple]:
        if depth == len(self.levels):
            return [()]
        level = self.levels[depth]
        groups: dict[Any, list[Row]] = {}
        values: dict[Any, Any] = {}  # json_key (bags as JSON text, true is not 1) -> the value
        for r in rows:
            value = level.of(r)
            hashed = json_key(value)
            values.setdefault(hashed, value)
            groups.setdefault(hashed, []).append(r)
        scored = [(values[key], members, evaluate_aggregate(level.aggregate, members)) for key, members in groups.items()]
        present = [s for s in scored if s[2] is not None]
        present.sort(key=lambda s: sort_key(s[2]), reverse=level.descending)
        ranked = present + [s for s in scored if s[2] is None]
        kept = ranked if level.count is None else ranked[: level.count]
        rest = [] if level.count is None else ranked[level.count:]
        if level.has_others and rest:
            members = [r for _, group, _ in rest for r in group]
            kept = [*kept, (level.others, members, evaluate_aggregate(level.aggregate, members))]
        out = []
        for key, members, value in kept:
            out.extend((key, value, *tail) for tail in self._expand(members, depth + 1))
        return out

    def run(self, rt: Runtime) -> list[Row]:
        return self._expand(self.source.run(rt), 0)
