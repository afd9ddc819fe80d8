"""`detections package`: template shapes, the DCR, determinism, the manifest and atomic writes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from detections.content.model import Repository
from detections.package import build_package
from detections.package.bodies import hunting_body, rule_body, template_scope, workbook_body
from detections.package.build import PackageError
from detections.package.templates import API_VERSIONS


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_layout_and_template_shapes(sample_repo: Repository, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    build_package(sample_repo, out, source="my-repo")
    assert set(_tree(out)) == {
        "azuredeploy.json", "azuredeploy.parameters.json", "manifest.json",
        "rules/SecurityEvent/FailedLogonBurst.json", "rules/AWSCloudTrail/RootSignIn.json",
        "hunting/SecurityEvent/NewServiceOrTask.json", "hunting/AWSCloudTrail/CreateUserByRegion.json",
        "workbooks/WindowsSecurity.json", "dcr/windows-security-events.json",
    }
    rule = next(r for r in sample_repo.rules if r.kind == "Scheduled")
    template = json.loads((out / "rules/SecurityEvent/FailedLogonBurst.json").read_text())
    assert template["$schema"].endswith("deploymentTemplate.json#") and template["contentVersion"] == "1.0.0.0"
    assert set(template["parameters"]) == {"workspace", "location"}
    alert, metadata = template["resources"]
    assert alert["type"] == "Microsoft.OperationalInsights/workspaces/providers/alertRules"
    assert alert["name"] == f"[concat(parameters('workspace'), '/Microsoft.SecurityInsights/', '{rule.id}')]"
    assert alert["apiVersion"] == API_VERSIONS["alertRules"]
    # one code path: the template embeds exactly the body the deployer sends
    assert {"kind": alert["kind"], "properties": alert["properties"]} == rule_body(rule)
    assert metadata["type"].endswith("/providers/metadata") and metadata["dependsOn"] == [
        metadata["properties"]["parentId"]
    ]
    assert metadata["properties"]["source"]["sourceId"] == "my-repo"


def test_hunting_and_workbook_templates_embed_the_deploy_bodies(sample_repo: Repository, tmp_path: Path) -> None:
    build_package(sample_repo, tmp_path / "dist", source="my-repo")
    scope = template_scope("my-repo")
    query = next(h for h in sample_repo.hunting if "CreateUser" in h.path.name)
    saved = json.loads((tmp_path / "dist/hunting/AWSCloudTrail/CreateUserByRegion.json").read_text())["resources"][0]
    assert saved["type"] == "Microsoft.OperationalInsights/workspaces/savedSearches"
    assert saved["name"] == f"[concat(parameters('workspace'), '/{query.id}')]"
    assert saved["properties"] == {**hunting_body(query, scope)["properties"], "eTag": "*"}
    workbook = json.loads((tmp_path / "dist/workbooks/WindowsSecurity.json").read_text())["resources"][0]
    assert workbook["type"] == "Microsoft.Insights/workbooks" and workbook["name"] == sample_repo.workbooks[0].id
    assert {k: workbook[k] for k in ("location", "kind", "tags", "properties")} == workbook_body(
        sample_repo.workbooks[0], scope
    )
    assert workbook["properties"]["sourceId"] == (
        "[resourceId('Microsoft.OperationalInsights/workspaces', parameters('workspace'))]"
    )


def test_combined_template_and_parameters(sample_repo: Repository, tmp_path: Path) -> None:
    build_package(sample_repo, tmp_path / "dist", source="my-repo", workspace="ws1", location="westeurope")
    combined = json.loads((tmp_path / "dist/azuredeploy.json").read_text())
    types = [r["type"].rsplit("/", 1)[-1] for r in combined["resources"]]
    assert sorted(types) == sorted(
        ["alertRules", "metadata", "alertRules", "metadata", "savedSearches", "savedSearches", "workbooks",
         "dataCollectionRules"]
    )
    assert set(combined["parameters"]) == {"workspace", "location", "dataCollectionRuleName"}
    params = json.loads((tmp_path / "dist/azuredeploy.parameters.json").read_text())
    assert params["parameters"] == {"workspace": {"value": "ws1"}, "location": {"value": "westeurope"}}


def test_dcr_collects_exactly_the_event_ids_the_queries_read(sample_repo: Repository, tmp_path: Path) -> None:
    build_package(sample_repo, tmp_path / "dist", source="my-repo")
    dcr = json.loads((tmp_path / "dist/dcr/windows-security-events.json").read_text())["resources"][0]
    assert dcr["type"] == "Microsoft.Insights/dataCollectionRules" and dcr["kind"] == "Windows"
    source = dcr["properties"]["dataSources"]["windowsEventLogs"][0]
    assert source["streams"] == ["Microsoft-SecurityEvent"]
    # rule: let-bound dynamic list (4625, 4771); hunting: 4697 or 4698; the workbook is not a detection
    assert source["xPathQueries"] == [
        "Security!*[System[(EventID=4625 or EventID=4697 or EventID=4698 or EventID=4771)]]"
    ]
    assert dcr["properties"]["dataFlows"] == [
        {"streams": ["Microsoft-SecurityEvent"], "destinations": ["sentinelWorkspace"]}
    ]


def test_dcr_says_why_it_collects_everything(sample_repo: Repository, tmp_path: Path) -> None:
    path = sample_repo.root / "hunting/SecurityEvent/NewServiceOrTask.yaml"
    path.write_text(path.read_text().replace("| where EventID == 4697 or EventID == 4698\n", ""))
    from detections.content import load_repository

    build_package(load_repository(sample_repo.root), tmp_path / "dist", source="my-repo")
    dcr = json.loads((tmp_path / "dist/dcr/windows-security-events.json").read_text())["resources"][0]
    assert dcr["properties"]["dataSources"]["windowsEventLogs"][0]["xPathQueries"] == ["Security!*"]
    assert "hunting/SecurityEvent/NewServiceOrTask.yaml" in dcr["properties"]["description"]
    manifest = json.loads((tmp_path / "dist/manifest.json").read_text())
    assert manifest["dataCollectionRule"]["allSecurityEvents"] is True


def test_output_is_byte_identical_and_manifest_hashes_match(sample_repo: Repository, tmp_path: Path) -> None:
    build_package(sample_repo, tmp_path / "one", source="my-repo")
    build_package(sample_repo, tmp_path / "two", source="my-repo")
    one, two = _tree(tmp_path / "one"), _tree(tmp_path / "two")
    assert one == two
    manifest = json.loads(one["manifest.json"])
    assert manifest["files"] == {p: hashlib.sha256(d).hexdigest() for p, d in one.items() if p != "manifest.json"}
    assert [i["kind"] for i in manifest["items"]] == ["AnalyticsRule"] * 2 + ["HuntingQuery"] * 2 + ["Workbook"]


def test_rebuild_replaces_stale_files(sample_repo: Repository, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    build_package(sample_repo, out, source="my-repo")
    sample_repo.rules = [r for r in sample_repo.rules if r.kind == "Scheduled"]
    build_package(sample_repo, out, source="my-repo")
    assert not (out / "rules/AWSCloudTrail/RootSignIn.json").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dist-")]


def test_refuses_to_replace_a_folder_that_is_not_a_package(sample_repo: Repository, tmp_path: Path) -> None:
    out = tmp_path / "docs"
    out.mkdir()
    (out / "keep.md").write_text("mine")
    with pytest.raises(PackageError, match="not a detections package"):
        build_package(sample_repo, out, source="my-repo")
    assert (out / "keep.md").read_text() == "mine"


def test_failed_write_leaves_the_old_package(sample_repo: Repository, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "dist"
    build_package(sample_repo, out, source="my-repo")
    before = _tree(out)

    def broken(self: Path, data: bytes) -> int:
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_bytes", broken)
    with pytest.raises(PackageError, match="cannot write .*dist: disk full; the previous package is unchanged"):
        build_package(sample_repo, out, source="other")
    monkeypatch.undo()
    assert _tree(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dist-")]


def test_template_api_versions_are_the_ones_the_deployer_speaks() -> None:
    from azure.mgmt.loganalytics._configuration import LogAnalyticsManagementClientConfiguration
    from azure.mgmt.securityinsight._configuration import SecurityInsightsMgmtClientConfiguration

    from detections.deploy.clients import WORKBOOK_API_VERSION

    assert SecurityInsightsMgmtClientConfiguration(object(), "s").api_version == API_VERSIONS["alertRules"]
    assert LogAnalyticsManagementClientConfiguration(object(), "s").api_version == API_VERSIONS["savedSearches"]
    assert API_VERSIONS["workbooks"] == WORKBOOK_API_VERSION


def _strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def test_every_template_is_valid_arm(sample_repo: Repository, tmp_path: Path) -> None:
    """Each file parses, declares every parameter it uses, and every resource has type/apiVersion/name."""
    import re

    build_package(sample_repo, tmp_path / "dist", source="my-repo")
    templates = [p for p in (tmp_path / "dist").rglob("*.json") if p.name not in ("manifest.json",
                                                                                 "azuredeploy.parameters.json")]
    assert len(templates) == 7
    for path in templates:
        template = json.loads(path.read_text())
        assert set(template) == {"$schema", "contentVersion", "parameters", "resources"}, path
        used = {m for s in _strings(template["resources"]) for m in re.findall(r"parameters\('([^']+)'\)", s)}
        assert used <= set(template["parameters"]), (path, used)
        for resource in template["resources"]:
            assert {"type", "apiVersion", "name", "properties"} <= set(resource), path
        for text in _strings(template["resources"]):
            if text.startswith("[") and text.endswith("]"):
                assert text.count("(") == text.count(")"), text


def test_bracketed_content_is_escaped_for_arm(sample_repo: Repository, tmp_path: Path) -> None:
    rule = next(r for r in sample_repo.rules if r.kind == "NRT")
    rule.description = "[Preview] root sign-in [AWS]"
    build_package(sample_repo, tmp_path / "dist", source="my-repo")
    alert = json.loads((tmp_path / "dist/rules/AWSCloudTrail/RootSignIn.json").read_text())["resources"][0]
    assert alert["properties"]["description"] == "[[Preview] root sign-in [AWS]"
    assert rule_body(rule)["properties"]["description"] == "[Preview] root sign-in [AWS]"
    metadata = json.loads((tmp_path / "dist/rules/AWSCloudTrail/RootSignIn.json").read_text())["resources"][1]
    assert metadata["properties"]["parentId"].startswith("[resourceId(")
