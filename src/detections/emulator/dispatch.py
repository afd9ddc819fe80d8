"""From a parsed HTTP request to an answer: route, scope, api-version, auth, faults, then the handler.

The order follows the real front doors: ARM checks the token, the api-version and that the scope
exists before the resource provider sees the body; faults fire before handling, like a throttle would.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from detections.content import jsonio
from detections.emulator import routes
from detections.emulator.arm import COLLECTIONS, ArmCollections
from detections.emulator.context import RequestContext
from detections.emulator.errors import ApiError, bad_request, not_found
from detections.emulator.faults import Faults
from detections.emulator.logs import LogsApi
from detections.emulator.workspace import Workspace

_API_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview)?$")
Answer = tuple[int, Any, dict[str, str]]


@dataclass(frozen=True)
class RequestRecord:
    """One handled request, for tests to assert on (e.g. that a re-deploy sent no PUT)."""

    method: str
    route: str
    name: str | None
    status: int
    path: str


class Dispatcher:
    def __init__(self, workspace: Workspace, arm: ArmCollections, logs: LogsApi, faults: Faults,
                 clock: Callable[[], datetime], query_check: Callable[[dict[str, Any]], None] | None) -> None:
        self.workspace = workspace
        self.arm = arm
        self.logs = logs
        self.faults = faults
        self.clock = clock
        self.query_check = query_check
        self.base_url = ""
        self.records: list[RequestRecord] = []
        self._records_lock = threading.Lock()

    def handle(self, method: str, path: str, query: dict[str, str], headers: dict[str, str],
               raw: bytes) -> Answer:
        found = routes.match(path)
        route_name, name = (found[0].name, found[1].get("name")) if found else ("unknown", None)
        try:
            if found is None:
                raise not_found(f"No route for {method} {path} in the emulator.", code="InvalidResourceType")
            status, body = self._route(method, path, query, headers, raw, *found)
            answer: Answer = (status, body, {})
        except ApiError as error:
            answer = (error.status, error.body, error.headers)
        except Exception as error:  # a bug of ours: the client gets the service's 500 shape, not a hang-up
            failure = ApiError(500, "InternalServerError", f"The emulator failed: {type(error).__name__}: {error}")
            answer = (failure.status, failure.body, failure.headers)
        with self._records_lock:
            self.records.append(RequestRecord(method, route_name, name, answer[0], path))
        return answer

    def _route(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], raw: bytes,
               route: routes.Route, params: dict[str, str]) -> tuple[int, Any]:
        ctx = RequestContext(query.get("api-version", ""), query, self.clock(), self.base_url, path,
                             self.query_check)
        if route.arm:
            _require_token(headers, "AuthenticationFailed",
                           "Authentication failed. The 'Authorization' header is missing or not a bearer token.")
            _check_api_version(ctx)
            self._check_scope(params)
        elif not self.logs.anonymous:
            _require_token(headers, "AuthorizationRequiredError", "Valid authentication was not provided.")
        error, edit = self.faults.take(route.name, method, params.get("name"))
        if error is not None:
            raise error
        body = _json_body(raw) if method in ("PUT", "POST", "PATCH") else None
        if route.name == routes.QUERY:
            return self.logs.query(params["wsid"], method, body, query, headers)
        if route.name == routes.BATCH:
            return self.logs.batch(method, body)
        if route.name == routes.WORKSPACE:
            _allow(method, ("GET",))
            return 200, self.workspace.resource()
        return self._collection(route.name, method, params.get("name"), body, ctx, edit)

    def _collection(self, route: str, method: str, name: str | None, body: Any, ctx: RequestContext,
                    edit: bool) -> tuple[int, Any]:
        collection = COLLECTIONS[route]
        if name is None:
            _allow(method, ("GET",))
            return self.arm.list(collection, ctx)
        _allow(method, ("GET", "PUT", "DELETE", "PATCH") if collection.patchable else ("GET", "PUT", "DELETE"))
        if method == "GET":
            return self.arm.get(collection, name, ctx)
        if method == "DELETE":
            status, _ = self.arm.delete(collection, name, ctx)
            return status, None
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object.", code="InvalidRequestContent")
        if method == "PATCH":
            return self.arm.patch(collection, name, body, ctx)
        return self.arm.put(collection, name, body, ctx, concurrent_edit=edit)

    def _check_scope(self, params: dict[str, str]) -> None:
        ws = self.workspace
        if params["sub"].lower() != ws.subscription_id.lower():
            raise not_found(f"The subscription '{params['sub']}' could not be found.", code="SubscriptionNotFound")
        if params["rg"].lower() != ws.resource_group.lower():
            raise not_found(f"Resource group '{params['rg']}' could not be found.", code="ResourceGroupNotFound")
        if "ws" in params and params["ws"].lower() != ws.workspace_name.lower():
            raise not_found(f"The Resource 'Microsoft.OperationalInsights/workspaces/{params['ws']}' under "
                            f"resource group '{params['rg']}' was not found.", code="ResourceNotFound")


def _require_token(headers: dict[str, str], code: str, message: str) -> None:
    value = headers.get("authorization", "")
    if not value.lower().startswith("bearer ") or not value[7:].strip():
        raise ApiError(401, code, message, headers={"WWW-Authenticate": 'Bearer realm="emulator"'})


def _check_api_version(ctx: RequestContext) -> None:
    if not ctx.api_version:
        raise bad_request("The api-version query parameter (?api-version=) is required for all requests.",
                          code="MissingApiVersionParameter")
    if not _API_VERSION.match(ctx.api_version):
        raise bad_request(f"The api-version '{ctx.api_version}' is invalid. The supported versions are dates "
                          "such as 2025-10-01-preview or 2025-07-01.", code="InvalidApiVersionParameter")


def _allow(method: str, allowed: tuple[str, ...]) -> None:
    if method not in allowed:
        raise ApiError(405, "MethodNotAllowed", f"The method {method} is not allowed here; use {', '.join(allowed)}.")


def _json_body(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return jsonio.loads(raw)
    except jsonio.JsonError as exc:
        raise bad_request(f"The request content was invalid and could not be deserialized: {exc}.",
                          code="InvalidRequestContent") from None
