"""Small typed checks that collect every problem of a request body before answering 400.

The service answers a bad body with one 400 whose message lists what is wrong; collecting all
problems (rather than stopping at the first) gives a deployer's user the whole list at once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from detections.content.durations import format_iso_duration, parse_iso_duration
from detections.emulator.errors import bad_request

_MISSING = object()


class Checker:
    """Collects `path: problem` texts; `raise_if_any` turns them into the service's 400."""

    def __init__(self, prefix: str = "properties") -> None:
        self.problems: list[str] = []
        self.prefix = prefix

    def add(self, path: str, problem: str) -> None:
        self.problems.append(f"{path}: {problem}" if path else problem)

    def raise_if_any(self) -> None:
        if self.problems:
            raise bad_request("Invalid data model. [" + "; ".join(self.problems) + "]")

    def path(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def required(self, data: dict[str, Any], keys: Collection[str]) -> None:
        for key in keys:
            if data.get(key) is None:
                self.add(self.path(key), "the field is required")

    def typed(self, data: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
        """The value if present and of the type (bool is not an int here), else _MISSING."""
        value = data.get(key, _MISSING)
        if value is _MISSING or value is None:
            return _MISSING
        wrong_bool = isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,))
        if not isinstance(value, kind) or wrong_bool:
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            self.add(self.path(key), f"expected {_JSON_NAMES.get(names, names)}, got {json_type(value)}")
            return _MISSING
        return value

    def string(self, data: dict[str, Any], key: str, *, max_length: int | None = None,
               allowed: Collection[str] | None = None) -> str | None:
        value = self.typed(data, key, str)
        if value is _MISSING:
            return None
        if not value.strip():
            self.add(self.path(key), "must not be empty")
        elif max_length is not None and len(value) > max_length:
            self.add(self.path(key), f"is {len(value)} characters long; the limit is {max_length}")
        elif allowed is not None and value not in allowed:
            self.add(self.path(key), f"{value!r} is not one of {', '.join(sorted(allowed))}")
        return value

    def boolean(self, data: dict[str, Any], key: str) -> None:
        self.typed(data, key, bool)

    def duration(self, data: dict[str, Any], key: str, low: timedelta | None = None,
                 high: timedelta | None = None) -> timedelta | None:
        value = self.typed(data, key, str)
        if value is _MISSING:
            return None
        try:
            parsed = parse_iso_duration(value)
        except ValueError as exc:
            self.add(self.path(key), str(exc))
            return None
        if low is not None and high is not None and not low <= parsed <= high:
            self.add(self.path(key), f"{value} is out of range: must be between "
                                     f"{format_iso_duration(low)} and {format_iso_duration(high)}")
            return None
        return parsed

    def string_list(self, data: dict[str, Any], key: str, allowed: Collection[str] | None = None,
                    pattern: Any = None) -> list[str]:
        values = self.typed(data, key, list)
        if values is _MISSING:
            return []
        for index, value in enumerate(values):
            where = f"{self.path(key)}[{index}]"
            if not isinstance(value, str):
                self.add(where, f"expected string, got {json_type(value)}")
            elif allowed is not None and value not in allowed:
                self.add(where, f"{value!r} is not one of {', '.join(sorted(allowed))}")
            elif pattern is not None and not pattern.match(value):
                self.add(where, f"{value!r} does not match {pattern.pattern}")
        return values

    @contextmanager
    def nested(self, key: str) -> Iterator[Checker]:
        """A checker for a sub-object whose problems land in this one, with the path prefixed."""
        child = Checker(self.path(key))
        yield child
        self.problems.extend(child.problems)


_JSON_NAMES = {"str": "string", "bool": "boolean", "int": "integer", "dict": "object", "list": "array"}


def json_type(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array",
            dict: "object"}.get(type(value), "null")


def json_object(value: Any, what: str) -> dict[str, Any]:
    """The body (or a part of it) as an object, or the service's 400."""
    if not isinstance(value, dict):
        raise bad_request(f"{what} must be a JSON object, got {json_type(value)}")
    return value

