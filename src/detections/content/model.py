"""The content model: plain dataclasses for analytics rules, hunting queries and workbooks.

Loaders build these from Sentinel's own YAML format (see docs/content-format.md); every other part of
the toolkit (validation, rule tests, packaging, deploy, docs) reads content only through them.
`raw` keeps the document exactly as loaded, so packaging can emit fields we do not model, and
`source` maps a key path to its line and column so every message can point at the text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

RuleKind = Literal["Scheduled", "NRT"]
Severity = Literal["Informational", "Low", "Medium", "High"]
ZeroTrustPrinciple = Literal["verify-explicitly", "least-privilege", "assume-breach"]

# Key of our own, documented extension block in rule / hunting YAML (stripped when packaging).
EXTENSION_KEY = "x-detections"


@dataclass(frozen=True)
class Location:
    """A position in a content file (1-based line and column)."""

    path: Path
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass
class SourceMap:
    """Line/column of every key and list item of a loaded YAML document.

    Keys are tuples of the path into the document, e.g. ("entityMappings", 0, "entityType").
    `locate` falls back to the nearest enclosing node that has a position.
    """

    path: Path
    positions: dict[tuple[str | int, ...], tuple[int, int]] = field(default_factory=dict)

    def locate(self, *key_path: str | int) -> Location:
        key = tuple(key_path)
        while key:
            if key in self.positions:
                line, column = self.positions[key]
                return Location(self.path, line, column)
            key = key[:-1]
        return Location(self.path, 1, 1)


@dataclass(frozen=True)
class FieldMapping:
    identifier: str
    column_name: str


@dataclass(frozen=True)
class EntityMapping:
    entity_type: str
    field_mappings: tuple[FieldMapping, ...]


@dataclass(frozen=True)
class AlertDetailsOverride:
    display_name_format: str | None = None
    description_format: str | None = None
    severity_column: str | None = None
    tactics_column: str | None = None
    dynamic_properties: tuple[tuple[str, str], ...] = ()  # (alertProperty, value column)


@dataclass(frozen=True)
class DataConnector:
    connector_id: str
    data_types: tuple[str, ...]


@dataclass(frozen=True)
class Extension:
    """Our own fields, under the `x-detections` key (documented in docs/content-format.md)."""

    zero_trust: tuple[str, ...] = ()  # ZeroTrustPrinciple values
    owner: str | None = None
    references: tuple[str, ...] = ()
    triage: str | None = None  # what the analyst should do; rendered into the rule's doc page


class QueryContent:
    """What analytics rules and hunting queries share: a KQL query at a place in a file."""

    path: Path
    source: SourceMap | None

    @property
    def query_location(self) -> Location:
        """Where the query text starts (for mapping KQL diagnostics back to the file)."""
        return self.source.locate("query") if self.source else Location(self.path)


@dataclass
class AnalyticsRule(QueryContent):
    """A Scheduled or NRT analytics rule (Sentinel's detection YAML)."""

    path: Path
    id: str
    name: str
    kind: RuleKind
    description: str
    severity: str
    query: str
    query_frequency: timedelta | None  # None for NRT
    query_period: timedelta | None  # None for NRT
    trigger_operator: str | None  # normalised to gt/lt/eq/ne; None for NRT
    trigger_threshold: int | None
    tactics: tuple[str, ...] = ()
    techniques: tuple[str, ...] = ()  # relevantTechniques
    required_data_connectors: tuple[DataConnector, ...] = ()
    entity_mappings: tuple[EntityMapping, ...] = ()
    custom_details: dict[str, str] = field(default_factory=dict)
    alert_details_override: AlertDetailsOverride | None = None
    event_grouping: str = "SingleAlert"  # SingleAlert | AlertPerResult
    suppression_enabled: bool = False
    suppression_duration: timedelta | None = None
    incident_configuration: dict[str, Any] | None = None  # raw incidentConfiguration block
    version: str | None = None
    status: str | None = None
    enabled: bool = True
    extension: Extension = field(default_factory=Extension)
    raw: dict[str, Any] = field(default_factory=dict)
    source: SourceMap | None = None


@dataclass
class HuntingQuery(QueryContent):
    """A hunting query (Sentinel's hunting YAML); deployed as a Log Analytics saved search."""

    path: Path
    id: str
    name: str
    description: str
    query: str
    tactics: tuple[str, ...] = ()
    techniques: tuple[str, ...] = ()
    required_data_connectors: tuple[DataConnector, ...] = ()
    entity_mappings: tuple[EntityMapping, ...] = ()
    version: str | None = None
    extension: Extension = field(default_factory=Extension)
    raw: dict[str, Any] = field(default_factory=dict)
    source: SourceMap | None = None


@dataclass
class Workbook:
    """A workbook authored as YAML; `template` is Sentinel's workbook JSON (serializedData) as a dict.

    Its queries and parameters are read by detections.content.workbook_queries.
    """

    path: Path
    id: str  # GUID, stable across deployments
    name: str
    description: str
    template: dict[str, Any]
    version: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    source: SourceMap | None = None


@dataclass
class Repository:
    """All content of a repository checkout."""

    root: Path
    rules: list[AnalyticsRule] = field(default_factory=list)
    hunting: list[HuntingQuery] = field(default_factory=list)
    workbooks: list[Workbook] = field(default_factory=list)

    def by_id(self, item_id: str) -> AnalyticsRule | HuntingQuery | Workbook | None:
        wanted = item_id.lower()
        for item in (*self.rules, *self.hunting, *self.workbooks):
            if item.id.lower() == wanted:
                return item
        return None
