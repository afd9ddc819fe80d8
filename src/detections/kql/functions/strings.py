"""String functions. Strings are never null in Kusto: they return "" where other types give null,
and a non-string argument is cast to its text (null -> "")."""

from __future__ import annotations

import base64
import binascii
import csv
import io
import re
from functools import lru_cache
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from detections.kql.functions.common import text
from detections.kql.functions.conversion import convert_to
from detections.kql.functions.regex import regex_or_none
from detections.kql.registry import scalar
from detections.kql.types import KType
from detections.kql.values import has, to_long

S, L, Y, B = KType.STRING, KType.LONG, KType.DYNAMIC, KType.BOOL


@scalar("strlen", 1, 1, L)
def strlen(value: Any) -> int:
    """Number of characters (Unicode code points)."""
    return len(text(value))


@scalar("string_size", 1, 1, L)
def string_size(value: Any) -> int:
    """Size in bytes of the UTF-8 encoding."""
    return len(text(value).encode("utf-8"))


@scalar("tolower", 1, 1, S)
def tolower(value: Any) -> str:
    """Lower-case text."""
    return text(value).lower()


@scalar("toupper", 1, 1, S)
def toupper(value: Any) -> str:
    """Upper-case text."""
    return text(value).upper()


@lru_cache(maxsize=256)
def _trimmers(pattern: str) -> tuple[re.Pattern[str], re.Pattern[str]] | None:
    """Anchored regexes for the leading and trailing runs of `pattern`; None when it is invalid
    (a constant pattern was already checked when binding; a computed one leaves the text as is)."""
    regex = regex_or_none(pattern)
    if regex is None:
        return None
    body = regex.pattern
    return re.compile(f"^(?:{body})+", re.ASCII), re.compile(f"(?:{body})+\\Z", re.ASCII)


def _trim(pattern: Any, source: Any, sides: tuple[int, ...]) -> str:
    value, trimmers = text(source), _trimmers(text(pattern))
    if trimmers is None:
        return value
    for side in sides:
        value = trimmers[side].sub("", value, count=1)
    return value


@scalar("trim", 2, 2, S)
def trim(pattern: Any, source: Any) -> str:
    """Remove all leading and trailing matches of the regex `pattern`."""
    return _trim(pattern, source, (0, 1))


@scalar("trim_start", 2, 2, S)
def trim_start(pattern: Any, source: Any) -> str:
    """Remove leading matches of the regex `pattern`."""
    return _trim(pattern, source, (0,))


@scalar("trim_end", 2, 2, S)
def trim_end(pattern: Any, source: Any) -> str:
    """Remove trailing matches of the regex `pattern`."""
    return _trim(pattern, source, (1,))


@scalar("substring", 2, 3, S)
def substring(source: Any, start: Any, length: Any = None) -> str:
    """Characters from `start` (negative counts from the end) for `length` characters."""
    value = text(source)
    if start is None:
        return ""
    start = int(start)
    if start < 0:
        start = max(0, len(value) + start)
    if length is None:
        return value[start:]
    return value[start:start + max(0, int(length))]


@scalar("indexof", 2, 5, L)
def indexof(source: Any, match: Any, start: Any = 0, length: Any = -1, occurrence: Any = 1) -> int | None:
    """Zero-based index of the n-th occurrence within [start, start + length), -1 if absent;
    null for a start beyond the text (after the negative-from-end offset), length < -1 or occurrence < 0."""
    value, needle = text(source), text(match)
    start = 0 if start is None else int(start)
    length = -1 if length is None else int(length)
    occurrence = 1 if occurrence is None else int(occurrence)
    if start < 0:
        start = max(0, len(value) + start)
    if start > len(value) or length < -1 or occurrence < 0:
        return None
    # the docs' examples examine length + 1 characters: indexof("abcdefgabcdefg", "cde", 1, 10, 2) == 9
    end = len(value) if length == -1 else min(len(value), start + length + 1)
    position = start - 1
    for _ in range(max(occurrence, 1)):
        position = value.find(needle, position + 1, end)
        if position < 0:
            return -1
    return position


@scalar("indexof_regex", 2, 5, L)
def indexof_regex(source: Any, pattern: Any, start: Any = 0, length: Any = -1, occurrence: Any = 1) -> int | None:
    """Like indexof(), for the first position where the regex matches."""
    regex = regex_or_none(text(pattern))
    value = text(source)
    start = 0 if start is None else int(start)
    length = -1 if length is None else int(length)
    occurrence = 1 if occurrence is None else int(occurrence)
    if regex is None or start < 0 or length < -1 or occurrence < 0:
        return None
    end = len(value) if length == -1 else min(len(value), start + length)
    for count, match in enumerate(regex.finditer(value, start, end), start=1):
        if count >= max(occurrence, 1):
            return match.start()
    return -1


@scalar("split", 2, 3, Y)
def split(source: Any, delimiter: Any, requested_index: Any = None) -> list[str]:
    """An array of the parts; with an index, an array holding just that part (empty if out of range)."""
    value, sep = text(source), text(delimiter)
    parts = value.split(sep) if sep else [value]
    if requested_index is None:
        return parts
    position = int(requested_index)
    if position < 0:
        position += len(parts)
    return [parts[position]] if 0 <= position < len(parts) else []


@scalar("strcat", 1, 64, S)
def strcat(*values: Any) -> str:
    """The arguments as text, concatenated (1 to 64 arguments)."""
    return "".join(text(value) for value in values)


@scalar("strcat_delim", 3, 65, S)
def strcat_delim(delimiter: Any, *values: Any) -> str:
    """The arguments as text, joined by `delimiter`."""
    return text(delimiter).join(text(value) for value in values)


@scalar("strcat_array", 2, 2, S)
def strcat_array(array: Any, delimiter: Any) -> str:
    """The array elements as text, joined by `delimiter`."""
    if type(array) is not list:
        return ""
    return text(delimiter).join(text(item) for item in array)


@scalar("strrep", 2, 3, S)
def strrep(value: Any, multiplier: Any, delimiter: Any = "") -> str:
    """`value` repeated `multiplier` times (capped at 1024 as in Kusto), joined by `delimiter`."""
    if multiplier is None:
        return ""
    return text(delimiter).join([text(value)] * min(max(int(multiplier), 0), 1024))


@scalar("strcmp", 2, 2, L)
def strcmp(left: Any, right: Any) -> int:
    """-1, 0 or 1 comparing the texts ordinally."""
    a, b = text(left), text(right)
    return (a > b) - (a < b)


@scalar("reverse", 1, 1, S)
def reverse(value: Any) -> str:
    """The text reversed."""
    return text(value)[::-1]


@scalar("replace_string", 3, 3, S)
def replace_string(source: Any, lookup: Any, rewrite: Any) -> str:
    """Every occurrence of `lookup` replaced by `rewrite` (plain text, case-sensitive)."""
    needle = text(lookup)
    return text(source).replace(needle, text(rewrite)) if needle else text(source)


_REWRITE_GROUP = re.compile(r"\\(\d)|\$(\d)")


@lru_cache(maxsize=256)
def _python_rewrite(rewrite: str) -> str:
    """Kusto rewrites refer to groups as \\1 (and $1); Python's sub needs \\g<1> and literal backslashes."""
    pieces, last = [], 0
    for match in _REWRITE_GROUP.finditer(rewrite):
        pieces.append(rewrite[last:match.start()].replace("\\", "\\\\"))
        pieces.append(f"\\g<{match.group(1) or match.group(2)}>")
        last = match.end()
    pieces.append(rewrite[last:].replace("\\", "\\\\"))
    return "".join(pieces)


def _replace_regex(source: Any, pattern: Any, rewrite: Any) -> str:
    regex = regex_or_none(text(pattern))
    if regex is None:
        return text(source)
    try:
        return regex.sub(_python_rewrite(text(rewrite)), text(source))
    except (re.error, IndexError):
        return text(source)


@scalar("replace_regex", 3, 3, S)
def replace_regex(source: Any, pattern: Any, rewrite: Any) -> str:
    """Replace every match of the regex; \\1 in `rewrite` is the first capture group."""
    return _replace_regex(source, pattern, rewrite)


@scalar("replace", 3, 3, S)
def replace(pattern: Any, rewrite: Any, source: Any) -> str:
    """Deprecated argument order of replace_regex (regex, rewrite, source)."""
    return _replace_regex(source, pattern, rewrite)


@scalar("translate", 3, 3, S)
def translate(search: Any, replacement: Any, source: Any) -> str:
    """Map each character of `search` to the one at the same place in `replacement` (its last
    character repeats when shorter); an empty `replacement` deletes the characters."""
    chars, targets = text(search), text(replacement)
    if not targets:
        table = {ord(char): None for char in chars}
    else:
        table = {ord(char): targets[min(i, len(targets) - 1)] for i, char in enumerate(chars)}
    return text(source).translate(table)


@scalar("countof", 2, 3, L)
def countof(source: Any, search: Any, kind: Any = "normal") -> int:
    """Occurrences of `search`: plain text matches may overlap; kind="regex" counts regex matches."""
    value, needle = text(source), text(search)
    if text(kind) == "regex":
        regex = regex_or_none(needle)
        return 0 if regex is None else sum(1 for _ in regex.finditer(value))
    if not needle:
        return 0
    count, position = 0, value.find(needle)
    while position >= 0:
        count += 1
        position = value.find(needle, position + 1)
    return count


def _extract_type(args: list[KType]) -> KType:
    return args[3] if len(args) > 3 and args[3] is not KType.UNKNOWN else S


@scalar("extract", 3, 4, _extract_type)
def extract(pattern: Any, group: Any, source: Any, type_literal: Any = None) -> Any:
    """Capture group `group` (0 = whole match) of the first match; "" when nothing matches. With
    a typeof() fourth argument the text is converted to that type (null when it does not convert)."""
    regex = regex_or_none(text(pattern))
    match = None if regex is None or group is None else regex.search(text(source))
    try:
        found = match.group(int(group)) if match else None
    except IndexError:
        found = None
    if type_literal is None:
        return found or ""
    return None if found is None else convert_to(type_literal, found)


def _group_ids(regex: re.Pattern[str], groups: Any) -> list[int | str] | None:
    """The capture groups to report: all of them by default; None when the requested groups are not
    an array of existing group numbers or names (the call is then null)."""
    if groups is None:
        return list(range(1, regex.groups + 1)) or [0]
    if type(groups) is not list or not groups:
        return None
    for group in groups:
        if not (type(group) is int and 0 <= group <= regex.groups or type(group) is str and group in regex.groupindex):
            return None
    return groups


def _extract_all_type(args: list[KType] | tuple[KType, ...]) -> KType | None:
    """The three-argument form's capture groups are a dynamic array, as Kusto.Language requires."""
    if len(args) == 3 and args[1] not in (Y, KType.UNKNOWN):
        return None
    return Y


@scalar("extract_all", 2, 3, _extract_all_type)
def extract_all(pattern: Any, *rest: Any) -> list | None:
    """Every match: a flat array for one capture group, an array of arrays for several; null when
    nothing matches."""
    groups, source = (rest[0], rest[1]) if len(rest) == 2 else (None, rest[0])
    regex = regex_or_none(text(pattern))
    ids = None if regex is None else _group_ids(regex, groups)
    if ids is None:
        return None
    found: list[Any] = []
    for match in regex.finditer(text(source)):
        parts = [match.group(g) or "" for g in ids]
        found.append(parts[0] if len(parts) == 1 else parts)
    return found or None


@scalar("extractall", 2, 3, _extract_all_type)
def extractall(pattern: Any, *rest: Any) -> list | None:
    """Deprecated alias of extract_all."""
    return extract_all(pattern, *rest)


@scalar("isempty", 1, 1, B)
def isempty(value: Any) -> bool:
    """True for null and ""; a dynamic [] or {} is not empty."""
    return value is None or value == ""


@scalar("isnotempty", 1, 1, B)
def isnotempty(value: Any) -> bool:
    """Neither null nor ""."""
    return not (value is None or value == "")


@scalar("base64_encode_tostring", 1, 1, S)
def base64_encode_tostring(value: Any) -> str:
    """Base64 of the UTF-8 text."""
    return base64.b64encode(text(value).encode("utf-8")).decode("ascii")


@scalar("base64_decode_tostring", 1, 1, S)
def base64_decode_tostring(value: Any) -> str:
    """The UTF-8 text encoded in base64; "" when it is not valid base64 or not UTF-8."""
    try:
        return base64.b64decode(text(value), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ""


@scalar("base64_encode_fromarray", 1, 1, S)
def base64_encode_fromarray(value: Any) -> str:
    """Base64 of an array of byte values."""
    if type(value) is not list:
        return ""
    try:
        return base64.b64encode(bytes(int(b) for b in value)).decode("ascii")
    except (TypeError, ValueError):
        return ""


@scalar("base64_decode_toarray", 1, 1, Y)
def base64_decode_toarray(value: Any) -> list[int] | None:
    """The bytes encoded in base64, as an array of integers; null when invalid."""
    try:
        return list(base64.b64decode(text(value), validate=True))
    except (binascii.Error, ValueError):
        return None


@scalar("url_encode", 1, 1, S)
def url_encode(value: Any) -> str:
    """Form encoding as .NET HttpUtility.UrlEncode: space -> +, lower-case %xx escapes."""
    encoded = quote_plus(text(value), safe="!*()")
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), encoded)


@scalar("url_encode_component", 1, 1, S)
def url_encode_component(value: Any) -> str:
    """Like url_encode, with %20 for spaces."""
    return url_encode(value).replace("+", "%20")


@scalar("url_decode", 1, 1, S)
def url_decode(value: Any) -> str:
    """Decode %xx escapes and + as space."""
    return unquote_plus(text(value))


@scalar("parse_csv", 1, 1, Y)
def parse_csv(value: Any) -> list[str]:
    """The fields of the first CSV record (double-quote escaping)."""
    rows = list(csv.reader(io.StringIO(text(value))))
    return rows[0] if rows else [""]


@scalar("has_any_index", 2, 2, L)
def has_any_index(source: Any, needles: Any) -> int:
    """Index of the first item of `needles` that `source` has as a term, else -1."""
    hay = text(source)
    for position, needle in enumerate(needles if type(needles) is list else []):
        if has(hay, text(needle)):
            return position
    return -1


_MAX_CODE_POINT = 0x10FFFF


@scalar("make_string", 1, 64, S)
def make_string(*codepoints: Any) -> str:
    """Characters from Unicode code points (integers or arrays of them); a value that is not a valid
    code point makes the whole result null (the empty string)."""
    chars: list[str] = []
    for point in codepoints:
        for item in point if type(point) is list else [point]:
            if item is None:
                continue
            number = to_long(item)
            if number is None or not 0 <= number <= _MAX_CODE_POINT:
                return ""
            chars.append(chr(number))
    return "".join(chars)


@scalar("unicode_codepoints_from_string", 1, 1, Y)
def unicode_codepoints_from_string(value: Any) -> list[int]:
    """The Unicode code points of the text."""
    return [ord(char) for char in text(value)]


@scalar("isascii", 1, 1, B)
def isascii(value: Any) -> bool:
    """True when every character is ASCII."""
    return text(value).isascii()


@scalar("isutf8", 1, 1, B)
def isutf8(value: Any) -> bool:
    """True when the text is valid UTF-8 (always, for text held as Python str without surrogates)."""
    try:
        text(value).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@scalar("unicode_codepoints_to_string", 1, 64, S)
def unicode_codepoints_to_string(*codepoints: Any) -> str:
    """Alias of make_string."""
    return make_string(*codepoints)
