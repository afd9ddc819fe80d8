"""Alert details override checks (limits the schema cannot express)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from detections.content.model import AnalyticsRule
from detections.diagnostics import Diagnostic
from detections.validate.base import Check, Context, Item

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
MAX_PLACEHOLDERS = 3


class TooManyPlaceholders(Check):
    code = "DET600"
    title = "too many {{column}} placeholders"
    description = "`alertDisplayNameFormat` and `alertDescriptionFormat` may each use at most 3 `{{Column}}` placeholders."

    def run(self, item: Item, ctx: Context) -> Iterator[Diagnostic]:
        assert isinstance(item, AnalyticsRule)
        override = item.alert_details_override
        if override is None:
            return
        for key, text in (("alertDisplayNameFormat", override.display_name_format),
                          ("alertDescriptionFormat", override.description_format)):
            count = len(PLACEHOLDER.findall(text or ""))
            if count > MAX_PLACEHOLDERS:
                yield self.report(item, ("alertDetailsOverride", key),
                                  f"{key} has {count} placeholders; Sentinel allows {MAX_PLACEHOLDERS}",
                                  "keep the three most useful; put the rest in customDetails")
