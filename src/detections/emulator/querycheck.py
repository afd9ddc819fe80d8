"""The service's query checks on an alert rule PUT: the query must compile against the workspace,
and every column that entity mappings, custom details and alert details override name must be an
output column of the query. Sentinel rejects such rules at deploy time; so does the emulator.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from detections.emulator.errors import bad_request
from detections.live.local import LocalWorkspace

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def referenced_columns(props: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, column) for every column a rule's properties name."""
    for i, mapping in enumerate(props.get("entityMappings") or []):
        for j, field in enumerate(mapping.get("fieldMappings") or []):
            yield f"entityMappings[{i}].fieldMappings[{j}].columnName", field.get("columnName", "")
    for key, column in (props.get("customDetails") or {}).items():
        yield f"customDetails.{key}", column
    override = props.get("alertDetailsOverride") or {}
    for key in ("alertTacticsColumnName", "alertSeverityColumnName"):
        if override.get(key):
            yield f"alertDetailsOverride.{key}", override[key]
    for key in ("alertDisplayNameFormat", "alertDescriptionFormat"):
        for column in _PLACEHOLDER.findall(override.get(key) or ""):
            yield f"alertDetailsOverride.{key}", column
    for i, item in enumerate(override.get("alertDynamicProperties") or []):
        value = str(item.get("value", ""))
        if value and not value.startswith(("'", '"')):  # a quoted value is a literal, not a column
            yield f"alertDetailsOverride.alertDynamicProperties[{i}].value", value


def make_query_check(data: LocalWorkspace) -> Callable[[dict[str, Any]], None]:
    def check(props: dict[str, Any]) -> None:
        from detections.kql import KqlError, KqlUnsupportedError, bind

        try:
            output = {name for name, _ in bind(props["query"], schemas=data.schemas())}
            data.check_tables(props["query"])
        except KqlUnsupportedError:
            return  # our engine cannot judge this query; the service would, so do not reject it
        except KqlError as error:
            raise bad_request(f"Failed to run the analytics rule query. Semantic error: line {error.line}, "
                              f"column {error.column}: {error.message}") from None
        missing = [f"{where}: column '{column}' is not in the query results"
                   for where, column in referenced_columns(props) if column not in output]
        if missing:
            raise bad_request("Invalid data model. [" + "; ".join(missing) + "]")

    return check
