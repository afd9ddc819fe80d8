"""Lexer: every literal form, operator tokens, offsets, and the errors a rule author sees."""

from __future__ import annotations

from datetime import timedelta

import pytest

from detections.kql.errors import KqlSyntaxError
from detections.kql.lexer import EOF, IDENT, LONG, OP, RAW, REAL, STRING, TIMESPAN, tokenize


def kinds_values(text: str) -> list[tuple[str, object]]:
    return [(t.kind, t.value) for t in tokenize(text) if t.kind != EOF]


def single(text: str):
    tokens = tokenize(text)
    assert len(tokens) == 2, tokens  # the token and EOF
    return tokens[0]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ('"a\\"b"', STRING, 'a"b'),
        ("'it\\'s'", STRING, "it's"),
        ('"tab\\there"', STRING, "tab\there"),
        ('"\\u0041\\x42"', STRING, "AB"),
        ('"C:\\\\temp"', STRING, "C:\\temp"),
        ("@'C:\\temp'", STRING, "C:\\temp"),
        ('@"say ""hi"""', STRING, 'say "hi"'),
        ("h'secret'", STRING, "secret"),
        ("H@'https://x/y.csv'", STRING, "https://x/y.csv"),
        ("```line1\nline2```", STRING, "line1\nline2"),
        ("42", LONG, 42),
        ("0x1F", LONG, 31),
        ("1.5", REAL, 1.5),
        ("1.", REAL, 1.0),
        ("1e3", REAL, 1000.0),
        ("2.5E-1", REAL, 0.25),
        ("5m", TIMESPAN, timedelta(minutes=5)),
        ("1d", TIMESPAN, timedelta(days=1)),
        ("1.5h", TIMESPAN, timedelta(hours=1.5)),
        ("100ms", TIMESPAN, timedelta(milliseconds=100)),
        ("30sec", TIMESPAN, timedelta(seconds=30)),
        ("2min", TIMESPAN, timedelta(minutes=2)),
        ("3hrs", TIMESPAN, timedelta(hours=3)),
        ("7days", TIMESPAN, timedelta(days=7)),
        ("10microseconds", TIMESPAN, timedelta(microseconds=10)),
        ("10ticks", TIMESPAN, timedelta(microseconds=1)),
        ("datetime(2024-01-31 10:00)", RAW, ("datetime", "2024-01-31 10:00")),
        ("datetime( null )", RAW, ("datetime", "null")),
        ("timespan(1.02:03:04)", RAW, ("timespan", "1.02:03:04")),
        ("guid(74be27de-1e4e-49d9-b579-fe0b331d3642)", RAW, ("guid", "74be27de-1e4e-49d9-b579-fe0b331d3642")),
        ("int( null )", RAW, ("int", "null")),
        ("real(-inf)", RAW, ("real", "-inf")),
        ("$left", IDENT, "$left"),
        ("_GetWatchlist", IDENT, "_GetWatchlist"),
        ("1mins", IDENT, "1mins"),  # not a unit: Kusto reads a digit-led word as a name
        ("!has_cs", OP, "!has_cs"),
        ("!in~", OP, "!in~"),
        ("in~", OP, "in~"),
        ("!between", OP, "!between"),
        ("=~", OP, "=~"),
        ("<>", OP, "<>"),
        ("..", OP, ".."),
    ],
)
def test_single_token(text, kind, value):
    token = single(text)
    assert (token.kind, token.value) == (kind, value)
    assert (token.start, token.end) == (0, len(text))


def test_offsets_and_comments():
    text = 'T // a comment with "quotes"\n| where A == "x // not a comment"'
    tokens = tokenize(text)
    assert [text[t.start:t.end] for t in tokens[:-1]] == ["T", "|", "where", "A", "==", '"x // not a comment"']
    assert tokens[-1].kind == EOF and tokens[-1].start == len(text)


def test_words_that_only_start_like_literals_are_names():
    assert kinds_values("todatetime(x) integer(1) datetime_add") == [
        (IDENT, "todatetime"), (OP, "("), (IDENT, "x"), (OP, ")"), (IDENT, "integer"), (OP, "("), (LONG, 1),
        (OP, ")"), (IDENT, "datetime_add")]


def test_range_dots_are_not_a_real_number():
    assert kinds_values("1..10") == [(LONG, 1), (OP, ".."), (LONG, 10)]


def test_hyphenated_operator_is_three_tokens_the_parser_joins():
    assert kinds_values("project-away") == [(IDENT, "project"), (OP, "-"), (IDENT, "away")]


def test_negation_applies_only_to_whole_operator_words():
    with pytest.raises(KqlSyntaxError, match="unexpected character '!'"):
        tokenize("A !hasx 'b'")


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ('print "abc', 7, "unterminated string literal"),
        ('print "a\\/b"', 9, "invalid escape sequence '\\/'"),
        ("print ```abc", 7, "unterminated multi-line string"),
        ("print a # b", 9, "unexpected character '#'"),
        ("print 99999999999d", 7, "timespan literal '99999999999d' is out of range"),
    ],
)
def test_errors_point_at_the_problem(text, column, message):
    with pytest.raises(KqlSyntaxError) as info:
        tokenize(text)
    assert info.value.line == 1 and info.value.column == column
    assert message in info.value.message


def test_error_line_and_column_on_a_later_line():
    with pytest.raises(KqlSyntaxError) as info:
        tokenize('T\n| where A == "x\n')
    assert (info.value.line, info.value.column) == (2, 14)
    assert str(info.value).startswith("line 2, column 14: ")
