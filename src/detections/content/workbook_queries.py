"""The Log Analytics queries of a workbook, the parameters they use, and how Azure Workbooks fills a
`{Parameter}` placeholder before a query runs: the one place that knows it, used by validation
(default values) and by rule tests (each case's values).

Azure Workbooks replaces `{Name}` and `{Name:format}` for parameters the workbook declares (parameter
items, exported parameters, tab links). Parameter names follow JavaScript identifier rules, so regex
quantifiers such as `{3}` or `{2,5}` in a string literal are never parameters, and a `{Name}` the
workbook does not declare stays as written (the query then fails in Sentinel too).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from detections.content.durations import format_duration

KeyPath = tuple[str | int, ...]

PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*)(?::([^{}\s]*))?\}")
ALL = "value::all"  # the workbook's token for "All" selected in a dropdown
TEXT, DROPDOWN, TIME_RANGE = 1, 2, 4  # parameter `type` ids of the workbook format
QUERY_ITEM, PARAMETER_ITEM = 3, 9  # item `type` ids
_LOG_ANALYTICS = (None, 0)  # `queryType` of a Log Analytics (KQL) query
# Grains Workbooks picks for {TimeRange:grain}: the smallest giving at most _MAX_BUCKETS bins.
_GRAINS = tuple(timedelta(minutes=m) for m in (1, 5, 10, 15, 30, 60, 120, 240, 360, 720, 1440, 10080))
_MAX_BUCKETS = 50


class ParameterError(ValueError):
    """A placeholder that cannot be filled: no value, a format Workbooks does not have, a bad value."""

    def __init__(self, name: str, message: str):
        self.name = name
        super().__init__(message)


@dataclass(frozen=True)
class Parameter:
    """A declared workbook parameter and what its placeholder expands to."""

    name: str
    kind: int | None  # TEXT, DROPDOWN, TIME_RANGE, other types, None for exported parameters
    default: Any = None  # value when the case gives none: durationMs, text, list, or ALL
    multi: bool = False
    quote: str = ""
    delimiter: str = ","
    select_all: str | None = None  # typeSettings.selectAllValue


@dataclass(frozen=True)
class QueryItem:
    """A Log Analytics query of the workbook: a query item (type 3) or a dropdown / text parameter
    filled by a query. `path` is the template key path of the mapping that holds `query`."""

    path: KeyPath
    name: str | None  # the item's or parameter's `name`
    title: str | None
    text: str

    @property
    def key(self) -> str:
        """The index path without `content` segments: `items/3`, `items/1/parameters/0`."""
        return "/".join(str(part) for part in self.path if part != "content")

    @property
    def label(self) -> str:
        return self.name or self.title or self.key


@dataclass(frozen=True)
class TimeRange:
    """A time range value: relative (the last `duration` up to `end`) or absolute (start .. end)."""

    end: datetime
    duration: timedelta | None = None
    start_time: datetime | None = None

    @property
    def start(self) -> datetime:
        return self.start_time if self.start_time is not None else self.end - (self.duration or timedelta())


def _items(items: Any, path: KeyPath) -> Iterator[tuple[KeyPath, dict[str, Any]]]:
    """Every item of the template with its key path, nested groups included."""
    for index, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict):
            yield (*path, index), item
            content = item.get("content")
            if isinstance(content, dict) and isinstance(content.get("items"), list):
                yield from _items(content["items"], (*path, index, "content", "items"))


def _declared_parameter(raw: dict[str, Any]) -> Parameter:
    kind = raw.get("type")
    value = raw.get("value")
    if kind == TIME_RANGE:
        default = value.get("durationMs") if isinstance(value, dict) else None
    elif value is not None:
        default = value
    else:
        default = ALL if raw.get("defaultValue") == ALL else None
    settings = raw.get("typeSettings") if isinstance(raw.get("typeSettings"), dict) else {}
    return Parameter(
        name=raw["name"], kind=kind, default=default, multi=bool(raw.get("multiSelect")),
        quote=str(raw.get("quote") or ""), delimiter=str(raw.get("delimiter") or ","),
        select_all=settings.get("selectAllValue"),
    )


def parameters(template: Mapping[str, Any]) -> dict[str, Parameter]:
    """Every parameter the workbook declares: parameter items, parameters exported by a selected row
    (`exportParameterName`, `exportedParameters`) and tab links (`parameterName`, the first tab's value
    as default). A later declaration of a name overrides an earlier one, as in Workbooks."""
    found: dict[str, Parameter] = {}
    for _path, item in _items(template.get("items"), ("items",)):
        content = item.get("content") if isinstance(item.get("content"), dict) else {}
        declared = content.get("parameters") if item.get("type") == PARAMETER_ITEM else None
        for raw in declared if isinstance(declared, list) else ():  # the schema reports other types
            if isinstance(raw, dict) and isinstance(raw.get("name"), str):
                found[raw["name"]] = _declared_parameter(raw)
        if isinstance(content.get("exportParameterName"), str):
            found[content["exportParameterName"]] = Parameter(content["exportParameterName"], None,
                                                              content.get("exportDefaultValue"))
        for raw in content.get("exportedParameters") or ():
            if isinstance(raw, dict) and isinstance(raw.get("parameterName"), str):
                found[raw["parameterName"]] = Parameter(raw["parameterName"], None, raw.get("defaultValue"))
        for raw in content.get("links") or ():
            if isinstance(raw, dict) and isinstance(raw.get("parameterName"), str):
                found.setdefault(raw["parameterName"], Parameter(raw["parameterName"], TEXT, raw.get("parameterValue")))
    return found


def queries(template: Mapping[str, Any]) -> list[QueryItem]:
    """Every Log Analytics query of the workbook, in template order (other query types, such as Azure
    Resource Graph, run elsewhere and are left out)."""
    found: list[QueryItem] = []
    for path, item in _items(template.get("items"), ("items",)):
        content = item.get("content") if isinstance(item.get("content"), dict) else {}
        if item.get("type") == QUERY_ITEM and isinstance(content.get("query"), str) \
                and content.get("queryType") in _LOG_ANALYTICS:
            found.append(QueryItem((*path, "content"), item.get("name"), content.get("title"), content["query"]))
        if item.get("type") == PARAMETER_ITEM and isinstance(content.get("parameters"), list):
            for index, raw in enumerate(content["parameters"]):
                if isinstance(raw, dict) and isinstance(raw.get("query"), str) and raw.get("queryType") in _LOG_ANALYTICS:
                    found.append(QueryItem((*path, "content", "parameters", index), raw.get("name"),
                                           raw.get("label"), raw["query"]))
    return found


def used(text: str, declared: Mapping[str, Parameter]) -> list[str]:
    """Names of declared parameters the query text uses, in order of first use."""
    return list(dict.fromkeys(m[1] for m in PLACEHOLDER.finditer(text) if m[1] in declared))


def expand(text: str, declared: Mapping[str, Parameter], values: Mapping[str, Any]) -> str:
    """The query as Workbooks runs it: each placeholder of a declared parameter replaced by its value
    (`values`: TimeRange for time range parameters, text or a list of texts, or ALL); everything else,
    including `{3}` in a regex, left as written. ParameterError when a used parameter has no value."""

    def replace(match: re.Match[str]) -> str:
        name, fmt = match[1], match[2]
        parameter = declared.get(name)
        if parameter is None:
            return match[0]
        if name not in values:
            raise ParameterError(name, f"parameter {name!r} has no value and no default in the workbook")
        value = values[name]
        if isinstance(value, TimeRange):
            return _time(name, value, fmt)
        return _formatted(parameter, value, fmt)

    return PLACEHOLDER.sub(replace, text)


def _timespan(value: timedelta) -> str:
    milliseconds = round(value.total_seconds() * 1000)
    return format_duration(value) if milliseconds % 1000 == 0 else f"{milliseconds}ms"


def _datetime(value: datetime) -> str:
    return "datetime(" + value.isoformat(timespec="milliseconds").replace("+00:00", "Z") + ")"


def grain(value: TimeRange) -> timedelta:
    """The bin size Workbooks gives {TimeRange:grain}: the smallest usual grain with at most 50 bins."""
    span = value.end - value.start
    return next((g for g in _GRAINS if span / g <= _MAX_BUCKETS), _GRAINS[-1])


def _time(name: str, value: TimeRange, fmt: str | None) -> str:
    if fmt in (None, "query", "value"):
        if value.start_time is None and value.duration is not None:
            return f"> ago({_timespan(value.duration)})"
        return f"between ({_datetime(value.start)} .. {_datetime(value.end)})"
    if fmt == "start":
        return _datetime(value.start)
    if fmt == "end":
        return _datetime(value.end)
    if fmt == "grain":
        return _timespan(grain(value))
    if fmt == "label":
        return f"Last {format_duration(value.duration)}" if value.duration else "Custom"
    raise ParameterError(name, f"{{{name}:{fmt}}}: a time range parameter has no format {fmt!r} "
                               "(query, value, start, end, grain, label)")


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("'", "\\'")


def _formatted(parameter: Parameter, value: Any, fmt: str | None) -> str:
    if value == ALL or (isinstance(value, list) and ALL in value):
        if parameter.select_all is None:
            raise ParameterError(parameter.name, f"parameter {parameter.name!r} has no select-all value "
                                                 "(typeSettings.selectAllValue): give the selected values")
        value = [parameter.select_all]
    items = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if len(items) > 1 and not parameter.multi:
        raise ParameterError(parameter.name, f"parameter {parameter.name!r} takes one value (it is not multi-select)")
    if fmt in (None, "value", "label"):
        return parameter.delimiter.join(f"{parameter.quote}{v}{parameter.quote}" for v in items)
    if fmt == "escape":
        return parameter.delimiter.join(f"{parameter.quote}{_escaped(v)}{parameter.quote}" for v in items)
    raise ParameterError(parameter.name, f"{{{parameter.name}:{fmt}}}: format {fmt!r} is not supported "
                                         "(value, label, escape)")


_MAX_RANGE_MS = 100 * 365 * 86_400_000  # far beyond any workbook's time range, inside what timedelta holds


def default_values(declared: Mapping[str, Parameter], now: datetime) -> dict[str, Any]:
    """Each parameter's default as `expand` takes it (a time range without one: the last day)."""
    values: dict[str, Any] = {}
    for name, parameter in declared.items():
        if parameter.kind == TIME_RANGE:
            milliseconds = parameter.default if isinstance(parameter.default, int | float) else 86_400_000
            if not 0 <= milliseconds <= _MAX_RANGE_MS:  # NaN fails too; a bad default reads as the last day
                milliseconds = 86_400_000
            values[name] = TimeRange(now, timedelta(milliseconds=milliseconds))
        elif parameter.default is not None:
            values[name] = parameter.default
    return values


def neutral_values(declared: Mapping[str, Parameter], now: datetime) -> dict[str, Any]:
    """Values that let a query bind for validation: the defaults, else an empty quoted text for a
    quoted parameter and `dynamic(null)` for any other (a value of every type)."""
    values = default_values(declared, now)
    for name, parameter in declared.items():
        value = values.get(name)
        if value is None or (value == ALL and parameter.select_all is None):
            values[name] = "" if parameter.quote else "dynamic(null)"
    return values


# A fixed instant for validation: binding needs well-formed values, not a real time.
_VALIDATION_NOW = datetime(2000, 1, 2, tzinfo=UTC)


def bindable(template: Mapping[str, Any]) -> list[tuple[KeyPath, str]]:
    """(template key path of each query string, its text with neutral parameter values) for
    validation. A placeholder that cannot be filled stays as written, so the engine reports it at its
    position in the query."""
    declared = parameters(template)
    values = neutral_values(declared, _VALIDATION_NOW)
    found = []
    for query in queries(template):
        try:
            text = expand(query.text, declared, values)
        except ParameterError:
            text = query.text
        found.append(((*query.path, "query"), text))
    return found
