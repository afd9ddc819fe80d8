"""The one error a mapper raises: which record, which field, what is wrong."""

from __future__ import annotations

RecordPath = tuple[str | int, ...]


class MapError(ValueError):
    """A record that does not map to a table row.

    `path` locates the record inside the value under its `records` key (e.g. `(0, "Records", 2)`),
    `field` names the offending field of that record (as the source format spells it).
    """

    def __init__(self, path: RecordPath, field: str | None, message: str):
        self.path = path
        self.field = field
        self.message = message
        super().__init__(message)

    def at(self, prefix: RecordPath) -> MapError:
        """The same error, located under an enclosing path."""
        return MapError((*prefix, *self.path), self.field, self.message)
