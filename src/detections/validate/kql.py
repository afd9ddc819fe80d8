"""KQL checks through the engine's public API: the query compiles against our table schemas, and every
column that entityMappings, customDetails and alertDetailsOverride name is in the query's output.

Queries compile against the product tables and the other Sentinel tables published content reads
(detections.tables.OTHER_TABLES); a query over one of those gets a note, since rule tests do not replay them.
Each query is bound once per run and the result shared by all checks here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from detections.content import workbook_queries
from detections.content.model import AnalyticsRule, HuntingQuery, Workbook
from detections.diagnostics import Diagnostic, Severity
from detections.kql import KqlError, KqlSemanticError, KqlSyntaxError, bind, check, parse
from detections.package.kqlwalk import table_names
from detections.tables import OTHER_TABLES
from detections.validate.alerts import PLACEHOLDER
from detections.validate.base import Check, Context, Item, KeyPath
from detections.validate.querymap import query_location

# Hunting queries use {{StartTimeISO}}/{{EndTimeISO}}, filled in by the hunting page.
_HUNTING_TIMES = {"{{StartTimeISO}}": "2000-01-01T00:00:00Z", "{{EndTimeISO}}": "2000-01-02T00:00:00Z"}


@dataclass(frozen=True)
class Problem:
    """One engine diagnostic: the code it maps to and where it is in the query text."""

    code: str  # DET901 syntax / DET902 semantic / DET903 unsupported or engine limit
    message: str
    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class Analysis:
    """The result of binding one query: its output columns, or the problems that stopped it."""

    columns: frozenset[str] | None = None
    problems: tuple[Problem, ...] = ()
    other_tables: tuple[str, ...] = ()  # tables outside the product the query reads (OTHER_TABLES)


# engine error class -> diagnostic code; any other error (KqlUnsupportedError, an engine limit) is DET903
_ERROR_CODES = ((KqlSyntaxError, "DET901"), (KqlSemanticError, "DET902"))


def _problem(error: KqlError) -> Problem:
    code = next((c for cls, c in _ERROR_CODES if isinstance(error, cls)), "DET903")
    return Problem(code, error.message, error.line, error.column)


def _bind(text: str) -> Analysis:
    """Bind once; only when that fails ask the engine for every problem (the happy path stays one pass).

    The engine reports its own faults as KqlError (an engine limit: DET903). The second except is the
    last guard for a fault it still lets through: a DET903 on that query, never a traceback that ends the
    whole run. No known query reaches it, so it has no test. Should check() ever find nothing where
    bind() failed, bind()'s error still stands, so the output-column checks are never skipped silently.
    """
    try:
        columns = bind(text, OTHER_TABLES)
    except KqlError as first:
        return Analysis(problems=tuple(map(_problem, check(text, OTHER_TABLES) or [first])))
    except Exception as exc:
        return Analysis(problems=(Problem("DET903", f"engine limit: the KQL engine failed on this query "
                                                    f"({type(exc).__name__}: {exc}); please report it with the query"),))
    return Analysis(columns=frozenset(name for name, _type in columns), other_tables=_other_tables(text))


_OTHER_NAME = re.compile(r"\b(?:" + "|".join(map(re.escape, OTHER_TABLES)) + r")\b")


def _other_tables(text: str) -> tuple[str, ...]:
    """The OTHER_TABLES a query that bound reads, in order of first mention."""
    if not _OTHER_NAME.search(text):  # most queries: no second parse
        return ()
    return tuple(table_names(parse(text), set(OTHER_TABLES)))


def queries(item: Item) -> list[tuple[KeyPath, str]]:
    """(key path of the query string, query text ready to bind) for every query of an item."""
    if isinstance(item, AnalyticsRule):
        return [(("query",), item.query)]
    if isinstance(item, HuntingQuery):
        text = item.query
        for placeholder, value in _HUNTING_TIMES.items():
            text = text.replace(placeholder, value)
        return [(("query",), text)]
    # workbook: every Log Analytics query (items and dropdowns), declared {Parameters} filled with defaults
    return [(("template", *path), text) for path, text in workbook_queries.bindable(item.template)]


def analyse(ctx: Context, item: Item, key_path: KeyPath, text: str) -> Analysis:
    """Bind a query once per run (memoised in the context)."""
    key = ("kql", item.path, key_path)
    if key not in ctx.cache:
        ctx.cache[key] = _bind(text)
    return ctx.cache[key]


class _QueryProblem(Check):
    """Report the binding problems that carry this class's code."""

    kinds = (AnalyticsRule, HuntingQuery, Workbook)
    hint: str | None = None

    def run(self, item: Item, ctx: Context) -> Iterator[Diagnostic]:
        for key_path, text in queries(item):
            for problem in analyse(ctx, item, key_path, text).problems:
                if problem.code == self.code:
                    yield self.at(query_location(item, key_path, problem.line, problem.column),
                                  problem.message, self.hint)


class KqlSyntax(_QueryProblem):
    code = "DET901"
    title = "KQL syntax error"
    description = "The query does not parse."
    hint = "fix the query text at this position"


class KqlSemantic(_QueryProblem):
    code = "DET902"
    title = "unknown table, column or function, or a type error"
    description = ("The query names a table, column or function that our table schemas (detections.tables) "
                   "do not have, or combines values of the wrong types; Sentinel would reject it at save time.")
    hint = "check the name against the table schema (detections.tables) and the KQL function list"


class KqlUnsupported(_QueryProblem):
    code = "DET903"
    title = "query uses something the KQL engine does not support"
    description = ("The engine could not analyse the query (a construct it does not implement); the query "
                   "may be valid in Sentinel, but its columns and tests cannot be checked offline.")
    severity = Severity.WARNING
    hint = "rewrite with supported operators, or accept that this query is checked only in Sentinel"


class OtherTable(Check):
    code = "DET907"
    title = "table outside the product's tables"
    description = ("The query reads a Sentinel table outside the product's four (SigninLogs, SecurityAlert, Event, "
                   "...): it is compiled against that table's reference schema, but rule tests replay it only "
                   "from rows a fixture gives.")
    severity = Severity.NOTE
    kinds = (AnalyticsRule, HuntingQuery, Workbook)

    def run(self, item: Item, ctx: Context) -> Iterator[Diagnostic]:
        for key_path, text in queries(item):
            tables = analyse(ctx, item, key_path, text).other_tables
            if tables:
                yield self.at(query_location(item, key_path, 1, 1),
                              f"table outside the product's tables: not replayed ({', '.join(tables)})",
                              "give the table's rows in a fixture to test this query offline")


class _OutputColumns(Check):
    """Columns that the rule's configuration reads must be output columns of its query."""

    def run(self, item: Item, ctx: Context) -> Iterator[Diagnostic]:
        for key_path, text in queries(item)[:1]:
            columns = analyse(ctx, item, key_path, text).columns
            if columns is None:
                return
            for where, column in self.referenced(item):
                if column not in columns:
                    yield self.report(item, where, f"column {column!r} is not in the query's output",
                                      "output it from the query (extend/project/summarize by) or fix the name; "
                                      "output columns: " + ", ".join(sorted(columns)))

    def referenced(self, item: Item) -> Iterator[tuple[KeyPath, str]]:
        raise NotImplementedError


class EntityColumns(_OutputColumns):
    code = "DET904"
    title = "entity mapping column missing from the query output"
    description = ("Each `entityMappings[].fieldMappings[].columnName` must be an output column of the query "
                   "(a warning for hunting queries: Microsoft's CI only compiles them).")
    kinds = (AnalyticsRule, HuntingQuery)
    warning_kinds = (HuntingQuery,)

    def referenced(self, item: Item) -> Iterator[tuple[KeyPath, str]]:
        assert isinstance(item, AnalyticsRule | HuntingQuery)
        for m_index, mapping in enumerate(item.entity_mappings):
            for f_index, field in enumerate(mapping.field_mappings):
                yield ("entityMappings", m_index, "fieldMappings", f_index, "columnName"), field.column_name


class CustomDetailColumns(_OutputColumns):
    code = "DET905"
    title = "custom detail column missing from the query output"
    description = "Each value of `customDetails` must be an output column of the query."

    def referenced(self, item: Item) -> Iterator[tuple[KeyPath, str]]:
        assert isinstance(item, AnalyticsRule)
        for key, column in item.custom_details.items():
            yield ("customDetails", key), column


class AlertOverrideColumns(_OutputColumns):
    code = "DET906"
    title = "alert details override column missing from the query output"
    description = ("`alertSeverityColumnName`, `alertTacticsColumnName`, column values of "
                   "`alertDynamicProperties` and every `{{Column}}` placeholder must be output columns.")

    def referenced(self, item: Item) -> Iterator[tuple[KeyPath, str]]:
        assert isinstance(item, AnalyticsRule)
        override = item.alert_details_override
        if override is None:
            return
        base = ("alertDetailsOverride",)
        for key, text in (("alertDisplayNameFormat", override.display_name_format),
                          ("alertDescriptionFormat", override.description_format)):
            for name in PLACEHOLDER.findall(text or ""):
                yield (*base, key), name
        for key, column in (("alertSeverityColumnName", override.severity_column),
                            ("alertTacticsColumnName", override.tactics_column)):
            if column:
                yield (*base, key), column
        for index, (_prop, value) in enumerate(override.dynamic_properties):
            if value[:1] not in ("'", '"'):  # a quoted value is a literal, not a column
                yield (*base, "alertDynamicProperties", index, "value"), value
