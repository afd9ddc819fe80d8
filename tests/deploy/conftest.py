"""Deploy tests run the real SDK clients against the `emulator` fixture (tests/conftest.py).

`workspace` is the emulator plus our deployer over a private copy of tests/package/data/repo.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from deploy.helpers import SAMPLE_REPO, SOURCE, Workspace
from detections.deploy.clients import Target, make_clients
from detections.emulator import Emulator


@pytest.fixture
def workspace(emulator: Emulator, tmp_path: Path) -> Workspace:
    root = tmp_path / SOURCE
    shutil.copytree(SAMPLE_REPO, root)
    target = Target(emulator.subscription_id, emulator.resource_group, emulator.workspace_name, "westeurope")
    clients = make_clients(target, emulator.credential, base_url=emulator.url, **emulator.client_kwargs())
    return Workspace(emulator, target, clients, root)


@pytest.fixture
def cli_env(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment `detections emulate` prints, as a user would export it."""
    env = {**emulator.environment(), "DETECTIONS_SOURCE": SOURCE}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env
