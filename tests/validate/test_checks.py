"""Each check: a failing example produces its code at the right place; the valid baseline produces none."""

from __future__ import annotations

from typing import Any

import pytest

from detections.diagnostics import Severity
from detections.validate.registry import CHECKS


def test_valid_rule_and_hunting_query_pass(repo):
    repo.rule()
    repo.hunting()
    assert repo.codes() == []


def _set(key: str, value: Any):
    def change(doc: dict[str, Any]) -> None:
        doc[key] = value
    return change


def _drop(key: str):
    return lambda doc: doc.pop(key)


def _entity(entity_type: str, *pairs: tuple[str, str]):
    return _set("entityMappings", [{"entityType": entity_type,
                                     "fieldMappings": [{"identifier": i, "columnName": c} for i, c in pairs]}])


RULE_CASES = [
    # schema: required fields, types, enums, limits, formats
    ("DET110", _drop("name")),
    ("DET110", _drop("queryFrequency")),
    ("DET110", _drop("requiredDataConnectors")),
    ("DET110", lambda d: d["requiredDataConnectors"][0].pop("dataTypes")),
    ("DET111", _set("triggerThreshold", "zero")),
    ("DET111", _set("tactics", "InitialAccess")),
    ("DET112", _set("severity", "Critical")),
    ("DET112", _set("tactics", ["Initial Access"])),
    ("DET112", _set("triggerOperator", "greater")),
    ("DET112", _entity("Person", ("Name", "X"))),
    ("DET113", _set("name", "x" * 257)),
    ("DET113", _set("description", "x" * 5001)),
    ("DET113", _set("query", "")),
    ("DET113", _set("query", "AWSCloudTrail\n" + "| where true\n" * 900)),
    ("DET113", _set("triggerThreshold", 10001)),
    ("DET113", _set("entityMappings", [])),
    ("DET113", _set("entityMappings", [{"entityType": "IP", "fieldMappings": [
        {"identifier": "Address", "columnName": "SourceIpAddress"}]}] * 11)),
    ("DET113", _entity("Account", ("Name", "a"), ("FullName", "b"), ("Sid", "c"), ("NTDomain", "d"))),
    ("DET113", _set("customDetails", {f"Key{i}": "SourceIpAddress" for i in range(21)})),
    ("DET113", _set("customDetails", {"AVeryLongCustomDetailKey": "SourceIpAddress"})),
    ("DET113", _set("alertDetailsOverride", {"alertDisplayNameFormat": "x" * 257})),
    ("DET114", _set("id", "not-a-guid")),
    ("DET114", _set("version", "1.0")),
    ("DET114", _set("relevantTechniques", ["1078"])),
    ("DET114", _set("queryFrequency", "1w")),
    ("DET114", _set("queryFrequency", "25:00:00")),
    ("DET114", _set("customDetails", {"1Bad": "SourceIpAddress"})),
    ("DET114", _set("customDetails", {"Good": "Source-Ip"})),
    ("DET114", _entity("IP", ("Address", "1column"))),
    ("DET115", _set("eventGroupingSettings", {"aggregationKind": "SingleAlert", "extra": 1})),
    ("DET114", _set("kind", "Fusion")),
    ("DET112", _set("x-detections", {"zeroTrust": ["trust-everyone"]})),
    ("DET113", _set("x-detections", {"zeroTrust": ["assume-breach", "assume-breach"]})),
    ("DET114", _set("x-detections", {"references": ["ftp://example.org"]})),
    ("DET115", _set("x-detections", {"zero_trust": ["assume-breach"]})),
    # semantic checks
    ("DET120", _set("queryFrequence", "1h")),
    ("DET122", _set("triggerOperator", "GreaterThan")),
    ("DET122", _set("kind", "scheduled")),
    ("DET300", _set("relevantTechniques", ["T1485"])),
    ("DET301", _set("relevantTechniques", ["T1999"])),
    ("DET400", lambda d: d.update(queryFrequency="15d", queryPeriod="15d")),
    ("DET400", lambda d: d.update(queryFrequency="1m", queryPeriod="1h")),
    ("DET401", lambda d: d.update(queryFrequency="2h", queryPeriod="1h")),
    ("DET402", lambda d: d.update(queryFrequency="30m", queryPeriod="2d")),
    ("DET500", _entity("IP", ("Address", "SourceIpAddress"), ("HostName", "SourceIpAddress"))),
    ("DET501", _entity("Account", ("UPNSuffix", "UserIdentityArn"))),
    ("DET501", _entity("FileHash", ("Value", "UserIdentityArn"))),
    ("DET502", _entity("Account", ("Name", "UserIdentityArn"), ("Name", "SourceIpAddress"))),
    ("DET503", lambda d: d.update(query=d["query"] + "| extend IPCustomEntity = SourceIpAddress\n")),
    ("DET600", _set("alertDetailsOverride", {"alertDescriptionFormat": "{{A}} {{B}} {{C}} {{D}}"})),
    ("DET700", lambda d: d.update(query=d["query"].replace("==", "\u2014="))),
    ("DET800", _set("requiredDataConnectors", [{"connectorId": "AmazonWebServicez", "dataTypes": ["AWSCloudTrail"]}])),
]


@pytest.mark.parametrize(("code", "change"), RULE_CASES, ids=[f"{c}-{i}" for i, (c, _) in enumerate(RULE_CASES)])
def test_rule_check_fails(repo, code, change):
    path = repo.rule(change)
    assert code in repo.codes(path)


@pytest.mark.parametrize(("code", "change"), [
    ("DET110", _drop("query")),
    ("DET114", _set("relevantTechniques", ["T1136.x"])),
    ("DET300", _set("relevantTechniques", ["T1110"])),
    ("DET302", _set("tactics", ["Persistence", "Credential Access"])),
    ("DET500", _entity("Host", ("Address", "AWSRegion"))),
    ("DET700", lambda d: d.update(query=d["query"] + "// caf\u00e9\n")),
    ("DET800", _set("requiredDataConnectors", [{"connectorId": "Nope", "dataTypes": ["AWSCloudTrail"]}])),
])
def test_hunting_check_fails(repo, code, change):
    path = repo.hunting(change)
    assert code in repo.codes(path)


def test_hunting_queries_accept_published_quirks(repo):
    """Published hunting queries carry severity, description-detailed, tags and spaced tactics."""
    def change(doc):
        doc.update({"severity": "Low", "description-detailed": "More.", "tags": ["Demo"],
                    "tactics": ["Credential Access"], "relevantTechniques": ["T1110"]})
    path = repo.hunting(change)
    diagnostics = repo.validate(path)
    assert [(d.code, d.severity) for d in diagnostics] == [("DET302", Severity.WARNING)]


def test_technique_matching_any_tactic_passes(repo):
    path = repo.rule(lambda d: d.update(tactics=["Persistence"], relevantTechniques=["T1098", "T1136.003"]))
    assert repo.codes(path) == []


def test_nrt_rule_needs_no_schedule(repo):
    def nrt(doc):
        doc["kind"] = "NRT"
        for key in ("queryFrequency", "queryPeriod", "triggerOperator", "triggerThreshold", "requiredDataConnectors"):
            doc.pop(key)
    assert repo.codes(repo.rule(nrt)) == []


def test_duration_forms_are_equivalent(repo):
    path = repo.rule(lambda d: d.update(queryFrequency="01:00:00", queryPeriod="PT2H"))
    assert repo.codes(path) == []


def test_message_points_at_the_offending_key(repo):
    path = repo.rule(_set("severity", "Critical"))
    [diagnostic] = [d for d in repo.validate(path) if d.code == "DET112"]
    line = path.read_text().splitlines()[diagnostic.location.line - 1]
    assert line.startswith("severity:") and diagnostic.location.column == 1
    assert "Informational, Low, Medium or High" in diagnostic.hint


def test_nested_position_is_exact(repo):
    path = repo.rule(_entity("IP", ("Address", "SourceIpAddress"), ("Address", "SourceIpAddress")))
    [diagnostic] = [d for d in repo.validate(path) if d.code == "DET502"]
    lines = path.read_text().splitlines()
    second = [n for n, text in enumerate(lines, 1) if "identifier: Address" in text][1]
    assert diagnostic.location.line == second  # the repeated identifier, not the first one
    assert lines[second - 1][diagnostic.location.column - 1:].startswith("identifier: Address")


def test_duplicate_ids_and_file_names(repo):
    repo.rule(name="First")
    second = repo.rule(name="Second")
    repo.rule(_set("id", "11111111-2222-4333-8444-555555555555"), name="First", folder="Other")
    diagnostics = repo.validate()
    assert [d.location.path.name for d in diagnostics if d.code == "DET200"] == ["Second.yaml"]
    assert second.name != "First.yaml"
    assert [d.code for d in diagnostics if d.location.path.parent.name == "Other"] == ["DET201"]
    messages = {d.code: d.message for d in diagnostics}  # the other file named like every location
    assert messages["DET200"].endswith("is also used by rules/AWSCloudTrail/First.yaml")
    assert messages["DET201"] == "file name First.yaml is also used by rules/AWSCloudTrail/First.yaml"


def test_duplicate_id_found_when_validating_one_file(repo):
    repo.rule(name="First")
    second = repo.rule(name="Second")
    assert repo.codes(second) == ["DET200"]


def test_yml_extension(repo):
    path = repo.rule(suffix=".yml")
    assert repo.codes(path) == ["DET121"]


def test_every_check_has_unique_code_and_documentation():
    codes = [check.code for check in CHECKS]
    assert len(codes) == len(set(codes))
    for check in CHECKS:
        assert check.title and check.description and check.code.startswith("DET")


def test_warning_checks_are_warnings():
    severities = {check.code: check.severity for check in CHECKS}
    assert severities["DET120"] == Severity.WARNING and severities["DET200"] == Severity.ERROR


def test_every_code_is_documented():
    from pathlib import Path

    from detections.validate.codes import catalogue

    docs = (Path(__file__).resolve().parents[2] / "docs" / "validation.md").read_text()
    assert [code for code in catalogue() if f"| {code} |" not in docs] == []


WORKBOOK = """\
id: 0f0e0d0c-0b0a-4909-8807-060504030201
name: Trail
description: CloudTrail overview.
template:
  version: Notebook/1.0
  items:
    - type: 1
      content:
        json: Overview
"""


def test_valid_workbook_passes(repo):
    assert repo.codes(repo.write("workbooks/Trail.yaml", WORKBOOK)) == []


@pytest.mark.parametrize(("code", "addition", "key"), [
    ("DET810", "  fromTemplateId: sentinel-UserWorkbook\n", "fromTemplateId"),
    ("DET811", "  fallbackResourceIds:\n    - /subscriptions/0b1c2d3e-0000-4000-8000-000000000000/resourceGroups/x\n",
     "- /subscriptions/"),
])
def test_workbook_checks(repo, code, addition, key):
    path = repo.write("workbooks/Trail.yaml", WORKBOOK + addition)
    [diagnostic] = [d for d in repo.validate(path) if d.code == code]
    assert path.read_text().splitlines()[diagnostic.location.line - 1].strip().startswith(key)


def test_unknown_connector_suggests_the_closest_id(repo):
    path = repo.rule(_set("requiredDataConnectors", [{"connectorId": "AWSS", "dataTypes": ["AWSCloudTrail"]}]))
    [diagnostic] = [d for d in repo.validate(path) if d.code == "DET800"]
    assert diagnostic.hint.startswith("did you mean AWSS3")


def test_folded_query_with_comment(repo):
    folded = repo.write("rules/AWSCloudTrail/Folded.yaml", repo.rule().read_text().replace(
        "query: |\n  AWSCloudTrail\n", "query:\n  AWSCloudTrail\n  // keep only sign-ins\n"))
    assert repo.codes(folded) == ["DET701"]
    url = repo.rule(lambda d: d.update(query='AWSCloudTrail | where EventSource == "https://x" | take 1',
                                       id="7c9e6679-7425-40de-944b-e07fc1f90ae7"), name="Url")
    assert repo.codes(url) == []
