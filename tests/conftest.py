"""Shared pytest fixtures: a running workspace emulator (see docs/emulator.md).

`emulator` yields a started detections.emulator.Emulator: .url, .ca_file, .credential,
.subscription_id, .resource_group, .workspace_name, .workspace_id, .workspace_resource_id,
.faults (throttle / fail / concurrent_edit), .store (items / get), .requests, .seed(...),
.data (tables for the query API) and .client_kwargs() for SDK clients (CA trust, fast retries).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from detections.emulator import Emulator


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(page_size=2) as emu:
        yield emu
