"""The pytest plugin, run in a child pytest over a temp repository, with the real engine."""

import subprocess
import sys

from .repo import FIXTURE, make_repo


def pytest_run(root, *args):
    (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", *args],
                          cwd=root, capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout + done.stderr


def test_cases_are_collected_and_failures_are_readable(tmp_path):
    make_repo(tmp_path, FIXTURE.replace("alerts: 1", "alerts: 3"))
    broken = tmp_path / "fixtures" / "AWSCloudTrail" / "Broken.tests.yaml"
    broken.write_text("rule: x\ncases: [{name: a, expect: {fires: maybe}}]\n", encoding="utf-8")
    outside = tmp_path / "tests" / "fixtures" / "Sample.tests.yaml"  # a fixtures/ folder, but not beside rules/
    outside.parent.mkdir(parents=True)
    outside.write_text(FIXTURE, encoding="utf-8")
    code, out = pytest_run(tmp_path, "fixtures", "tests")
    assert code == 1
    assert "PASSED fixtures/AWSCloudTrail/TrailStopped.tests.yaml::quiet on StartLogging" in out
    assert "PASSED fixtures/AWSCloudTrail/StopLoggingCalls.tests.yaml::finds an old StopLogging" in out
    assert "FAILED fixtures/AWSCloudTrail/TrailStopped.tests.yaml::fires on StopLogging" in out
    assert "TrailStopped.tests.yaml:3:5: CloudTrail logging stopped :: fires on StopLogging (failed)" in out
    assert "alerts: expected 3, got 1" in out
    assert "FAILED fixtures/AWSCloudTrail/Broken.tests.yaml::(fixture file)" in out
    assert "Broken.tests.yaml:2:" in out and "fires must be true or false, got text" in out
    assert "Sample.tests.yaml" not in out  # outside fixtures/: not collected by default
    assert "Traceback" not in out and "2 failed, 3 passed" in out


def test_option_collects_files_outside_fixtures(tmp_path):
    make_repo(tmp_path)
    outside = tmp_path / "elsewhere" / "Copy.tests.yaml"
    outside.parent.mkdir()
    outside.write_text(FIXTURE, encoding="utf-8")
    code, out = pytest_run(tmp_path, "elsewhere", "--detections-fixtures")
    assert code == 0, out
    assert "3 passed" in out
