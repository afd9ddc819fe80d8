"""The guides' examples work as written: their YAML validates, their test cases pass, their commands run.

Each test reads its example out of the guide itself (docs/*.md), so a guide edited into something that
no longer works fails here instead of in a reader's terminal. Offline and in tmp_path; the emulator is
the only server, on 127.0.0.1.
"""

from __future__ import annotations

import gzip
import json
import re
import shlex
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from detections.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def fenced(path: Path, lang: str) -> list[str]:
    """The fenced code blocks of one language (`""`: a bare fence) in a markdown file, in order."""
    found: list[str] = []
    lines: list[str] | None = None   # the open block's lines; None between blocks
    block_lang = ""
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("```"):
            if lines is None:
                lines, block_lang = [], line[3:].strip()
                continue
            if block_lang == lang:
                found.append("".join(lines))
            lines = None
        elif lines is not None:
            lines.append(line)
    return found


def blocks(guide: str, lang: str) -> list[str]:
    return fenced(DOCS / guide, lang)


def doc_commands(guide: str) -> list[list[str]]:
    """Every `$ detections ...` line of the guide's console blocks as argv (comments, redirections and the
    program name dropped)."""
    commands = []
    for block in blocks(guide, "console"):
        for line in block.splitlines():
            if not line.startswith("$ detections "):
                continue
            words = shlex.split(line[2:], comments=True)
            if ">" in words:
                words = words[: words.index(">")]
            commands.append(words[1:])
    return commands


def invoke(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> Result:
    """`detections ARGS` run in-process from `cwd`, as a reader types it there."""
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(main, args)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def readme_rule() -> str:
    """The README tour's rule: a small valid Scheduled rule to mutate."""
    return fenced(ROOT / "README.md", "yaml")[0]


def shape(text: str) -> list[str]:
    """Lines with numbers and runs of blanks made alike, to compare a sample output with a real one."""
    return [" ".join(re.sub(r"\d+", "N", line).replace("files", "file").split()) for line in text.strip().splitlines()]


def diagnostic_codes(result: Result) -> list[str]:
    return [d["code"] for d in json.loads(result.stdout)["diagnostics"]]


# --- content-format.md ----------------------------------------------------------------------------------


def test_content_format_rule_extension_and_workbook_validate(tmp_path: Path, monkeypatch) -> None:
    rule, extension, workbook = blocks("content-format.md", "yaml")
    write(tmp_path / "rules/AWSCloudTrail/ConsoleLoginWithoutMfa.yaml", rule)
    with_extension = rule[: rule.index("x-detections:")] + extension
    write(tmp_path / "rules/AWSCloudTrail/RootConsoleLogin.yaml",
          with_extension.replace("3f1b7a52-9c1e-4d2a-8f1e-5b6c7d8e9f01", "3f1b7a52-9c1e-4d2a-8f1e-5b6c7d8e9f02"))
    write(tmp_path / "workbooks/AwsCloudTrail.yaml", workbook)
    result = invoke(["validate", "--strict"], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "in 3 files" in result.output


def test_content_format_workbook_commands_round_trip(tmp_path: Path, monkeypatch) -> None:
    write(tmp_path / "workbooks/AwsCloudTrail.yaml", blocks("content-format.md", "yaml")[2])
    imports, exports = (argv for argv in doc_commands("content-format.md") if argv[0] == "workbook")
    exported = invoke(exports, tmp_path, monkeypatch)
    assert exported.exit_code == 0, exported.output
    write(tmp_path / imports[2], exported.stdout)
    (tmp_path / "workbooks/AwsCloudTrail.yaml").unlink()
    imported = invoke(imports, tmp_path, monkeypatch)
    assert imported.exit_code == 0, imported.output
    again = invoke(exports, tmp_path, monkeypatch)
    assert json.loads(again.stdout) == json.loads(exported.stdout)
    assert "\r\n" in json.loads(again.stdout)["items"][1]["content"]["query"]


@pytest.mark.parametrize("kind", ["rule", "hunting", "workbook", "extension"])
def test_content_format_schema_kinds(kind: str, tmp_path: Path, monkeypatch) -> None:
    assert "`detections schema rule|hunting|workbook|extension`" in (DOCS / "content-format.md").read_text()
    result = invoke(["schema", kind], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_content_format_python_example_runs(monkeypatch) -> None:
    (example,) = blocks("content-format.md", "python")
    monkeypatch.chdir(ROOT)
    names: dict[str, object] = {}
    exec(compile(example, "docs/content-format.md", "exec"), names)
    assert names["problems"] == []
    assert str(names["rule"].source.locate("entityMappings", 0, "entityType")).startswith(  # type: ignore[attr-defined]
        "rules/AWSCloudTrail/ConsoleLoginWithoutMfa.yaml:")


def test_content_format_published_quirks_load(tmp_path: Path, monkeypatch) -> None:
    """Every quirk "What loads unchanged" lists, in one CRLF file without a final newline."""
    listed = (DOCS / "content-format.md").read_text()
    for quirk in ("CRLF line endings", "`status : Available`", "indented by one space or not at all",
                  "block scalars that start with a blank line", "descriptions wrapped in quotes inside a `|` block",
                  "`kind: scheduled` and `triggerOperator: GreaterThan`"):
        assert quirk in listed
    rule = readme_rule().split("x-detections:")[0]
    for before, after in (("description: A trail", "description: |\n  'A trail"), ("logging.\n", "logging.'\n"),
                          ("severity: High\n", "severity: High\nstatus : Available\n"),
                          ("  - connectorId: AWS\n    dataTypes: [AWSCloudTrail]",
                           " - connectorId: AWS\n   dataTypes:\n   - AWSCloudTrail"),
                          ("tactics: [DefenseEvasion]", "tactics:\n- DefenseEvasion"),
                          ("query: |\n", "query: |\n\n"), ("kind: Scheduled", "kind: scheduled"),
                          ("triggerOperator: gt", "triggerOperator: GreaterThan")):
        assert before in rule, before
        rule = rule.replace(before, after)
    rule = rule.rstrip("\n").replace("\n", "\r\n")
    (tmp_path / "rules/AWSCloudTrail").mkdir(parents=True)
    (tmp_path / "rules/AWSCloudTrail/CloudTrailLoggingStopped.yaml").write_bytes(rule.encode())
    result = invoke(["validate", "--format", "json"], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert sorted(diagnostic_codes(result)) == ["DET122", "DET122"]


def test_content_format_hunting_tactic_with_space_and_time_placeholders(tmp_path: Path, monkeypatch) -> None:
    assert "(`Credential Access`); that loads, with a warning (DET302)" in (DOCS / "content-format.md").read_text()
    write(tmp_path / "hunting/AWSCloudTrail/ConsoleSignIns.yaml", """\
id: 5c4d3e2f-1a2b-4c3d-9e8f-0a1b2c3d4e5f
name: Console sign-ins in the hunting window
description: Console sign-ins between the hunting page's start and end times.
tactics: [Credential Access]
relevantTechniques: [T1110]
query: |
  AWSCloudTrail
  | where TimeGenerated between (todatetime('{{StartTimeISO}}') .. todatetime('{{EndTimeISO}}'))
  | summarize count() by SourceIpAddress
""")
    result = invoke(["validate", "--format", "json"], tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert diagnostic_codes(result) == ["DET302"]


# --- validation.md ------------------------------------------------------------------------------------

# (code, the example as the guide's table writes it, edit of the README rule that makes it)
TABLE_EXAMPLES: list[tuple[str, str, Callable[[str], str]]] = [
    ("DET100", "`tactics: [InitialAccess`", lambda r: r.replace("tactics: [DefenseEvasion]", "tactics: [InitialAccess")),
    ("DET101", "two `name:` lines", lambda r: r.replace("kind: Scheduled", "kind: Scheduled\nname: again")),
    ("DET102", "`- id: ...` at top level", lambda r: "- id: 6a1d3c55-0c43-4f2e-9a57-2a4f6e0d9b11\n"),
    ("DET110", "no `name:`", lambda r: r.replace("name: CloudTrail logging stopped\n", "")),
    ("DET111", "`triggerThreshold: zero`", lambda r: r.replace("triggerThreshold: 0", "triggerThreshold: zero")),
    ("DET111", "`tactics: InitialAccess` (not a list)",
     lambda r: r.replace("tactics: [DefenseEvasion]", "tactics: InitialAccess")),
    ("DET112", "`severity: Critical`", lambda r: r.replace("severity: High", "severity: Critical")),
    ("DET112", "`tactics: [Initial Access]`",
     lambda r: r.replace("tactics: [DefenseEvasion]", "tactics: [Initial Access]")),
    ("DET113", "`triggerThreshold: 10001`", lambda r: r.replace("triggerThreshold: 0", "triggerThreshold: 10001")),
    ("DET114", '`version: "1.0"`', lambda r: r.replace("version: 1.0.0", 'version: "1.0"')),
    ("DET114", "`queryFrequency: 1w`", lambda r: r.replace("queryFrequency: 1h", "queryFrequency: 1w")),
    ("DET115", "`x-detections: {zero_trust: [...]}`", lambda r: r.replace("zeroTrust:", "zero_trust:")),
    ("DET120", "`queryFrequence: 1h`", lambda r: r.replace("queryFrequency: 1h", "queryFrequence: 1h\nqueryFrequency: 1h")),
    ("DET122", "`kind: scheduled`", lambda r: r.replace("kind: Scheduled", "kind: scheduled")),
    ("DET122", "`triggerOperator: GreaterThan`", lambda r: r.replace("triggerOperator: gt", "triggerOperator: GreaterThan")),
    ("DET300", "`relevantTechniques: [T1485]` (Impact)",
     lambda r: r.replace("relevantTechniques: [T1562.008]", "relevantTechniques: [T1485]")),
    ("DET301", "`T1999`", lambda r: r.replace("relevantTechniques: [T1562.008]", "relevantTechniques: [T1999]")),
    ("DET400", "`queryPeriod: 15d`", lambda r: r.replace("queryPeriod: 1h", "queryPeriod: 15d")),
    ("DET401", "frequency `2h`, period `1h`", lambda r: r.replace("queryFrequency: 1h", "queryFrequency: 2h")),
    ("DET402", "frequency `30m`, period `2d`",
     lambda r: r.replace("queryFrequency: 1h", "queryFrequency: 30m").replace("queryPeriod: 1h", "queryPeriod: 2d")),
    ("DET500", "`IP` with `HostName`", lambda r: r.replace("identifier: Address", "identifier: HostName")),
    ("DET501", "Account with only `UPNSuffix`", lambda r: r.replace("identifier: FullName", "identifier: UPNSuffix")),
    ("DET502", "two `Name` mappings",
     lambda r: r.replace("[{identifier: FullName, columnName: UserIdentityArn}]",
                         "[{identifier: Name, columnName: UserIdentityArn}, {identifier: Name, columnName: EventName}]")),
    ("DET503", "`extend IPCustomEntity = SourceIpAddress` unmapped",
     lambda r: r.replace("  | project TimeGenerated,", "  | extend IPCustomEntity = SourceIpAddress\n  | project IPCustomEntity,")),
    ("DET600", '`"{{A}} {{B}} {{C}} {{D}}"`',
     lambda r: r + 'alertDetailsOverride:\n  alertDisplayNameFormat: "{{EventName}} {{EventName}} {{EventName}} {{EventName}}"\n'),
    ("DET700", "a typographic dash `—`", lambda r: r.replace('"DeleteTrail"', '"Delete—Trail"')),
    ("DET701", "`query:` followed by indented lines with a `// note` line",
     lambda r: r.replace("query: |\n  AWSCloudTrail\n", "query:\n  AWSCloudTrail\n  // note\n")),
    ("DET800", "`connectorId: AmazonWebServicez`", lambda r: r.replace("connectorId: AWS", "connectorId: AmazonWebServicez")),
    ("DET901", "`| where EventName ==`", lambda r: r.replace(" and isempty(ErrorCode)", "\n  | where EventName ==")),
    ("DET902", "`AWSCloudTrial`", lambda r: r.replace("  AWSCloudTrail\n", "  AWSCloudTrial\n")),
    ("DET902", "`EventNmae`", lambda r: r.replace("where EventName in", "where EventNmae in")),
    ("DET904", "maps `ClientIp`, query projects `SourceIpAddress`",
     lambda r: r.replace("columnName: SourceIpAddress}", "columnName: ClientIp}")),
    ("DET905", "`Region: AWSRegion` after `project` dropped it", lambda r: r + "customDetails:\n  Region: AWSRegion\n"),
    ("DET906", '`"Sign-in by {{UserName}}"`',
     lambda r: r + 'alertDetailsOverride:\n  alertDisplayNameFormat: "Sign-in by {{UserName}}"\n'),
]


@pytest.mark.parametrize(("code", "example", "edit"), TABLE_EXAMPLES, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(TABLE_EXAMPLES)])
def test_validation_table_example_gives_its_code(code: str, example: str, edit: Callable[[str], str],
                                                 tmp_path: Path, monkeypatch) -> None:
    (row,) = [line for line in (DOCS / "validation.md").read_text().splitlines() if line.startswith(f"| {code} |")]
    assert example in row, f"validation.md's {code} row no longer shows {example}"
    rule = readme_rule()
    assert edit(rule) != rule
    write(tmp_path / "rules/AWSCloudTrail/CloudTrailLoggingStopped.yaml", edit(rule))
    result = invoke(["validate", "--format", "json"], tmp_path, monkeypatch)
    assert code in diagnostic_codes(result), result.stdout


def test_validation_commands_run(tmp_path: Path, monkeypatch) -> None:
    write(tmp_path / "rules/AWSCloudTrail/CloudTrailLoggingStopped.yaml", readme_rule())
    git = ["git", "-c", "user.name=docs", "-c", "user.email=docs@example.com", "-C", str(tmp_path)]
    for step in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "rule"],
                 ["update-ref", "refs/remotes/origin/main", "HEAD"]):
        subprocess.run(git + step, check=True, capture_output=True)
    commands = doc_commands("validation.md")
    assert ["validate", "--base", "origin/main"] in commands
    for argv in commands:
        result = invoke(argv, tmp_path, monkeypatch)
        assert result.exit_code == 0, f"detections {shlex.join(argv)}:\n{result.output}"
    assert json.loads((tmp_path / "validate.sarif").read_text())["version"] == "2.1.0"


def test_validation_example_report_shape(tmp_path: Path, monkeypatch) -> None:
    """The guide's sample report is what validate prints for a rule whose severity is Critical."""
    sample = blocks("validation.md", "")[0]
    rule = readme_rule().replace("severity: High", "severity: Critical")
    write(tmp_path / "rules/AWSCloudTrail/ConsoleLoginWithoutMfa.yaml", rule)
    result = invoke(["validate"], tmp_path, monkeypatch)
    assert result.exit_code == 1

    assert shape(result.output) == shape(sample)


def test_validation_python_example_runs(tmp_path: Path, monkeypatch, capsys) -> None:
    write(tmp_path / "rules/AWSCloudTrail/CloudTrailLoggingStopped.yaml", readme_rule())
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        exec(compile(blocks("validation.md", "python")[0], "docs/validation.md", "exec"), {})
    assert stopped.value.code == 0
    assert "0 error(s), 0 warning(s) in 1 file" in capsys.readouterr().out


# --- fixtures.md and rule-tests.md --------------------------------------------------------------------

# A rule that reads everything the guide's reference example gives (two watchlists, one externaldata url),
# so that example runs as written.
FIXTURE_REFERENCE_RULE = """\
id: 0d5d1d7e-4c8b-4a57-9f5b-6f0c3c5a1e01
name: Root console login without MFA
description: The root user signed in to the console without MFA from an address nobody vouches for.
severity: High
requiredDataConnectors:
  - connectorId: AWS
    dataTypes: [AWSCloudTrail]
queryFrequency: 1h
queryPeriod: 1h
triggerOperator: gt
triggerThreshold: 0
tactics: [InitialAccess]
relevantTechniques: [T1078.004]
query: |
  let trusted = _GetWatchlist('TrustedIPs') | project SearchKey;
  let admins = _GetWatchlist('Admins') | project SearchKey;
  let listed = externaldata(Ip: string)["https://example.com/list.csv"] with (format="csv");
  AWSCloudTrail
  | where EventName == "ConsoleLogin" and UserIdentityType == "Root"
  | where tostring(parse_json(AdditionalEventData).MFAUsed) != "Yes"
  | where SourceIpAddress !in (trusted) and SourceIpAddress !in (admins)
  | extend Listed = SourceIpAddress in (listed)
  | project TimeGenerated, UserIdentityArn, SourceIpAddress, Listed
entityMappings:
  - entityType: IP
    fieldMappings: [{identifier: Address, columnName: SourceIpAddress}]
customDetails:
  SourceIp: SourceIpAddress
alertDetailsOverride:
  alertDisplayNameFormat: "Root console login without MFA from {{SourceIpAddress}}"
eventGroupingSettings:
  aggregationKind: AlertPerResult
version: 1.0.0
kind: Scheduled
"""


def run_cases(repo: Path, fixture: Path, monkeypatch) -> dict:
    result = invoke(["test", "--format", "json", str(fixture.relative_to(repo))], repo, monkeypatch)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_fixtures_reference_example_passes(tmp_path: Path, monkeypatch) -> None:
    reference = blocks("fixtures.md", "yaml")[0]
    write(tmp_path / "rules/AWSCloudTrail/RootConsoleLoginWithoutMfa.yaml", FIXTURE_REFERENCE_RULE)
    fixture = write(tmp_path / "fixtures/AWSCloudTrail/RootConsoleLoginWithoutMfa.tests.yaml", reference)
    write(tmp_path / "fixtures/shared/admins.csv", "SearchKey,Owner\n192.0.2.1,ops\n")   # `Admins:` in the example
    summary = run_cases(tmp_path, fixture, monkeypatch)["summary"]
    assert summary["passed"] == 2, summary


def test_fixtures_windows_event_data_snippet_fires(tmp_path: Path, monkeypatch) -> None:
    """The 4698 snippet (fields under EventData:) fires the scheduled-task rule it was written for."""
    records = blocks("fixtures.md", "yaml")[1]
    shutil.copytree(ROOT / "rules/SecurityEvent", tmp_path / "rules/SecurityEvent")
    case = {"rule": "rules/SecurityEvent/SuspiciousScheduledTaskCreated.yaml",
            "cases": [{"name": "guide snippet", "records": yaml.safe_load(records), "expect": {"fires": True}}]}
    fixture = write(tmp_path / "fixtures/SecurityEvent/Snippet.tests.yaml", yaml.safe_dump(case))
    assert run_cases(tmp_path, fixture, monkeypatch)["summary"]["passed"] == 1


def test_fixtures_workbook_example_passes(tmp_path: Path, monkeypatch) -> None:
    """The workbook case runs as written once its `{Records: [...]}` placeholder holds CloudTrail events."""
    example = blocks("fixtures.md", "yaml")[2]
    events = [{"eventTime": when, "eventSource": "s3.amazonaws.com", "eventName": "GetObject",
               "recipientAccountId": account, "userIdentity": {"type": "IAMUser"}}
              for when, account in (("-1h", "111122223333"), ("-2d", "111122223333"), ("-3d", "111122223333"),
                                    ("-8d", "111122223333"), ("-1h", "444455556666"))]
    assert "cloudtrail: {Records: [...]}" in example
    example = example.replace("cloudtrail: {Records: [...]}", "cloudtrail: " + json.dumps({"Records": events}))
    write(tmp_path / "workbooks/AwsCloudTrail.yaml", (ROOT / "workbooks/AwsCloudTrail.yaml").read_text(encoding="utf-8"))
    fixture = write(tmp_path / "fixtures/workbooks/AwsCloudTrail.tests.yaml", example)
    assert run_cases(tmp_path, fixture, monkeypatch)["summary"]["passed"] == 1


# Every time form "Times" lists, against a 1h lookback ending at 2026-01-15T12:00:00Z: inside it fires.
TIME_FORMS = {"now": True, "-10m": True, "-90s": True, "now-1h": False, "-2h": False, "-1d": False, "-1h30m": False,
              "+5m": False, "-2w": False, "-1500ms": True, "2026-01-15T12:00:00Z": True,
              "2026-01-15T11:30:00": True, "1768478400": True}


def test_fixtures_time_forms(tmp_path: Path, monkeypatch) -> None:
    times = (DOCS / "fixtures.md").read_text().split("### Times", 1)[1].split("###", 1)[0]
    for form in ("`now`", "`-10m`", "`-2h`", "`-1d`", "`-90s`", "`-1h30m`", "`+5m`", "`now-1h`",
                 "units `ms s m h d w`", "(`2026-01-15T12:00:00Z`; no offset means UTC)", "(`1768478400`)"):
        assert form in times, form
    write(tmp_path / "rules/AWSCloudTrail/CloudTrailLoggingStopped.yaml", readme_rule())
    cases = [{"name": f"TimeGenerated {when}", "now": "2026-01-15T12:00:00Z",
              "records": {"AWSCloudTrail": [{"TimeGenerated": int(when) if when.isdigit() else when,
                                             "EventName": "StopLogging"}]},
              "expect": {"fires": fires}} for when, fires in TIME_FORMS.items()]
    fixture = write(tmp_path / "fixtures/AWSCloudTrail/CloudTrailLoggingStopped.tests.yaml",
                    yaml.safe_dump({"rule": "rules/AWSCloudTrail/CloudTrailLoggingStopped.yaml", "cases": cases}))
    assert run_cases(tmp_path, fixture, monkeypatch)["summary"]["passed"] == len(TIME_FORMS)


def test_rule_tests_commands_run(tmp_path: Path, monkeypatch) -> None:
    for folder in ("rules", "fixtures"):
        suffix = ".yaml" if folder == "rules" else ".tests.yaml"
        write(tmp_path / folder / "AWSCloudTrail" / f"RootConsoleLogin{suffix}",
              (ROOT / folder / "AWSCloudTrail" / f"RootConsoleLogin{suffix}").read_text(encoding="utf-8"))
    commands = doc_commands("rule-tests.md")
    assert len(commands) == 6
    for argv in commands:
        result = invoke(argv, tmp_path, monkeypatch)
        assert result.exit_code == 0, f"detections {shlex.join(argv)}:\n{result.output}"
    assert (tmp_path / "build/rule-tests.xml").is_file()


# --- packaging.md ---------------------------------------------------------------------------------------


def test_packaging_command_and_summary_shape(tmp_path: Path, monkeypatch) -> None:
    write(tmp_path / "rules/AWSCloudTrail/CloudTrailLoggingStopped.yaml", readme_rule())
    (command,) = [argv for argv in doc_commands("packaging.md") if argv[0] == "package"]
    result = invoke(command, tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    documented = blocks("packaging.md", "console")[0].splitlines()[1]
    summary = [line for line in result.output.splitlines() if line.startswith("packaged into")]
    assert shape(documented) == shape("\n".join(summary)), result.output
    assert json.loads((tmp_path / "dist/manifest.json").read_text())["items"][0]["kind"] == "AnalyticsRule"


# --- live-queries.md ------------------------------------------------------------------------------------


def test_live_queries_offline_examples(tmp_path: Path, monkeypatch) -> None:
    event = {"eventTime": "2026-01-10T11:50:00Z", "eventSource": "signin.amazonaws.com",
             "eventName": "ConsoleLogin", "userIdentity": {"type": "IAMUser"}}
    (tmp_path / "trail.json.gz").write_bytes(gzip.compress(json.dumps({"Records": [event]}).encode()))
    write(tmp_path / "flows.log", "2 111122223333 eni-0a1b2c3d 203.0.113.5 10.0.1.7 51515 22 6 3 180 "
                                  "1768046400 1768046460 REJECT OK\n")
    offline = [argv for argv in doc_commands("live-queries.md") if any(a.startswith("--table") for a in argv)]
    assert len(offline) == 2
    for argv in offline:
        result = invoke([*argv, "--format", "csv"], tmp_path, monkeypatch)
        assert result.exit_code == 0, f"detections {shlex.join(argv)}:\n{result.output}"
        assert len(result.stdout.splitlines()) == 2, result.output   # a header and one row


def test_live_queries_documented_error(tmp_path: Path, monkeypatch) -> None:
    message = "query:2:9: unknown column or variable 'EventNam' (did you mean 'EventName'?)"
    assert message in (DOCS / "live-queries.md").read_text()
    write(tmp_path / "trail.json", json.dumps({"Records": []}))
    result = invoke(["query", "AWSCloudTrail\n| where EventNam == 'x'", "--table", "AWSCloudTrail=trail.json"],
                    tmp_path, monkeypatch)
    assert result.exit_code == 1
    assert message in result.output


# --- emulator.md and deploy.md --------------------------------------------------------------------------


def exported_names(text: str) -> list[str]:
    return re.findall(r"\b([A-Z][A-Z_]+)=", text)


def test_emulator_printed_exports_match_the_emulator(emulator) -> None:
    printed = "".join(line for line in blocks("emulator.md", "console")[0].splitlines(keepends=True)
                      if line.startswith("export "))
    assert exported_names(printed) == list(emulator.environment())
    rehearsal = next(b for b in blocks("deploy.md", "console") if "DETECTIONS_CREDENTIAL" in b)
    exports = rehearsal.split("$ export ", 1)[1].split("\n$ ")[0]
    assert set(exported_names(exports)) <= set(emulator.environment())


def list_alert_rules(emulator) -> list:
    """The guide's client construction, then one LIST request."""
    from azure.mgmt.securityinsight import SecurityInsightsMgmtClient

    assert "SecurityInsightsMgmtClient(emulator.credential, emulator.subscription_id,\n" \
           "                                        base_url=emulator.url, **emulator.client_kwargs())" \
           in blocks("emulator.md", "python")[0]
    client = SecurityInsightsMgmtClient(emulator.credential, emulator.subscription_id,
                                        base_url=emulator.url, **emulator.client_kwargs())
    return list(client.alert_rules.list(emulator.resource_group, emulator.workspace_name))


def test_emulator_python_example_runs(emulator) -> None:
    assert list_alert_rules(emulator) == []
    assert emulator.store.names("alertRules") == []
    assert [(r.method, r.status) for r in emulator.requests] == [("GET", 200)]


def test_emulator_faults_example_runs(emulator) -> None:
    exec(compile(blocks("emulator.md", "python")[1], "docs/emulator.md", "exec"), {"emulator": emulator})
    assert list_alert_rules(emulator) == []   # the example ends with faults.clear(): no 429 is left armed
    assert [(r.method, r.status) for r in emulator.requests] == [("GET", 200)]


def test_deploy_target_table_matches_help(tmp_path: Path, monkeypatch) -> None:
    text = (DOCS / "deploy.md").read_text()
    table = text[text.index("| flag | environment variable | what |"):text.index("Credentials come from")]
    help_text = " ".join(invoke(["deploy", "--help"], tmp_path, monkeypatch).output.split())
    for flag, env in re.findall(r"^\| `(--[a-z-]+)` \| ([^|]*) \|", table, re.M):
        assert flag in help_text
        for name in re.findall(r"`([A-Z_]+)`", env):
            assert name in help_text, f"{flag}: {name} is not in `detections deploy --help`"


# --- library guides and the pull-request workflow -------------------------------------------------------


@pytest.mark.parametrize("guide", ["library-aws.md", "library-network-windows.md"])
def test_library_guide_commands_name_existing_paths(guide: str) -> None:
    for block in blocks(guide, "bash"):
        for line in block.splitlines():
            for word in shlex.split(line)[2:]:
                if not word.startswith("-"):
                    assert (ROOT / word).is_dir(), f"{guide}: {line!r} names {word}, which is not a folder"


def test_pull_request_workflow_runs_make_check() -> None:
    workflow = yaml.safe_load((ROOT / ".github/workflows/pull-request.yaml").read_text())
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["check"]["steps"]
    uses = {step["uses"].split("@")[0]: step["uses"].split("@")[1] for step in steps if "uses" in step}
    assert uses["github/codeql-action/upload-sarif"] == "v3"
    runs = [" ".join(step["run"].split()) for step in steps if "run" in step]
    makefile = (ROOT / "Makefile").read_text()
    check = re.search(r"^check:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    commands = [line.strip().replace("$(BIN)/", ".venv/bin/") for line in check.splitlines()
                if "$(BIN)/detections" in line]
    assert len(commands) >= 4
    for command in commands:
        words = command.split()
        program, flags = " ".join(words[:2]), words[2:]
        step = [run for run in runs if run.startswith(program)]
        assert step, f"the workflow does not run `{command}` (make check does)"
        assert all(flag in step[0].split() for flag in flags), f"`{command}` runs as `{step[0]}`"
