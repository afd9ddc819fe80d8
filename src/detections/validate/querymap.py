"""Map a line/column inside a query string to the line/column of the content file.

The SourceMap holds where the `query:` key is; the query text itself starts either on the same line
(a plain or quoted scalar) or on the next lines (a `|` or `>` block scalar, indented). The file text is
read again only when a problem has to be placed, so the happy path costs nothing.
"""

from __future__ import annotations

from detections.content.model import Location
from detections.validate.base import Item, KeyPath


def query_location(item: Item, key_path: KeyPath, line: int, column: int) -> Location:
    """The file position of (line, column), both 1-based, of the string at `key_path`."""
    source = item.source
    if source is None or key_path not in source.positions:
        return Location(item.path, 1, 1)
    key_line, key_column = source.positions[key_path]
    try:
        lines = item.path.read_text(encoding="utf-8-sig").splitlines()
        header = lines[key_line - 1]
    except (OSError, IndexError, UnicodeDecodeError):
        return Location(item.path, key_line, key_column)
    rest = header[key_column - 1:].split(":", 1)[-1]
    value = rest.lstrip()
    if value[:1] in ("|", ">"):
        indent = _block_indent(lines, key_line, value)
        return Location(item.path, key_line + line, indent + column)
    start = len(header) - len(value) + 1 + (1 if value[:1] in ("'", '"') else 0)
    if line == 1:
        return Location(item.path, key_line, start + column - 1)
    return Location(item.path, key_line + line - 1, column)


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
