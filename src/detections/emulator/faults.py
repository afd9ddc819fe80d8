"""Fault injection: throttling, failing items and concurrent edits, armed by tests before a request.

Each fault matches a route (collection name, "query", or "*"), optionally an item name and methods, and
fires a given number of times (None = until cleared). Faults are checked before the request is handled.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

from detections.emulator.errors import ApiError

_STATUS_CODES = {400: "BadRequest", 404: "NotFound", 409: "Conflict", 429: "TooManyRequests",
                 500: "InternalServerError", 503: "ServiceUnavailable"}


@dataclass
class _Fault:
    route: str
    name: str | None
    methods: frozenset[str] | None
    remaining: int | None
    error: ApiError | None = None  # None: a concurrent edit (the item's etag changes first)
    hits: int = field(default=0)

    def matches(self, route: str, method: str, name: str | None) -> bool:
        return (
            self.route in ("*", route)
            and (self.name is None or (name is not None and self.name.lower() == name.lower()))
            and (self.methods is None or method in self.methods)
        )


class Faults:
    """The armed faults of one emulator; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[_Fault] = []

    def throttle(self, route: str = "*", count: int = 1, retry_after: float = 1.0,
                 methods: tuple[str, ...] | None = None) -> None:
        """Answer the next `count` matching requests with 429 and Retry-After in whole seconds; a
        sub-second wait (fast tests) goes in x-ms-retry-after-ms, which azure-core also honours."""
        if retry_after >= 1:
            headers = {"Retry-After": str(math.ceil(retry_after))}
        else:
            headers = {"x-ms-retry-after-ms": str(int(retry_after * 1000))}
        error = ApiError(429, "TooManyRequests",
                         "The request was throttled: too many requests. Retry after the delay given.",
                         headers=headers)
        self._arm(_Fault(route, None, _methods(methods), count, error))

    def fail(self, route: str, name: str | None = None, status: int = 500, count: int | None = 1,
             methods: tuple[str, ...] | None = ("PUT",), message: str | None = None) -> None:
        """Answer matching requests with `status` (count=None: every time until `clear`)."""
        code = _STATUS_CODES.get(status, "Error")
        text = message or f"Injected fault: {code} for {route}/{name or '*'}."
        self._arm(_Fault(route, name, _methods(methods), count, ApiError(status, code, text)))

    def concurrent_edit(self, route: str, name: str, count: int = 1) -> None:
        """Before the next `count` writes of the item, someone else changes it (its etag moves on),
        so a PUT carrying the etag read earlier gets the service's 409 Conflict."""
        self._arm(_Fault(route, name, frozenset({"PUT"}), count))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, route: str, method: str, name: str | None) -> tuple[ApiError | None, bool]:
        """The error to answer with (or None) and whether a concurrent edit happens first."""
        error, edit = None, False
        with self._lock:
            for fault in list(self._faults):
                if not fault.matches(route, method, name):
                    continue
                if fault.error is None:
                    edit = True
                elif error is None:
                    error = fault.error
                else:
                    continue
                fault.hits += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
        return error, edit

    def _arm(self, fault: _Fault) -> None:
        with self._lock:
            self._faults.append(fault)


def _methods(methods: tuple[str, ...] | None) -> frozenset[str] | None:
    return frozenset(m.upper() for m in methods) if methods else None
