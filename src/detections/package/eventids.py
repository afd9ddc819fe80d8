"""Which Windows Security event IDs the content reads, derived from the queries' syntax trees.

For every place a query reads the `SecurityEvent` table we look at the `where` filters applied to those
rows before anything reshapes them (summarize, join, ...): `EventID == 4625`, `EventID in (4624, 4625)`,
`EventID in (ids)` with `let ids = dynamic([...])`, `EventID between (4720 .. 4726)`, combined with
`and`/`or`. A read with no such filter (or one we cannot prove) means the hosts must send every
Security event; the result says which item and why, so the data collection rule can say so too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from detections.kql import ast
from detections.package.kqlwalk import children

TABLE = "SecurityEvent"
COLUMN = "EventID"
_MAX_RANGE = 1000  # a wider `between` is treated as "all events" rather than enumerated

# Operators that keep each row (and its EventID) as it is: a filter before or after them still says
# which source rows the query needs. Anything else ends the scan (conservative: collect more).
_ROW_PRESERVING = (
    ast.Where, ast.Extend, ast.Project, ast.ProjectAway, ast.ProjectKeep, ast.ProjectReorder, ast.Sort,
    ast.Take, ast.Top, ast.Parse, ast.As, ast.Serialize, ast.Render, ast.Sample,
)

IdSet = frozenset[int] | None  # None: not restricted (every event)


@dataclass
class EventIdUsage:
    """What one query needs: the event IDs, or `unrestricted` with the reason."""

    reads_table: bool = False
    event_ids: set[int] = field(default_factory=set)
    unrestricted: list[str] = field(default_factory=list)


def _and(left: IdSet, right: IdSet) -> IdSet:
    if left is None:
        return right
    return left if right is None else left & right


def _or(left: IdSet, right: IdSet) -> IdSet:
    return None if left is None or right is None else left | right


def _int_value(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


class _Analyzer:
    """Walks one parsed query; `lets` resolves let-bound lists and tabular names."""

    def __init__(self, query: ast.Query):
        self.lets: dict[str, Any] = {}
        self.usage = EventIdUsage()
        self._active: set[str] = set()
        self.statements = query.statements
        self.body = query.body
        for statement in query.statements:
            if isinstance(statement, ast.LetScalar | ast.LetTabular):
                self.lets[statement.name] = statement.value

    # -- scalar predicates -> the set of EventIDs they admit ----------------------------------------
    def _is_event_id(self, expr: Any) -> bool:
        return isinstance(expr, ast.Name) and expr.name == COLUMN

    def _values(self, expr: Any) -> frozenset[int] | None:
        """The integer values a literal, dynamic list or let-bound list denotes (None: unknown)."""
        if isinstance(expr, ast.Name) and expr.name in self.lets and expr.name not in self._active:
            self._active.add(expr.name)
            try:
                return self._values(self.lets[expr.name])
            finally:
                self._active.discard(expr.name)
        if isinstance(expr, ast.Call) and expr.name in ("dynamic", "pack_array") and not expr.named:
            return self._many(expr.args)
        if isinstance(expr, ast.Literal):
            items = expr.value if isinstance(expr.value, list) else [expr.value]
            numbers = [_int_value(item) for item in items]
            return None if any(n is None for n in numbers) else frozenset(n for n in numbers if n is not None)
        return None

    def _many(self, items: tuple[Any, ...]) -> frozenset[int] | None:
        found: set[int] = set()
        for item in items:
            values = self._values(item)
            if values is None:
                return None
            found |= values
        return frozenset(found)

    def predicate(self, expr: Any) -> IdSet:
        if isinstance(expr, ast.Binary):
            if expr.op == "and":
                return _and(self.predicate(expr.left), self.predicate(expr.right))
            if expr.op == "or":
                return _or(self.predicate(expr.left), self.predicate(expr.right))
            if expr.op == "==":
                for column, other in ((expr.left, expr.right), (expr.right, expr.left)):
                    if self._is_event_id(column):
                        values = self._values(other)
                        return values if values is not None and len(values) == 1 else None
            return None
        if isinstance(expr, ast.InList) and expr.op == "in" and self._is_event_id(expr.left):
            return self._many(expr.items)
        if isinstance(expr, ast.Between) and not expr.negated and self._is_event_id(expr.left):
            low, high = self._values(expr.low), self._values(expr.high)
            if low and high and len(low) == len(high) == 1:
                start, stop = min(low), max(high)
                if 0 <= stop - start <= _MAX_RANGE:
                    return frozenset(range(start, stop + 1))
        return None

    # -- tabular walk: `inherited` is what later filters prove about this node's rows --------------
    def tabular(self, node: Any, inherited: IdSet) -> None:
        if isinstance(node, ast.TableRef | ast.Name):  # a let's bare Name value may denote a table
            self._table(node.name, inherited)
        elif isinstance(node, ast.Pipe):
            self._pipe(node, inherited)
        elif isinstance(node, ast.Union):
            for table in node.tables:
                self.tabular(table, inherited)
        elif isinstance(node, ast.FunctionCallSource) and node.name == "materialize":
            for arg in node.args:
                self.tabular(arg, inherited)
        elif isinstance(node, ast.Search | ast.Find) and not node.tables:
            self._record(None, "search/find over every table")
        else:
            self.nested(node)

    def _table(self, name: str, inherited: IdSet) -> None:
        if name in self.lets and name not in self._active:
            self._active.add(name)
            try:
                self.tabular(self.lets[name], inherited)
            finally:
                self._active.discard(name)
        elif name == TABLE or ("*" in name and fnmatchcase(TABLE, name)):  # union Security*
            self._record(inherited, "a SecurityEvent read without an EventID filter")

    def _pipe(self, node: ast.Pipe, inherited: IdSet) -> None:
        applied: IdSet = None
        reached_end = True
        for operator in node.operators:
            if isinstance(operator, ast.Where):
                applied = _and(applied, self.predicate(operator.predicate))
            elif not isinstance(operator, _ROW_PRESERVING) or self._assigns_event_id(operator):
                reached_end = False
                break
        for operator in node.operators:
            self.nested(operator)
        self.tabular(node.source, _and(applied, inherited) if reached_end else applied)

    def _assigns_event_id(self, operator: Any) -> bool:
        columns = operator.columns if isinstance(operator, ast.Extend | ast.Project) else ()
        return any(isinstance(c, ast.NamedExpr) and COLUMN in c.names for c in columns)

    def _record(self, ids: IdSet, reason: str) -> None:
        self.usage.reads_table = True
        if ids is None:
            self.usage.unrestricted.append(reason)
        else:
            self.usage.event_ids |= ids

    def nested(self, node: Any) -> None:
        """Tabular expressions inside operators and scalars (join right sides, toscalar(), in (T))."""
        for child in children(node):
            if isinstance(child, ast.TableRef | ast.Pipe | ast.Union | ast.FunctionCallSource
                          | ast.Search | ast.Find):
                self.tabular(child, None)
            else:
                self.nested(child)

    def run(self) -> EventIdUsage:
        for statement in self.statements:
            if isinstance(statement, ast.LetFunction):
                self.nested(statement.body)
            elif (isinstance(statement, ast.LetScalar) and isinstance(statement.value, ast.Call)
                  and statement.value.name != "materialize"):  # materialize() is a table, walked on use
                self.nested(statement.value)
        self.tabular(self.body, None)
        return self.usage


def event_id_usage(query: ast.Query) -> EventIdUsage:
    """The Security event IDs a parsed query reads (see the module doc for what counts as a filter)."""
    return _Analyzer(query).run()
