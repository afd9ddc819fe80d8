"""Read every YAML file of the project (content and fixtures) into plain values plus a SourceMap.

One reader for both: libyaml composes the node tree (about 40x faster than ruamel's round-trip loader,
which matters for record-heavy fixtures) and one walk turns it into plain dict/list/str/int/float/bool/
None values (what JSON Schema, the packager and JSON output expect) while every key's and item's
line/column goes into the SourceMap. Scalars resolve as YAML 1.2 core, as Sentinel's tooling reads
content: `No`, `on`, `yes` stay text (CloudTrail's `MFAUsed: No`), `010` is 10 and `12:30` is text.
Every way a file can fail to be a YAML mapping becomes one Diagnostic with file:line:column and a hint,
raised as a ContentError. ruamel is used only to write YAML (yaml_instance), where it keeps the layout.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML

from detections.content.model import Location, SourceMap
from detections.diagnostics import ContentError, Diagnostic

# `!crlf |` marks a block scalar whose line breaks are CRLF in the JSON it stands for (a block
# scalar cannot hold a carriage return itself); used by workbooks saved on Windows.
CRLF_TAG = "!crlf"

# Loader diagnostic codes (documented in docs/validation.md).
YAML_SYNTAX = "DET100"
DUPLICATE_KEY = "DET101"
NOT_A_MAPPING = "DET102"
UNREADABLE = "DET103"

_CONTENT_HINT = "write the content as a YAML mapping (id:, name:, query:, ...)"
_TEXT_HINT = "save the file as UTF-8 text"
_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CORE_OVERRIDES = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


class _Loader(_BASE):  # type: ignore[misc, valid-type]
    """SafeLoader with YAML 1.2 core-schema implicit types, `!crlf` and other local tags as text."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _CORE_OVERRIDES]
    for first, resolvers in _BASE.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
                              list("-+0123456789"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))
_Loader.add_constructor("tag:yaml.org,2002:bool", lambda loader, node: node.value.lower() == "true")
_Loader.add_constructor("tag:yaml.org,2002:int", lambda loader, node: int(node.value[2:], 8 if node.value[1] == "o" else 16)
                        if node.value[:2] in ("0o", "0x") else int(node.value))
# YAML 1.1 leftovers: `=` and a `<<` that is not a merge key are plain text in YAML 1.2.
for _tag in ("tag:yaml.org,2002:value", "tag:yaml.org,2002:merge"):
    _Loader.add_constructor(_tag, _BASE.construct_yaml_str)
_Loader.add_constructor(CRLF_TAG, lambda loader, node: str(loader.construct_scalar(node)).replace("\n", "\r\n"))
# Any other local tag (`!Ref`, `!tag`) keeps its plain value, as a YAML-to-JSON conversion does.
_Loader.add_multi_constructor("!", lambda loader, suffix, node: (
    loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode)
    else loader.construct_sequence(node, deep=True) if isinstance(node, yaml.SequenceNode)
    else loader.construct_mapping(node, deep=True)))

_WRITER: YAML | None = None


def yaml_instance() -> YAML:
    """The shared ruamel YAML instance for writing content (building one costs more than a small dump)."""
    global _WRITER
    if _WRITER is None:
        _WRITER = YAML(typ="rt")
        _WRITER.width = 4096  # never fold long query lines when dumping
        _WRITER.indent(mapping=2, sequence=4, offset=2)
    return _WRITER


def read_text(path: Path, what: str = "file") -> str:
    """A UTF-8 text file (BOM allowed); ContentError naming the file when it is missing, a folder,
    unreadable, binary or not UTF-8, so no caller has to handle OSError or UnicodeDecodeError."""
    if path.is_dir():
        if not os.access(path, os.R_OK | os.X_OK):
            raise _error(UNREADABLE, path, 1, 1, "cannot list this folder: permission denied",
                         "check the folder's permissions: files in it were not checked")
        raise _error(UNREADABLE, path, 1, 1, f"is a folder, not a {what}", f"pass the {what} itself")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _error(UNREADABLE, path, 1, 1, f"cannot read {what}: {exc.strerror or exc}",
                     "check the path and its permissions") from None
    return decode_text(raw, path)


def decode_text(raw: bytes, path: Path) -> str:
    """UTF-8 bytes (BOM allowed) as text; ContentError at the line and column of the first bad byte."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _error(UNREADABLE, path, line, column, f"not a UTF-8 text file (byte 0x{raw[exc.start]:02x})",
                     _TEXT_HINT) from None
    if "\x00" in text:
        raise _error(UNREADABLE, path, 1, 1, "file contains NUL bytes: it is not text", _TEXT_HINT)
    return text


def read_yaml(path: Path, hint: str = _CONTENT_HINT) -> tuple[dict[str, Any], SourceMap]:
    """Load a YAML mapping from `path` as plain data plus a SourceMap; ContentError on any problem.

    `hint` says what the mapping should hold, for the message when the file is empty or not a mapping.
    """
    return parse_yaml(read_text(path), path, hint)


def parse_yaml(text: str, path: Path, hint: str = _CONTENT_HINT) -> tuple[dict[str, Any], SourceMap]:
    """Parse YAML text that must hold one mapping (a content document or a fixture file)."""
    source = SourceMap(path)
    return _load(text, path, hint, source), source


def parse_yaml_value(text: str, path: Path) -> Any:
    """Parse YAML text holding any value (a list of watchlist rows, say); ContentError on problems."""
    return _load(text, path, None, SourceMap(path))


def _load(text: str, path: Path, hint: str | None, source: SourceMap) -> Any:
    if "\x00" in text:
        raise _error(UNREADABLE, path, 1, 1, "file contains NUL bytes: it is not text", _TEXT_HINT)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if hint is not None and node is None:
            raise _error(NOT_A_MAPPING, path, 1, 1, "file is empty", f"{hint}, or delete the file")
        if hint is not None and not isinstance(node, yaml.MappingNode):
            kind = "a list" if isinstance(node, yaml.SequenceNode) else "a single value"
            raise _error(NOT_A_MAPPING, path, node.start_mark.line + 1, node.start_mark.column + 1,
                         f"file holds {kind}, not a YAML mapping", hint)
        return None if node is None else _walk(loader, node, (), source.positions, path)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = f"YAML syntax error: {exc.problem or 'invalid YAML'}"
        start = exc.context_mark
        if exc.context and start and (start.line + 1, start.column + 1) != (line, column):
            message += f" ({exc.context} started at line {start.line + 1}, column {start.column + 1})"
        raise _error(YAML_SYNTAX, path, line, column, message,
                     "check indentation (spaces, not tabs), quoting and closing brackets") from None
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError) as exc:  # deep nesting, bad numbers
        raise _error(YAML_SYNTAX, path, 1, 1, f"YAML error: {exc}", None) from None
    finally:
        loader.dispose()


def _error(code: str, path: Path, line: int, column: int, message: str, hint: str | None) -> ContentError:
    return ContentError([Diagnostic(code, message, Location(path, line, column), hint=hint)])


def _walk(loader: Any, node: yaml.Node, key_path: tuple[str | int, ...], positions: dict, path: Path) -> Any:
    """Plain values from the node tree, recording each key's and item's 1-based position."""
    if isinstance(node, yaml.MappingNode) and not node.tag.startswith("!"):
        loader.flatten_mapping(node)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            name = key if isinstance(key, str) else _key_text(key)
            line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if name in result:
                first = positions[(*key_path, name)][0]
                raise _error(DUPLICATE_KEY, path, line, column,
                             f"found duplicate key {name!r}; first defined on line {first}",
                             "each key may appear once per mapping: remove or rename one of them")
            positions[(*key_path, name)] = (line, column)
            result[name] = _walk(loader, value_node, (*key_path, name), positions, path)
        return result
    if isinstance(node, yaml.SequenceNode) and not node.tag.startswith("!"):
        items = []
        for index, item in enumerate(node.value):
            positions[(*key_path, index)] = (item.start_mark.line + 1, item.start_mark.column + 1)
            items.append(_walk(loader, item, (*key_path, index), positions, path))
        return items
    return _json_value(loader.construct_object(node, deep=True))


def _key_text(key: Any) -> str:
    """A non-text key as JSON would spell it (`true`, `1`), so `on:`-style keys stay findable."""
    if isinstance(key, bool):
        return "true" if key else "false"
    return "null" if key is None else str(key)


def _json_value(value: Any) -> Any:
    """Dates and timestamps become ISO text, as in JSON; nested values of local tags likewise."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {_key_text(k) if not isinstance(k, str) else k: _json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    return value
