"""Entity mapping checks: identifiers valid for the entity type, required ones present, no repeats."""

from __future__ import annotations

import re
from collections.abc import Iterator

from detections.content.model import AnalyticsRule, HuntingQuery
from detections.diagnostics import Diagnostic
from detections.validate.base import Check, Context, Item, data_file

LEGACY_COLUMNS = ("AccountCustomEntity", "HostCustomEntity", "IPCustomEntity", "URLCustomEntity",
                  "ProcessCustomEntity", "FileHashCustomEntity")
_LEGACY = re.compile(r"\b(" + "|".join(LEGACY_COLUMNS) + r")\b")


def entity_table() -> dict[str, dict[str, list]]:
    return data_file("entities.json")["entities"]


class InvalidIdentifier(Check):
    code = "DET500"
    title = "identifier not valid for the entity type"
    description = "Each `fieldMappings[].identifier` must be one Sentinel defines for that `entityType`."
    kinds = (AnalyticsRule, HuntingQuery)

    def run(self, item: Item, ctx: Context) -> Iterator[Diagnostic]:
        assert isinstance(item, AnalyticsRule | HuntingQuery)
        table = entity_table()
        for m_index, mapping in enumerate(item.entity_mappings):
            valid = table[mapping.entity_type]["identifiers"]
            for f_index, field in enumerate(mapping.field_mappings):
                if field.identifier not in valid:
                    yield self.report(item, ("entityMappings", m_index, "fieldMappings", f_index, "identifier"),
                                      f"{mapping.entity_type} has no identifier {field.identifier!r}",
                                      "use one of: " + ", ".join(valid))


class MissingRequiredIdentifier(Check):
    code = "DET501"
    title = "entity lacks a required identifier"
    description = ("Each entity must map at least one of its identifying identifiers (e.g. Account: Name, "
                   "FullName, Sid, AadUserId, PUID or ObjectGuid), or Sentinel drops it.")
    kinds = (AnalyticsRule, HuntingQuery)

    def run(self, item: Item, ctx: Context) -> Iterator[Diagnostic]:
        assert isinstance(item, AnalyticsRule | HuntingQuery)
        table = entity_table()
        for m_index, mapping in enumerate(item.entity_mappings):
            used = {field.identifier for field in mapping.field_mappings}
            combos = table[mapping.entity_type]["required"]
            if not any(set(combo) <= used for combo in combos):
                options = " or ".join("+".join(combo) for combo in combos)
                yield self.report(item, ("entityMappings", m_index, "entityType"),
                                  f"{mapping.entity_type} entity maps none of its required identifiers",
                                  f"map {options}")


class DuplicateIdentifier(Check):
    code = "DET502"
    title = "identifier mapped twice"
    description = "An identifier may appear once within one entity mapping."
    kinds = (AnalyticsRule, HuntingQuery)

    def run(self, item: Item, ctx: Context) -> Iterator[Diagnostic]:
        assert isinstance(item, AnalyticsRule | HuntingQuery)
        for m_index, mapping in enumerate(item.entity_mappings):
            seen: set[str] = set()
            for f_index, field in enumerate(mapping.field_mappings):
                if field.identifier in seen:
                    yield self.report(item, ("entityMappings", m_index, "fieldMappings", f_index, "identifier"),
                                      f"identifier {field.identifier} is mapped twice in this {mapping.entity_type} entity",
                                      "remove one of the two field mappings")
                seen.add(field.identifier)


class LegacyEntityColumn(Check):
    code = "DET503"
    title = "legacy *CustomEntity column not mapped"
    description = ("A query that outputs a legacy column such as `AccountCustomEntity` must map it in "
                   "`entityMappings` (Microsoft's CI rule for the move to entity mappings).")

    def run(self, item: Item, ctx: Context) -> Iterator[Diagnostic]:
        assert isinstance(item, AnalyticsRule)
        mapped = {field.column_name for mapping in item.entity_mappings for field in mapping.field_mappings}
        for column in sorted(set(_LEGACY.findall(item.query))):
            if column not in mapped:
                yield self.report(item, ("query",), f"the query uses {column} but no entity mapping reads it",
                                  f"add an entity mapping with `columnName: {column}`")
