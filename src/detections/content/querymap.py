"""Map a line/column inside a YAML string (a query) to the line/column of the file that holds it.

The SourceMap holds where the key is; the text itself starts either on the same line (a plain or
quoted scalar) or on the next lines (a `|` or `>` block scalar, indented). Node properties may come
first: a tag (`!crlf |-`, used by workbooks saved on Windows) or an anchor (`&q |`). The file is read
again only when a problem has to be placed, so the happy path costs nothing. Used by `detections
validate` and by rule tests, so both place a query's errors at the same spot.
"""

from __future__ import annotations

import re

from detections.content.model import Location

# YAML node properties before a value: a tag (!local, !!str, !<uri>) and/or an anchor (&name), any order
_PROPERTIES = re.compile(r"(?:(?:![^\s]*|&[^\s]+)\s+)*")


def string_location(key: Location, line: int | None, column: int | None) -> Location:
    """The file position of (line, column), both 1-based, inside the string whose key is at `key`."""
    if not line:
        return key
    column = column or 1
    try:
        lines = key.path.read_text(encoding="utf-8-sig").splitlines()
        header = lines[key.line - 1]
    except (OSError, IndexError, UnicodeDecodeError):
        return key
    after_key = header[key.column - 1:].split(":", 1)[-1].lstrip()
    value = after_key[_PROPERTIES.match(after_key).end():]  # type: ignore[union-attr]  # always matches
    if value[:1] in ("|", ">"):
        return Location(key.path, key.line + line, _block_indent(lines, key.line, value) + column)
    start = len(header) - len(value) + 1 + (1 if value[:1] in ("'", '"') else 0)
    if line == 1:
        return Location(key.path, key.line, start + column - 1)
    return Location(key.path, key.line + line - 1, column)


def _block_indent(lines: list[str], key_line: int, indicator: str) -> int:
    """Indentation of a block scalar: explicit (`|2`) or that of its first non-blank line."""
    digits = [c for c in indicator.split("#")[0] if c.isdigit()]
    if digits:
        parent = len(lines[key_line - 1]) - len(lines[key_line - 1].lstrip())
        return parent + int(digits[0])
    for text in lines[key_line:]:
        if text.strip():
            return len(text) - len(text.lstrip())
    return 0
