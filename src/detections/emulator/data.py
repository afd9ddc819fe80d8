"""The emulated workspace's tables: the product tables, Sentinel's other tables (OTHER_TABLES:
Event, SigninLogs, ...) and any loaded table, so a rule Sentinel accepts over a table outside the
product is accepted (and runs, empty) here too."""

from __future__ import annotations

from detections.kql.types import KType
from detections.live.local import LocalWorkspace
from detections.tables import OTHER_TABLES


class EmulatedWorkspace(LocalWorkspace):
    """A LocalWorkspace that also knows OTHER_TABLES: all of them with the built-in tables, else
    (a workspace without some connectors) only those loaded; loaded rows take their declared types."""

    def schemas(self) -> dict[str, dict[str, KType]]:
        other = {name: columns for name, columns in OTHER_TABLES.items()
                 if self.builtin_tables or name in self.tables}
        return {**super().schemas(), **other}
