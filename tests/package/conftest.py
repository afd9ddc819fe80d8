"""Shared sample repository for package tests: tests/package/data/repo holds every field we package."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from detections.content import load_repository
from detections.content.model import Repository

SAMPLE_REPO = Path(__file__).parent / "data" / "repo"


@pytest.fixture
def sample_repo(tmp_path: Path) -> Repository:
    """A private copy of the sample repository (tests may edit it), loaded with the real loader."""
    root = tmp_path / "content-repo"
    shutil.copytree(SAMPLE_REPO, root)
    return load_repository(root)
