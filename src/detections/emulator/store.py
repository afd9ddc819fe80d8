"""The emulator's in-memory state: stored resource bodies by collection and name.

Names are case-insensitive like ARM resource names; the body keeps the spelling of the first PUT.
Handlers hold `lock` around read-modify-write so concurrent requests see ARM's one-writer semantics.
"""

from __future__ import annotations

import copy
import threading
import uuid
from typing import Any

ALERT_RULES = "alertRules"
METADATA = "metadata"
SAVED_SEARCHES = "savedSearches"
WORKBOOKS = "workbooks"
COLLECTIONS = (ALERT_RULES, METADATA, SAVED_SEARCHES, WORKBOOKS)


def new_etag() -> str:
    """A fresh etag in the quoted form Sentinel and Log Analytics return."""
    return f'"{uuid.uuid4()}"'


class Store:
    """Resource bodies per collection; every accessor returns copies so callers cannot corrupt state."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._items: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in COLLECTIONS}

    def get(self, collection: str, name: str) -> dict[str, Any] | None:
        with self.lock:
            body = self._items[collection].get(name.lower())
            return copy.deepcopy(body) if body is not None else None

    def items(self, collection: str) -> list[dict[str, Any]]:
        """Every stored body of a collection, in creation order."""
        with self.lock:
            return copy.deepcopy(list(self._items[collection].values()))

    def names(self, collection: str) -> list[str]:
        with self.lock:
            return [body["name"] for body in self._items[collection].values()]

    def put(self, collection: str, name: str, body: dict[str, Any]) -> None:
        with self.lock:
            self._items[collection][name.lower()] = copy.deepcopy(body)

    def delete(self, collection: str, name: str) -> bool:
        with self.lock:
            return self._items[collection].pop(name.lower(), None) is not None

    def touch(self, collection: str, name: str) -> None:
        """Give a stored item a new etag, as a concurrent writer (someone in the portal) would."""
        with self.lock:
            body = self._items[collection].get(name.lower())
            if body is not None:
                body["etag"] = new_etag()
