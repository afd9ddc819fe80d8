"""requiredDataConnectors checks: connector ids must be ones Sentinel knows."""

from __future__ import annotations

import difflib
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
                close = difflib.get_close_matches(connector.connector_id, known, n=3, cutoff=0.5)
                guess = f"did you mean {' or '.join(close)}? " if close else ""
                yield self.report(item, ("requiredDataConnectors", index, "connectorId"),
                                  f"unknown connector id {connector.connector_id!r}",
                                  f"{guess}known ids are listed in src/detections/validate/data/connectors.json "
                                  "(add the id there if Sentinel has it)")
