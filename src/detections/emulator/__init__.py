"""A local HTTPS Sentinel / Log Analytics workspace that speaks the real REST APIs (see docs/emulator.md).

    from detections.emulator import Emulator
    with Emulator(tables={"AWSCloudTrail": rows}) as emu:
        client = SecurityInsightsMgmtClient(emu.credential, emu.subscription_id, base_url=emu.url,
                                            **emu.client_kwargs())

The names below are imported on first use: the CLI and the live queries import small modules of this
package (iso8601, credential) and must not pay for the server, its TLS set-up and the KQL engine.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ALERT_RULES": "store", "METADATA": "store", "SAVED_SEARCHES": "store", "WORKBOOKS": "store",
    "CREDENTIAL_ENV": "credential", "EmulatorCredential": "credential", "credential_from_environment": "credential",
    "Emulator": "server", "Workspace": "workspace",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'detections.emulator' has no attribute {name!r}")
    return getattr(importlib.import_module(f"detections.emulator.{module}"), name)
