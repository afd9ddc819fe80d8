"""The CLI as a user runs it against `detections emulate`'s environment: deploy, drift, export, package."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from deploy.helpers import HUNTING_SECURITY, RULE_NRT, RULE_SCHEDULED, Workspace
from detections.cli import deploy as deploy_cli
from detections.cli import main
from detections.content import load_repository
from detections.deploy.compare import canonical
from detections.emulator.credential import EMULATOR_TOKEN
from detections.package.bodies import rule_body
from detections.validate import validate as validate_paths


def _run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_plan_only_shows_the_plan_and_changes_nothing(workspace: Workspace, cli_env: dict[str, str]) -> None:
    result = _run("deploy", "--root", str(workspace.root), "--plan-only")
    assert result.exit_code == 0, result.output
    assert "+ create    AnalyticsRule " + RULE_SCHEDULED in result.output
    assert "Plan: 5 to create, 0 to update, 0 to delete, 0 unchanged." in result.output
    assert workspace.puts() == []


def test_deploy_needs_a_confirmation_or_yes(workspace: Workspace, cli_env: dict[str, str]) -> None:
    refused = _run("deploy", "--root", str(workspace.root))  # CliRunner's stdin is not a terminal
    assert refused.exit_code == 2 and "Plan: 5 to create" in refused.stdout  # a usage error, after the plan
    assert "Error: not applied: no terminal to confirm on; pass --yes to apply without asking, or --plan-only" \
        in refused.stderr
    assert workspace.puts() == []
    applied = _run("deploy", "--root", str(workspace.root), "--yes")
    assert applied.exit_code == 0, applied.output
    assert "Deployed: 5 created, 0 updated, 0 deleted, 0 unchanged." in applied.output
    again = _run("deploy", "--root", str(workspace.root), "--yes")
    assert "Plan: 0 to create, 0 to update, 0 to delete, 5 unchanged." in again.output and again.exit_code == 0


def test_confirmation_answer_decides(workspace: Workspace, cli_env: dict[str, str], monkeypatch) -> None:
    monkeypatch.setattr(deploy_cli, "_can_ask", lambda: True)
    declined = _run("deploy", "--root", str(workspace.root), input="n\n")
    assert declined.exit_code == 1 and "Apply these changes? [y/N]" in declined.output
    assert workspace.puts() == []
    accepted = _run("deploy", "--root", str(workspace.root), input="y\n")
    assert accepted.exit_code == 0 and "Deployed: 5 created" in accepted.output


def test_failed_item_is_named_in_the_summary_and_exit_code(workspace: Workspace, cli_env: dict[str, str]) -> None:
    workspace.emulator.faults.throttle("*", count=3, retry_after=0.05)  # the CLI's retry policy waits it out
    workspace.emulator.faults.fail("savedSearches", HUNTING_SECURITY, status=400, count=None,
                                   message="Query is invalid.")
    result = _run("deploy", "--root", str(workspace.root), "--yes")
    assert result.exit_code == 1
    assert "Deployed: 4 created, 0 updated, 0 deleted, 0 unchanged." in result.output
    assert "NOT deployed (1):" in result.output
    assert f"x create HuntingQuery {HUNTING_SECURITY} New services and scheduled tasks: HTTP 400 BadRequest: " \
           "Query is invalid." in result.output
    assert EMULATOR_TOKEN not in result.output  # no credentials in the output


def test_missing_target_is_a_usage_error(workspace: Workspace, monkeypatch) -> None:
    for name in ("AZURE_SUBSCRIPTION_ID", "AZURE_RESOURCE_GROUP", "SENTINEL_WORKSPACE", "AZURE_WORKSPACE_NAME"):
        monkeypatch.delenv(name, raising=False)
    result = _run("deploy", "--root", str(workspace.root), "--subscription", "s1")
    assert result.exit_code == 2
    assert "--resource-group (or AZURE_RESOURCE_GROUP)" in result.output
    assert "--workspace (or SENTINEL_WORKSPACE / AZURE_WORKSPACE_NAME)" in result.output


def test_drift_reports_a_portal_edit_and_exits_1(workspace: Workspace, cli_env: dict[str, str]) -> None:
    workspace.deploy()
    assert _run("drift", "--root", str(workspace.root)).exit_code == 0
    # someone edits the rule in the portal (a PUT with the real SDK client, as the portal's API call)
    ops = workspace.clients.sentinel.alert_rules
    rule = ops.get(workspace.target.resource_group, workspace.target.workspace, RULE_SCHEDULED).as_dict()
    rule["properties"]["enabled"] = False
    rule["properties"]["queryPeriod"] = "P2D"
    ops.create_or_update(workspace.target.resource_group, workspace.target.workspace, RULE_SCHEDULED,
                         {"kind": rule["kind"], "properties": rule["properties"]})
    result = _run("drift", "--root", str(workspace.root))
    assert result.exit_code == 1
    assert f"~ update    AnalyticsRule {RULE_SCHEDULED}" in result.output
    assert "properties.enabled: false -> true" in result.output
    assert 'properties.queryPeriod: "P2D" -> "P1D"' in result.output
    assert "drift: 1 item(s) differ from the repository" in result.output


def test_export_round_trips_through_the_loader(workspace: Workspace, cli_env: dict[str, str], tmp_path: Path) -> None:
    workspace.deploy()
    out = tmp_path / "exported"
    result = _run("export", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert (out / "rules/SecurityEvent/FailedLogonBurstOnAWindowsEC2Host.yaml").is_file()
    assert (out / "rules/AWSCloudTrail/RootConsoleSignIn.yaml").is_file()
    exported = {rule.id: rule for rule in load_repository(out).rules}
    original = {rule.id: rule for rule in workspace.repo().rules}
    assert exported.keys() == original.keys()
    for rule_id, rule in original.items():
        assert canonical(rule_body(exported[rule_id])) == canonical(rule_body(rule))
    again = _run("export", "--out", str(out))
    assert "exported 0 rule(s)" in again.output and "2 unchanged" in again.output


def test_export_skips_a_file_that_is_not_a_rule_unless_overwrite(workspace: Workspace, cli_env: dict[str, str],
                                                                  tmp_path: Path) -> None:
    workspace.deploy()
    blocked = tmp_path / "out/rules/AWSCloudTrail/RootConsoleSignIn.yaml"
    blocked.parent.mkdir(parents=True)
    blocked.write_text("notes: not a rule\n")
    skipped = _run("export", "--out", str(tmp_path / "out"))
    assert f"skipped {blocked}: exists and is not a rule file (use --overwrite" in skipped.output
    assert "1 skipped" in skipped.output and blocked.read_text() == "notes: not a rule\n"
    replaced = _run("export", "--out", str(tmp_path / "out"), "--overwrite")
    assert "1 new" in replaced.output and RULE_NRT in blocked.read_text()


def test_export_into_the_repository_updates_its_files_by_id(workspace: Workspace, cli_env: dict[str, str]) -> None:
    """`export --out .` in the repository: a rule's own file (whatever its name) is updated in place,
    keeping what only the repository knows, and never duplicated under the exported name."""
    workspace.edit("rules/AWSCloudTrail/RootSignIn.yaml", "  - connectorId: AWS\n", "  - connectorId: AWSS3\n")
    workspace.edit("rules/AWSCloudTrail/RootSignIn.yaml", "kind: NRT\n",
                   "kind: NRT\nx-detections:\n  zeroTrust: [verify-explicitly]\n  owner: secops\n")
    workspace.deploy()
    before = sorted(path.relative_to(workspace.root) for path in (workspace.root / "rules").rglob("*.yaml"))
    unchanged = _run("export", "--out", str(workspace.root))
    assert unchanged.exit_code == 0, unchanged.output
    assert "0 new, 0 updated in place, 2 unchanged" in unchanged.output
    ops = workspace.clients.sentinel.alert_rules
    rule = ops.get(workspace.target.resource_group, workspace.target.workspace, RULE_NRT).as_dict()
    rule["properties"]["severity"] = "Low"  # edited in the portal
    ops.create_or_update(workspace.target.resource_group, workspace.target.workspace, RULE_NRT,
                         {"kind": rule["kind"], "properties": rule["properties"]})
    result = _run("export", "--out", str(workspace.root))
    assert result.exit_code == 0, result.output
    assert f"updated {workspace.root / 'rules/AWSCloudTrail/RootSignIn.yaml'}: the file of rule {RULE_NRT}" \
        in result.output
    assert "0 new, 1 updated in place, 1 unchanged" in result.output
    assert sorted(path.relative_to(workspace.root) for path in (workspace.root / "rules").rglob("*.yaml")) == before
    [updated] = [rule for rule in workspace.repo().rules if rule.id == RULE_NRT]
    assert updated.severity == "Low" and updated.extension.owner == "secops"
    assert updated.required_data_connectors[0].connector_id == "AWSS3"
    assert [d.code for d in validate_paths((), root=workspace.root) if d.code.startswith("DET2")] == []


def test_export_into_an_unwritable_place_is_one_message(workspace: Workspace, cli_env: dict[str, str],
                                                        tmp_path: Path) -> None:
    workspace.deploy()
    (tmp_path / "blocker").write_text("a file where the export folder's parent should be")
    result = CliRunner().invoke(main, ["export", "--out", str(tmp_path / "blocker" / "export")])
    assert result.exit_code == 1 and "cannot write" in result.output and "Traceback" not in result.output
    assert not isinstance(result.exception, OSError)


def test_package_command_writes_dist(workspace: Workspace, tmp_path: Path) -> None:
    result = _run("package", "--root", str(workspace.root), "--out", str(tmp_path / "dist"), "--source", "my-repo")
    assert result.exit_code == 0, result.output
    # the summary is the command's output (stdout, like validate/test/coverage), not a diagnostic
    assert "DCR collects Security EventIDs 4625, 4697, 4698, 4771" in result.stdout
    assert "analytics rules 2, hunting queries 2, workbooks 1" in result.stdout and result.stderr == ""
    assert (tmp_path / "dist/azuredeploy.json").is_file()


def test_package_warns_on_stderr_when_the_dcr_collects_every_event(workspace: Workspace, tmp_path: Path) -> None:
    workspace.edit("rules/SecurityEvent/FailedLogonBurst.yaml", "  | where EventID in (logonEvents)\n", "")
    result = _run("package", "--root", str(workspace.root), "--out", str(tmp_path / "dist"))
    assert result.exit_code == 0, result.output
    assert "analytics rules 2" in result.stdout and "ALL Security events" not in result.stdout
    assert result.stderr.startswith("warning: DCR collects ALL Security events:")


def test_package_command_reports_bad_content_without_a_traceback(workspace: Workspace, tmp_path: Path) -> None:
    (workspace.root / "rules/AWSCloudTrail/Broken.yaml").write_text("id: [unclosed\n")
    result = _run("package", "--root", str(workspace.root), "--out", str(tmp_path / "dist"))
    assert result.exit_code == 1
    assert "Broken.yaml:2:1: error: YAML syntax error" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "dist").exists()


def test_the_hint_for_an_unreadable_workspace_fits_the_failure(monkeypatch) -> None:
    from azure.core.exceptions import HttpResponseError, ServiceRequestError

    monkeypatch.setenv("DETECTIONS_ARM_ENDPOINT", "https://127.0.0.1:9")
    refused = deploy_cli._read_hint(ServiceRequestError("Connection refused"))
    assert refused.startswith("nothing answered at https://127.0.0.1:9: check the network")
    assert "az login" in deploy_cli._read_hint(HttpResponseError("Forbidden"))


def test_an_unreadable_workspace_is_reported_on_standard_error(workspace: Workspace, cli_env: dict[str, str]) -> None:
    result = _run("drift", "--root", str(workspace.root), "--workspace", "no-such-workspace")
    assert result.exit_code == 1 and "cannot read the workspace: HTTP 404" in result.stderr
    assert "cannot read the workspace" not in result.stdout


def test_one_line_errors_share_one_style(workspace: Workspace, cli_env: dict[str, str], tmp_path: Path) -> None:
    """deploy, drift, export, package and query fail alike: click's `Error: ...` on standard error,
    then `hint: ...` when there is one, and nothing half-printed on standard output."""
    (tmp_path / "not-a-package").mkdir()
    (tmp_path / "not-a-package" / "notes.txt").write_text("mine")
    (tmp_path / "blocker").write_text("a file where the export folder should be")
    unreadable = _run("deploy", "--root", str(workspace.root), "--workspace", "no-such-workspace")
    package = _run("package", "--root", str(workspace.root), "--out", str(tmp_path / "not-a-package"))
    workspace.deploy()
    export = _run("export", "--out", str(tmp_path / "blocker" / "export"))
    query = _run("query", "print x = nope", "--table", f"T={tmp_path / 'blocker'}")
    for result in (unreadable, package, export, query):
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith("Error: "), result.stderr
    assert unreadable.stderr.splitlines()[1].startswith("hint: check the target and your Azure login")
    assert "is not a detections package" in package.stderr and "cannot write" in export.stderr


def test_a_missing_ca_file_is_reported_before_anything_else(workspace: Workspace, cli_env: dict[str, str],
                                                            monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "no-such-ca.pem"))
    result = _run("deploy", "--root", str(workspace.root), "--plan-only")
    assert result.exit_code == 2 and "REQUESTS_CA_BUNDLE=" in result.stderr
    assert result.stdout == ""  # no "Workspace ..." header before the usage error
