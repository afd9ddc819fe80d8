"""Plan nodes that turn one row into several (mv-expand, mv-apply) or split text into columns (parse)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from detections.kql.ops_core import Column, Op, Row, RowFn, Runtime, null_of
from detections.kql.values import to_string


def expansion(value: Any, bag_as_array: bool) -> list[Any]:
    """The values mv-expand makes from one cell: array elements, one single-entry bag (or [key,
    value] pair) per bag property, [None] for null (one row), the value itself for a scalar."""
    kind = type(value)
    if kind is list:
        return value
    if kind is dict:
        if bag_as_array:
            return [[k, item] for k, item in value.items()]
        return [{k: item} for k, item in value.items()]
    return [value]


class MvExpand(Op):
    """Each row becomes max(len(expansions)) rows; shorter expansions are padded with nulls.
    `targets[i]` is the output position of item i (an existing column replaced in place, or a new
    column appended after the input columns)."""

    label = "mv-expand"

    def __init__(self, source: Op, columns: list[Column], items: list[RowFn], targets: list[int],
                 converts: list[Callable[[Any], Any]], bag_as_array: bool, with_index: bool, limit: int | None) -> None:
        self.source, self.columns, self.items, self.targets = source, columns, items, targets
        self.converts, self.bag_as_array, self.with_index, self.limit = converts, bag_as_array, with_index, limit
        self._width = len(columns) - (1 if with_index else 0)  # the columns before the item index

    def expand_row(self, r: Row) -> list[Row]:
        lists = [expansion(f(r), self.bag_as_array) for f in self.items]
        n = max(len(x) for x in lists)
        if self.limit is not None:
            n = min(n, self.limit)
        base = list(r) + [None] * (self._width - len(r))
        out = []
        for k in range(n):
            row = list(base)
            for values, target, convert in zip(lists, self.targets, self.converts, strict=True):
                row[target] = convert(values[k]) if k < len(values) else convert(None)
            if self.with_index:
                row.append(k)
            out.append(tuple(row))
        return out

    def run(self, rt: Runtime) -> list[Row]:
        out: list[Row] = []
        for r in self.source.run(rt):
            out.extend(self.expand_row(r))
        return out


class Holder(Op):
    """The input of an mv-apply subquery: the rows of the current outer row's expansion."""

    label = "mv-apply"

    def __init__(self, columns: list[Column]) -> None:
        self.columns, self.rows = columns, []

    def run(self, rt: Runtime) -> list[Row]:
        return self.rows


class MvApply(Op):
    """Runs the subquery once per input row over that row's expansion (only the expanded columns);
    each result row is the outer row, with same-named columns replaced, plus the new columns."""

    label = "mv-apply"

    def __init__(self, source: Op, expand: MvExpand, picks: list[int], holder: Holder, body: Op) -> None:
        self.source, self.expand, self.picks, self.holder, self.body = source, expand, picks, holder, body
        outer = source.columns
        body_index = body.index()
        self.replace = [(i, body_index[name]) for i, (name, _) in enumerate(outer) if name in body_index]
        replaced = {name for name, _ in outer} & set(body_index)
        self.extra = [j for j, (name, _) in enumerate(body.columns) if name not in replaced]
        columns = [body.columns[body_index[name]] if name in body_index else (name, t) for name, t in outer]
        self.columns = columns + [body.columns[j] for j in self.extra]
        self.serialized = source.serialized

    def run(self, rt: Runtime) -> list[Row]:
        out: list[Row] = []
        picks, replace, extra = self.picks, self.replace, self.extra
        for r in self.source.run(rt):
            self.holder.rows = [tuple([e[i] for i in picks]) for e in self.expand.expand_row(r)]
            rt.cache.clear()  # cached sub-results belong to the previous outer row
            for b in self.body.run(rt):
                row = list(r)
                for i, j in replace:
                    row[i] = b[j]
                out.append(tuple(row) + tuple([b[j] for j in extra]))
        return out


class Parse(Op):
    """parse / parse-where: a regex with one group per captured column, converted to its type;
    a failed match gives the columns' nulls (parse) or drops the row (parse-where)."""

    label = "parse"

    def __init__(self, source: Op, columns: list[Column], text: RowFn, pattern: re.Pattern[str],
                 targets: list[int], converts: list[Callable[[Any], Any]], drop_unmatched: bool) -> None:
        self.source, self.columns, self.text, self.pattern = source, columns, text, pattern
        self.targets, self.converts, self.drop_unmatched = targets, converts, drop_unmatched
        self._captures = list(zip([f"c{k}" for k in range(len(targets))], targets, converts, strict=True))
        self.label = "parse-where" if drop_unmatched else "parse"
        self.serialized = source.serialized

    def run(self, rt: Runtime) -> list[Row]:
        width = len(self.columns)
        nulls = [null_of(t) for _, t in self.columns]
        targets, captures = self.targets, self._captures
        out: list[Row] = []
        for r in self.source.run(rt):
            text = self.text(r)
            text = text if type(text) is str else to_string(text)
            row = list(r) + nulls[len(r):width]
            for target in targets:
                row[target] = nulls[target]
            match = self.pattern.match(text)
            if match is None:
                if self.drop_unmatched:
                    continue
                out.append(tuple(row))
                continue
            failed = False
            for group, target, convert in captures:
                captured = match.group(group)
                value = None if captured is None else convert(captured)
                if value is None:
                    failed = True
                    value = nulls[target]
                row[target] = value
            if failed and self.drop_unmatched:
                continue
            out.append(tuple(row))
        return out
