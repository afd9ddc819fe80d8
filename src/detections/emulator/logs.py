"""The Log Analytics query API (`/v1/workspaces/{id}/query`, `/v1/$batch`) answered by our engine.

Answers use the service's shapes: `tables[{name, columns[{name, type}], rows}]`, or the un-thinned
`Tables[{TableName, Columns[{ColumnName, DataType, ColumnType}], Rows}]` Kqlmagic asks for with
`Prefer: ai.response-thinning=false`; a bad query gets the nested BadArgumentError body.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from detections.emulator import iso8601
from detections.emulator.errors import ApiError, logs_error
from detections.live.local import LocalResult, LocalWorkspace

# Kusto type -> .NET type name in the un-thinned shape.
_DOTNET_TYPES = {"bool": "Boolean", "datetime": "DateTime", "dynamic": "Object", "guid": "Guid",
                 "int": "Int32", "long": "Int64", "real": "Double", "string": "String",
                 "timespan": "TimeSpan", "decimal": "Decimal"}
_INNER = {"KqlSyntaxError": ("SyntaxError", "A recognition error occurred in the query.", "SYN0002"),
          "KqlSemanticError": ("SemanticError", "A semantic error occurred.", "SEM0100"),
          "KqlUnsupportedError": ("UnsupportedError", "The emulator's engine does not support this query.",
                                  "EMU0001")}


def _bad_argument(inner: dict[str, Any]) -> ApiError:
    return logs_error(400, "BadArgumentError", "The request had some invalid properties", inner)


def encode_value(value: Any) -> Any:
    """A Python value as the query API writes it in JSON (dynamic values as JSON text)."""
    from detections.kql.values import format_real, format_timespan, to_json_text

    if isinstance(value, datetime):
        return iso8601.format_datetime(value)
    if isinstance(value, timedelta):
        return format_timespan(value)
    if isinstance(value, dict | list):
        return to_json_text(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return format_real(value)
    return value


def thinned(result: LocalResult) -> dict[str, Any]:
    return {"tables": [{"name": "PrimaryResult",
                        "columns": [{"name": n, "type": t} for n, t in result.columns],
                        "rows": [[encode_value(v) for v in row] for row in result.rows]}]}


def unthinned(result: LocalResult) -> dict[str, Any]:
    return {"Tables": [{"TableName": "Table_0",
                        "Columns": [{"ColumnName": n, "DataType": _DOTNET_TYPES.get(t, "String"), "ColumnType": t}
                                    for n, t in result.columns],
                        "Rows": [[encode_value(v) for v in row] for row in result.rows]}]}


class LogsApi:
    """The data plane of one workspace over a LocalWorkspace."""

    def __init__(self, workspace_id: str, data: LocalWorkspace, clock: Callable[[], datetime],
                 anonymous: bool = False) -> None:
        self.workspace_id = workspace_id
        self.data = data
        self.clock = clock
        self.anonymous = anonymous  # Kqlmagic's `anonymous` connection sends no Authorization header

    def query(self, workspace_id: str, method: str, body: Any, params: dict[str, str],
              headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self._check_workspace(workspace_id)
        if method == "GET":
            body = {"query": params.get("query"), "timespan": params.get("timespan")}
        elif method != "POST":
            raise ApiError(405, "MethodNotAllowed", f"{method} is not supported on the query API; use POST.")
        shape = unthinned if "ai.response-thinning=false" in headers.get("prefer", "").lower() else thinned
        return 200, shape(self.run(body))

    def batch(self, method: str, body: Any) -> tuple[int, dict[str, Any]]:
        requests = body.get("requests") if isinstance(body, dict) else None
        if method != "POST" or not isinstance(requests, list):
            raise _bad_argument({"code": "InvalidBatch", "message": "POST a body {\"requests\": [...]}."})
        responses = []
        for request in requests:
            request = request if isinstance(request, dict) else {}
            try:
                self._check_workspace(str(request.get("workspace", "")))
                status, answer = 200, thinned(self.run(request.get("body")))
            except ApiError as error:
                status, answer = error.status, error.body
            responses.append({"id": request.get("id"), "status": status, "body": answer})
        return 200, {"responses": responses}

    def _check_workspace(self, workspace_id: str) -> None:
        if workspace_id.lower() != self.workspace_id.lower():
            raise logs_error(404, "WorkspaceNotFoundError", f"The workspace {workspace_id} could not be found")

    def run(self, body: Any) -> LocalResult:
        """Run one {query, timespan} body; bad input raises the API's 400 body."""
        from detections.kql import KqlError

        if not isinstance(body, dict) or not isinstance(body.get("query"), str) or not body["query"].strip():
            raise _bad_argument({"code": "QueryValidationError", "message": "The 'query' property is required."})
        now = self.clock()
        start = end = None
        if body.get("timespan"):
            try:
                start, end = iso8601.parse_interval(str(body["timespan"]), now)
            except ValueError as exc:
                raise _bad_argument({"code": "InvalidTimespan", "message": str(exc)}) from None
        try:
            return self.data.run(body["query"], start=start, end=end, now=now)
        except KqlError as error:
            code, message, inner_code = _INNER.get(type(error).__name__, _INNER["KqlSemanticError"])
            raise _bad_argument({"code": code, "message": message, "innererror": {
                "code": inner_code, "message": error.message, "line": error.line, "pos": error.column - 1}}) from None

