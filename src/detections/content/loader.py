"""Load content files into the typed model: YAML -> schema check -> dataclasses.

A file is first read as plain data with positions (yamlio), then checked against its JSON Schema; any
schema error stops the load with a ContentError, so every model object handed to the rest of the
toolkit has the types its fields promise. Semantic checks (MITRE mapping, entity identifiers, KQL...)
live in detections.validate and run on the models.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from detections import schemas
from detections.content import jsonio
from detections.content.durations import parse_duration
from detections.content.model import (
    EXTENSION_KEY,
    AlertDetailsOverride,
    AnalyticsRule,
    DataConnector,
    EntityMapping,
    Extension,
    FieldMapping,
    HuntingQuery,
    Location,
    Repository,
    SourceMap,
    Workbook,
)
from detections.content.workbook_yaml import (
    NOTEBOOK_VERSION,
    WorkbookFormatError,
    json_to_yaml,
    template_from_yaml,
)
from detections.content.yamlio import parse_yaml, read_text, read_yaml
from detections.diagnostics import ContentError, Diagnostic, Severity

Content = AnalyticsRule | HuntingQuery | Workbook

UNKNOWN_FOLDER = "DET104"
NOT_A_TEMPLATE = "DET105"
NO_CONTENT = "DET103"

TRIGGER_OPERATORS = {
    "gt": "gt", "greaterthan": "gt",
    "lt": "lt", "lessthan": "lt",
    "eq": "eq", "equal": "eq",
    "ne": "ne", "notequal": "ne",
}
RULE_KINDS = {"scheduled": "Scheduled", "nrt": "NRT"}


def _document(path: Path, kind: str) -> tuple[dict[str, Any], SourceMap]:
    document, source = read_yaml(path)
    problems = schemas.check(kind, document, source)
    if problems:
        raise ContentError(problems)
    return document, source


def _connectors(raw: dict[str, Any]) -> tuple[DataConnector, ...]:
    return tuple(DataConnector(c["connectorId"], tuple(c.get("dataTypes", ())))
                 for c in raw.get("requiredDataConnectors") or ())


def _entities(raw: dict[str, Any]) -> tuple[EntityMapping, ...]:
    return tuple(
        EntityMapping(m["entityType"],
                      tuple(FieldMapping(f["identifier"], f["columnName"]) for f in m["fieldMappings"]))
        for m in raw.get("entityMappings") or ()
    )


def _extension(raw: dict[str, Any]) -> Extension:
    block = raw.get(EXTENSION_KEY) or {}
    return Extension(
        zero_trust=tuple(block.get("zeroTrust", ())),
        owner=block.get("owner"),
        references=tuple(block.get("references", ())),
        triage=block.get("triage"),
    )


def _override(raw: dict[str, Any]) -> AlertDetailsOverride | None:
    block = raw.get("alertDetailsOverride")
    if block is None:
        return None
    return AlertDetailsOverride(
        display_name_format=block.get("alertDisplayNameFormat"),
        description_format=block.get("alertDescriptionFormat"),
        severity_column=block.get("alertSeverityColumnName"),
        tactics_column=block.get("alertTacticsColumnName"),
        dynamic_properties=tuple((p["alertProperty"], p["value"]) for p in block.get("alertDynamicProperties", ())),
    )


def _duration(raw: dict[str, Any], key: str, source: SourceMap) -> timedelta | None:
    text = raw.get(key)
    if text is None:
        return None
    try:
        return parse_duration(text)
    except ValueError as exc:  # the schema pattern admits e.g. 25:00:00; the parser is the judge
        raise ContentError([Diagnostic("DET114", str(exc), source.locate(key),
                                       hint="use 5m, 1h, 1d, a TimeSpan such as 01:00:00, or ISO PT1H")]) from None


def load_rule(path: Path) -> AnalyticsRule:
    """Load one analytics rule (Scheduled or NRT); ContentError with diagnostics if it is malformed."""
    raw, source = _document(path, "rule")
    kind = RULE_KINDS[raw["kind"].lower()]
    operator = raw.get("triggerOperator")
    grouping = raw.get("eventGroupingSettings") or {}
    return AnalyticsRule(
        path=path,
        id=raw["id"],
        name=raw["name"],
        kind=kind,  # type: ignore[arg-type]
        description=raw["description"],
        severity=raw["severity"],
        query=raw["query"],
        query_frequency=_duration(raw, "queryFrequency", source),
        query_period=_duration(raw, "queryPeriod", source),
        trigger_operator=TRIGGER_OPERATORS[operator.lower()] if operator else None,
        trigger_threshold=raw.get("triggerThreshold"),
        tactics=tuple(raw.get("tactics") or ()),
        techniques=tuple(raw.get("relevantTechniques") or ()),
        required_data_connectors=_connectors(raw),
        entity_mappings=_entities(raw),
        custom_details=dict(raw.get("customDetails") or {}),
        alert_details_override=_override(raw),
        event_grouping=grouping.get("aggregationKind", "SingleAlert"),
        suppression_enabled=raw.get("suppressionEnabled", False),
        suppression_duration=_duration(raw, "suppressionDuration", source),
        incident_configuration=raw.get("incidentConfiguration"),
        version=raw.get("version"),
        status=raw.get("status"),
        enabled=raw.get("enabled", True),
        extension=_extension(raw),
        raw=raw,
        source=source,
    )


def load_hunting(path: Path) -> HuntingQuery:
    """Load one hunting query; ContentError with diagnostics if it is malformed."""
    raw, source = _document(path, "hunting")
    return HuntingQuery(
        path=path,
        id=raw["id"],
        name=raw["name"],
        description=raw["description"],
        query=raw["query"],
        tactics=tuple(raw.get("tactics") or ()),
        techniques=tuple(raw.get("relevantTechniques") or ()),
        required_data_connectors=_connectors(raw),
        entity_mappings=_entities(raw),
        version=raw.get("version"),
        extension=_extension(raw),
        raw=raw,
        source=source,
    )


def load_workbook(path: Path) -> Workbook:
    """Load one workbook YAML, or a published Sentinel workbook template (`.json`, version Notebook/1.0,
    as Microsoft's Workbooks folders hold them); `template` is the workbook JSON content Sentinel stores."""
    if path.suffix.lower() == WORKBOOK_TEMPLATE_SUFFIX:
        raw, source = _template_document(path)
    else:
        raw, source = _document(path, "workbook")
    return Workbook(
        path=path,
        id=raw["id"],
        name=raw["name"],
        description=raw["description"],
        template=template_from_yaml(raw),
        version=raw.get("version"),
        raw=raw,
        source=source,
    )


def _template_document(path: Path) -> tuple[dict[str, Any], SourceMap]:
    """A published workbook template as the document our workbook YAML would hold (id and name from the
    file name, as `detections workbook import` derives them), placed at the JSON file's own lines."""
    text = read_text(path)
    try:
        notebook = jsonio.loads(text)
    except jsonio.JsonError as exc:
        raise ContentError([Diagnostic("DET100", f"JSON syntax error: {exc.msg}", Location(path, exc.lineno, exc.colno),
                                       hint="fix the JSON at this position")]) from None
    if not (isinstance(notebook, dict) and notebook.get("version") == NOTEBOOK_VERSION):
        raise ContentError([Diagnostic(
            NOT_A_TEMPLATE, f"not a Sentinel workbook template (no \"version\": \"{NOTEBOOK_VERSION}\"): skipped",
            Location(path), Severity.NOTE, "workbook templates hold the workbook content itself; other JSON "
            "files in a workbooks folder (metadata, ARM templates) are not validated")])
    try:
        document, _ = parse_yaml(json_to_yaml(text, name=path.stem), path)
    except WorkbookFormatError as exc:
        raise ContentError([Diagnostic(NOT_A_TEMPLATE, str(exc), Location(path), Severity.WARNING)]) from None
    source = SourceMap(path)
    try:  # JSON is YAML: read it again for the line of every key (a file YAML cannot read keeps line 1)
        _, located = parse_yaml(text, path)
        source.positions.update((("template", *key), at) for key, at in located.positions.items())
    except ContentError:
        pass
    problems = schemas.check("workbook", document, source)
    if problems:
        raise ContentError(problems)
    return document, source


# folder name (lower case) -> loader; Microsoft's folder names too, so their content loads as is
FOLDER_LOADERS: dict[str, Callable[[Path], Content]] = {
    "rules": load_rule,
    "analytic rules": load_rule,
    "detections": load_rule,
    "hunting": load_hunting,
    "hunting queries": load_hunting,
    "workbooks": load_workbook,
}
# repository folders that hold content, and the file suffixes looked at (.yml is reported, DET121)
CONTENT_FOLDERS = ("rules", "hunting", "workbooks")
CONTENT_SUFFIXES = (".yaml", ".yml")
WORKBOOK_TEMPLATE_SUFFIX = ".json"  # published Sentinel workbook templates, inside a workbooks folder
FIXTURES_FOLDER = "fixtures"  # rule tests; its sub-folders may share the content folders' names


def load_file(path: Path) -> Content:
    """Load any content file, choosing the loader by the nearest known folder name in its path."""
    for parent in Path(path).parents:
        loader = FOLDER_LOADERS.get(parent.name.lower())
        if loader:
            return loader(Path(path))
    raise ContentError([Diagnostic(
        UNKNOWN_FOLDER, "not inside rules/, hunting/ or workbooks/: cannot tell what kind of content this is",
        Location(Path(path)), hint="move the file into rules/<data source>/, hunting/<data source>/ or workbooks/",
    )])


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` that holds rules/, hunting/ or workbooks/: the one rule
    every command uses to find the content repository, so each works from any folder inside it.

    A `fixtures/` folder mirrors the content folders (fixtures/hunting/, fixtures/workbooks/), so it
    is the root only when no folder above it is one: from fixtures/hunting/X.tests.yaml the answer is
    the repository beside fixtures/, not fixtures/ itself."""
    start = Path(start).resolve()
    for folder in (start, *start.parents):
        if any((folder / name).is_dir() for name in CONTENT_FOLDERS):
            if folder.name == FIXTURES_FOLDER:
                return find_root(folder.parent) or folder
            return folder
    return None


def walk_files(base: Path, wanted: Callable[[Path], bool]) -> list[Path]:
    """Files under `base` that `wanted` accepts, sorted. A folder that cannot be listed is returned
    as if it were a file, so loading it reports it (DET103) instead of its content silently missing."""
    if not base.is_dir():
        return []
    found: list[Path] = []
    for folder, _, names in os.walk(base, onerror=lambda error: found.append(Path(error.filename))):
        found.extend(path for name in names if wanted(path := Path(folder) / name) and path.is_file())
    return sorted(found)


def is_content_file(path: Path) -> bool:
    """A content YAML, or a workbook template JSON inside a workbooks folder (Microsoft's layout)."""
    if path.suffix in CONTENT_SUFFIXES:
        return True
    return path.suffix.lower() == WORKBOOK_TEMPLATE_SUFFIX and any(
        FOLDER_LOADERS.get(parent.name.lower()) is load_workbook for parent in path.parents)


def content_files(root: Path) -> list[Path]:
    """Every content file under a repository root, in a stable order."""
    found: list[Path] = []
    for folder in CONTENT_FOLDERS:
        found.extend(walk_files(root / folder, is_content_file))
    return found


def discover_files(base: Path) -> list[Path]:
    """Content files anywhere under `base` in a folder named as Sentinel's or our content folders
    (`Solutions/<name>/Analytic Rules/`, `Hunting Queries/`, `Workbooks/`, `rules/`, ...), so an
    Azure-Sentinel checkout is found too. Rule-test files (fixtures/**.tests.yaml) are not content."""
    def wanted(path: Path) -> bool:
        relative = path.relative_to(base).parents
        return (is_content_file(path) and not path.name.endswith(".tests.yaml")
                and any(parent.name.lower() in FOLDER_LOADERS for parent in relative)
                and not any(parent.name.lower() == FIXTURES_FOLDER for parent in relative))
    return walk_files(base, wanted)


def load_files(paths: list[Path], root: Path, diagnostics: list[Diagnostic] | None = None) -> Repository:
    """Load the given content files into a Repository.

    With a `diagnostics` list, problems are appended to it and the broken files skipped; without
    one, all problems are raised together as one ContentError after every file was tried.
    """
    repository = Repository(root=root)
    problems: list[Diagnostic] = []
    targets = {AnalyticsRule: repository.rules, HuntingQuery: repository.hunting, Workbook: repository.workbooks}
    for path in paths:
        try:
            item = load_file(path)
        except ContentError as exc:
            problems.extend(exc.diagnostics)
            continue
        targets[type(item)].append(item)
    if diagnostics is not None:
        diagnostics.extend(problems)
    elif problems:
        raise ContentError(problems)
    return repository


def load_repository(root: Path, diagnostics: list[Diagnostic] | None = None) -> Repository:
    """Load all rules, hunting queries and workbooks of a repository checkout.

    A root without rules/, hunting/ or workbooks/ is searched for content folders at any depth (an
    Azure-Sentinel checkout: `Solutions/*/Analytic Rules/`...); when none holds content, a warning
    says so in `diagnostics`, so an empty result is never silent."""
    root = Path(root)
    files = content_files(root) or discover_files(root)
    if not files and diagnostics is not None:
        diagnostics.append(Diagnostic(
            NO_CONTENT, "no content files here (rules/, hunting/, workbooks/ or Sentinel's Analytic Rules/, "
            "Hunting Queries/, Workbooks/ folders)", Location(root), Severity.WARNING,
            "pass the repository root (the folder that holds rules/)"))
    return load_files(files, root, diagnostics)
