"""Fast YAML reading for fixture files: libyaml composes the node tree (40x faster than ruamel's
round-trip loader on record-heavy fixtures), and one walk turns it into plain values plus a SourceMap.

Scalars resolve as YAML 1.2 core (ruamel's default, used for content files), not PyYAML's 1.1:
`No`, `on`, `yes` stay text (CloudTrail's `MFAUsed: No`), `010` is 10 and `12:30` is text.
Problems are the content loader's diagnostics (same codes, file:line:column and hints).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from detections.content.model import Location, SourceMap
from detections.content.yamlio import DUPLICATE_KEY, NOT_A_MAPPING, UNREADABLE, YAML_SYNTAX
from detections.diagnostics import ContentError, Diagnostic

_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BASE):  # type: ignore[misc, valid-type]
    """SafeLoader with YAML 1.2 core-schema implicit types."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int")]
    for first, resolvers in _BASE.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789"))
_Loader.add_constructor("tag:yaml.org,2002:bool", lambda loader, node: node.value.lower() == "true")
_Loader.add_constructor("tag:yaml.org,2002:int", lambda loader, node: int(node.value, 0) if node.value[:2] in ("0o", "0x")
                        else int(node.value))


def _error(code: str, path: Path, line: int, column: int, message: str, hint: str | None) -> ContentError:
    return ContentError([Diagnostic(code, message, Location(path, line, column), hint=hint)])


def read_fixture_yaml(path: Path) -> tuple[dict[str, Any], SourceMap]:
    """A fixture file as plain data plus the position of every key and item; ContentError on problems."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise _error(UNREADABLE, path, 1, 1, f"cannot read file: {exc}", "fixture files must be UTF-8 YAML text") from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        source = SourceMap(path)
        if node is None:
            raise _error(NOT_A_MAPPING, path, 1, 1, "file is empty", "write `rule:` and `cases:` (see docs/fixtures.md)")
        if not isinstance(node, yaml.MappingNode):
            raise _error(NOT_A_MAPPING, path, node.start_mark.line + 1, node.start_mark.column + 1,
                         "file is not a YAML mapping", "a fixture file is a mapping with `rule:` and `cases:`")
        return _walk(loader, node, (), source.positions, path), source
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise _error(YAML_SYNTAX, path, line, column, f"YAML syntax error: {problem}",
                     "check indentation (spaces, not tabs) and quoting around this position") from None
    except yaml.YAMLError as exc:
        raise _error(YAML_SYNTAX, path, 1, 1, f"YAML error: {exc}", None) from None
    finally:
        loader.dispose()


def _walk(loader: Any, node: yaml.Node, key_path: tuple[str | int, ...], positions: dict, path: Path) -> Any:
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            name = key if isinstance(key, str) else str(key)
            line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if name in result:
                first = positions[(*key_path, name)][0]
                raise _error(DUPLICATE_KEY, path, line, column, f"found duplicate key {name!r}; first defined on line {first}",
                             "each key may appear once per mapping: remove or rename one of them")
            positions[(*key_path, name)] = (line, column)
            result[name] = _walk(loader, value_node, (*key_path, name), positions, path)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            positions[(*key_path, index)] = (item.start_mark.line + 1, item.start_mark.column + 1)
            items.append(_walk(loader, item, (*key_path, index), positions, path))
        return items
    value = loader.construct_object(node, deep=True)
    return value.isoformat() if isinstance(value, date) else value  # timestamps as text, as in JSON
