"""Deploying to the emulator with the real SDK clients: from empty, idempotent, changes, prune, faults."""

from __future__ import annotations

from deploy.helpers import (
    HUNTING_CLOUDTRAIL,
    HUNTING_SECURITY,
    RULE_NRT,
    RULE_SCHEDULED,
    SOURCE,
    WORKBOOK,
    Workspace,
)
from detections.deploy.plan import CREATE, DELETE, UNCHANGED, UPDATE
from detections.package.bodies import MARKER_TAG, rule_body


def _actions(plan) -> dict[str, str]:
    return {item.name: item.action for item in plan.items}


def test_deploy_from_empty_creates_everything_marked_as_ours(workspace: Workspace) -> None:
    plan = workspace.plan()
    assert set(_actions(plan).values()) == {CREATE} and len(plan.items) == 5
    outcomes = workspace.deploy()
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    store = workspace.emulator.store
    assert sorted(store.names("alertRules")) == sorted([RULE_SCHEDULED, RULE_NRT])
    assert sorted(store.names("savedSearches")) == sorted([HUNTING_SECURITY, HUNTING_CLOUDTRAIL])
    assert store.names("workbooks") == [WORKBOOK]
    rule = store.get("alertRules", RULE_SCHEDULED)
    expected = rule_body(next(r for r in workspace.repo().rules if r.id == RULE_SCHEDULED))
    assert rule["kind"] == "Scheduled"
    assert {k: rule["properties"][k] for k in expected["properties"]} == expected["properties"]
    marker = store.get("metadata", f"detections-{RULE_SCHEDULED}")["properties"]
    assert marker["source"] == {"kind": "SourceRepository", "name": "detections", "sourceId": SOURCE}
    assert marker["parentId"].endswith(f"/alertRules/{RULE_SCHEDULED}")
    tags = store.get("savedSearches", HUNTING_SECURITY)["properties"]["tags"]
    assert {"name": MARKER_TAG, "value": SOURCE} in tags
    assert store.get("workbooks", WORKBOOK)["tags"][MARKER_TAG] == SOURCE


def test_second_deploy_of_the_same_content_changes_nothing(workspace: Workspace) -> None:
    workspace.deploy()
    workspace.emulator.clear_requests()
    plan = workspace.plan()
    assert set(_actions(plan).values()) == {UNCHANGED}
    assert workspace.deploy() == [] and workspace.puts() == []


def test_a_change_shows_a_field_diff_and_is_applied(workspace: Workspace) -> None:
    workspace.deploy()
    workspace.edit("rules/SecurityEvent/FailedLogonBurst.yaml", "queryFrequency: 1h", "queryFrequency: 2h")
    workspace.edit("rules/SecurityEvent/FailedLogonBurst.yaml", "severity: Medium", "severity: High")
    workspace.edit("rules/SecurityEvent/FailedLogonBurst.yaml", "| where Failures > 10", "| where Failures > 20")
    plan = workspace.plan()
    assert _actions(plan)[RULE_SCHEDULED] == UPDATE
    assert [a for n, a in _actions(plan).items() if n != RULE_SCHEDULED] == [UNCHANGED] * 4
    item = next(i for i in plan.items if i.name == RULE_SCHEDULED)
    rendered = [line for change in item.changes for line in change.render()]
    assert 'properties.queryFrequency: "PT1H" -> "PT2H"' in rendered
    assert 'properties.severity: "Medium" -> "High"' in rendered
    assert "    -| where Failures > 10" in rendered and "    +| where Failures > 20" in rendered
    workspace.emulator.clear_requests()
    assert all(o.ok for o in workspace.deploy())
    assert [(r.method, r.route, r.name) for r in workspace.puts()] == [("PUT", "alertRules", RULE_SCHEDULED)]
    assert workspace.emulator.store.get("alertRules", RULE_SCHEDULED)["properties"]["severity"] == "High"
    assert set(_actions(workspace.plan()).values()) == {UNCHANGED}


def test_changing_a_rule_kind_replaces_it(workspace: Workspace) -> None:
    workspace.deploy()
    path = "rules/AWSCloudTrail/RootSignIn.yaml"
    workspace.edit(path, "kind: NRT", "kind: Scheduled\nqueryFrequency: 5m\nqueryPeriod: 5m\n"
                   "triggerOperator: gt\ntriggerThreshold: 0")
    assert all(o.ok for o in workspace.deploy())
    assert workspace.emulator.store.get("alertRules", RULE_NRT)["kind"] == "Scheduled"
    assert _actions(workspace.plan())[RULE_NRT] == UNCHANGED


def _rendered(plan) -> list[str]:
    import io

    from rich.console import Console

    from detections.deploy.report import render_plan

    stream = io.StringIO()
    render_plan(plan, Console(file=stream, width=200, color_system=None))
    return stream.getvalue().splitlines()


def _foreign_items(workspace: Workspace) -> None:
    """Items someone else made: a Content Hub rule, one marked by another repository, a saved search
    and a workbook without our tag."""
    emu = workspace.emulator
    foreign_rule = {"kind": "NRT", "properties": {
        "displayName": "Portal rule", "enabled": True, "severity": "Low", "query": "AWSCloudTrail | take 1",
        "suppressionEnabled": False, "suppressionDuration": "PT5H"}}
    emu.seed("alertRules", "11111111-1111-4111-8111-111111111111", foreign_rule)
    emu.seed("alertRules", "22222222-2222-4222-8222-222222222222", foreign_rule)
    emu.seed("metadata", "detections-22222222-2222-4222-8222-222222222222", {"properties": {
        "parentId": f"{emu.workspace_resource_id}/providers/Microsoft.SecurityInsights/alertRules/"
                    "22222222-2222-4222-8222-222222222222",
        "kind": "AnalyticsRule",
        "source": {"kind": "SourceRepository", "name": "detections", "sourceId": "another-repo"}}})
    emu.seed("metadata", "analyticrule-11111111-1111-4111-8111-111111111111", {"properties": {
        "parentId": f"{emu.workspace_resource_id}/providers/Microsoft.SecurityInsights/alertRules/"
                    "11111111-1111-4111-8111-111111111111",
        "kind": "AnalyticsRule", "source": {"kind": "Solution", "name": "Amazon Web Services"}}})
    emu.seed("savedSearches", "analyst-search", {"properties": {
        "category": "Hunting Queries", "displayName": "Mine", "query": "AWSCloudTrail | take 5",
        "tags": [{"name": MARKER_TAG, "value": "another-repo"}]}})
    emu.seed("workbooks", "33333333-3333-4333-8333-333333333333", {
        "location": "westeurope", "kind": "shared", "properties": {
            "displayName": "Analyst workbook", "category": "sentinel", "serializedData": "{}",
            "sourceId": emu.workspace_resource_id}})


def test_prune_deletes_only_our_items_that_left_the_repository(workspace: Workspace) -> None:
    _foreign_items(workspace)
    workspace.deploy()
    (workspace.root / "rules/AWSCloudTrail/RootSignIn.yaml").unlink()
    (workspace.root / "hunting/AWSCloudTrail/CreateUserByRegion.yaml").unlink()
    (workspace.root / "workbooks/WindowsSecurity.yaml").unlink()
    kept = workspace.plan(prune=False)
    assert DELETE not in _actions(kept).values()
    assert sorted(s.name for s in kept.strays) == sorted([RULE_NRT, HUNTING_CLOUDTRAIL, WORKBOOK])
    lines = _rendered(kept)  # each kept item shows its kind like every other plan line
    assert f"! keep      Workbook      {WORKBOOK}  Windows EC2 security  (ours, no longer in the repository; " \
           "--prune deletes it)" in lines
    assert any(line.startswith(f"! keep      HuntingQuery  {HUNTING_CLOUDTRAIL}") for line in lines)

    plan = workspace.plan(prune=True)
    assert sorted(i.name for i in plan.items if i.action == DELETE) == sorted([RULE_NRT, HUNTING_CLOUDTRAIL, WORKBOOK])
    assert all(o.ok for o in workspace.deploy(prune=True))
    store = workspace.emulator.store
    assert sorted(store.names("alertRules")) == sorted([
        RULE_SCHEDULED, "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"])
    assert store.get("metadata", f"detections-{RULE_NRT}") is None
    assert sorted(store.names("savedSearches")) == sorted([HUNTING_SECURITY, "analyst-search"])
    assert store.names("workbooks") == ["33333333-3333-4333-8333-333333333333"]


def test_the_plan_states_each_item_it_takes_over_from_another_owner(workspace: Workspace) -> None:
    """Same ids deployed from another repository, and a workbook made in the portal under our id:
    deploying is allowed (ids are the repository's), but never silently."""
    from detections.deploy.plan import apply_plan

    apply_plan(workspace.plan(source="another-repo"))
    portal = workspace.emulator.store.get("workbooks", WORKBOOK)
    portal["tags"].pop(MARKER_TAG)
    workspace.emulator.seed("workbooks", WORKBOOK, portal)
    plan = workspace.plan()
    assert {item.name: item.takeover for item in plan.items} == {
        RULE_SCHEDULED: "takes over from source 'another-repo'", RULE_NRT: "takes over from source 'another-repo'",
        HUNTING_SECURITY: "takes over from source 'another-repo'",
        HUNTING_CLOUDTRAIL: "takes over from source 'another-repo'",
        WORKBOOK: "takes over an item without a source marker (made in the portal or by another tool)"}
    lines = _rendered(plan)
    at = next(n for n, line in enumerate(lines) if line.startswith("~ update") and RULE_NRT in line)
    assert lines[at + 1] == "      ! takes over from source 'another-repo'"
    workspace.deploy()
    assert all(item.takeover is None for item in workspace.plan().items)  # ours now


def test_throttled_and_failing_items_do_not_stop_the_others(workspace: Workspace) -> None:
    emu = workspace.emulator
    emu.faults.throttle("alertRules", count=2, retry_after=0.05, methods=("PUT",))
    emu.faults.fail("savedSearches", HUNTING_SECURITY, status=400, count=None, message="Query is invalid.")
    emu.faults.fail("workbooks", WORKBOOK, status=500, count=1)  # transient: the SDK retries it
    outcomes = workspace.deploy()
    failed = {o.item.name: o.error for o in outcomes if not o.ok}
    assert failed == {HUNTING_SECURITY: "HTTP 400 BadRequest: Query is invalid."}
    assert sorted(emu.store.names("alertRules")) == sorted([RULE_SCHEDULED, RULE_NRT])
    assert emu.store.names("savedSearches") == [HUNTING_CLOUDTRAIL]
    assert emu.store.names("workbooks") == [WORKBOOK]
    statuses = [r.status for r in emu.requests if r.route == "alertRules" and r.method == "PUT"]
    assert statuses.count(429) == 2


def test_an_etag_conflict_is_read_again_and_retried_once(workspace: Workspace) -> None:
    workspace.deploy()
    workspace.edit("rules/SecurityEvent/FailedLogonBurst.yaml", "severity: Medium", "severity: Low")
    workspace.emulator.faults.concurrent_edit("alertRules", RULE_SCHEDULED)
    workspace.emulator.clear_requests()
    outcomes = workspace.deploy()
    assert [(o.item.name, o.ok, o.note) for o in outcomes] == [
        (RULE_SCHEDULED, True, "conflict: read again and retried")]
    statuses = [r.status for r in workspace.emulator.requests if r.route == "alertRules" and r.method == "PUT"]
    assert statuses == [409, 200]
    assert workspace.emulator.store.get("alertRules", RULE_SCHEDULED)["properties"]["severity"] == "Low"


def test_a_second_conflict_fails_the_item(workspace: Workspace) -> None:
    workspace.deploy()
    workspace.edit("rules/SecurityEvent/FailedLogonBurst.yaml", "severity: Medium", "severity: Low")
    workspace.emulator.faults.concurrent_edit("alertRules", RULE_SCHEDULED, count=2)
    (outcome,) = workspace.deploy()
    assert not outcome.ok and outcome.error.startswith("HTTP 409 Conflict")


def test_a_workbook_without_location_goes_to_the_workspaces_region(tmp_path) -> None:
    """No --location: the workbook gets the region the workspace GET reports, decided while planning."""
    import shutil

    from deploy.helpers import SAMPLE_REPO
    from detections.deploy.clients import Target, make_clients
    from detections.emulator import Emulator
    from detections.emulator.workspace import Workspace as EmulatedWorkspace

    with Emulator(workspace=EmulatedWorkspace(location="swedencentral")) as emu:
        target = Target(emu.subscription_id, emu.resource_group, emu.workspace_name)
        clients = make_clients(target, emu.credential, base_url=emu.url, **emu.client_kwargs())
        shutil.copytree(SAMPLE_REPO, tmp_path / SOURCE)
        workspace = Workspace(emu, target, clients, tmp_path / SOURCE)
        [workbook] = [item for item in workspace.plan().items if item.name == WORKBOOK]
        assert workbook.desired.body["location"] == "swedencentral"
        assert all(outcome.ok for outcome in workspace.deploy())
        assert emu.store.get("workbooks", WORKBOOK)["location"] == "swedencentral"
