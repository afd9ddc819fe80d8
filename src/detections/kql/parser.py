"""KQL parser: tokens -> detections.kql.ast (recursive descent, precedence climbing for expressions).

Tabular operators are parsed by functions registered in `OPERATORS`, keyed by the operator keyword
(`where`, `mv-expand`, ...); sources (`datatable`, `union`, ...) likewise in `SOURCES` (both in
detections.kql.parse_operators); literal bodies are decoded by detections.kql.parse_literals. Errors are
KqlSyntaxError with the line and column of the offending token and a message that says what was
expected; real KQL operators this engine does not implement raise KqlUnsupportedError naming them.
"""

from __future__ import annotations

import difflib
from datetime import datetime, timedelta
from functools import lru_cache

from detections.kql import ast as A
from detections.kql.errors import KqlError, KqlSemanticError, KqlSyntaxError, KqlUnsupportedError, line_column
from detections.kql.lexer import EOF, IDENT, LONG, OP, RAW, REAL, STRING, TIMESPAN, Token, tokenize
from detections.kql.parse_literals import RAW_LITERALS
from detections.kql.parse_operators import OPERATORS, SOURCES
from detections.kql.types import TYPE_NAMES, KType
from detections.kql.values import format_datetime, format_timespan

# ---------------------------------------------------------------------------------------------
# Grammar tables
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

# Type names in declarations: KQL's names and aliases, plus `int64` which Kusto also reads as long.
_TYPE_NAMES: dict[str, KType] = {**TYPE_NAMES, "int64": KType.LONG}

# Words a misspelling is compared with: operators and the keywords inside operator clauses.
_SUGGESTIONS = sorted(
    {k for k in _BINARY if k[0].isalpha()} | {"asc", "desc", "nulls", "first", "last", "by", "on", "with", "step"})

# Tokens that end an operator's clause (so optional parts know when to stop).
_CLAUSE_END = frozenset(("|", ")", ";", "}"))

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

# Real KQL operators this engine does not implement (an explicit error instead of a syntax error).
_UNSUPPORTED_OPERATORS = frozenset((
    "scan", "reduce", "facet", "make-graph", "graph-match", "graph-merge", "graph-to-table",
    "graph-shortest-paths", "graph-mark-components", "parse-kv", "top-hitters", "consume", "execute",
    "macro-expand", "assert-schema",
))

# ---------------------------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------------------------

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

    def at_clause_end(self, ahead: int = 0) -> bool:
        """Is the token `ahead` of the cursor the end of an operator's clause (`|`, `)`, `;`, end)?"""
        token = self.peek(ahead)
        return token.kind == EOF or (token.kind == OP and token.value in _CLAUSE_END)

    @staticmethod
    def is_reserved(token: Token) -> bool:
        return token.kind == IDENT and token.value in _RESERVED

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
        if token.kind == EOF:  # point just after the last token, not at trailing blank lines
            end = self.tokens[-2].end if len(self.tokens) > 1 else 0
            return KqlSyntaxError.at(message, self.text, (end, end))
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

    def expect_close(self, closer: str, opener: Token, label_start: int | None = None, *, listing: bool = False
                     ) -> Token:
        """Consume `closer`, or fail naming the bracket it should close and where that was opened
        (`listing`: inside a comma-separated list, where a ',' was possible too)."""
        token = self.accept_op(closer)
        if token is None:
            label_start = opener.start if label_start is None else label_start
            label = self.text[label_start:opener.end]
            line, column = line_column(self.text, label_start)
            wanted = f"',' or '{closer}'" if listing else f"'{closer}'"
            raise self.expected(f"{wanted} to close '{label}' opened at line {line}, column {column}")
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
        if token.kind == IDENT and token.value in _TYPE_NAMES:
            self.advance()
            return _TYPE_NAMES[token.value]
        names = ", ".join(sorted({t.value for t in TYPE_NAMES.values() if t != KType.UNKNOWN}))
        raise self.expected(f"a type name ({names})")

    def parse_column_decls(self, opener_label_start: int, allow_star: bool = False,
                           leading_star: bool = False) -> tuple[tuple[A.ColumnDecl, ...], bool]:
        """`(name:type, ...)` -> declarations, and whether a `*` (open schema) was given: `(*)`
        alone with `allow_star` (a tabular parameter taking any table), first with `leading_star`
        (plugin output schemas, `(*, name:type)`), as Kusto.Language accepts them."""
        opener = self.expect_op("(", "to start the column list")
        columns: list[A.ColumnDecl] = []
        open_schema = False
        while not self.at_op(")"):
            first = not columns and not open_schema
            if self.at_op("*") and first and (leading_star or (allow_star and self.peek().is_op(")"))):
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
        if self.at_op(".") and self.peek().kind == IDENT:
            raise self.unsupported("management commands (text starting with '.', such as .show) are not "
                                   "supported: a rule or hunting query must be a query", 0, self.peek().end)
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
        if token.kind == IDENT and token.value in OPERATORS:
            return self.error(f"unexpected {self.describe(token)}: add '|' before the '{token.value}' operator")
        if token.kind == IDENT:
            close = difflib.get_close_matches(token.value, _SUGGESTIONS, n=1)
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
        if token.kind != IDENT or token.value not in SOURCES:
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
            source: A.Tabular | A.Expr = SOURCES[token.value](self, token)
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
        handler = OPERATORS.get(name)
        if handler is not None:
            return handler(self, first)
        if name in _UNSUPPORTED_OPERATORS:
            raise self.unsupported(f"the '{name}' operator is not supported", first.start, self.last_end)
        close = difflib.get_close_matches(name, list(OPERATORS), n=1)
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
        self.expect_close(")", opener, op_token.start, listing=True)
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
            if self.at_op("-") or self.at_op("+") or self.at_op("*"):
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
                if self.at_op("[") and self.peek().kind != STRING:
                    continue  # `x.[0]` is read as `x[0]`, as Kusto does
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
        ktype, convert, example = RAW_LITERALS[word]
        try:
            value = convert(body)
        except (ValueError, OverflowError):  # well-formed text: the service rejects the value itself
            value = None
            self.defer_semantic(f"invalid {word} literal '{body}': expected {example}", (token.start, token.end))
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
        self.advance()
        opener = self.advance()
        args, named = self.parse_call_args(opener, token.start, tabular=word in _TABULAR_ARGUMENT_FUNCTIONS)
        return A.Call(word, args, named, span=self.span(token.start))

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
        self.expect_close(")", opener, label_start, listing=bool(args or named))
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
            return format_datetime(value)  # a dynamic holds datetimes and timespans as their text
        if isinstance(value, timedelta):
            return format_timespan(value)
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
                if type_token.kind == IDENT and type_token.value in _TYPE_NAMES:
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
