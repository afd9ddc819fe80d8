"""Error answers in the service's own body shapes, raised by route handlers and rendered by the server."""

from __future__ import annotations

import uuid
from typing import Any


class ApiError(Exception):
    """An HTTP error answer. ARM and Sentinel put `{"error": {"code", "message"}}` in the body."""

    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None,
                 body: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self._body = body

    @property
    def body(self) -> dict[str, Any]:
        return self._body or {"error": {"code": self.code, "message": self.message}}


def bad_request(message: str, code: str = "BadRequest") -> ApiError:
    return ApiError(400, code, message)


def not_found(message: str, code: str = "NotFound") -> ApiError:
    return ApiError(404, code, message)


def conflict(message: str) -> ApiError:
    return ApiError(409, "Conflict", message)


def logs_error(status: int, code: str, message: str, inner: dict[str, Any] | None = None) -> ApiError:
    """The Log Analytics query API's nested error: a generic outer message, the detail in innererror."""
    error: dict[str, Any] = {"code": code, "message": message, "correlationId": str(uuid.uuid4())}
    if inner:
        error["innererror"] = inner
    return ApiError(status, code, message, body={"error": error})
