"""requiredDataConnectors checks: connector ids must be ones Sentinel knows."""

from __future__ import annotations

from collections.abc import Iterator

from detections.content.model import AnalyticsRule, HuntingQuery
from detections.diagnostics import Diagnostic
from detections.validate.base import Check, Context, Item, data_file


def known_connectors() -> dict[str, str]:
    return data_file("connectors.json")["connectors"]


class UnknownConnector(Check):
    code = "DET800"
    title = "unknown data connector id"
    description = ("Each `requiredDataConnectors[].connectorId` must be a known connector id (our list in "
                   "`validate/data/connectors.json`, like Microsoft's ValidConnectorIds.json).")
    kinds = (AnalyticsRule, HuntingQuery)

    def run(self, item: Item, ctx: Context) -> Iterator[Diagnostic]:
        assert isinstance(item, AnalyticsRule | HuntingQuery)
        known = known_connectors()
        for index, connector in enumerate(item.required_data_connectors):
            if connector.connector_id not in known:
                yield self.report(item, ("requiredDataConnectors", index, "connectorId"),
                                  f"unknown connector id {connector.connector_id!r}",
                                  "use one of: " + ", ".join(known)
                                  + " (or add the id to validate/data/connectors.json)")
