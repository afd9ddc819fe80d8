"""Workbooks as readable YAML, and the lossless conversion to and from Sentinel's workbook JSON.

Sentinel stores a workbook as one JSON document ("serializedData": version Notebook/1.0, items, ...)
whose KQL queries are escaped one-line strings. We author the same document as YAML, with every
multi-line string as a literal block scalar, so a review diffs KQL. Workbooks saved on Windows use
CRLF inside their strings; a YAML block scalar cannot hold a carriage return, so such a string is
written as a `!crlf |` block and its line breaks are restored on load. Strings that fit neither form
(mixed line breaks, control characters) are written as quoted YAML strings, which are exact. Import
checks the round trip before writing.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import TaggedScalar
from ruamel.yaml.scalarstring import LiteralScalarString

from detections.content import jsonio
from detections.content.yamlio import CRLF_TAG, parse_yaml, yaml_instance

NOTEBOOK_VERSION = "Notebook/1.0"


class WorkbookFormatError(ValueError):
    """The input is not a workbook we can convert (message says why and what to pass instead);
    `where` is `:line:column` when the problem has a place in the input, else empty."""

    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(message)
        self.where = where


def template_from_yaml(document: dict[str, Any]) -> dict[str, Any]:
    """The workbook JSON content of a loaded workbook YAML document (`!crlf` blocks already restored)."""
    return document["template"]


@dataclass(frozen=True)
class FoundWorkbook:
    """Workbook content, plus what its workbook resource says about it (an ARM template or REST body
    names the workbook by a GUID and carries its display name and description)."""

    notebook: dict[str, Any]
    resource_id: str | None = None
    display_name: str | None = None
    description: str | None = None


def find_notebook(data: Any) -> dict[str, Any]:
    """The workbook content inside what Sentinel or the gallery exports (see find_workbook)."""
    return find_workbook(data).notebook


def find_workbook(data: Any) -> FoundWorkbook:
    """The workbook content inside what Sentinel or the gallery exports, with its resource's identity.

    Accepts the content itself (`{"version": "Notebook/1.0", "items": [...]}`), a gallery template
    (`templateData`), or an ARM template / workbook resource whose `serializedData` is a JSON string.
    """
    if isinstance(data, dict):
        if data.get("version") == NOTEBOOK_VERSION and isinstance(data.get("items"), list):
            return FoundWorkbook(data)
        serialized = data.get("serializedData")
        if isinstance(serialized, str):
            try:
                return find_workbook(jsonio.loads(serialized))
            except jsonio.JsonError:
                raise WorkbookFormatError(
                    "serializedData is not plain JSON (an ARM expression?): export the workbook's JSON "
                    "from the workbook editor (Advanced Editor > Gallery Template) instead") from None
        properties = data.get("properties")
        if isinstance(properties, dict) and isinstance(properties.get("serializedData"), str):
            return replace(find_workbook(properties), resource_id=_guid(data.get("name")),
                           display_name=_text(properties.get("displayName")),
                           description=_text(properties.get("description")))
        for value in data.values():
            if isinstance(value, dict | list):
                try:
                    return find_workbook(value)
                except WorkbookFormatError:
                    continue
    elif isinstance(data, list):
        for value in data:
            try:
                return find_workbook(value)
            except WorkbookFormatError:
                continue
    raise WorkbookFormatError(f"no workbook content (an object with version {NOTEBOOK_VERSION!r} and items) found")


def _guid(value: Any) -> str | None:
    """A workbook resource's name when it is a GUID (not an ARM expression such as `[guid(...)]`)."""
    try:
        return str(uuid.UUID(value)) if isinstance(value, str) else None
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def json_to_yaml(json_text: str, *, name: str | None = None, workbook_id: str | None = None,
                 description: str | None = None, version: str = "1.0.0", default_name: str = "Workbook") -> str:
    """Convert a workbook JSON export to our workbook YAML text; raises WorkbookFormatError.

    What is not given comes from the workbook resource when the export is one (its GUID name, so a
    re-import deploys to the same workbook; its display name and description), else the id is derived
    from the name and the name is `default_name`."""
    try:
        data = jsonio.loads(json_text)
    except jsonio.JsonError as exc:
        raise WorkbookFormatError(f"not valid JSON: {exc.msg}", f":{exc.lineno}:{exc.colno}") from None
    found = find_workbook(data)
    notebook = found.notebook
    if workbook_id is not None:
        try:
            uuid.UUID(workbook_id)
        except ValueError:
            raise WorkbookFormatError(f"--id {workbook_id!r} is not a GUID") from None
    name = name or found.display_name or default_name
    document: dict[str, Any] = {
        "id": workbook_id or found.resource_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"detections:workbook:{name}")),
        "name": name,
        "description": description or found.description or f"{name} workbook.",
        "version": version,
        "template": _map_strings(notebook, _block),
    }
    if isinstance(document["description"], str) and "\n" in document["description"]:
        document["description"] = _block(document["description"])
    text = _dump(document)
    if _reload_template(text) != notebook:  # a string YAML blocks cannot hold: fall back to quoting
        document["template"] = notebook
        text = _dump(document)
        if _reload_template(text) != notebook:
            raise WorkbookFormatError("the workbook does not survive a YAML round trip; please report it")
    return text


def template_to_json(template: dict[str, Any]) -> str:
    """The JSON text Sentinel stores for a workbook template (2-space indent, UTF-8 kept)."""
    return json.dumps(template, indent=2, ensure_ascii=False) + "\n"


def _reload_template(text: str) -> dict[str, Any]:
    document, _ = parse_yaml(text, Path("<workbook>"))
    return template_from_yaml(document)


def _dump(document: dict[str, Any]) -> str:
    stream = io.StringIO()
    yaml_instance().dump(document, stream)
    return stream.getvalue()


def _block(text: str) -> Any:
    """Multi-line text as a literal block scalar (tagged `!crlf` for CRLF text) when YAML can hold it exactly."""
    if "\n" not in text:
        return text
    if "\r" not in text and _printable_lines(text):
        return LiteralScalarString(text)
    if text.count("\r\n") == text.count("\n") == text.count("\r"):
        unix = text.replace("\r\n", "\n")
        if _printable_lines(unix):
            return TaggedScalar(unix, style="|", tag=CRLF_TAG)
    return text


def _printable_lines(text: str) -> bool:
    return all(line.replace("\t", " ").isprintable() for line in text.split("\n"))


def _map_strings(node: Any, change: Callable[[str], Any]) -> Any:
    """A copy of a JSON value with `change` applied to every string value (keys are left alone)."""
    if isinstance(node, dict):
        return {key: _map_strings(value, change) for key, value in node.items()}
    if isinstance(node, list):
        return [_map_strings(value, change) for value in node]
    if isinstance(node, str):
        return change(node)
    return node
