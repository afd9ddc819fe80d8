"""Checks on the shape of a file beyond its schema: unknown keys, file extension, spelling."""

from __future__ import annotations

from collections.abc import Iterator

from detections import schemas
from detections.content.model import AnalyticsRule, HuntingQuery
from detections.diagnostics import Diagnostic, Severity
from detections.validate.base import Check, Context, Item

_SCHEMA_KIND = {AnalyticsRule: "rule", HuntingQuery: "hunting"}


class UnknownKey(Check):
    code = "DET120"
    title = "unknown top-level key"
    description = ("A top-level key that neither Sentinel's format nor our `x-detections` extension defines. "
                   "Sentinel ignores it, so a misspelt key (`queryFrequence`) silently does nothing.")
    severity = Severity.WARNING
    kinds = (AnalyticsRule, HuntingQuery)

    def run(self, item: Item, ctx: Context) -> Iterator[Diagnostic]:
        known = schemas.known_keys(_SCHEMA_KIND[type(item)])
        for key in item.raw:
            if key not in known:
                yield self.report(item, (key,), f"unknown key `{key}` is ignored by Sentinel",
                                  "fix its spelling, or move our own fields under `x-detections:`")


class YamlExtension(Check):
    code = "DET121"
    title = "content file must end in .yaml"
    description = "Microsoft's CI accepts analytics rules only as `*.yaml` files; `.yml` fails its check."
    kinds = (AnalyticsRule, HuntingQuery)

    def run(self, item: Item, ctx: Context) -> Iterator[Diagnostic]:
        if item.path.suffix != ".yaml":
            yield self.report(item, (), f"file extension is {item.path.suffix!r}",
                              f"rename it to {item.path.stem}.yaml")


class CanonicalSpelling(Check):
    code = "DET122"
    title = "non-canonical spelling"
    description = ("`kind: scheduled` and long trigger operators (`GreaterThan`) are accepted by Sentinel "
                   "but differ from the documented spelling (`Scheduled`, `gt`).")
    severity = Severity.WARNING

    def run(self, item: Item, ctx: Context) -> Iterator[Diagnostic]:
        assert isinstance(item, AnalyticsRule)
        if item.raw.get("kind") != item.kind:
            yield self.report(item, ("kind",), f"kind is written {item.raw['kind']!r}", f"write `kind: {item.kind}`")
        operator = item.raw.get("triggerOperator")
        if operator and operator != item.trigger_operator:
            yield self.report(item, ("triggerOperator",), f"trigger operator is written {operator!r}",
                              f"write `triggerOperator: {item.trigger_operator}`")
