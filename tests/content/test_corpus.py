"""Microsoft's published content (../shared/corpus/azure-sentinel) loads and passes our checks unchanged.

The corpus is not shipped with the project; these tests skip when it is absent. Files that really
break a rule are named below with the reason; they may fail only with the codes listed for them.
"""

from __future__ import annotations

import json
from pathlib import Path

from detections.content import load_hunting, load_rule
from detections.content.model import Repository
from detections.content.workbook_yaml import find_notebook, json_to_yaml, template_from_yaml
from detections.content.yamlio import parse_yaml
from detections.diagnostics import ContentError
from detections.validate import alerts, identity, mitre, schedule, structure
from detections.validate import entities as entity_checks
from detections.validate import text as text_checks
from detections.validate.base import Context
from published_corpus import CORPUS, needs_corpus

# file name -> (codes it must fail with, why); Microsoft's stored revision of these files is invalid
KNOWN_EXCEPTIONS: dict[str, tuple[set[str], str]] = {
    "AWS_GuardDuty_template.yaml": ({"DET502"},
                                    "maps identifier Address twice in one IP entity (RemoteIpAddress and "
                                    "LocalIpAddress); Microsoft's ValidEntityMappings rejects duplicates"),
    "WMI-Abuse.yaml": ({"DET600", "DET700"},
                       "alertDescriptionFormat has 6 {{...}} placeholders (limit 3) and the query holds a "
                       "non-ASCII dash; Microsoft's own CI rejects both"),
}

# The checks Microsoft's CI runs on analytics rules (KQL and connector ids are environment-specific).
MICROSOFT_CHECKS = (
    mitre.TechniqueWithoutTactic(), mitre.UnknownTechnique(), schedule.IntervalRange(),
    schedule.PeriodShorterThanFrequency(), schedule.LongPeriodFrequency(), entity_checks.InvalidIdentifier(),
    entity_checks.MissingRequiredIdentifier(), entity_checks.DuplicateIdentifier(),
    entity_checks.LegacyEntityColumn(), alerts.TooManyPlaceholders(), text_checks.NonAsciiQuery(),
    structure.YamlExtension(),
)



def _files(folder_word: str, suffix: str) -> list[Path]:
    return sorted(p for p in CORPUS.rglob(f"*{suffix}") if folder_word in p.as_posix())


@needs_corpus
def test_every_published_analytics_rule_validates():
    rules = [p for p in _files("Analytic Rules", ".yaml") + _files("Detections/", ".yaml")]
    assert rules, "no analytics rules found in the corpus"
    failures: dict[str, set[str]] = {}
    messages: list[str] = []
    loaded = []
    for path in rules:
        try:
            loaded.append(load_rule(path))
        except ContentError as exc:
            failures[path.name] = {d.code for d in exc.diagnostics}
            messages += [str(d) for d in exc.diagnostics]
    ctx = Context(Repository(root=CORPUS, rules=loaded))
    for rule in loaded:
        for check in MICROSOFT_CHECKS:
            for diagnostic in check.run(rule, ctx):
                failures.setdefault(rule.path.name, set()).add(diagnostic.code)
                messages.append(str(diagnostic))
    unexpected = {name: codes for name, codes in failures.items()
                  if name not in KNOWN_EXCEPTIONS or not codes <= KNOWN_EXCEPTIONS[name][0]}
    assert not unexpected, "\n".join(messages)
    duplicates = list(identity.DuplicateId().run_repository(ctx))
    assert not duplicates, "\n".join(map(str, duplicates))


@needs_corpus
def test_every_published_hunting_query_loads():
    queries = _files("Hunting Queries", ".yaml")
    problems = []
    for path in queries:
        try:
            load_hunting(path)
        except ContentError as exc:
            problems += [str(d) for d in exc.diagnostics]
    assert not problems, "\n".join(problems)


@needs_corpus
def test_published_workbooks_round_trip_through_yaml():
    workbooks = _files("Workbooks", ".json")
    for path in workbooks:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        try:
            notebook = find_notebook(data)
        except ValueError:
            continue  # metadata files, not workbooks
        document, _ = parse_yaml(json_to_yaml(json.dumps(data), name=path.stem), path)
        assert template_from_yaml(document) == notebook, path
