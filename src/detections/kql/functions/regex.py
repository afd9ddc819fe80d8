"""Kusto regular expressions (RE2 syntax) on Python's `re`, compiled once per pattern.

RE2 and Python agree on most syntax; the differences that matter are rewritten:
`(?<name>...)` -> `(?P<name>...)`, `\\z` -> `\\Z`, `$` (end of text unless (?m)) -> `\\Z`,
POSIX classes `[[:alpha:]]`, `\\Q...\\E` quoting and the Unicode classes `\\pL`, `\\p{L}`, `\\pN`,
`\\p{Nd}`. `\\d`, `\\w`, `\\s` and `\\b` are ASCII as in RE2. Backreferences and look-around do not
exist in RE2, so Kusto rejects them; we reject them too rather than match differently.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from detections.kql.functions.common import text
from detections.kql.registry import scalar
from detections.kql.types import KType

_POSIX = {
    "alpha": "A-Za-z", "digit": "0-9", "alnum": "A-Za-z0-9", "upper": "A-Z", "lower": "a-z",
    "space": r" \t\r\n\v\f", "blank": r" \t", "punct": r"!-/:-@\[-`{-~", "xdigit": "0-9A-Fa-f",
    "word": r"\w", "cntrl": r"\x00-\x1f\x7f", "print": r" -~", "graph": r"!-~", "ascii": r"\x00-\x7f",
}
_UNICODE_CLASSES = {"L": r"[^\W\d_]", "N": r"\d", "Nd": r"\d", "Lu": "[A-Z]", "Ll": "[a-z]"}
_UNICODE_IN_CLASS = {"L": "A-Za-z", "N": "0-9", "Nd": "0-9", "Lu": "A-Z", "Ll": "a-z"}


class RegexError(ValueError):
    """A pattern Kusto would reject (or that we cannot translate faithfully)."""


# Functions whose argument at this position is a regular expression: a constant pattern is
# compiled when the query is bound, so an invalid one is the author's error there, not a null later.
REGEX_ARGUMENTS: dict[str, int] = {
    "extract": 0, "extract_all": 0, "extractall": 0, "indexof_regex": 1, "replace_regex": 1, "replace": 0,
    "trim": 0, "trim_start": 0, "trim_end": 0,
}


def translate(pattern: str) -> str:
    """Rewrite an RE2 pattern into an equivalent Python pattern."""
    out: list[str] = []
    multiline = bool(re.match(r"\(\?[a-zA-Z]*m[a-zA-Z]*\)", pattern))
    in_class = False
    i, size = 0, len(pattern)
    while i < size:
        char = pattern[i]
        if char == "\\" and i + 1 == size:
            raise RegexError(f"invalid regular expression '{pattern}': it ends with a lone backslash "
                             "(write \\\\ to match a backslash)")
        if char == "\\" and i + 1 < size:
            nxt = pattern[i + 1]
            if nxt == "Q":
                end = pattern.find("\\E", i + 2)
                literal = pattern[i + 2:] if end < 0 else pattern[i + 2:end]
                out.append(re.escape(literal))
                i = size if end < 0 else end + 2
                continue
            if nxt == "z":
                out.append(r"\Z")
            elif nxt == "p" or nxt == "P":
                name, i = _unicode_class_name(pattern, i + 2)
                table = _UNICODE_IN_CLASS if in_class else _UNICODE_CLASSES
                if name not in table:
                    raise RegexError(f"Unicode class \\p{{{name}}} is not supported")
                body = table[name]
                if nxt == "P":
                    if in_class:
                        raise RegexError("\\P{...} inside a character class is not supported")
                    body = "[^" + body[1:] if body.startswith("[") and not body.startswith("[^") else f"(?:(?!{body}).)"
                out.append(body)
                continue
            elif nxt.isdigit() and nxt != "0" and not in_class:
                raise RegexError("backreferences are not supported by RE2")
            else:
                out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            if pattern.startswith("[:", i):
                end = pattern.find(":]", i + 2)
                name = pattern[i + 2:end] if end > 0 else ""
                negated = name.startswith("^")
                if negated or name not in _POSIX:
                    raise RegexError(f"POSIX class [:{name}:] is not supported")
                out.append(_POSIX[name])
                i = end + 2
                continue
            if char == "]":
                in_class = False
            out.append(char)
        elif char == "[":
            in_class = True
            out.append(char)
            # a leading ] or ^] is literal inside the class
            j = i + 1
            if j < size and pattern[j] == "^":
                out.append("^")
                j += 1
            if j < size and pattern[j] == "]":
                out.append(r"\]")
                j += 1
            i = j
            continue
        elif char == "(" and pattern.startswith("(?<", i) and not pattern.startswith(("(?<=", "(?<!"), i):
            out.append("(?P<")
            i += 3
            continue
        elif char == "(" and pattern.startswith(("(?=", "(?!", "(?<=", "(?<!"), i):
            raise RegexError("look-around assertions are not supported by RE2")
        elif char == "$" and not multiline:
            out.append(r"\Z")
        else:
            out.append(char)
        i += 1
    return "".join(out)


def _unicode_class_name(pattern: str, start: int) -> tuple[str, int]:
    if start < len(pattern) and pattern[start] == "{":
        end = pattern.find("}", start)
        if end < 0:
            raise RegexError("unterminated \\p{...}")
        return pattern[start + 1:end], end + 1
    return pattern[start:start + 1], start + 1


@lru_cache(maxsize=1024)
def compile_regex(pattern: str) -> re.Pattern[str]:
    """The compiled Python regex for an RE2 pattern; raises RegexError when it is not valid."""
    try:
        return re.compile(translate(pattern), re.ASCII)
    except re.error as error:
        raise RegexError(f"invalid regular expression '{pattern}': {error}") from None


def regex_or_none(pattern: object) -> re.Pattern[str] | None:
    """compile_regex for a runtime value: a non-string or invalid pattern gives None (null result)."""
    if type(pattern) is not str:
        return None
    try:
        return compile_regex(pattern)
    except RegexError:
        return None


@scalar("regex_quote", 1, 1, KType.STRING, null_propagating=True)
def regex_quote(value: Any) -> str:
    """regex_quote(): escape every regex special character (RE2 escaping); a non-string is quoted
    as its text, as Kusto casts it."""
    return re.sub(r"([\\.+*?()|\[\]{}^$#&\-~])", r"\\\1", text(value))
