"""`detections emulate` as users run it: prints what to export, serves, stops cleanly on Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

from azure.monitor.query import LogsQueryClient

from detections.emulator import EmulatorCredential


def start(*args: str) -> tuple[subprocess.Popen, dict[str, str], list[str]]:
    process = subprocess.Popen([sys.executable, "-c", "from detections.cli import main; main()", "emulate", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith("Press Ctrl-C"):
            break
    exports = dict(line[len("export "):].split("=", 1) for line in lines if line.startswith("export "))
    return process, exports, lines


def test_emulate_prints_exports_serves_data_and_stops_on_ctrl_c(tmp_path):
    (tmp_path / "AWSCloudTrail.jsonl").write_text(json.dumps({"EventName": "ConsoleLogin"}) + "\n")
    process, env, lines = start("--data", str(tmp_path))
    try:
        assert any(line.startswith("Workspace emulator listening on https://127.0.0.1:") for line in lines)
        assert "table AWSCloudTrail: 1 rows" in lines
        assert set(env) >= {"REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "DETECTIONS_ARM_ENDPOINT",
                            "DETECTIONS_LOGS_ENDPOINT", "DETECTIONS_CREDENTIAL", "AZURE_WORKSPACE_ID"}
        client = LogsQueryClient(EmulatorCredential(), endpoint=env["DETECTIONS_LOGS_ENDPOINT"],
                                 connection_verify=env["REQUESTS_CA_BUNDLE"])
        result = client.query_workspace(env["AZURE_WORKSPACE_ID"], "AWSCloudTrail | count", timespan=None)
        assert result.tables[0].rows[0][0] == 1
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "stopped" in out and "Traceback" not in err


def test_emulate_stops_cleanly_on_sigterm():
    process, env, lines = start("--port", "0")
    assert env["DETECTIONS_ARM_ENDPOINT"].startswith("https://127.0.0.1:")
    process.terminate()
    out, err = process.communicate(timeout=10)
    assert process.returncode == 0 and "stopped" in out and "Traceback" not in err


def test_emulate_reports_a_bad_data_file_without_traceback(tmp_path):
    (tmp_path / "AWSCloudTrail.json").write_text("{broken")
    result = subprocess.run([sys.executable, "-c", "from detections.cli import main; main()", "emulate",
                             "--data", str(tmp_path)], capture_output=True, text=True, timeout=20)
    assert result.returncode == 1
    assert "AWSCloudTrail.json:1:2: invalid JSON" in result.stderr and "Traceback" not in result.stderr
