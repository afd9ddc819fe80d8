"""Syntax tree of a KQL query, as produced by detections.kql.parser.parse().

Design (so the binder and compiler can dispatch on `type(node)` through tables):
- Every node is a frozen, slotted dataclass deriving from `Node`, with `span`: the (start, end)
  character offsets (end exclusive) of the node in the query text. `span` is keyword-only and is
  left out of equality, so two trees compare equal when their structure is the same.
- Sequences are tuples. Names are plain `str` (bracketed names like ['a b'] are unquoted).
- Literal values use the Python representation of detections.kql.types (long -> int,
  datetime -> tz-aware UTC datetime, timespan -> timedelta, dynamic -> JSON value, null -> None).
- Three families: expressions (`Expr`), tabular expressions (`Tabular`: sources and `Pipe`) and
  pipe operators (`Operator`). A few nodes (Union, Search, Evaluate) appear both as a source and as
  an operator; as an operator their input is the piped table.
- Where the grammar alone cannot tell a table from a scalar, the parser keeps the scalar form and the
  binder decides: a `LetScalar` value or a `Query` body that is a bare `Name` or `Call` may name a
  table or a tabular function, and an `InList` item or a `toscalar`/`materialize` argument may be a
  `Tabular` (e.g. `toscalar(T | count)`). Calls that are always tabular (`materialize`,
  `_GetWatchlist`) become `FunctionCallSource` as a let value or query body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from detections.kql.types import KType

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Node:
    """Base of all syntax nodes: `span` is the node's (start, end) character offsets."""

    span: Span = field(default=(0, 0), kw_only=True, compare=False)


# ----------------------------------------------------------------------------------------------
# Expressions
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal(Node):
    """A constant: `value` in Python form, `ktype` its Kusto type (`1` is long, `int(1)` int)."""

    value: Any
    ktype: KType


@dataclass(frozen=True, slots=True)
class Name(Node):
    """A name: column, let variable, table or `$left`/`$right`; brackets removed (['a b'] -> a b)."""

    name: str


@dataclass(frozen=True, slots=True)
class ColumnPattern(Node):
    """A wildcard column name such as `Prefix*` (project-away, project-keep, project-reorder)."""

    pattern: str


@dataclass(frozen=True, slots=True)
class Star(Node):
    """`*`: all columns (arg_max(X, *), distinct *, search *)."""


@dataclass(frozen=True, slots=True)
class Unary(Node):
    """Unary minus or plus: `op` is "-" or "+"."""

    op: str
    operand: Expr


@dataclass(frozen=True, slots=True)
class Binary(Node):
    """A binary operator: `op` is its canonical text ("and", "==", "!has_cs", "matches regex", "+", ...)."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class InList(Node):
    """`left op (items)` for op in in, !in, in~, !in~, has_any, has_all; an item may be a Tabular."""

    op: str
    left: Expr
    items: tuple[Expr | Tabular, ...]


@dataclass(frozen=True, slots=True)
class Between(Node):
    """`left between (low .. high)`, or `!between` when `negated`."""

    left: Expr
    low: Expr
    high: Expr
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Call(Node):
    """A function call `name(args)`; conversions (toint(x)) are calls too; an arg may be a Tabular."""

    name: str
    args: tuple[Expr | Tabular, ...] = ()
    named: tuple[NamedExpr, ...] = ()


@dataclass(frozen=True, slots=True)
class Member(Node):
    """Dynamic property access `target.name` (also `$left.Col` in join conditions)."""

    target: Expr
    name: str


@dataclass(frozen=True, slots=True)
class Index(Node):
    """Dynamic subscript `target[index]` (array index, negative from the end, or bag key)."""

    target: Expr
    index: Expr


@dataclass(frozen=True, slots=True)
class NamedExpr(Node):
    """`Name = expr`, or `(A, B) = expr` for functions returning several columns: `names` has them all."""

    names: tuple[str, ...]
    expr: Expr


@dataclass(frozen=True, slots=True)
class OrderKey(Node):
    """A sort key: `descending` and `nulls_first` are explicit (Kusto defaults applied by the parser)."""

    expr: Expr
    descending: bool = True
    nulls_first: bool = False


@dataclass(frozen=True, slots=True)
class TypeOf(Node):
    """`typeof(T)` used as a value (e.g. `mv-expand x to typeof(string)`), the type in `ktype`."""

    ktype: KType


# ----------------------------------------------------------------------------------------------
# Tabular sources (a query body, join/union operands, let values)
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ColumnDecl(Node):
    """A `name:type` column declaration (datatable, externaldata, parse, function parameters)."""

    name: str
    ktype: KType


@dataclass(frozen=True, slots=True)
class TableRef(Node):
    """A table or tabular let variable by name; in union/search/find `name` may hold `*` wildcards."""

    name: str


@dataclass(frozen=True, slots=True)
class Datatable(Node):
    """`datatable(columns) [values]`: `values` row-major, len(values) a multiple of len(columns)."""

    columns: tuple[ColumnDecl, ...]
    values: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Print(Node):
    """`print a, b = expr`: one row of scalar columns."""

    columns: tuple[Expr | NamedExpr, ...]


@dataclass(frozen=True, slots=True)
class Range(Node):
    """`range name from start to stop step step`."""

    name: str
    start: Expr
    stop: Expr
    step: Expr


@dataclass(frozen=True, slots=True)
class Union(Node):
    """`union [kind=] [withsource=] [isfuzzy=] tables`; as an operator the piped input comes first."""

    tables: tuple[Tabular, ...]
    kind: str = "outer"
    withsource: str | None = None
    isfuzzy: bool = False


@dataclass(frozen=True, slots=True)
class ExternalData(Node):
    """`externaldata(columns) [urls] with (properties)`: resolved from a local mapping at run time."""

    columns: tuple[ColumnDecl, ...]
    urls: tuple[Expr, ...]
    properties: tuple[NamedExpr, ...] = ()


@dataclass(frozen=True, slots=True)
class FunctionCallSource(Node):
    """A tabular function call used as a source: _GetWatchlist('x'), materialize(T), user functions."""

    name: str
    args: tuple[Expr | Tabular, ...] = ()
    named: tuple[NamedExpr, ...] = ()


@dataclass(frozen=True, slots=True)
class Find(Node):
    """`find [withsource=] [in (tables)] where predicate [project cols | project-smart]`."""

    predicate: Expr
    tables: tuple[Tabular, ...] = ()
    withsource: str | None = None
    project: tuple[Expr | NamedExpr, ...] | None = None


@dataclass(frozen=True, slots=True)
class Search(Node):
    """`search [kind=case_sensitive] [in (tables)] predicate`; a bare string predicate searches every column."""

    predicate: Expr
    tables: tuple[Tabular, ...] = ()
    case_sensitive: bool = False


@dataclass(frozen=True, slots=True)
class Pipe(Node):
    """`source | op1 | op2 ...`: the operators applied in order to the source's rows."""

    source: Tabular
    operators: tuple[Operator, ...]


# ----------------------------------------------------------------------------------------------
# Pipe operators
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hint(Node):
    """An operator hint or option `name=value` such as hint.strategy=shuffle (kept, ignored by the engine)."""

    name: str
    value: Expr


@dataclass(frozen=True, slots=True)
class Where(Node):
    """`where predicate` (also `filter`)."""

    predicate: Expr


@dataclass(frozen=True, slots=True)
class Extend(Node):
    """`extend a = expr, expr2`: unnamed expressions get Kusto's derived names."""

    columns: tuple[Expr | NamedExpr, ...]


@dataclass(frozen=True, slots=True)
class Project(Node):
    """`project a, b = expr`."""

    columns: tuple[Expr | NamedExpr, ...]


@dataclass(frozen=True, slots=True)
class ProjectAway(Node):
    """`project-away cols` (names or wildcard patterns)."""

    columns: tuple[Name | ColumnPattern, ...]


@dataclass(frozen=True, slots=True)
class ProjectKeep(Node):
    """`project-keep cols` (names or wildcard patterns)."""

    columns: tuple[Name | ColumnPattern, ...]


@dataclass(frozen=True, slots=True)
class ProjectRename(Node):
    """`project-rename New = Old, ...`: each NamedExpr's expr is the old column's Name."""

    renames: tuple[NamedExpr, ...]


@dataclass(frozen=True, slots=True)
class ProjectReorder(Node):
    """`project-reorder cols [asc|desc]`: listed columns first; `order` is None, "asc" or "desc"."""

    columns: tuple[Name | ColumnPattern, ...]
    order: str | None = None


@dataclass(frozen=True, slots=True)
class Summarize(Node):
    """`summarize aggregates by groups` (either part may be empty)."""

    aggregates: tuple[Expr | NamedExpr, ...]
    by: tuple[Expr | NamedExpr, ...] = ()
    hints: tuple[Hint, ...] = ()


@dataclass(frozen=True, slots=True)
class Distinct(Node):
    """`distinct cols` or `distinct *` (a single Star)."""

    columns: tuple[Expr | NamedExpr | Star, ...]


@dataclass(frozen=True, slots=True)
class Count(Node):
    """`count`: one row, one column `Count`."""


@dataclass(frozen=True, slots=True)
class Take(Node):
    """`take n` / `limit n`."""

    count: Expr


@dataclass(frozen=True, slots=True)
class Top(Node):
    """`top n by key [asc|desc] [nulls first|last]`."""

    count: Expr
    by: OrderKey


@dataclass(frozen=True, slots=True)
class Sort(Node):
    """`sort by keys` / `order by keys`."""

    keys: tuple[OrderKey, ...]


@dataclass(frozen=True, slots=True)
class JoinKey(Node):
    """One equality of a join/lookup `on` clause: `on Col` gives left == right == "Col"."""

    left: str
    right: str


@dataclass(frozen=True, slots=True)
class Join(Node):
    """`join kind=K hints (right) on keys`; `kind` canonical (innerunique default, anti -> leftanti...)."""

    right: Tabular
    on: tuple[JoinKey, ...]
    kind: str = "innerunique"
    hints: tuple[Hint, ...] = ()


@dataclass(frozen=True, slots=True)
class Lookup(Node):
    """`lookup kind=leftouter|inner (right) on keys`."""

    right: Tabular
    on: tuple[JoinKey, ...]
    kind: str = "leftouter"


@dataclass(frozen=True, slots=True)
class ExpandItem(Node):
    """One mv-expand/mv-apply column: `expr` (Expr or NamedExpr) and an optional `to typeof(T)`."""

    expr: Expr | NamedExpr
    to_type: KType | None = None


@dataclass(frozen=True, slots=True)
class MvExpand(Node):
    """`mv-expand [bagexpansion=bag|array] [with_itemindex=I] items [limit n]`."""

    items: tuple[ExpandItem, ...]
    bagexpansion: str = "bag"
    with_itemindex: str | None = None
    limit: Expr | None = None


@dataclass(frozen=True, slots=True)
class MvApply(Node):
    """`mv-apply [with_itemindex=I] items [limit n] on (subquery)`: `body` runs on each row's expansion."""

    items: tuple[ExpandItem, ...]
    body: tuple[Operator, ...]
    with_itemindex: str | None = None
    limit: Expr | None = None


@dataclass(frozen=True, slots=True)
class ParseColumn(Node):
    """A capture in a parse pattern: `name[:type]` (type None means string)."""

    name: str
    ktype: KType | None = None


@dataclass(frozen=True, slots=True)
class Parse(Node):
    """`parse [kind=simple|regex|relaxed [flags=F]] source with pattern`: parts are Literal, Star, ParseColumn."""

    source: Expr
    pattern: tuple[Literal | Star | ParseColumn, ...]
    kind: str = "simple"
    flags: str = ""


@dataclass(frozen=True, slots=True)
class ParseWhere(Parse):
    """`parse-where ...`: like parse, but rows whose text does not match are dropped."""


@dataclass(frozen=True, slots=True)
class Evaluate(Node):
    """`evaluate plugin(args)` (bag_unpack, pivot, ...); `output` is an optional declared schema,
    `keep_input` set when it starts with `*` (the input's columns come first)."""

    plugin: str
    args: tuple[Expr | NamedExpr, ...] = ()
    hints: tuple[Hint, ...] = ()
    output: tuple[ColumnDecl, ...] | None = None
    keep_input: bool = False


@dataclass(frozen=True, slots=True)
class SeriesAggregate(Node):
    """One make-series aggregate with its `default=` fill value (None: the type's default)."""

    expr: Expr | NamedExpr
    default: Expr | None = None


@dataclass(frozen=True, slots=True)
class MakeSeries(Node):
    """`make-series aggs on axis [from start] [to end] step step [by groups]` (also `in range(s, e, step)`)."""

    aggregates: tuple[SeriesAggregate, ...]
    on: Expr | NamedExpr
    step: Expr
    start: Expr | None = None
    end: Expr | None = None
    by: tuple[Expr | NamedExpr, ...] = ()
    kind: str | None = None


@dataclass(frozen=True, slots=True)
class As(Node):
    """`as Name`: names the piped table for later reference in the same query."""

    name: str
    hints: tuple[Hint, ...] = ()


@dataclass(frozen=True, slots=True)
class Serialize(Node):
    """`serialize [cols]`: marks rows as ordered (row_number/prev/next) and may add columns."""

    columns: tuple[Expr | NamedExpr, ...] = ()


@dataclass(frozen=True, slots=True)
class TopNestedLevel(Node):
    """One `top-nested [n] of expr [with others = value] by aggregate [asc|desc]` clause."""

    of: Expr | NamedExpr
    by: Expr | NamedExpr
    count: Expr | None = None
    others: Expr | None = None
    descending: bool = True


@dataclass(frozen=True, slots=True)
class TopNested(Node):
    """`top-nested ...` levels separated by commas."""

    levels: tuple[TopNestedLevel, ...]


@dataclass(frozen=True, slots=True)
class Invoke(Node):
    """`invoke f(args)`: calls tabular function f with the piped table as its first argument."""

    call: Call


@dataclass(frozen=True, slots=True)
class Getschema(Node):
    """`getschema`: one row per input column (ColumnName, ColumnOrdinal, DataType, ColumnType)."""


@dataclass(frozen=True, slots=True)
class Render(Node):
    """`render chart [with (props)]`: a visualization hint, no effect on the rows."""

    chart: str
    properties: tuple[NamedExpr, ...] = ()


@dataclass(frozen=True, slots=True)
class Sample(Node):
    """`sample n`: n arbitrary rows."""

    count: Expr


@dataclass(frozen=True, slots=True)
class SampleDistinct(Node):
    """`sample-distinct n of expr`."""

    count: Expr
    of: Expr


@dataclass(frozen=True, slots=True)
class ForkBranch(Node):
    """One `fork` branch: optional result `name` and its operators."""

    operators: tuple[Operator, ...]
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Fork(Node):
    """`fork (ops) (ops) ...`: several results from one input."""

    branches: tuple[ForkBranch, ...]


# ----------------------------------------------------------------------------------------------
# Statements and the query
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Param(Node):
    """A function parameter: scalar `name:type [= default]` or tabular `name:(cols)` / `name:(*)`."""

    name: str
    ktype: KType | None = None
    columns: tuple[ColumnDecl, ...] | None = None  # tabular parameter: declared columns
    open_schema: bool = False  # tabular parameter `(*)`: any table
    default: Expr | None = None

    @property
    def is_tabular(self) -> bool:
        return self.columns is not None


@dataclass(frozen=True, slots=True)
class LetScalar(Node):
    """`let name = scalar-expr;` (a bare Name or Call value may still denote a table, see module doc)."""

    name: str
    value: Expr


@dataclass(frozen=True, slots=True)
class LetTabular(Node):
    """`let name = tabular-expr;`."""

    name: str
    value: Tabular


@dataclass(frozen=True, slots=True)
class FunctionBody(Node):
    """A `{ ... }` function body: local statements and the result (scalar or tabular)."""

    statements: tuple[Statement, ...]
    result: Expr | Tabular


@dataclass(frozen=True, slots=True)
class LetFunction(Node):
    """`let name = (params) { body };` (and `view () { ... }` with `view` set)."""

    name: str
    params: tuple[Param, ...]
    body: FunctionBody
    view: bool = False


@dataclass(frozen=True, slots=True)
class SetOption(Node):
    """`set name [= value];` a request option (recorded, no effect on results)."""

    name: str
    value: Expr | None = None


@dataclass(frozen=True, slots=True)
class Query(Node):
    """A whole query: `statements` (let/set) in order, then the `body` whose result is the query's
    (a bare Name or Call body may denote a table: see the module doc)."""

    statements: tuple[Statement, ...]
    body: Tabular | Expr


Expr = (
    Literal | Name | ColumnPattern | Star | Unary | Binary | InList | Between | Call | Member | Index | TypeOf
)
Tabular = (
    TableRef | Datatable | Print | Range | Union | ExternalData | FunctionCallSource | Find | Search | Evaluate | Pipe
)
Operator = (
    Where | Extend | Project | ProjectAway | ProjectKeep | ProjectRename | ProjectReorder | Summarize
    | Distinct | Count | Take | Top | Sort | Join | Lookup | MvExpand | MvApply | Parse | ParseWhere
    | Evaluate | MakeSeries | As | Serialize | TopNested | Invoke | Getschema | Render | Sample
    | SampleDistinct | Search | Union | Fork
)
Statement = LetScalar | LetTabular | LetFunction | SetOption
