"""KQL parser: tokens -> detections.kql.ast (recursive descent, precedence climbing for expressions).

Tabular operators are parsed by functions registered in `_OPERATORS`, keyed by the operator keyword
(`where`, `mv-expand`, ...); sources (`datatable`, `union`, ...) likewise in `_SOURCES`. Errors are
KqlSyntaxError with the line and column of the offending token and a message that says what was
expected; real KQL operators this engine does not implement raise KqlUnsupportedError naming them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache

from detections.kql import ast as A
from detections.kql.errors import KqlError, KqlSemanticError, KqlSyntaxError, KqlUnsupportedError, line_column
from detections.kql.lexer import (
    EOF,
    IDENT,
    LONG,
    OP,
    RAW,
    REAL,
    STRING,
    TIMESPAN,
    TIMESPAN_UNITS,
    Token,
    timespan_of,
    tokenize,
)
from detections.kql.types import TYPE_NAMES, KType

# ---------------------------------------------------------------------------------------------
# Operator tables
# ---------------------------------------------------------------------------------------------

# Binary operators: token text -> (canonical op, precedence). Higher binds tighter.
_OR, _AND, _COMPARE, _ADD, _MUL = 1, 2, 3, 4, 5
_STRING_OPERATORS = (
    "has", "has_cs", "hasprefix", "hasprefix_cs", "hassuffix", "hassuffix_cs", "contains", "contains_cs",
    "startswith", "startswith_cs", "endswith", "endswith_cs",
)
_BINARY: dict[str, tuple[str, int]] = {
    "or": ("or", _OR),
    "and": ("and", _AND),
    **{op: (op, _COMPARE) for op in ("==", "!=", "<", "<=", ">", ">=", "=~", "!~")},
    "<>": ("!=", _COMPARE),
    **{op: (op, _COMPARE) for op in _STRING_OPERATORS},
    **{"!" + op: ("!" + op, _COMPARE) for op in _STRING_OPERATORS},
    # legacy spellings Kusto still accepts
    "containscs": ("contains_cs", _COMPARE),
    "notcontains": ("!contains", _COMPARE),
    "notcontainscs": ("!contains_cs", _COMPARE),
    **{op: (op, _COMPARE) for op in ("in", "!in", "in~", "!in~", "has_any", "has_all")},
    "between": ("between", _COMPARE),
    "!between": ("!between", _COMPARE),
    "matches": ("matches regex", _COMPARE),  # followed by the word `regex`
    "+": ("+", _ADD),
    "-": ("-", _ADD),
    "*": ("*", _MUL),
    "/": ("/", _MUL),
    "%": ("%", _MUL),
}
_LIST_OPERATORS = frozenset(("in", "!in", "in~", "!in~", "has_any", "has_all"))
_WORD_OPERATORS = frozenset(k for k in _BINARY if k[0].isalpha())

# Tokens that end an operator's clause (so optional parts know when to stop).
_CLAUSE_END = frozenset(("|", ")", ";", "}"))

# Typed literal constructors: int(5), long(null), real(nan), bool(true), decimal(1.5).
_TYPED_LITERALS: dict[str, KType] = {
    name: kind for name, kind in TYPE_NAMES.items()
    if kind in (KType.BOOL, KType.INT, KType.LONG, KType.REAL, KType.DECIMAL)
}

# Words Kusto reserves: as a name they must be bracketed (['title']). Checked against Kusto.Language.
_RESERVED = frozenset((
    "and", "or", "by", "where", "project", "union", "as", "asc", "desc", "first", "last", "isfuzzy", "to",
    "in", "has", "contains", "between", "set", "print", "datatable", "externaldata", "search", "find",
    "materialize", "toscalar", "dynamic", "of", "others", "invoke", "sample", "missing", "bagexpansion",
    "with_itemindex", "flags", "simple", "relaxed", "title", "has_any", "has_all", "startswith", "endswith",
    "hasprefix", "hassuffix", "contains_cs", "has_cs", "startswith_cs", "endswith_cs", "hasprefix_cs",
    "hassuffix_cs", "like", "notlike", "notcontains", "containscs", "int", "long", "string", "datetime",
    "timespan", "real", "decimal", "time", "date", "double", "boolean", "uniqueid", "int64", "int32",
    "float", "uint8", "char", "byte", "ulong", "uint",
))
# Reserved words that still open a special form when followed by '(' (dynamic(...), toscalar(...), int(5)).
_RESERVED_CALLS = frozenset(("dynamic", "toscalar", "materialize", "datatable", "externaldata")) | frozenset(
    name for name in _RESERVED if name in TYPE_NAMES)
# Functions whose arguments may be a whole tabular expression with pipes.
_TABULAR_ARGUMENT_FUNCTIONS = frozenset(("toscalar", "materialize"))

# Calls that are tabular whatever their context.
_TABULAR_FUNCTIONS = frozenset(("materialize", "view", "_GetWatchlist", "table", "_ASIM_GetWatchlistRaw"))

# Join kinds: spelling -> canonical kind.
_JOIN_KINDS = {
    "innerunique": "innerunique", "inner": "inner", "leftouter": "leftouter", "rightouter": "rightouter",
    "fullouter": "fullouter", "outer": "fullouter", "leftanti": "leftanti", "anti": "leftanti",
    "leftantisemi": "leftanti", "rightanti": "rightanti", "rightantisemi": "rightanti",
    "leftsemi": "leftsemi", "rightsemi": "rightsemi",
}

# Real KQL operators this engine does not implement (an explicit error instead of a syntax error).
_UNSUPPORTED_OPERATORS = frozenset((
    "scan", "reduce", "facet", "make-graph", "graph-match", "graph-merge", "graph-to-table",
    "graph-shortest-paths", "graph-mark-components", "parse-kv", "top-hitters", "consume", "execute",
    "macro-expand", "assert-schema",
))

_DATETIME_RE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?"
)
_TIMESPAN_CLOCK_RE = re.compile(r"(-)?(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?")
_TIMESPAN_UNIT_RE = re.compile(r"(\d+(?:\.\d+)?|\.\d+)\s*([A-Za-z]+)")
_GUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


# ---------------------------------------------------------------------------------------------
# Literal bodies
# ---------------------------------------------------------------------------------------------


def _fraction_microseconds(digits: str | None) -> int:
    return int((digits or "0").ljust(6, "0")[:6])


def parse_datetime_text(body: str) -> datetime | None:
    """Value of a `datetime(...)` body (None for null); ValueError when it is not a date."""
    if body == "null":
        return None
    body = body.strip("\"'")
    m = _DATETIME_RE.fullmatch(body)
    if m is None:
        try:
            value = parsedate_to_datetime(body)  # RFC 822 / RFC 1123, e.g. "Sat, 8 Nov 2014 15:05:02 GMT"
        except (TypeError, ValueError, IndexError) as exc:
            raise ValueError(body) from exc
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    year, month, day, hour, minute, second, fraction, zone = m.groups()
    value = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                     _fraction_microseconds(fraction), tzinfo=UTC)
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        value -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return value


def parse_timespan_text(body: str) -> timedelta | None:
    """Value of a `timespan(...)` body: `1d`, `1.02:03:04.5`, `02:03`, or a number of days."""
    if body == "null":
        return None
    m = _TIMESPAN_UNIT_RE.fullmatch(body)
    if m and m.group(2) in TIMESPAN_UNITS:
        return timespan_of(float(m.group(1)), m.group(2))
    m = _TIMESPAN_CLOCK_RE.fullmatch(body)
    if m:
        negative, days, hours, minutes, seconds, fraction = m.groups()
        value = timedelta(days=int(days or 0), hours=int(hours), minutes=int(minutes), seconds=int(seconds or 0),
                          microseconds=int((fraction or "0").ljust(7, "0")) / 10)
        return -value if negative else value
    try:
        return timedelta(days=float(body))
    except ValueError:
        raise ValueError(body) from None


def _guid_value(body: str) -> str | None:
    if body == "null":
        return None
    if not _GUID_RE.fullmatch(body):
        raise ValueError(body)
    return body.lower()


# raw literal word -> (type, converter, description for messages)
_RAW_LITERALS: dict[str, tuple[KType, Callable[[str], object], str]] = {
    "datetime": (KType.DATETIME, parse_datetime_text, "a date such as datetime(2024-01-31 12:00:00)"),
    "date": (KType.DATETIME, parse_datetime_text, "a date such as date(2024-01-31)"),
    "timespan": (KType.TIMESPAN, parse_timespan_text, "a timespan such as timespan(1d) or timespan(01:30:00)"),
    "time": (KType.TIMESPAN, parse_timespan_text, "a timespan such as time(1h)"),
    "guid": (KType.GUID, _guid_value, "a GUID such as guid(74be27de-1e4e-49d9-b579-fe0b331d3642)"),
    "uniqueid": (KType.GUID, _guid_value, "a GUID"),
}


def _kusto_datetime_text(value: datetime) -> str:
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{value.microsecond:06d}0Z" if value.microsecond else text + "Z"


def _kusto_timespan_text(value: timedelta) -> str:
    sign = "-" if value < timedelta(0) else ""
    value = abs(value)
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    if value.days:
        text = f"{value.days}.{text}"
    if value.microseconds:
        text += f".{value.microseconds:06d}0"
    return sign + text


# ---------------------------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------------------------

OperatorParser = Callable[["Parser", Token], "A.Operator"]
_OPERATORS: dict[str, OperatorParser] = {}
_SOURCES: dict[str, Callable[[Parser, Token], A.Tabular]] = {}


def _operator(*names: str):
    """Register a pipe-operator parser under its keyword(s)."""

    def register(func: OperatorParser) -> OperatorParser:
        for name in names:
            _OPERATORS[name] = func
        return func

    return register


def _source(name: str):
    """Register a tabular-source parser (datatable, union, ...) under its keyword."""

    def register(func):
        _SOURCES[name] = func
        return func

    return register


class Parser:
    """One parse of one query text (use `parse()`)."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.last_end = 0
        # The first semantic or unsupported problem found while parsing: raised only once the whole text
        # has parsed, so a syntax error anywhere (what Kusto reports first) takes precedence.
        self.deferred: KqlError | None = None

    # ---- token helpers -------------------------------------------------------------------------

    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def peek(self, ahead: int = 1) -> Token:
        index = min(self.pos + ahead, len(self.tokens) - 1)
        return self.tokens[index]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind != EOF:
            self.pos += 1
            self.last_end = token.end
        return token

    def at_op(self, text: str) -> bool:
        token = self.tokens[self.pos]
        return token.kind == OP and token.value == text

    def at_word(self, word: str) -> bool:
        token = self.tokens[self.pos]
        return token.kind == IDENT and token.value == word

    def accept_op(self, text: str) -> Token | None:
        return self.advance() if self.at_op(text) else None

    def accept_word(self, word: str) -> Token | None:
        return self.advance() if self.at_word(word) else None

    def at_clause_end(self) -> bool:
        token = self.tokens[self.pos]
        return token.kind == EOF or (token.kind == OP and token.value in _CLAUSE_END)

    def span(self, start: int) -> tuple[int, int]:
        return (start, self.last_end)

    # ---- errors --------------------------------------------------------------------------------

    def describe(self, token: Token) -> str:
        if token.kind == EOF:
            return "the end of the query"
        text = self.text[token.start:token.end]
        if len(text) > 40:
            text = text[:37] + "..."
        return f"'{text}'"

    def error(self, message: str, token: Token | None = None) -> KqlSyntaxError:
        token = token or self.tok
        return KqlSyntaxError.at(message, self.text, (token.start, max(token.end, token.start + 1)))

    def expected(self, what: str) -> KqlSyntaxError:
        return self.error(f"expected {what} but found {self.describe(self.tok)}")

    def expect_op(self, text: str, context: str = "") -> Token:
        token = self.accept_op(text)
        if token is None:
            raise self.expected(f"'{text}'" + (f" {context}" if context else ""))
        return token

    def expect_word(self, word: str, context: str = "") -> Token:
        token = self.accept_word(word)
        if token is None:
            raise self.expected(f"'{word}'" + (f" {context}" if context else ""))
        return token

    def expect_close(self, closer: str, opener: Token, label_start: int | None = None) -> Token:
        """Consume `closer`, or fail naming the bracket it should close and where that was opened."""
        token = self.accept_op(closer)
        if token is None:
            label_start = opener.start if label_start is None else label_start
            label = self.text[label_start:opener.end]
            line, column = line_column(self.text, label_start)
            raise self.expected(f"'{closer}' to close '{label}' opened at line {line}, column {column}")
        return token

    def unsupported(self, message: str, start: int, end: int) -> KqlUnsupportedError:
        return KqlUnsupportedError.at(message, self.text, (start, end))

    def defer(self, error: KqlError) -> None:
        """Remember a non-syntax problem; parse_query raises the first one after the whole text parsed."""
        if self.deferred is None:
            self.deferred = error

    def defer_semantic(self, message: str, span: tuple[int, int]) -> None:
        self.defer(KqlSemanticError.at(message, self.text, span))

    # ---- names ---------------------------------------------------------------------------------

    def at_name(self) -> bool:
        token = self.tok
        return token.kind == IDENT or (token.kind == OP and token.value == "[" and self.peek().kind == STRING)

    def reserved(self, token: Token) -> KqlSyntaxError:
        return self.error(f"'{token.value}' is a reserved word: write ['{token.value}'] to use it as a name", token)

    def parse_name(self, what: str = "a name") -> A.Name:
        """An identifier or a bracketed name ['a b']."""
        token = self.tok
        if token.kind == IDENT:
            if token.value in _RESERVED or token.value in _BOOL_WORDS:
                raise self.reserved(token)
            self.advance()
            return A.Name(token.value, span=(token.start, token.end))
        if token.kind == OP and token.value == "[" and self.peek().kind == STRING:
            self.advance()
            name = self.parse_string_literal(self.tok).value
            self.expect_close("]", token)
            return A.Name(name, span=self.span(token.start))
        raise self.expected(what)

    def parse_name_or_pattern(self) -> A.Name | A.ColumnPattern:
        """A column name, or a wildcard pattern like `Prefix*` / `*Suffix` (tokens written without spaces)."""
        start = self.tok
        if not (self.at_name() or self.at_op("*")):
            raise self.expected("a column name")
        parts: list[str] = []
        wildcard = False
        while True:
            token = self.tok
            if parts and token.start != self.last_end:
                break
            if token.kind == OP and token.value == "*":
                wildcard = True
                parts.append("*")
                self.advance()
            elif token.kind == IDENT or (token.kind == OP and token.value == "[" and not parts):
                parts.append(self.parse_name().name)
            else:
                break
        span = self.span(start.start)
        text = "".join(parts)
        return A.ColumnPattern(text, span=span) if wildcard else A.Name(text, span=span)

    def parse_type(self) -> KType:
        token = self.tok
        if token.kind == IDENT and token.value in TYPE_NAMES:
            self.advance()
            return TYPE_NAMES[token.value]
        names = ", ".join(sorted({t.value for t in TYPE_NAMES.values() if t != KType.UNKNOWN}))
        raise self.expected(f"a type name ({names})")

    def parse_column_decls(self, opener_label_start: int, allow_star: bool = False) -> tuple[tuple[A.ColumnDecl, ...], bool]:
        """`(name:type, ...)` -> declarations, and whether a trailing `*` (open schema) was given."""
        opener = self.expect_op("(", "to start the column list")
        columns: list[A.ColumnDecl] = []
        open_schema = False
        while not self.at_op(")"):
            if allow_star and self.at_op("*"):
                self.advance()
                open_schema = True
            else:
                name = self.parse_name("a column name")
                self.expect_op(":", f"and a type after column '{name.name}'")
                columns.append(A.ColumnDecl(name.name, self.parse_type(), span=self.span(name.span[0])))
            if not self.accept_op(","):
                break
        self.expect_close(")", opener, opener_label_start)
        return tuple(columns), open_schema

    # ---- query and statements ------------------------------------------------------------------

    def parse_query(self) -> A.Query:
        statements: list[A.Statement] = []
        body: A.Tabular | A.Expr | None = None
        while self.tok.kind != EOF:  # statements separated by single ';' (a trailing one is allowed)
            token = self.tok
            if token.kind == IDENT and token.value in _STATEMENTS and self.peek().kind == IDENT:
                statements.append(_STATEMENTS[token.value](self))
                separator = f"after the '{token.value}' statement"
            else:
                value = self.tabular_call(self.parse_any())
                if not (self.at_op(";") or self.tok.kind == EOF):
                    raise self.unexpected_after_expression()
                if body is not None:
                    self.defer(self.unsupported("a second query statement after the first result (a batch) is not "
                                                "supported; combine them with union or join", *value.span))
                body = value
                separator = "between statements"
            if self.tok.kind != EOF:
                self.expect_op(";", separator)
        if self.deferred is not None:
            raise self.deferred
        if body is None:
            raise KqlSemanticError.at("the query has no result: after the let statements add the query itself, "
                                      "e.g. 'AWSCloudTrail | take 10'", self.text, (self.tok.start, self.tok.end))
        return A.Query(tuple(statements), body, span=(0, len(self.text)))

    def unexpected_after_expression(self) -> KqlSyntaxError:
        token = self.tok
        if token.kind == IDENT and token.value in _LIST_OPERATORS:
            return self.error(f"expected '(' after '{token.value}': the form is '{token.value} (value1, value2)'",
                              self.peek())
        if token.kind == IDENT and token.value in _OPERATORS:
            return self.error(f"unexpected {self.describe(token)}: add '|' before the '{token.value}' operator")
        if token.kind == IDENT:
            close = difflib.get_close_matches(token.value, list(_WORD_OPERATORS), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            return self.error(f"unexpected {self.describe(token)}{hint}: expected an operator, '|' or the end of "
                              "the statement")
        return self.error(f"unexpected {self.describe(token)}: expected '|', ';' or the end of the query")

    def parse_let(self) -> A.Statement:
        start = self.expect_word("let")
        name = self.parse_name("a name after 'let'")
        self.expect_op("=", f"after 'let {name.name}'")
        if self.at_word("view") and self.peek().is_op("("):
            self.advance()
            return self.parse_function(start.start, name.name, view=True)
        if self.at_op("(") and (self.peek().is_op(")") or (self.peek().kind == IDENT and self.peek(2).is_op(":"))):
            return self.parse_function(start.start, name.name, view=False)
        value = self.tabular_call(self.parse_any())
        if isinstance(value, _TABULAR_TYPES):
            return A.LetTabular(name.name, value, span=self.span(start.start))
        return A.LetScalar(name.name, value, span=self.span(start.start))

    @staticmethod
    def tabular_call(value):
        """A call of a function that is always tabular (materialize, _GetWatchlist) as a source."""
        if isinstance(value, A.Call) and value.name in _TABULAR_FUNCTIONS:
            return A.FunctionCallSource(value.name, value.args, value.named, span=value.span)
        return value

    def parse_function(self, start: int, name: str, *, view: bool) -> A.LetFunction:
        opener = self.expect_op("(")
        params: list[A.Param] = []
        if not self.at_op(")"):
            params.append(self.parse_param())
            while self.accept_op(","):
                params.append(self.parse_param())
        self.expect_close(")", opener)
        body = self.parse_function_body()
        return A.LetFunction(name, tuple(params), body, view=view, span=self.span(start))

    def parse_param(self) -> A.Param:
        name = self.parse_name("a parameter name")
        self.expect_op(":", f"and a type after parameter '{name.name}'")
        if self.at_op("("):
            columns, open_schema = self.parse_column_decls(self.tok.start, allow_star=True)
            return A.Param(name.name, columns=columns, open_schema=open_schema, span=self.span(name.span[0]))
        ktype = self.parse_type()
        default = self.parse_expression() if self.accept_op("=") else None
        return A.Param(name.name, ktype, default=default, span=self.span(name.span[0]))

    def parse_function_body(self) -> A.FunctionBody:
        opener = self.expect_op("{", "to start the function body")
        statements: list[A.Statement] = []
        result = None
        while not self.at_op("}"):
            if self.accept_op(";"):
                continue
            if self.tok.kind == EOF:
                break
            if self.tok.kind == IDENT and self.tok.value in _STATEMENTS and self.peek().kind == IDENT:
                statements.append(_STATEMENTS[self.tok.value](self))
                self.expect_op(";", "after the let statement")
                continue
            if result is not None:
                raise self.expected("'}' to end the function body")
            result = self.parse_any()
        if result is None:
            raise self.error("a function body needs a result expression before '}'", self.tok)
        self.expect_close("}", opener)
        return A.FunctionBody(tuple(statements), result, span=self.span(opener.start))

    def parse_set(self) -> A.SetOption:
        start = self.expect_word("set")
        name = self.parse_name("an option name after 'set'")
        value = self.parse_expression() if self.accept_op("=") else None
        return A.SetOption(name.name, value, span=self.span(start.start))

    def parse_unsupported_statement(self) -> A.Statement:
        token = self.tok
        raise self.unsupported(f"the '{token.value}' statement is not supported", token.start, token.end)

    # ---- tabular expressions -------------------------------------------------------------------

    def at_source_keyword(self) -> bool:
        token = self.tok
        if token.kind != IDENT or token.value not in _SOURCES:
            return False
        following = self.peek()
        if token.value in ("datatable", "externaldata"):
            return following.is_op("(") or (following.kind == IDENT and following.value.startswith("hint"))
        if token.value == "range":
            return following.kind == IDENT and self.peek(2).is_word("from")
        return following.kind != OP or following.value in ("(", "-", "+", "*", "[")

    def parse_any(self) -> A.Tabular | A.Expr:
        """A tabular expression (source with optional `| operators`) or a scalar expression."""
        start = self.tok.start
        if self.at_source_keyword():
            token = self.advance()
            source: A.Tabular | A.Expr = _SOURCES[token.value](self, token)
        else:
            source = self.parse_expression()
        if self.at_op("|"):
            return self.parse_pipe(self.to_tabular(source), start)
        return source

    def to_tabular(self, node: A.Tabular | A.Expr) -> A.Tabular:
        """The tabular reading of an expression before `|`: a name is a table, a call a tabular function."""
        if isinstance(node, _TABULAR_TYPES):
            return node
        if isinstance(node, A.Name):
            return A.TableRef(node.name, span=node.span)
        if isinstance(node, A.Call):
            return A.FunctionCallSource(node.name, node.args, node.named, span=node.span)
        if isinstance(node, A.Member) and isinstance(node.target, A.Call):
            self.defer(self.unsupported(
                f"cross-workspace or cross-database references ({node.target.name}(...).{node.name}) are not "
                "supported", *node.span))
        else:  # Kusto parses any expression here and rejects it when binding
            self.defer_semantic("the expression before '|' is not a table: a pipe must start with a table, a "
                                "tabular function or a source such as datatable", node.span)
        return A.TableRef("", span=node.span)

    def parse_pipe(self, source: A.Tabular, start: int) -> A.Pipe:
        operators: list[A.Operator] = []
        while self.accept_op("|"):
            operators.append(self.parse_operator())
        return A.Pipe(source, tuple(operators), span=self.span(start))

    def read_operator_name(self) -> tuple[str, Token]:
        """The operator keyword at the cursor, joining hyphenated names written without spaces (mv-expand)."""
        first = self.tok
        if first.kind != IDENT:
            raise self.expected("a tabular operator (where, extend, project, summarize, ...) after '|'")
        self.advance()
        name = first.value
        while (self.at_op("-") and self.tok.start == self.last_end and self.peek().kind == IDENT
               and self.peek().start == self.tok.end):
            self.advance()
            name += "-" + self.advance().value
        return name, first

    def parse_operator(self) -> A.Operator:
        name, first = self.read_operator_name()
        handler = _OPERATORS.get(name)
        if handler is not None:
            return handler(self, first)
        if name in _UNSUPPORTED_OPERATORS:
            raise self.unsupported(f"the '{name}' operator is not supported", first.start, self.last_end)
        close = difflib.get_close_matches(name, list(_OPERATORS), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise KqlSyntaxError.at(f"unknown tabular operator '{name}'{hint}", self.text, (first.start, self.last_end))

    def parse_operator_sequence(self, opener: Token, label_start: int) -> tuple[A.Operator, ...]:
        """`(op | op ...)`: the operators of an mv-apply body or fork branch (opener already consumed)."""
        operators = [self.parse_operator()]
        while self.accept_op("|"):
            operators.append(self.parse_operator())
        self.expect_close(")", opener, label_start)
        return tuple(operators)

    def parse_table_operand(self) -> A.Tabular:
        """A join/lookup/union operand: `(tabular)`, a table name (wildcards allowed) or a function call."""
        token = self.tok
        if token.kind == OP and token.value == "(":
            self.advance()
            inner = self.parse_any()
            self.expect_close(")", token)
            return self.to_tabular(inner)
        if self.at_name() or self.at_op("*"):
            if token.kind == IDENT and self.peek().is_op("("):
                return self.to_tabular(self.parse_postfix(self.parse_primary()))
            pattern = self.parse_name_or_pattern()
            name = pattern.pattern if isinstance(pattern, A.ColumnPattern) else pattern.name
            return A.TableRef(name, span=pattern.span)
        raise self.expected("a table: a name or a parenthesized query")

    def parse_options(self, allowed: tuple[str, ...]) -> tuple[dict[str, tuple[object, Token]], tuple[A.Hint, ...]]:
        """Leading `name=value` options of an operator (kind=inner, isfuzzy=true, hint.strategy=shuffle)."""
        options: dict[str, tuple[object, Token]] = {}
        hints: list[A.Hint] = []
        while self.tok.kind == IDENT:
            token = self.tok
            if token.value == "hint" and self.peek().is_op("."):
                self.advance()
                self.advance()
                name = "hint." + self.parse_name("a hint name").name
                self.expect_op("=", f"after '{name}'")
                value = self.tok
                if value.kind == IDENT and value.value not in _BOOL_WORDS:  # a bare word, never a call
                    self.advance()
                    hint_value: A.Expr = A.Name(value.value, span=(value.start, value.end))
                else:
                    hint_value = self.parse_unary()
                hints.append(A.Hint(name, hint_value, span=self.span(token.start)))
            elif token.value in allowed and self.peek().is_op("="):
                self.advance()
                self.advance()
                value = self.tok
                if value.kind == IDENT:
                    options[token.value] = ({"true": True, "false": False}.get(value.value, value.value), token)
                elif value.kind in (STRING, LONG):
                    options[token.value] = (value.value, token)
                else:
                    raise self.expected(f"a value for '{token.value}='")
                self.advance()
            else:
                break
        return options, tuple(hints)

    # ---- expressions -----------------------------------------------------------------------------

    def at_named_target(self) -> bool:
        """Is the cursor at `Name =`, `['a b'] =` or `(A, B) =` (not `==`)?"""
        token = self.tok
        if token.kind == IDENT:
            return self.peek().is_op("=")
        if token.kind == OP and token.value == "[":
            return self.peek().kind == STRING and self.peek(2).is_op("]") and self.peek(3).is_op("=")
        if token.kind == OP and token.value == "(":
            ahead = 1
            while self.peek(ahead).kind == IDENT and self.peek(ahead + 1).value in (",", ")"):
                ahead += 2
                if self.peek(ahead - 1).value == ")":
                    return self.peek(ahead).is_op("=")
        return False

    def parse_column(self) -> A.Expr | A.NamedExpr:
        """One item of extend/project/summarize/print: `expr`, `Name = expr` or `(A, B) = expr`."""
        start = self.tok.start
        if self.at_named_target():
            if self.at_op("("):
                opener = self.advance()
                names = [self.parse_name().name]
                while self.accept_op(","):
                    names.append(self.parse_name().name)
                self.expect_close(")", opener)
            else:
                names = [self.parse_name().name]
            self.expect_op("=")
            return A.NamedExpr(tuple(names), self.parse_expression(), span=self.span(start))
        return self.parse_expression()

    def parse_column_list(self) -> tuple[A.Expr | A.NamedExpr, ...]:
        columns = [self.parse_column()]
        while self.accept_op(","):
            columns.append(self.parse_column())
        return tuple(columns)

    def binary_operator(self) -> tuple[str, int] | None:
        token = self.tok
        if token.kind == OP:
            return _BINARY.get(token.value)
        if token.kind == IDENT and token.value in _WORD_OPERATORS:
            if token.value == "matches" and not self.peek().is_word("regex"):
                return None
            if token.value == "in" and not self.peek().is_op("("):
                return None  # `in range(...)` of make-series, `in (tables)` of search
            return _BINARY[token.value]
        return None

    def parse_expression(self, min_precedence: int = _OR) -> A.Expr:
        left = self.parse_unary()
        while True:
            found = self.binary_operator()
            if found is None or found[1] < min_precedence:
                return left
            op, precedence = found
            op_token = self.advance()
            if op == "matches regex":
                self.advance()
            if op in _LIST_OPERATORS:
                left = self.parse_in_list(op, op_token, left)
            elif op in ("between", "!between"):
                left = self.parse_between(op, op_token, left)
            else:
                right = self.parse_expression(precedence + 1)
                left = A.Binary(op, left, right, span=(left.span[0], right.span[1]))

    def parse_in_list(self, op: str, op_token: Token, left: A.Expr) -> A.InList:
        opener = self.expect_op("(", f"after '{op}' to start the list of values")
        items = [self.parse_any()]
        while self.accept_op(","):
            items.append(self.parse_any())
        self.expect_close(")", opener, op_token.start)
        return A.InList(op, left, tuple(items), span=(left.span[0], self.last_end))

    def parse_between(self, op: str, op_token: Token, left: A.Expr) -> A.Between:
        opener = self.expect_op("(", f"after '{op}': the form is '{op} (low .. high)'")
        low = self.parse_expression()
        self.expect_op("..", f"between the bounds of '{op}' (the form is '{op} (low .. high)')")
        high = self.parse_expression()
        self.expect_close(")", opener, op_token.start)
        return A.Between(left, low, high, negated=op == "!between", span=(left.span[0], self.last_end))

    def parse_unary(self) -> A.Expr:
        token = self.tok
        if token.kind == OP and token.value in ("-", "+"):
            self.advance()
            if self.at_op("-") or self.at_op("+"):
                raise self.expected("an expression")  # Kusto does not stack signs: write -(-x)
            operand = self.parse_unary()
            span = (token.start, operand.span[1])
            if isinstance(operand, A.Literal) and operand.ktype in _SIGNED_TYPES and operand.value is not None:
                value = -operand.value if token.value == "-" else operand.value
                return A.Literal(value, operand.ktype, span=span)
            return A.Unary(token.value, operand, span=span)
        return self.parse_postfix(self.parse_primary())

    def parse_postfix(self, node):
        while True:
            token = self.tok
            if token.kind != OP:
                return node
            if token.value == ".":
                self.advance()
                if self.at_op("["):
                    name = self.parse_name("a property name in brackets").name
                else:
                    name = self.parse_name("a property name after '.'").name
                if self.at_op("("):
                    opener = self.advance()
                    self.parse_call_args(opener, opener.start)
                    self.defer(self.unsupported(
                        f"calling '{name}(...)' on a value (cross-cluster or cross-database references) is not "
                        "supported", node.span[0], self.last_end))
                node = A.Member(node, name, span=(node.span[0], self.last_end))
            elif token.value == "[":
                self.advance()
                index = self.parse_expression()
                self.expect_close("]", token)
                node = A.Index(node, index, span=(node.span[0], self.last_end))
            else:
                return node

    def parse_primary(self):
        token = self.tok
        handler = _PRIMARY.get(token.kind)
        if handler is not None:
            return handler(self, token)
        if token.kind == OP:
            if token.value == "(":
                self.advance()
                inner = self.parse_any()
                if self.at_op(","):
                    raise self.error("a parenthesized list is only allowed after 'in', 'has_any' or 'has_all', or "
                                     "as (A, B) = ... in extend/summarize")
                self.expect_close(")", token)
                return inner
            if token.value == "[":
                if self.peek().kind == STRING:
                    return self.parse_name()
                self.advance()  # `[expr]`: Kusto parses it and rejects it when binding
                inner = self.parse_expression()
                self.expect_close("]", token)
                self.defer_semantic("a name in brackets must be a string, e.g. ['My Column']", self.span(token.start))
                return inner
            if token.value == "*" and _starts_binary_operator(self.peek(), self.peek(2)):
                self.advance()  # `* has "x"`: a term searched in every column
                return A.Star(span=(token.start, token.end))
        raise self.expected("an expression")

    def parse_string_literal(self, token: Token) -> A.Literal:
        parts = [self.advance().value]
        while self.tok.kind == STRING:  # adjacent string literals are concatenated
            parts.append(self.advance().value)
        return A.Literal("".join(parts), KType.STRING, span=self.span(token.start))

    def parse_number_literal(self, token: Token) -> A.Literal:
        self.advance()
        return A.Literal(token.value, _NUMBER_TYPES[token.kind], span=(token.start, token.end))

    def parse_raw_literal(self, token: Token) -> A.Literal:
        word, body = token.value
        ktype, convert, example = _RAW_LITERALS[word]
        try:
            value = convert(body)
        except (ValueError, OverflowError):
            raise self.error(f"invalid {word} literal '{body}': expected {example}", token) from None
        self.advance()
        return A.Literal(value, ktype, span=(token.start, token.end))

    def parse_word(self, token: Token):
        """A primary starting with an identifier: literal keyword, typed literal, call or name."""
        word = token.value
        following = self.peek()
        if word in _BOOL_WORDS:
            self.advance()
            return A.Literal(_BOOL_WORDS[word], KType.BOOL, span=(token.start, token.end))
        if not following.is_op("("):
            if word in _RESERVED:
                raise self.reserved(token)
            self.advance()
            return A.Name(word, span=(token.start, token.end))
        if word in _RESERVED and word not in _RESERVED_CALLS:
            raise self.reserved(token)
        if word == "dynamic":
            self.advance()
            opener = self.advance()
            value = self.parse_dynamic_value()
            self.expect_close(")", opener, token.start)
            return A.Literal(value, KType.DYNAMIC, span=self.span(token.start))
        if word == "typeof" and self.peek(2).kind == IDENT and self.peek(2).value in TYPE_NAMES \
                and self.peek(3).is_op(")"):
            self.advance()
            opener = self.advance()
            ktype = self.parse_type()
            self.expect_close(")", opener, token.start)
            return A.TypeOf(ktype, span=self.span(token.start))
        if word in _TYPED_LITERALS:
            literal = self.parse_typed_literal(token, _TYPED_LITERALS[word])
            if literal is not None:
                return literal
        self.advance()
        opener = self.advance()
        args, named = self.parse_call_args(opener, token.start, tabular=word in _TABULAR_ARGUMENT_FUNCTIONS)
        return A.Call(word, args, named, span=self.span(token.start))

    def parse_typed_literal(self, token: Token, ktype: KType) -> A.Literal | None:
        """`int(5)`, `real(null)`, `real(-inf)`, `bool(true)`; None when the parenthesis holds no literal."""
        body_tokens = []
        ahead = 2
        while not self.peek(ahead).is_op(")") and self.peek(ahead).kind != EOF and ahead < 6:
            body_tokens.append(self.peek(ahead))
            ahead += 1
        if not self.peek(ahead).is_op(")"):
            return None
        text = "".join(self.text[t.start:t.end] for t in body_tokens)
        value = _typed_literal_value(text, ktype)
        if value is _NOT_LITERAL:
            return None
        for _ in range(ahead + 1):
            self.advance()
        return A.Literal(value, ktype, span=self.span(token.start))

    def parse_call_args(self, opener: Token, label_start: int, *, tabular: bool = False
                        ) -> tuple[tuple, tuple[A.NamedExpr, ...]]:
        """Arguments up to the closing ')': positional, `name = value`, and (when `tabular`) whole pipes."""
        args: list = []
        named: list[A.NamedExpr] = []
        if not self.at_op(")"):
            while True:
                if self.tok.kind == IDENT and self.tok.value in _RESERVED and not self.peek().is_op("("):
                    self.expect_close(")", opener, label_start)  # e.g. `count( by X`: the ')' is missing
                if self.at_op("*") and self.peek().kind == OP and self.peek().value in (",", ")"):
                    star = self.advance()  # arg_max(X, *), take_any(*)
                    args.append(A.Star(span=(star.start, star.end)))
                elif self.tok.kind == IDENT and self.peek().is_op("="):
                    name = self.advance()
                    self.advance()
                    named.append(A.NamedExpr((name.value,), self.parse_expression(), span=self.span(name.start)))
                else:
                    args.append(self.parse_any() if tabular else self.parse_expression())
                if not self.accept_op(","):
                    break
        self.expect_close(")", opener, label_start)
        return tuple(args), tuple(named)

    def parse_dynamic_value(self):
        """The JSON-like body of dynamic(...): arrays, bags, strings, numbers, bools, null, dates."""
        token = self.tok
        if token.kind == OP and token.value in ("[", "{"):
            self.advance()
            if token.value == "[":
                items = []
                if not self.at_op("]"):
                    items.append(self.parse_dynamic_value())
                    while self.accept_op(","):
                        items.append(self.parse_dynamic_value())
                self.expect_close("]", token)
                return items
            bag = {}
            if not self.at_op("}"):
                while True:
                    key = self.tok
                    if key.kind != STRING:
                        raise self.expected('a property name in quotes (e.g. "key": value)')
                    self.advance()
                    self.expect_op(":", f"after the property name {self.describe(key)}")
                    bag[key.value] = self.parse_dynamic_value()
                    if not self.accept_op(","):
                        break
            self.expect_close("}", token)
            return bag
        if token.kind == IDENT and token.value == "null":
            self.advance()
            return None
        literal = self.parse_unary()
        if not isinstance(literal, A.Literal):
            raise self.error("dynamic(...) may only hold constants: use pack_array() or bag_pack() to build "
                             "values from expressions", token)
        value = literal.value
        if isinstance(value, datetime):
            return _kusto_datetime_text(value)
        if isinstance(value, timedelta):
            return _kusto_timespan_text(value)
        return value

    # ---- clauses shared by operators -----------------------------------------------------------

    def parse_order_key(self) -> A.OrderKey:
        expr = self.parse_expression()
        descending = True
        if self.accept_word("asc"):
            descending = False
        else:
            self.accept_word("desc")
        nulls_first = not descending
        if self.accept_word("nulls"):
            if self.accept_word("first"):
                nulls_first = True
            elif self.accept_word("last"):
                nulls_first = False
            else:
                raise self.expected("'first' or 'last' after 'nulls'")
        return A.OrderKey(expr, descending, nulls_first, span=self.span(expr.span[0]))

    def parse_join_keys(self) -> tuple[A.JoinKey, ...]:
        keys: list[A.JoinKey] = []
        while True:
            keys.extend(self.join_keys_of(self.parse_expression()))
            if not self.accept_op(","):
                return tuple(keys)

    def join_keys_of(self, expr: A.Expr) -> list[A.JoinKey]:
        if isinstance(expr, A.Name) and not expr.name.startswith("$"):
            return [A.JoinKey(expr.name, expr.name, span=expr.span)]
        if isinstance(expr, A.Binary) and expr.op == "and":
            return self.join_keys_of(expr.left) + self.join_keys_of(expr.right)
        if isinstance(expr, A.Binary) and expr.op == "==":
            sides = {_side(expr.left): expr.left, _side(expr.right): expr.right}
            if "$left" in sides and "$right" in sides:
                return [A.JoinKey(sides["$left"].name, sides["$right"].name, span=expr.span)]
        # Kusto parses any expression here and rejects it when binding
        self.defer_semantic("a join condition must be a column name or '$left.Column == $right.Column'", expr.span)
        return []

    def parse_expand_items(self) -> tuple[A.ExpandItem, ...]:
        items: list[A.ExpandItem] = []
        while True:
            start = self.tok.start
            expr = self.parse_column()
            to_type = None
            if self.accept_word("to"):
                self.expect_word("typeof", "after 'to' (the form is 'to typeof(type)')")
                opener = self.expect_op("(")
                type_token = self.tok
                if type_token.kind == IDENT and type_token.value in TYPE_NAMES:
                    to_type = self.parse_type()
                else:  # Kusto parses any word (or none) here and rejects it when binding
                    if type_token.kind == IDENT:
                        self.advance()
                    self.defer_semantic("expected a type name in typeof(...)", (opener.start, self.tok.end))
                self.expect_close(")", opener)
            items.append(A.ExpandItem(expr, to_type, span=self.span(start)))
            if not self.accept_op(","):
                return tuple(items)

    def parse_tables_in(self) -> tuple[A.Tabular, ...]:
        """`in (T1, T2*, (query))` of search and find."""
        opener = self.expect_op("(", "after 'in' to list the tables")
        tables = [self.parse_table_operand()]
        while self.accept_op(","):
            tables.append(self.parse_table_operand())
        self.expect_close(")", opener)
        return tuple(tables)


def _starts_binary_operator(token: Token, following: Token) -> bool:
    if token.kind == OP:
        return token.value in _BINARY
    return token.kind == IDENT and token.value in _WORD_OPERATORS and (
        token.value != "matches" or following.is_word("regex"))


def _side(expr: A.Expr) -> str | None:
    if isinstance(expr, A.Member) and isinstance(expr.target, A.Name) and expr.target.name in ("$left", "$right"):
        return expr.target.name
    return None


_TABULAR_TYPES = (
    A.TableRef, A.Datatable, A.Print, A.Range, A.Union, A.ExternalData, A.FunctionCallSource, A.Find, A.Search,
    A.Evaluate, A.Pipe,
)
_SIGNED_TYPES = (KType.LONG, KType.INT, KType.REAL, KType.DECIMAL, KType.TIMESPAN)
_NUMBER_TYPES = {LONG: KType.LONG, REAL: KType.REAL, TIMESPAN: KType.TIMESPAN}
_NOT_LITERAL = object()
_BOOL_WORDS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_PRIMARY = {
    STRING: Parser.parse_string_literal,
    LONG: Parser.parse_number_literal,
    REAL: Parser.parse_number_literal,
    TIMESPAN: Parser.parse_number_literal,
    RAW: Parser.parse_raw_literal,
    IDENT: Parser.parse_word,
}
_STATEMENTS = {
    "let": Parser.parse_let,
    "set": Parser.parse_set,
    "declare": Parser.parse_unsupported_statement,
    "alias": Parser.parse_unsupported_statement,
    "pattern": Parser.parse_unsupported_statement,
    "restrict": Parser.parse_unsupported_statement,
}


def _typed_literal_value(text: str, ktype: KType):
    """Value of the body of a typed literal like int(5) / real(nan), or _NOT_LITERAL."""
    if text == "null":
        return None
    if ktype == KType.BOOL:
        return {"true": True, "false": False}.get(text, _NOT_LITERAL)
    try:
        if ktype in (KType.INT, KType.LONG):
            return int(text, 16) if text.lower().lstrip("+-").startswith("0x") else int(text)
        if ktype == KType.DECIMAL:
            from decimal import Decimal, InvalidOperation

            try:
                return Decimal(text)
            except InvalidOperation:
                return _NOT_LITERAL
        return float({"nan": "nan", "+inf": "inf", "-inf": "-inf", "inf": "inf"}.get(text, text))
    except ValueError:
        return _NOT_LITERAL


# ---------------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------------


@_source("datatable")
def _datatable(p: Parser, start: Token) -> A.Datatable:
    p.parse_options(())
    columns, _ = p.parse_column_decls(start.start)
    opener = p.expect_op("[", "to start the datatable values")
    values: list[A.Expr] = []
    while not p.at_op("]"):
        value_start = p.tok
        value = p.parse_unary()
        if not isinstance(value, A.Literal) or value_start.is_op("("):
            raise p.error("datatable values must be constants (strings, numbers, datetime(...), dynamic(...))",
                          value_start)
        values.append(value)
        if not p.accept_op(","):
            break
    p.expect_close("]", opener, start.start)
    if columns and len(values) % len(columns):
        p.defer_semantic(f"datatable has {len(values)} values for {len(columns)} columns: give a value for every "
                         "column of every row", (opener.start, p.last_end))
    return A.Datatable(columns, tuple(values), span=p.span(start.start))


@_source("externaldata")
def _externaldata(p: Parser, start: Token) -> A.ExternalData:
    p.parse_options(())
    columns, _ = p.parse_column_decls(start.start)
    opener = p.expect_op("[", "to start the list of storage URLs")
    urls: list[A.Expr] = []
    while not p.at_op("]"):
        urls.append(p.parse_expression())
        if not p.accept_op(","):
            break
    p.expect_close("]", opener, start.start)
    properties: tuple[A.NamedExpr, ...] = ()
    if p.accept_word("with"):
        properties = _property_list(p)
    return A.ExternalData(columns, tuple(urls), properties, span=p.span(start.start))


def _property_list(p: Parser, *, multi_valued: bool = False) -> tuple[A.NamedExpr, ...]:
    """`(name = value, ...)` of externaldata/render `with`; with `multi_valued` (render's
    `ycolumns = A, B`) the extra values of a property are checked and skipped."""
    opener = p.expect_op("(", "after 'with'")
    properties: list[A.NamedExpr] = []
    while not p.at_op(")"):
        name = p.tok  # property names may be reserved words (title=...)
        if name.kind != IDENT:
            raise p.expected("a property name")
        p.advance()
        p.expect_op("=", f"after property '{name.value}'")
        properties.append(A.NamedExpr((name.value,), p.parse_expression(), span=p.span(name.start)))
        if not p.accept_op(","):
            break
        while multi_valued and not p.at_named_target():
            p.parse_expression()
            if not p.accept_op(","):
                break
    p.expect_close(")", opener)
    return tuple(properties)


@_source("print")
def _print(p: Parser, start: Token) -> A.Print:
    return A.Print(p.parse_column_list(), span=p.span(start.start))


@_source("range")
def _range(p: Parser, start: Token) -> A.Range:
    name = p.parse_name("the column name after 'range'")
    p.expect_word("from", f"after 'range {name.name}'")
    low = p.parse_expression()
    p.expect_word("to", "after the range start")
    high = p.parse_expression()
    p.expect_word("step", "after the range end")
    step = p.parse_expression()
    return A.Range(name.name, low, high, step, span=p.span(start.start))


def _union(p: Parser, start: Token) -> A.Union:
    options, _ = p.parse_options(("kind", "withsource", "isfuzzy"))
    kind = str(options.get("kind", ("outer",))[0])
    if kind not in ("inner", "outer"):
        raise p.error(f"union kind must be 'inner' or 'outer', not '{kind}'", options["kind"][1])
    withsource = options.get("withsource", (None,))[0]
    tables = [p.parse_table_operand()]
    while p.accept_op(","):
        tables.append(p.parse_table_operand())
    return A.Union(tuple(tables), kind, None if withsource is None else str(withsource),
                   bool(options.get("isfuzzy", (False,))[0]), span=p.span(start.start))


def _search(p: Parser, start: Token) -> A.Search:
    options, _ = p.parse_options(("kind",))
    kind = options.get("kind", ("case_insensitive",))[0]
    tables = p.parse_tables_in() if p.accept_word("in") else ()
    if p.at_op("*") and (p.peek().kind == EOF or (p.peek().kind == OP and p.peek().value in _CLAUSE_END)):
        star = p.advance()
        predicate: A.Expr = A.Star(span=(star.start, star.end))
    else:
        predicate = p.parse_expression()
    return A.Search(predicate, tables, kind == "case_sensitive", span=p.span(start.start))


@_source("find")
def _find(p: Parser, start: Token) -> A.Find:
    options, _ = p.parse_options(("withsource",))
    tables = p.parse_tables_in() if p.accept_word("in") else ()
    p.expect_word("where", "after 'find' (the form is 'find in (Tables) where Predicate')")
    predicate = p.parse_expression()
    project = None
    name, token = (p.read_operator_name() if p.at_word("project") else (None, None))
    if name == "project":
        project = p.parse_column_list()
    elif name is not None and name != "project-smart":
        raise p.error(f"expected 'project' or 'project-smart' after the find predicate, not '{name}'", token)
    withsource = options.get("withsource", (None,))[0]
    return A.Find(predicate, tables, None if withsource is None else str(withsource), project,
                  span=p.span(start.start))


def _evaluate(p: Parser, start: Token) -> A.Evaluate:
    _, hints = p.parse_options(())
    name = p.tok
    if name.kind != IDENT or not p.peek().is_op("("):
        raise p.expected("a plugin call after 'evaluate', e.g. bag_unpack(Column)")
    p.advance()
    opener = p.advance()
    args, named = p.parse_call_args(opener, name.start)
    output = None
    if p.accept_op(":"):
        output, _ = p.parse_column_decls(p.tok.start)
    return A.Evaluate(name.value, args + named, hints, output, span=p.span(start.start))


_SOURCES["union"] = _union
_SOURCES["search"] = _search
_SOURCES["evaluate"] = _evaluate


# ---------------------------------------------------------------------------------------------
# Pipe operators
# ---------------------------------------------------------------------------------------------


@_operator("where", "filter")
def _where(p: Parser, start: Token) -> A.Where:
    predicate = p.parse_expression()
    if p.at_op("="):  # Kusto parses `A = 1` here and rejects it when binding: report it the same way
        equals = p.advance()
        p.parse_expression()
        p.defer_semantic("'=' does not compare values: use '==' (or '=~' to ignore case)", (equals.start, equals.end))
    return A.Where(predicate, span=p.span(start.start))


@_operator("extend")
def _extend(p: Parser, start: Token) -> A.Extend:
    return A.Extend(p.parse_column_list(), span=p.span(start.start))


@_operator("project")
def _project(p: Parser, start: Token) -> A.Project:
    columns = () if p.at_clause_end() else p.parse_column_list()  # Kusto accepts an empty project
    return A.Project(columns, span=p.span(start.start))


def _name_patterns(p: Parser) -> tuple[A.Name | A.ColumnPattern, ...]:
    if p.at_clause_end():
        return ()  # Kusto accepts an empty list here
    columns = [p.parse_name_or_pattern()]
    while p.accept_op(","):
        columns.append(p.parse_name_or_pattern())
    return tuple(columns)


@_operator("project-away")
def _project_away(p: Parser, start: Token) -> A.ProjectAway:
    return A.ProjectAway(_name_patterns(p), span=p.span(start.start))


@_operator("project-keep")
def _project_keep(p: Parser, start: Token) -> A.ProjectKeep:
    return A.ProjectKeep(_name_patterns(p), span=p.span(start.start))


@_operator("project-rename")
def _project_rename(p: Parser, start: Token) -> A.ProjectRename:
    renames: list[A.NamedExpr] = []
    while True:
        new = p.parse_name("the new column name")
        p.expect_op("=", f"after '{new.name}' (the form is 'project-rename NewName = OldName')")
        old = p.parse_name("the existing column name")
        renames.append(A.NamedExpr((new.name,), old, span=p.span(new.span[0])))
        if not p.accept_op(","):
            return A.ProjectRename(tuple(renames), span=p.span(start.start))


_REORDER_ORDERS = ("asc", "desc", "granny-asc", "granny-desc")


@_operator("project-reorder")
def _project_reorder(p: Parser, start: Token) -> A.ProjectReorder:
    columns: list[A.Name | A.ColumnPattern] = []
    orders: set[str] = set()
    while not p.at_clause_end():  # Kusto accepts an empty list
        columns.append(p.parse_name_or_pattern())
        if p.tok.kind == IDENT and p.tok.value in ("asc", "desc", "granny"):
            name, token = p.read_operator_name()
            if name not in _REORDER_ORDERS:
                raise p.error(f"expected asc, desc, granny-asc or granny-desc, not '{name}'", token)
            orders.add(name)
        if not p.accept_op(","):
            break
        if p.at_clause_end():
            raise p.expected("a column name after ','")
    if len(orders) > 1:
        p.defer(p.unsupported("project-reorder with different sort orders per column is not supported",
                              start.start, p.last_end))
    return A.ProjectReorder(tuple(columns), orders.pop() if orders else None, span=p.span(start.start))


@_operator("summarize")
def _summarize(p: Parser, start: Token) -> A.Summarize:
    _, hints = p.parse_options(())
    no_aggregates = p.at_clause_end() or (p.at_word("by") and not p.peek().is_op("="))
    aggregates: tuple = () if no_aggregates else p.parse_column_list()
    by: tuple = ()
    if p.accept_word("by"):
        by = p.parse_column_list()
    return A.Summarize(aggregates, by, hints, span=p.span(start.start))


@_operator("distinct")
def _distinct(p: Parser, start: Token) -> A.Distinct:
    p.parse_options(())
    if p.at_op("*"):
        star = p.advance()
        return A.Distinct((A.Star(span=(star.start, star.end)),), span=p.span(start.start))
    return A.Distinct(p.parse_column_list(), span=p.span(start.start))


@_operator("count")
def _count(p: Parser, start: Token) -> A.Count:
    return A.Count(span=p.span(start.start))


@_operator("take", "limit")
def _take(p: Parser, start: Token) -> A.Take:
    p.parse_options(())
    return A.Take(p.parse_expression(), span=p.span(start.start))


@_operator("top")
def _top(p: Parser, start: Token) -> A.Top:
    p.parse_options(())
    count = p.parse_expression()
    p.expect_word("by", "after the number of rows (the form is 'top 10 by Column desc')")
    return A.Top(count, p.parse_order_key(), span=p.span(start.start))


@_operator("sort", "order")
def _sort(p: Parser, start: Token) -> A.Sort:
    p.parse_options(())
    p.expect_word("by", f"after '{start.value}'")
    keys = [p.parse_order_key()]
    while p.accept_op(","):
        keys.append(p.parse_order_key())
    return A.Sort(tuple(keys), span=p.span(start.start))


def _join_kind(p: Parser, options: dict, allowed: dict[str, str], default: str) -> str:
    if "kind" not in options:
        return default
    value, token = options["kind"]
    if value not in allowed:
        raise p.error(f"unknown kind '{value}': expected one of {', '.join(sorted(allowed))}", token)
    return allowed[value]


@_operator("join")
def _join(p: Parser, start: Token) -> A.Join:
    options, hints = p.parse_options(("kind",))
    kind = _join_kind(p, options, _JOIN_KINDS, "innerunique")
    right = p.parse_table_operand()
    on: tuple[A.JoinKey, ...] = ()
    if p.accept_word("on"):
        on = p.parse_join_keys()
    return A.Join(right, on, kind, hints, span=p.span(start.start))


@_operator("lookup")
def _lookup(p: Parser, start: Token) -> A.Lookup:
    options, _ = p.parse_options(("kind",))
    kind = _join_kind(p, options, {"leftouter": "leftouter", "inner": "inner"}, "leftouter")
    right = p.parse_table_operand()
    p.expect_word("on", "after the lookup table (the form is 'lookup (Table) on Key')")
    return A.Lookup(right, p.parse_join_keys(), kind, span=p.span(start.start))


@_operator("mv-expand", "mvexpand")
def _mv_expand(p: Parser, start: Token) -> A.MvExpand:
    options, _ = p.parse_options(("bagexpansion", "with_itemindex", "kind"))
    bagexpansion = str(options.get("bagexpansion", options.get("kind", ("bag",)))[0])
    if bagexpansion not in ("bag", "array"):
        raise p.error(f"bagexpansion must be 'bag' or 'array', not '{bagexpansion}'")
    items = p.parse_expand_items()
    limit = p.parse_expression() if p.accept_word("limit") else None
    index = options.get("with_itemindex", (None,))[0]
    return A.MvExpand(items, bagexpansion, None if index is None else str(index), limit, span=p.span(start.start))


@_operator("mv-apply", "mvapply")
def _mv_apply(p: Parser, start: Token) -> A.MvApply:
    options, _ = p.parse_options(("with_itemindex", "context_id"))
    items = p.parse_expand_items()
    limit = p.parse_expression() if p.accept_word("limit") else None
    on = p.expect_word("on", "after the mv-apply items (the form is 'mv-apply x = Array on (subquery)')")
    opener = p.expect_op("(", "after 'on' to start the subquery")
    body = p.parse_operator_sequence(opener, on.start)
    index = options.get("with_itemindex", (None,))[0]
    return A.MvApply(items, body, None if index is None else str(index), limit, span=p.span(start.start))


def _parse_operator_node(p: Parser, start: Token, node_type: type[A.Parse]) -> A.Parse:
    options, _ = p.parse_options(("kind", "flags"))
    kind = str(options.get("kind", ("simple",))[0])
    if kind not in ("simple", "regex", "relaxed"):
        raise p.error(f"parse kind must be simple, regex or relaxed, not '{kind}'", options["kind"][1])
    flags = str(options.get("flags", ("",))[0])
    source = p.parse_expression()
    p.expect_word("with", f"after the text to {start.value} (the form is '{start.value} Column with \"x\" Name')")
    parts: list[A.Literal | A.Star | A.ParseColumn] = []
    while not p.at_clause_end():
        token = p.tok
        if token.kind == STRING:
            parts.append(p.parse_string_literal(token))
        elif token.kind == OP and token.value == "*":
            p.advance()
            parts.append(A.Star(span=(token.start, token.end)))
        elif p.at_name():
            if token.kind == IDENT and token.value in _RESERVED:  # Kusto parses it and rejects it when binding
                p.defer(p.reserved(token))
                p.advance()
                name = A.Name(token.value, span=(token.start, token.end))
            else:
                name = p.parse_name()
            ktype = p.parse_type() if p.accept_op(":") else None
            parts.append(A.ParseColumn(name.name, ktype, span=p.span(name.span[0])))
        else:
            raise p.expected("a string, '*' or a column name in the parse pattern")
    return node_type(source, tuple(parts), kind, flags, span=p.span(start.start))


_OPERATORS["parse"] = lambda p, start: _parse_operator_node(p, start, A.Parse)
_OPERATORS["parse-where"] = lambda p, start: _parse_operator_node(p, start, A.ParseWhere)


@_operator("make-series")
def _make_series(p: Parser, start: Token) -> A.MakeSeries:
    options, _ = p.parse_options(("kind",))
    aggregates: list[A.SeriesAggregate] = []
    while True:
        item_start = p.tok.start
        expr = p.parse_column()
        default = None
        if p.at_word("default") and p.peek().is_op("="):
            p.advance()
            p.advance()
            default = p.parse_expression()
        aggregates.append(A.SeriesAggregate(expr, default, span=p.span(item_start)))
        if not p.accept_op(","):
            break
    p.expect_word("on", "after the make-series aggregates (the form is 'make-series count() on TimeGenerated ...')")
    axis = p.parse_column()
    start_expr = end_expr = None
    if p.accept_word("in"):
        p.expect_word("range", "after 'in' (the form is 'in range(start, stop, step)')")
        opener = p.expect_op("(")
        start_expr = p.parse_expression()
        p.expect_op(",")
        end_expr = p.parse_expression()
        p.expect_op(",")
        step = p.parse_expression()
        p.expect_close(")", opener)
    else:
        if p.accept_word("from"):
            start_expr = p.parse_expression()
        if p.accept_word("to"):
            end_expr = p.parse_expression()
        p.expect_word("step", "in make-series (the form is 'on TimeGenerated from start to end step 1h')")
        step = p.parse_expression()
    by = p.parse_column_list() if p.accept_word("by") else ()
    kind = options.get("kind", (None,))[0]
    return A.MakeSeries(tuple(aggregates), axis, step, start_expr, end_expr, by,
                        None if kind is None else str(kind), span=p.span(start.start))


@_operator("as")
def _as(p: Parser, start: Token) -> A.As:
    _, hints = p.parse_options(())
    return A.As(p.parse_name("a name after 'as'").name, hints, span=p.span(start.start))


@_operator("serialize")
def _serialize(p: Parser, start: Token) -> A.Serialize:
    columns = () if p.at_clause_end() else p.parse_column_list()
    return A.Serialize(columns, span=p.span(start.start))


@_operator("top-nested")
def _top_nested(p: Parser, start: Token) -> A.TopNested:
    levels: list[A.TopNestedLevel] = []
    level_start = start
    while True:
        count = None if p.at_word("of") else p.parse_expression()
        p.expect_word("of", "in top-nested (the form is 'top-nested 3 of Column by count()')")
        of = p.parse_column()
        others = None
        if p.accept_word("with"):
            p.expect_word("others", "after 'with'")
            p.expect_op("=")
            others = p.parse_expression()
        p.expect_word("by", "in top-nested")
        by = p.parse_column()
        descending = not p.accept_word("asc")
        if descending:
            p.accept_word("desc")
        levels.append(A.TopNestedLevel(of, by, count, others, descending, span=p.span(level_start.start)))
        if not p.accept_op(","):
            return A.TopNested(tuple(levels), span=p.span(start.start))
        name, level_start = p.read_operator_name()
        if name != "top-nested":
            raise p.error(f"expected 'top-nested' after ',' but found '{name}'", level_start)


@_operator("invoke")
def _invoke(p: Parser, start: Token) -> A.Invoke:
    call = p.parse_postfix(p.parse_primary())
    if not isinstance(call, A.Call):
        raise p.error("expected a function call after 'invoke', e.g. invoke MyFunction()", start)
    return A.Invoke(call, span=p.span(start.start))


@_operator("partition")
def _partition(p: Parser, start: Token) -> A.Serialize:
    """Checked for syntax so a typo is reported as such, then refused: the engine does not run it."""
    p.parse_options(())
    p.expect_word("by", "after 'partition' (the form is 'partition by Column (subquery)')")
    p.parse_name("the partition column")
    opener = p.tok
    if p.accept_op("("):
        p.parse_operator_sequence(opener, opener.start)
    else:
        brace = p.expect_op("{", "to start the partition subquery")
        p.parse_any()
        p.expect_close("}", brace)
    p.defer(p.unsupported("the 'partition' operator is not supported", start.start, p.last_end))
    return A.Serialize(span=p.span(start.start))  # placeholder: the deferred error is always raised


@_operator("getschema")
def _getschema(p: Parser, start: Token) -> A.Getschema:
    return A.Getschema(span=p.span(start.start))


_CHARTS = frozenset((
    "table", "list", "barchart", "piechart", "ladderchart", "timechart", "linechart", "anomalychart", "pivotchart",
    "areachart", "stackedareachart", "scatterchart", "timepivot", "columnchart", "timeline", "card", "treemap",
    "sankey", "graph", "plotly", "3Dchart",
))


@_operator("render")
def _render(p: Parser, start: Token) -> A.Render:
    chart = p.tok
    if chart.kind != IDENT or chart.value not in _CHARTS:
        raise p.expected(f"a chart type after 'render' ({', '.join(sorted(_CHARTS))})")
    p.advance()
    properties: tuple[A.NamedExpr, ...] = ()
    if p.accept_word("with"):
        properties = _property_list(p, multi_valued=True)
    else:  # legacy form: render chart kind=stacked title="x"
        while p.tok.kind == IDENT and p.peek().is_op("="):
            properties += (p.parse_column(),)
    return A.Render(chart.value, properties, span=p.span(start.start))


@_operator("sample")
def _sample(p: Parser, start: Token) -> A.Sample:
    p.parse_options(())
    return A.Sample(p.parse_expression(), span=p.span(start.start))


@_operator("sample-distinct")
def _sample_distinct(p: Parser, start: Token) -> A.SampleDistinct:
    p.parse_options(())
    count = p.parse_expression()
    p.expect_word("of", "in sample-distinct (the form is 'sample-distinct 10 of Column')")
    return A.SampleDistinct(count, p.parse_expression(), span=p.span(start.start))


@_operator("fork")
def _fork(p: Parser, start: Token) -> A.Fork:
    branches: list[A.ForkBranch] = []
    while p.at_op("(") or (p.tok.kind == IDENT and p.peek().is_op("=")):
        branch_start = p.tok.start
        name = None
        if p.tok.kind == IDENT:
            name = p.advance().value
            p.advance()
        opener = p.expect_op("(", "to start a fork branch")
        operators = p.parse_operator_sequence(opener, opener.start)
        branches.append(A.ForkBranch(operators, name, span=p.span(branch_start)))
    if not branches:
        raise p.expected("a parenthesized branch after 'fork', e.g. fork (where X > 1) (count)")
    return A.Fork(tuple(branches), span=p.span(start.start))


_OPERATORS["union"] = _union
_OPERATORS["search"] = _search
_OPERATORS["evaluate"] = _evaluate


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def parse(query: str) -> A.Query:
    """Parse KQL `query` text into a Query tree (cached: trees are immutable).

    Raises KqlSyntaxError (with line/column) for malformed text and KqlUnsupportedError for valid
    KQL this engine does not implement.
    """
    try:
        return Parser(query).parse_query()
    except KqlError:
        raise
    except RecursionError:
        raise KqlSyntaxError("the query is nested too deeply to parse", line=1, column=1) from None
