"""Read content YAML with ruamel.yaml's round-trip loader, keeping a line/column for every key.

Content files are small but numerous, so one YAML instance is built once and reused. The loaded
document is converted to plain dicts/lists/str/int/float/bool/None (what JSON Schema, the packager and
JSON output expect) while the positions go into a SourceMap. Every way a file can fail to be a YAML
mapping becomes one Diagnostic with file:line:column and a hint, raised as a ContentError.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarbool import ScalarBoolean

from detections.content.model import Location, SourceMap
from detections.diagnostics import ContentError, Diagnostic

_YAML: YAML | None = None

# `!crlf |` marks a block scalar whose line breaks are CRLF in the JSON it stands for (a block
# scalar cannot hold a carriage return itself); used by workbooks saved on Windows.
CRLF_TAG = "!crlf"

# Loader diagnostic codes (documented in docs/validation.md).
YAML_SYNTAX = "DET100"
DUPLICATE_KEY = "DET101"
NOT_A_MAPPING = "DET102"
UNREADABLE = "DET103"


def yaml_instance() -> YAML:
    """The shared round-trip YAML instance (building one costs more than loading a small file)."""
    global _YAML
    if _YAML is None:
        _YAML = YAML(typ="rt")
        _YAML.allow_duplicate_keys = False
        _YAML.width = 4096  # never fold long query lines when dumping
        _YAML.indent(mapping=2, sequence=4, offset=2)
    return _YAML


def read_yaml(path: Path) -> tuple[dict[str, Any], SourceMap]:
    """Load a YAML mapping from `path` as plain data plus a SourceMap; ContentError on any problem."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _error(UNREADABLE, path, 1, 1, f"not a UTF-8 text file ({exc.reason})",
                     "content files must be UTF-8 YAML text") from None
    except OSError as exc:
        raise _error(UNREADABLE, path, 1, 1, f"cannot read file: {exc.strerror}", None) from None
    return parse_yaml(text, path)


def parse_yaml(text: str, path: Path) -> tuple[dict[str, Any], SourceMap]:
    """Parse YAML text that must hold one mapping (a content document)."""
    if "\x00" in text:
        raise _error(UNREADABLE, path, 1, 1, "file contains NUL bytes: it is not YAML text",
                     "content files must be UTF-8 YAML text")
    try:
        document = yaml_instance().load(text)
    except DuplicateKeyError as exc:
        mark = exc.problem_mark
        raise _error(DUPLICATE_KEY, path, mark.line + 1, mark.column + 1, _duplicate_message(exc),
                     "each key may appear once per mapping: remove or rename one of them") from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = f"YAML syntax error: {exc.problem or 'invalid YAML'}"
        start = exc.context_mark
        if exc.context and start and (start.line + 1, start.column + 1) != (line, column):
            message += f" ({exc.context} started at line {start.line + 1}, column {start.column + 1})"
        raise _error(YAML_SYNTAX, path, line, column, message,
                     "check indentation (spaces, not tabs), quoting and closing brackets") from None
    except YAMLError as exc:
        raise _error(YAML_SYNTAX, path, 1, 1, f"YAML error: {exc}", None) from None
    if document is None:
        raise _error(NOT_A_MAPPING, path, 1, 1, "file is empty",
                     "write the content as a YAML mapping (id:, name:, ...) or delete the file")
    if not isinstance(document, CommentedMap):
        kind = "a list" if isinstance(document, CommentedSeq) else "a single value"
        raise _error(NOT_A_MAPPING, path, 1, 1, f"file holds {kind}, not a YAML mapping",
                     "a content file is a mapping of keys (id:, name:, query:, ...); is this file YAML content?")
    source = SourceMap(path)
    return _plain(document, (), source.positions), source


def _duplicate_message(exc: DuplicateKeyError) -> str:
    problem = exc.problem or "duplicate key"
    first = exc.context_mark
    return f"{problem}; first defined on line {first.line + 1}" if first else problem


def _error(code: str, path: Path, line: int, column: int, message: str, hint: str | None) -> ContentError:
    return ContentError([Diagnostic(code, message, Location(path, line, column), hint=hint)])


def _plain(node: Any, key_path: tuple[str | int, ...], positions: dict) -> Any:
    """Copy ruamel's node types into plain Python values, recording each key's and item's position."""
    if isinstance(node, CommentedMap):
        result: dict[str, Any] = {}
        for key, value in node.items():
            name = str(key) if not isinstance(key, str) else key
            here = (*key_path, name)
            line, column = node.lc.key(key)
            positions[here] = (line + 1, column + 1)
            result[name] = _plain(value, here, positions)
        return result
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            here = (*key_path, index)
            line, column = node.lc.item(index)
            positions[here] = (line + 1, column + 1)
            items.append(_plain(value, here, positions))
        return items
    return plain_scalar(node)


def plain_scalar(value: Any) -> Any:
    """A ruamel scalar as the JSON-compatible value YAML-to-JSON conversion (as Sentinel does it) gives."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, bool | ScalarBoolean):  # ScalarBoolean (anchored true/false) subclasses int
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, dt.date):  # dates and timestamps become ISO text, as in JSON
        return value.isoformat()
    if isinstance(value, TaggedScalar):
        text = str(value.value)
        return text.replace("\n", "\r\n") if str(value.tag) == CRLF_TAG else text
    return value
