"""JSON Schemas (Draft 2020-12) of each content kind, shipped as package data.

The files beside this module refer to each other by relative `$ref` (`common.json#/$defs/guid`,
`extension.json`) so an editor pointed at the files on disk resolves them. `bundled()` inlines those
references into one self-contained schema: that is what `detections schema` prints and what the
validators are compiled from (once per process).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from detections.content.model import SourceMap
from detections.diagnostics import Diagnostic

_HERE = Path(__file__).parent

# content kind -> schema file
SCHEMA_FILES: dict[str, str] = {
    "rule": "analytics-rule.json",
    "hunting": "hunting-query.json",
    "workbook": "workbook.json",
    "extension": "extension.json",
}

# jsonschema keyword -> (diagnostic code, short title); documented in docs/validation.md
KEYWORD_CODES: dict[str, tuple[str, str]] = {
    "required": ("DET110", "required field missing"),
    "type": ("DET111", "wrong type"),
    "enum": ("DET112", "value not allowed"),
    "const": ("DET112", "value not allowed"),
    "minLength": ("DET113", "limit exceeded"),
    "maxLength": ("DET113", "limit exceeded"),
    "minimum": ("DET113", "limit exceeded"),
    "maximum": ("DET113", "limit exceeded"),
    "minItems": ("DET113", "limit exceeded"),
    "maxItems": ("DET113", "limit exceeded"),
    "maxProperties": ("DET113", "limit exceeded"),
    "uniqueItems": ("DET113", "limit exceeded"),
    "pattern": ("DET114", "wrong format"),
    "additionalProperties": ("DET115", "field not allowed here"),
}


def _read(name: str) -> dict[str, Any]:
    return json.loads((_HERE / name).read_text(encoding="utf-8"))


@cache
def bundled(kind: str) -> dict[str, Any]:
    """The self-contained schema of a content kind (`rule`, `hunting`, `workbook`, `extension`)."""
    schema = copy.deepcopy(_read(SCHEMA_FILES[kind]))
    defs: dict[str, Any] = schema.setdefault("$defs", {})

    def inline(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                node["$ref"] = _import_ref(ref)
            for value in node.values():
                inline(value)
        elif isinstance(node, list):
            for value in node:
                inline(value)

    def _import_ref(ref: str) -> str:
        file, _, pointer = ref.partition("#")
        other = _read(file)
        for name, definition in other.pop("$defs", {}).items():
            if name not in defs:
                defs[name] = definition
                inline(definition)
        if pointer:  # a definition of the other file: now one of ours
            return f"#{pointer}"
        stem = Path(file).stem
        if stem not in defs:
            other.pop("$schema", None)
            defs[stem] = other
            inline(other)
        return f"#/$defs/{stem}"

    inline({key: value for key, value in schema.items() if key != "$defs"})
    return schema


@cache
def validator(kind: str) -> Draft202012Validator:
    """A compiled validator for a content kind, built once per process."""
    return Draft202012Validator(bundled(kind))


def known_keys(kind: str) -> frozenset[str]:
    """Top-level keys the schema of `kind` describes (others are reported as unknown)."""
    return frozenset(bundled(kind).get("properties", {}))


def check(kind: str, document: dict[str, Any], source: SourceMap) -> list[Diagnostic]:
    """Validate a loaded document; one Diagnostic per schema error, placed via the SourceMap."""
    errors = validator(kind).iter_errors(document)
    found = [_diagnostic(error, source) for error in _leaf_errors(errors)]
    return sorted(found, key=lambda d: (d.location.line, d.location.column))


def _leaf_errors(errors: Iterable[ValidationError]) -> list[ValidationError]:
    """Replace if/then and $ref wrapper errors by the errors that say what is actually wrong."""
    leaves: list[ValidationError] = []
    for error in errors:
        if error.context:
            leaves.extend(_leaf_errors(error.context))
        else:
            leaves.append(error)
    return leaves


def _diagnostic(error: ValidationError, source: SourceMap) -> Diagnostic:
    path = tuple(error.absolute_path)
    code, title = KEYWORD_CODES[str(error.validator)]  # tests keep every keyword we use in this table
    where = _dotted(path)
    description = error.schema.get("description") if isinstance(error.schema, dict) else None
    hint = f"expected {description}" if description else None
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        message = f"{title}: `{missing}`" + (f" in `{where}`" if where else "")
        hint = f"add `{missing}:`" + (f" under `{where}`" if where else "")
    elif error.validator == "additionalProperties":
        message = f"{title}: {error.message}" + (f" in `{where}`" if where else "")
        hint = "remove the field or fix its spelling"
    elif error.validator == "type":
        message = f"{title}: `{where or 'document'}` must be {_types(error.validator_value)}, not {_json_type(error.instance)}"
    elif error.validator in ("enum", "const", "pattern"):
        message = f"{title}: `{where}` is {error.instance!r}"
        if hint is None and error.validator in ("enum", "const"):
            allowed = error.validator_value if error.validator == "enum" else [error.validator_value]
            hint = "use one of: " + ", ".join(str(v) for v in allowed)
    else:
        message = f"{title}: `{where or 'document'}`: {error.message}"
    return Diagnostic(code, message, source.locate(*path), hint=hint)


def _dotted(path: tuple[str | int, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _types(expected: Any) -> str:
    names = expected if isinstance(expected, list) else [expected]
    return " or ".join(_ARTICLES.get(n, n) for n in names)


_ARTICLES = {"object": "a mapping", "array": "a list", "string": "text", "integer": "an integer",
             "number": "a number", "boolean": "true or false", "null": "empty"}


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    return f"text {value!r}"
