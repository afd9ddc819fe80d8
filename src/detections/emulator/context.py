"""What a route handler knows about the request beyond its body."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class RequestContext:
    api_version: str
    query: dict[str, str]  # query-string parameters (first value of each, names as sent)
    now: datetime
    base_url: str  # https://127.0.0.1:port, for absolute nextLinks
    path: str
    # Checks an alert rule's query against the workspace schema (None when the KQL engine is absent).
    query_check: Callable[[dict[str, Any]], None] | None = field(default=None)

    def param(self, name: str) -> str | None:
        """A query parameter by case-insensitive name (ARM treats them so)."""
        wanted = name.lower()
        return next((v for k, v in self.query.items() if k.lower() == wanted), None)
