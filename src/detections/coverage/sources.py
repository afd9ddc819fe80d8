"""Which data sources (Sentinel tables) a rule or hunting query reads."""

from __future__ import annotations

from detections.content.model import AnalyticsRule, HuntingQuery

DATA_SOURCES = ("AWSCloudTrail", "AWSGuardDuty", "AWSVPCFlow", "SecurityEvent")


def data_sources(item: AnalyticsRule | HuntingQuery) -> tuple[str, ...]:
    """The product tables an item reads, from requiredDataConnectors, else from the query text.

    requiredDataConnectors is what Sentinel itself uses to tie content to data; the query text is the
    fallback for hunting queries that omit it.
    """
    declared = {data_type for connector in item.required_data_connectors for data_type in connector.data_types}
    found = {table for table in DATA_SOURCES if table in declared}
    if not found:
        found = {table for table in DATA_SOURCES if table in item.query}
    return tuple(table for table in DATA_SOURCES if table in found)
