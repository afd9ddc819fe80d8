"""KQL lexer: query text -> tokens with character offsets.

One precompiled master regex scans the text; each token keeps its (start, end) offsets so the parser
can give every node a span and every error a line and column. Keywords are not reserved here: KQL
keywords are contextual (a column may be called `count` or `kind`), so words are IDENT tokens and
the parser decides what they mean.

Literal forms decoded here: strings ("..", '..', @".." verbatim, h".." obfuscated, ```multi-line```,
adjacent strings are joined by the parser), long (`42`, `0x2A`), real (`1.5`, `1e3`), timespans
(`5m`, `1.5h`, `100ms`), and the raw bodies of `datetime(...)`, `timespan(...)`, `guid(...)` and the
typed literals `int(...)`, `long(...)`, `real(...)`, `bool(...)`, `decimal(...)`.
"""

from __future__ import annotations

import re
from datetime import timedelta

from detections.kql.errors import KqlSyntaxError
from detections.kql.values import TIMESPAN_UNITS, timespan_of

# Token kinds
IDENT = "ident"
STRING = "string"
LONG = "long"
REAL = "real"
TIMESPAN = "timespan"
RAW = "raw"  # datetime(...), int(...), guid(...) and other typed literals: value is (type word, body text)
OP = "op"  # punctuation and symbolic operators; value is the operator text
EOF = "eof"


class Token:
    """One token: `kind`, decoded `value`, and its (start, end) character offsets."""

    __slots__ = ("kind", "value", "start", "end")

    def __init__(self, kind: str, value, start: int, end: int):
        self.kind = kind
        self.value = value
        self.start = start
        self.end = end

    def is_op(self, text: str) -> bool:
        return self.kind == OP and self.value == text

    def is_word(self, text: str) -> bool:
        return self.kind == IDENT and self.value == text

    def __repr__(self) -> str:
        return f"Token({self.kind}, {self.value!r}, {self.start}, {self.end})"


# Escapes allowed in "..." and '...' strings.
_ESCAPE = r"\\(?:[nrt0abfv\\\\\"']|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2})"
_UNIT_ALTERNATION = "|".join(sorted(TIMESPAN_UNITS, key=len, reverse=True))

# Operators made of letters that may be negated with a leading `!` (lexed as one token: `!has`).
NEGATABLE_WORDS = (
    "has", "has_cs", "hasprefix", "hasprefix_cs", "hassuffix", "hassuffix_cs", "contains", "contains_cs",
    "startswith", "startswith_cs", "endswith", "endswith_cs", "in", "between",
)

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>//[^\n]*)
  | (?P<multiline>```.*?```|~~~.*?~~~)
  | (?P<verbatim>[hH]?@(?:"(?:[^"\n]|"")*"|'(?:[^'\n]|'')*'))
  | (?P<string>[hH]?(?:"(?:[^"\\\n]|"""
    + _ESCAPE
    + r""")*"|'(?:[^'\\\n]|"""
    + _ESCAPE
    + r""")*'))
  | (?P<raw>(?P<rawword>datetime|date|timespan|time|guid|uniqueid|bool|boolean|int|long|real|double|decimal)\s*\((?P<rawbody>[^()\n]*)\))
  | (?P<timespan>(?P<tsnum>\d+(?:\.\d+)?)(?P<tsunit>"""
    + _UNIT_ALTERNATION
    + r""")(?![A-Za-z0-9_]))
  | (?P<hex>0[xX][0-9a-fA-F]+(?![A-Za-z0-9_]))
  | (?P<real>\d+\.(?!\.)\d*(?:[eE][+-]?\d+)?(?![A-Za-z0-9_])|\d+[eE][+-]?\d+(?![A-Za-z0-9_]))
  | (?P<long>\d+(?![A-Za-z0-9_]))
  | (?P<digitname>\d+[A-Za-z_][A-Za-z0-9_]*)
  | (?P<inci>!?in~)
  | (?P<negword>!(?:"""
    + "|".join(sorted(NEGATABLE_WORDS, key=len, reverse=True))
    + r""")(?![A-Za-z0-9_]))
  | (?P<ident>\$?[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\.\.|==|!=|<>|<=|>=|=~|!~|=>|[|()\[\]{},;.=<>+\-*/%:?])
    """,
    re.VERBOSE | re.DOTALL,
)

_SIMPLE_ESCAPES = {
    "n": "\n", "t": "\t", "r": "\r", "0": "\0", "a": "\a", "b": "\b", "f": "\f", "v": "\v",
    "\\": "\\", '"': '"', "'": "'",
}
_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.DOTALL)


def _unescape(match: re.Match) -> str:
    code = match.group(1)
    return chr(int(code[1:], 16)) if len(code) > 1 else _SIMPLE_ESCAPES[code]


def _string_value(text: str) -> str:
    if text[0] in "hH":
        text = text[1:]
    body = text[1:-1]
    return _ESCAPE_RE.sub(_unescape, body) if "\\" in body else body


def _verbatim_value(text: str) -> str:
    if text[0] in "hH":
        text = text[1:]
    quote = text[1]
    return text[2:-1].replace(quote + quote, quote)


def _bad_escape(text: str, start: int, end: int) -> re.Match | None:
    """The first escape sequence between start and end that KQL does not allow."""
    for match in _ESCAPE_RE.finditer(text, start, end):
        code = match.group(1)
        if len(code) == 1 and code not in _SIMPLE_ESCAPES:
            return match
    return None


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def _error(text: str, start: int, message: str) -> KqlSyntaxError:
    return KqlSyntaxError.at(message, text, (start, start + 1))


def _unmatched(text: str, pos: int) -> KqlSyntaxError:
    char = text[pos]
    if char in "\"'" or (char in "hH" and text[pos + 1: pos + 2] in ("'", '"')):
        bad = _bad_escape(text, pos + 1, _line_end(text, pos))
        if bad is not None:
            return KqlSyntaxError.at(
                f"invalid escape sequence '{bad.group()}' in a string: write \\\\ for a backslash, or use a "
                "verbatim string such as @'C:\\temp'", text, bad.span())
        return _error(text, pos, "unterminated string literal: add the closing quote on the same line")
    if text.startswith(("```", "~~~"), pos):
        return _error(text, pos, f"unterminated multi-line string: add the closing {text[pos:pos + 3]}")
    if char == "@" or (char in "hH" and text[pos + 1: pos + 2] in ("'", '"', "@")):
        return _error(text, pos, "unterminated string literal")
    if char.isdigit():
        end = pos
        while end < len(text) and (text[end].isalnum() or text[end] in "._"):
            end += 1
        return KqlSyntaxError.at(f"invalid number or timespan literal '{text[pos:end]}'", text, (pos, end))
    return _error(text, pos, f"unexpected character {char!r}")


def _timespan_value(m: re.Match) -> timedelta:
    return timespan_of(float(m.group("tsnum")), m.group("tsunit"))


# regex group -> (token kind, value from the match); groups not listed (whitespace, comments) are dropped
_CONVERT = {
    "ident": (IDENT, re.Match.group),
    "op": (OP, re.Match.group),
    "negword": (OP, re.Match.group),
    "inci": (OP, re.Match.group),
    "string": (STRING, lambda m: _string_value(m.group())),
    "verbatim": (STRING, lambda m: _verbatim_value(m.group())),
    "multiline": (STRING, lambda m: m.group()[3:-3]),
    "long": (LONG, lambda m: int(m.group())),
    "digitname": (IDENT, re.Match.group),
    "hex": (LONG, lambda m: int(m.group(), 16)),
    "real": (REAL, lambda m: float(m.group())),
    "timespan": (TIMESPAN, _timespan_value),
    "raw": (RAW, lambda m: (m.group("rawword"), m.group("rawbody").strip())),
}


def tokenize(text: str) -> list[Token]:
    """Tokens of `text` (comments and whitespace dropped), ending with an EOF token."""
    tokens: list[Token] = []
    append = tokens.append
    match = _TOKEN_RE.match
    convert = _CONVERT.get
    pos, length = 0, len(text)
    while pos < length:
        m = match(text, pos)
        if m is None:
            raise _unmatched(text, pos)
        end = m.end()
        conversion = convert(m.lastgroup)
        if conversion is not None:
            try:
                value = conversion[1](m)
            except OverflowError:  # 99999999999d: beyond the timespan range
                raise KqlSyntaxError.at(f"timespan literal '{m.group()}' is out of range (at most about "
                                        "10,675,199 days)", text, (pos, end)) from None
            append(Token(conversion[0], value, pos, end))
        pos = end
    append(Token(EOF, None, length, length))
    return tokens
