"""Loading content: Microsoft's own quirks load unchanged; every bad file is one clear diagnostic."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest

from detections.content import load_file, load_hunting, load_repository, load_rule, load_workbook
from detections.content.model import AnalyticsRule, HuntingQuery, Workbook
from detections.content.workbook_queries import queries
from detections.diagnostics import ContentError

# A rule written the way published Azure-Sentinel rules are: `status : Available` with a space,
# 1-space list indentation, list items not indented under entityMappings, a block scalar that starts
# with a blank line, a quoted description inside a block, lower-case kind and a long trigger operator.
QUIRKY_RULE = """\
id: 5e3a1c2b-8d7f-4e6a-9b0c-1d2e3f4a5b6c
name: Quirky but published
description: |
  'Quoted inside a block, as many published rules are.'
severity: Medium
status : Available
requiredDataConnectors:
 - connectorId: AWS
   dataTypes:
   - AWSCloudTrail
queryFrequency: 1d
queryPeriod: 14d
triggerOperator: GreaterThan
triggerThreshold: 0
tactics:
  - Persistence
relevantTechniques:
  - T1098
tags:
  - Demo
  - Schema: ASimWebSession
    SchemaVersion: 0.2.1
query: |

  AWSCloudTrail
  | where EventName == "CreateUser"
entityMappings:
- entityType: Account
  fieldMappings:
  - identifier: FullName
    columnName: UserIdentityArn
incidentConfiguration:
  createIncident: true
  groupingConfiguration:
    enabled: true
    lookbackDuration: 5h
    matchingMethod: AllEntities
metadata:
  source:
    kind: Community
version: 1.0.2
kind: scheduled"""


def write(tmp_path: Path, relative: str, text: str, newline: str = "\n") -> Path:
    path = tmp_path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode())
    return path


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_published_quirks_load_unchanged(tmp_path, newline):
    rule = load_rule(write(tmp_path, "rules/AWSCloudTrail/Quirky.yaml", QUIRKY_RULE, newline))
    assert rule.kind == "Scheduled" and rule.trigger_operator == "gt"
    assert rule.query_frequency == timedelta(days=1) and rule.query_period == timedelta(days=14)
    assert rule.query.startswith("\nAWSCloudTrail")
    assert rule.description.startswith("'Quoted")
    assert rule.status == "Available"
    assert rule.required_data_connectors[0].data_types == ("AWSCloudTrail",)
    assert rule.entity_mappings[0].field_mappings[0].column_name == "UserIdentityArn"
    assert rule.incident_configuration["groupingConfiguration"]["lookbackDuration"] == "5h"
    assert rule.raw["tags"][1] == {"Schema": "ASimWebSession", "SchemaVersion": "0.2.1"}


def test_raw_is_plain_python(tmp_path):
    rule = load_rule(write(tmp_path, "rules/X/Quirky.yaml", QUIRKY_RULE))

    def plain(node):
        if isinstance(node, dict):
            return type(node) is dict and all(type(k) is str and plain(v) for k, v in node.items())
        if isinstance(node, list):
            return type(node) is list and all(plain(v) for v in node)
        return type(node) in (str, int, float, bool, type(None))

    assert plain(rule.raw)


def test_positions_of_keys_and_items(tmp_path):
    rule = load_rule(write(tmp_path, "rules/X/Quirky.yaml", QUIRKY_RULE))
    lines = QUIRKY_RULE.splitlines()
    location = rule.source.locate("entityMappings", 0, "fieldMappings", 0, "columnName")
    assert lines[location.line - 1][location.column - 1:] == "columnName: UserIdentityArn"
    item = rule.source.locate("requiredDataConnectors", 0)
    assert lines[item.line - 1][item.column - 1:] == "connectorId: AWS"
    assert rule.query_location.line == lines.index("query: |") + 1


def test_nrt_rule_and_extension(tmp_path):
    text = QUIRKY_RULE.replace("kind: scheduled", "kind: NRT") + (
        "\nx-detections:\n  zeroTrust: [assume-breach]\n  owner: secops\n"
        "  references: [https://example.org/a]\n  triage: Check the user.\n")
    rule = load_rule(write(tmp_path, "rules/X/Nrt.yaml", text))
    assert rule.kind == "NRT"
    assert rule.extension.zero_trust == ("assume-breach",) and rule.extension.owner == "secops"
    assert rule.extension.references == ("https://example.org/a",) and rule.extension.triage == "Check the user."


def test_hunting_query_with_published_extras(tmp_path):
    path = write(tmp_path, "hunting/AWSCloudTrail/Hunt.yaml", """\
id: 1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d
name: Hunt
description: Finds things.
description-detailed: More words.
severity: Medium
requiredDataConnectors: []
tactics: [Credential Access]
relevantTechniques: [T1110]
query: AWSCloudTrail | where TimeGenerated between (todatetime('{{StartTimeISO}}') .. now())
""")
    hunting = load_hunting(path)
    assert hunting.tactics == ("Credential Access",) and hunting.techniques == ("T1110",)
    assert isinstance(load_file(path), HuntingQuery)


ERROR_CASES = [
    # (file text, code, line, column, words in the message)
    ("id: [1,\nname: x\n", "DET100", 3, 1, "flow sequence started at line 1, column 5"),
    ("id: x\n  name: y\n", "DET100", 2, 7, "YAML syntax error"),
    ("name: a\nid: x\nname: b\n", "DET101", 3, 1, "duplicate key"),
    ("name: a\n\tquery: x\n", "DET100", 2, 1, "YAML syntax error"),
    ("", "DET102", 1, 1, "empty"),
    ("- id: x\n", "DET102", 1, 1, "a list"),
    ("just some words\n", "DET102", 1, 1, "a single value"),
]


@pytest.mark.parametrize(("text", "code", "line", "column", "words"), ERROR_CASES)
def test_bad_yaml_is_one_diagnostic(tmp_path, text, code, line, column, words):
    path = write(tmp_path, "rules/X/Bad.yaml", text)
    with pytest.raises(ContentError) as caught:
        load_rule(path)
    [diagnostic] = caught.value.diagnostics
    assert (diagnostic.code, diagnostic.location.line, diagnostic.location.column) == (code, line, column)
    assert words in diagnostic.message and diagnostic.hint


def test_binary_file_is_not_yaml(tmp_path):
    path = tmp_path / "rules" / "X" / "Image.yaml"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    with pytest.raises(ContentError) as caught:
        load_rule(path)
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.code == "DET103" and "not" in diagnostic.message


def test_wrong_type_points_at_the_key(tmp_path):
    path = write(tmp_path, "rules/X/Type.yaml", QUIRKY_RULE.replace("triggerThreshold: 0", "triggerThreshold: [0]"))
    with pytest.raises(ContentError) as caught:
        load_rule(path)
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.code == "DET111" and "must be an integer, not a list" in diagnostic.message
    assert QUIRKY_RULE.splitlines()[diagnostic.location.line - 1].startswith("triggerThreshold")


def test_unknown_folder(tmp_path):
    path = write(tmp_path, "elsewhere/Rule.yaml", QUIRKY_RULE)
    with pytest.raises(ContentError) as caught:
        load_file(path)
    assert caught.value.diagnostics[0].code == "DET104"


def test_microsoft_folder_names_dispatch(tmp_path):
    rule = write(tmp_path, "Solutions/Amazon Web Services/Analytic Rules/R.yaml", QUIRKY_RULE)
    assert isinstance(load_file(rule), AnalyticsRule)


def test_load_repository_collects_or_raises(tmp_path):
    write(tmp_path, "rules/X/Good.yaml", QUIRKY_RULE)
    write(tmp_path, "rules/X/Bad.yaml", "id: [\n")
    write(tmp_path, "workbooks/W.yaml", WORKBOOK)
    problems: list = []
    repository = load_repository(tmp_path, problems)
    assert [r.path.name for r in repository.rules] == ["Good.yaml"]
    assert [w.name for w in repository.workbooks] == ["Trail"]
    assert [p.code for p in problems] == ["DET100"]
    with pytest.raises(ContentError):
        load_repository(tmp_path)


WORKBOOK = """\
id: 0f0e0d0c-0b0a-4909-8807-060504030201
name: Trail
description: CloudTrail overview.
version: 1.0.0
template:
  version: Notebook/1.0
  items:
    - type: 3
      name: events
      content:
        version: KqlItem/1.0
        query: |-
          AWSCloudTrail
          | summarize count() by EventSource
  fallbackResourceIds: []
"""


def test_workbook_loads_with_its_queries(tmp_path):
    workbook = load_workbook(write(tmp_path, "workbooks/Trail.yaml", WORKBOOK))
    assert isinstance(workbook, Workbook)
    [query] = queries(workbook.template)
    assert query.text == "AWSCloudTrail\n| summarize count() by EventSource"
    location = workbook.source.locate("template", *query.path, "query")
    assert WORKBOOK.splitlines()[location.line - 1].strip() == "query: |-"


def test_loading_a_library_is_fast(tmp_path):
    for index in range(100):
        write(tmp_path, f"rules/X/R{index}.yaml", QUIRKY_RULE.replace("5e3a1c2b", f"{index:08x}"))
    load_repository(tmp_path)  # warm-up: imports and schema compilation happen once per process
    started = time.perf_counter()
    repository = load_repository(tmp_path)
    elapsed = time.perf_counter() - started
    assert len(repository.rules) == 100
    assert elapsed < 2.0, f"loading 100 rules took {elapsed:.2f}s"


def test_scalars_become_json_values():
    from detections.content.yamlio import parse_yaml

    document, _ = parse_yaml("a: &x true\nb: *x\nc: 0x10\nd: 2024-01-01\ne: !tag v\nf: 1.50\ng: yes\n", Path("x.yaml"))
    assert document == {"a": True, "b": True, "c": 16, "d": "2024-01-01", "e": "v", "f": 1.5, "g": "yes"}
    assert [type(v) for v in document.values()] == [bool, bool, int, str, str, float, str]


def test_crlf_tag_restores_carriage_returns():
    from detections.content.yamlio import parse_yaml

    document, _ = parse_yaml("q: !crlf |-\n  T\n  | take 1\nr: |\n  x\n", Path("x.yaml"))
    assert document == {"q": "T\r\n| take 1", "r": "x\n"}


def test_missing_kind_is_one_diagnostic(tmp_path):
    path = write(tmp_path, "rules/X/NoKind.yaml", QUIRKY_RULE.replace("kind: scheduled", "")
                 .replace("queryFrequency: 1d\n", ""))
    with pytest.raises(ContentError) as caught:
        load_rule(path)
    assert [d.message for d in caught.value.diagnostics] == ["required field missing: `kind`"]


def test_yaml_12_core_scalars_and_local_tags():
    from detections.content.yamlio import parse_yaml

    document, _ = parse_yaml("a: 1e3\nb: 1_000\nc: 0o17\nd: !Ref [1, 2]\ne: on\nf: .inf\ng: =\nh: [<<]\n"
                             "i: &m {k: 1}\nj: {<<: *m, l: 2}\n", Path("x.yaml"))
    assert document == {"a": 1000.0, "b": "1_000", "c": 15, "d": [1, 2], "e": "on", "f": float("inf"), "g": "=",
                        "h": ["<<"], "i": {"k": 1}, "j": {"k": 1, "l": 2}}


@pytest.mark.parametrize(("data", "message", "where"), [
    (b"\xff\xfe id: 1", "not a UTF-8 text file", (1, 1)),
    (b"id: 1\nname: caf\xe9\n", "not a UTF-8 text file", (2, 10)),
    (b"id: 1\x00", "NUL bytes", (1, 1)),
    (b"id: 1\n\tname: x\n", "YAML syntax error", (2, 1)),
    (b"- a\n- b\n", "file holds a list", (1, 1)),
    (b"", "file is empty", (1, 1)),
])
def test_unreadable_yaml_is_one_located_diagnostic(tmp_path, data, message, where):
    from detections.content.yamlio import read_yaml

    path = tmp_path / "bad.yaml"
    path.write_bytes(data)
    with pytest.raises(ContentError) as caught:
        read_yaml(path)
    [diagnostic] = caught.value.diagnostics
    assert message in diagnostic.message
    assert (diagnostic.location.line, diagnostic.location.column) == where


def test_folder_and_missing_file_are_diagnostics(tmp_path):
    from detections.content.yamlio import read_yaml

    for path, message in ((tmp_path, "is a folder"), (tmp_path / "nope.yaml", "cannot read file")):
        with pytest.raises(ContentError, match=message):
            read_yaml(path)


def test_a_folder_that_cannot_be_listed_is_reported_not_skipped(tmp_path, monkeypatch):
    """Running as root, chmod 000 cannot be tested for real; the walk and access checks are faked."""
    import os

    from detections.content import loader, yamlio

    locked = tmp_path / "rules" / "AWSVPCFlow"
    locked.mkdir(parents=True)
    real_walk = os.walk

    def walk(base, onerror=None):
        onerror(PermissionError(13, "Permission denied", str(locked)))
        yield from real_walk(base, onerror=onerror)

    monkeypatch.setattr(loader.os, "walk", walk)
    monkeypatch.setattr(yamlio.os, "access", lambda path, mode: Path(path) != locked)
    problems: list = []
    load_repository(tmp_path, problems)
    [problem] = problems
    assert problem.code == "DET103" and problem.location.path == locked
    assert problem.message == "cannot list this folder: permission denied"
