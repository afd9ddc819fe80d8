"""Export of deployed rules to YAML: defaults left out, techniques merged, files named and placed."""

from __future__ import annotations

import yaml

from detections.deploy.export import existing_rules, export_rules, file_stem, rule_document


def _props(**extra) -> dict:
    return {"displayName": "Encoded PowerShell", "description": "d", "severity": "Low", "enabled": True,
            "query": "SecurityEvent | where EventID == 4688", "queryFrequency": "PT1H", "queryPeriod": "PT1H",
            "triggerOperator": "GreaterThan", "triggerThreshold": 0, "suppressionEnabled": False,
            "suppressionDuration": "PT5H", **extra}


def test_defaults_are_left_out_and_sub_techniques_keep_their_parents_implied() -> None:
    doc = rule_document({"name": "id-1", "kind": "Scheduled", "properties": _props(
        techniques=["T1059", "T1027"], subTechniques=["T1059.001"],
        incidentConfiguration={"createIncident": True, "groupingConfiguration": {
            "enabled": False, "reopenClosedIncident": False, "lookbackDuration": "PT5H",
            "matchingMethod": "AllEntities", "groupByEntities": None}},
        eventGroupingSettings={"aggregationKind": "SingleAlert"})}, ["SecurityEvent"])
    assert doc["relevantTechniques"] == ["T1059.001", "T1027"]
    assert "incidentConfiguration" not in doc and "eventGroupingSettings" not in doc
    assert "suppressionEnabled" not in doc and "enabled" not in doc
    assert doc["triggerOperator"] == "gt" and doc["queryFrequency"] == "1h"
    assert doc["requiredDataConnectors"] == [{"connectorId": "SecurityEvents", "dataTypes": ["SecurityEvent"]}]
    assert doc["version"] == "1.0.0"


def test_disabled_rules_and_non_default_settings_are_kept() -> None:
    doc = rule_document({"name": "id-1", "kind": "NRT", "properties": _props(
        enabled=False, suppressionDuration="PT2H", incidentConfiguration={"createIncident": False})}, [])
    assert doc["enabled"] is False and doc["suppressionDuration"] == "2h" and doc["suppressionEnabled"] is False
    assert doc["incidentConfiguration"]["createIncident"] is False
    assert "queryFrequency" not in doc and doc["kind"] == "NRT"


def test_files_are_placed_by_table_and_other_kinds_skipped() -> None:
    rules = [
        {"name": "a", "kind": "Scheduled", "properties": _props()},
        {"name": "b", "kind": "Scheduled", "properties": _props(query="AWSCloudTrail | join (AWSVPCFlow) on $left.SourceIpAddress == $right.SrcIpAddr")},
        {"name": "c", "kind": "Scheduled", "properties": _props(query="Syslog | take 1")},
        {"name": "d", "kind": "Fusion", "properties": {"displayName": "Fusion"}},
    ]
    paths = sorted(item.path.as_posix() for item in export_rules(rules))
    assert paths == [
        "rules/CrossTable/EncodedPowerShell.yaml",
        "rules/Other/EncodedPowerShell.yaml",
        "rules/SecurityEvent/EncodedPowerShell.yaml",
    ]


def test_colliding_names_get_the_rule_id() -> None:
    rules = [{"name": n, "kind": "Scheduled", "properties": _props()} for n in ("aaaaaaaa-1", "bbbbbbbb-2")]
    assert sorted(item.path.name for item in export_rules(rules)) == [
        "EncodedPowerShell-bbbbbbbb.yaml", "EncodedPowerShell.yaml"]


def test_file_stem() -> None:
    assert file_stem("Root console sign-in (AWS)") == "RootConsoleSignInAWS"
    assert file_stem("***") == "Rule"


def test_a_rule_an_existing_file_holds_goes_to_that_file_keeping_the_repositorys_own_keys(tmp_path) -> None:
    existing = tmp_path / "rules/Mine/Encoded.yaml"
    existing.parent.mkdir(parents=True)
    existing.write_text("id: AAAAAAAA-1\nname: old\nrequiredDataConnectors: [{connectorId: Mine, dataTypes: [X]}]\n"
                        "x-detections: {owner: secops}\nmetadata: {author: me}\n")
    rules = [{"name": n, "kind": "Scheduled", "properties": _props()} for n in ("aaaaaaaa-1", "bbbbbbbb-2")]
    updated, new = export_rules(rules, existing_rules(tmp_path))
    assert (updated.path.as_posix(), updated.action) == ("rules/Mine/Encoded.yaml", "update")
    assert (new.path.as_posix(), new.action) == ("rules/SecurityEvent/EncodedPowerShell.yaml", "new")
    document = yaml.safe_load(updated.text)
    assert document["name"] == "Encoded PowerShell" and document["x-detections"] == {"owner": "secops"}
    assert document["metadata"] == {"author": "me"}
    assert document["requiredDataConnectors"] == [{"connectorId": "Mine", "dataTypes": ["X"]}]


def test_a_new_rule_whose_file_name_another_rules_file_holds_gets_its_id_in_the_name(tmp_path) -> None:
    taken = tmp_path / "rules/SecurityEvent/EncodedPowerShell.yaml"
    taken.parent.mkdir(parents=True)
    taken.write_text("id: cccccccc-3\nname: Someone else's rule\n")
    [new] = export_rules([{"name": "aaaaaaaa-1", "kind": "Scheduled", "properties": _props()}], existing_rules(tmp_path))
    assert (new.path.as_posix(), new.action) == ("rules/SecurityEvent/EncodedPowerShell-aaaaaaaa.yaml", "new")


def test_exported_keys_name_every_key_an_export_writes() -> None:
    """An update in place keeps the keys an export never writes: EXPORTED_KEYS must know all it writes."""
    from detections.deploy.export import EXPORTED_KEYS

    doc = rule_document({"name": "id-1", "kind": "Scheduled", "properties": _props(
        enabled=False, suppressionEnabled=True, techniques=["T1059"], tactics=["Execution"],
        entityMappings=[{"entityType": "Host", "fieldMappings": [{"identifier": "HostName", "columnName": "C"}]}],
        customDetails={"A": "B"}, alertDetailsOverride={"alertDisplayNameFormat": "x"},
        eventGroupingSettings={"aggregationKind": "AlertPerResult"},
        incidentConfiguration={"createIncident": False})}, ["SecurityEvent"])
    assert set(doc) == EXPORTED_KEYS
