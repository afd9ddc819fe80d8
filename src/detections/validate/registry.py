"""The list of checks `detections validate` runs, in report order. Add a check by adding it here."""

from __future__ import annotations

from detections.validate import (
    alerts,
    connectors,
    entities,
    identity,
    kql,
    mitre,
    schedule,
    structure,
    text,
    workbooks,
)
from detections.validate.base import Check

CHECKS: tuple[Check, ...] = (
    structure.UnknownKey(),
    structure.YamlExtension(),
    structure.CanonicalSpelling(),
    identity.DuplicateId(),
    identity.DuplicateFileName(),
    identity.IdChanged(),
    mitre.TechniqueWithoutTactic(),
    mitre.UnknownTechnique(),
    mitre.TacticSpelling(),
    schedule.IntervalRange(),
    schedule.PeriodShorterThanFrequency(),
    schedule.LongPeriodFrequency(),
    entities.InvalidIdentifier(),
    entities.MissingRequiredIdentifier(),
    entities.DuplicateIdentifier(),
    entities.LegacyEntityColumn(),
    alerts.TooManyPlaceholders(),
    text.NonAsciiQuery(),
    text.CommentSwallowsQuery(),
    connectors.UnknownConnector(),
    workbooks.UserWorkbookTemplateId(),
    workbooks.HardCodedResourceId(),
    kql.KqlSyntax(),
    kql.KqlSemantic(),
    kql.KqlUnsupported(),
    kql.OtherTable(),
    kql.EntityColumns(),
    kql.CustomDetailColumns(),
    kql.AlertOverrideColumns(),
)
