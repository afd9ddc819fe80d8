"""The URL table: which path is which API, matched case-insensitively like ARM does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from detections.emulator.store import ALERT_RULES, METADATA, SAVED_SEARCHES, WORKBOOKS

_SCOPE = r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/"
_WORKSPACE = _SCOPE + r"Microsoft\.OperationalInsights/workspaces/(?P<ws>[^/]+)"
_ITEM = r"(?:/(?P<name>[^/]+))?/?$"

WORKSPACE = "workspace"
QUERY = "query"
BATCH = "batch"


@dataclass(frozen=True)
class Route:
    name: str  # a store collection, "workspace", "query" or "batch"; also the fault-injection route
    pattern: re.Pattern[str]
    arm: bool  # ARM routes need api-version and a bearer token; data-plane routes follow their own rules


ROUTES = (
    Route(ALERT_RULES, re.compile(_WORKSPACE + r"/providers/Microsoft\.SecurityInsights/alertRules" + _ITEM, re.I), True),
    Route(METADATA, re.compile(_WORKSPACE + r"/providers/Microsoft\.SecurityInsights/metadata" + _ITEM, re.I), True),
    Route(SAVED_SEARCHES, re.compile(_WORKSPACE + r"/savedSearches" + _ITEM, re.I), True),
    Route(WORKSPACE, re.compile(_WORKSPACE + r"/?$", re.I), True),
    Route(WORKBOOKS, re.compile(_SCOPE + r"Microsoft\.Insights/workbooks" + _ITEM, re.I), True),
    Route(QUERY, re.compile(r"^/v1/workspaces/(?P<wsid>[^/]+)/query/?$", re.I), False),
    Route(BATCH, re.compile(r"^/v1/\$batch/?$", re.I), False),
)


def match(path: str) -> tuple[Route, dict[str, str]] | None:
    """The route of a request path and its URL-decoded parameters."""
    for route in ROUTES:
        found = route.pattern.match(path)
        if found:
            return route, {k: unquote(v) for k, v in found.groupdict().items() if v is not None}
    return None
