"""--base REF: an id that changed versus git is an error; new files and unchanged ids are fine."""

from __future__ import annotations

import subprocess

import pytest


def _git(root, *args):
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


@pytest.fixture
def committed(repo):
    _git(repo.root, "init", "-q", "-b", "main")
    _git(repo.root, "config", "user.email", "t@example.org")
    _git(repo.root, "config", "user.name", "t")
    path = repo.rule()
    _git(repo.root, "add", "-A")
    _git(repo.root, "commit", "-qm", "base")
    return repo, path


def test_changed_id_is_an_error(committed):
    repo, path = committed
    path.write_text(path.read_text().replace("3f1b7a52-9c1e-4d2a-8f1e-5b6c7d8e9f01",
                                             "99999999-9c1e-4d2a-8f1e-5b6c7d8e9f01"))
    [diagnostic] = [d for d in repo.validate(base="main") if d.code == "DET202"]
    assert "3f1b7a52-9c1e-4d2a-8f1e-5b6c7d8e9f01" in diagnostic.message and diagnostic.location.line == 1


def test_unchanged_and_new_files_pass(committed):
    repo, path = committed
    path.write_text(path.read_text().replace("severity: Medium", "severity: High"))
    repo.rule(lambda d: d.update(id="12345678-1234-4234-8234-123456789012"), name="New")
    assert repo.codes(base="main") == []


def test_unknown_ref_is_reported_not_raised(committed):
    repo, _ = committed
    [diagnostic] = [d for d in repo.validate(base="no-such-branch") if d.code == "DET202"]
    assert "cannot compare with --base no-such-branch" in diagnostic.message


def test_outside_git_is_reported(repo, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(repo.root.parent))
    repo.rule()
    [diagnostic] = [d for d in repo.validate(base="main") if d.code == "DET202"]
    assert "cannot compare" in diagnostic.message


@pytest.mark.parametrize("ref", ["--output=/tmp/x", "main\nHEAD:rules/x.yaml"])
def test_a_ref_git_would_read_as_an_option_or_a_second_request_is_refused(committed, ref):
    repo, _ = committed
    [diagnostic] = [d for d in repo.validate(base=ref) if d.code == "DET202"]
    assert "is not a git ref" in diagnostic.message
