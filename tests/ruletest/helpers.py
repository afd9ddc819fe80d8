"""Builders shared by the rule-test tests: a rule model without YAML, and a case around tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from detections.content.model import AnalyticsRule, EntityMapping, FieldMapping, Location
from detections.ruletest.model import Case, Expectation

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def rule(**fields) -> AnalyticsRule:
    base = dict(
        path=Path("rules/T/R.yaml"), id="11111111-1111-1111-1111-111111111111", name="Rule name", kind="Scheduled",
        description="Rule description", severity="Medium", query="AWSCloudTrail", query_frequency=timedelta(hours=1),
        query_period=timedelta(hours=1), trigger_operator="gt", trigger_threshold=0, tactics=("InitialAccess",),
    )
    base.update(fields)
    return AnalyticsRule(**base)


def mapping(entity_type: str, **identifiers: str) -> EntityMapping:
    return EntityMapping(entity_type, tuple(FieldMapping(i, c) for i, c in identifiers.items()))


def case(tables, runs=None, **expect) -> Case:
    return Case("c", NOW, tables, Expectation(Location(Path("f.tests.yaml")), **expect), Location(Path("f.tests.yaml")), runs=runs)
