"""A local HTTPS Sentinel / Log Analytics workspace that speaks the real REST APIs (see docs/emulator.md).

    from detections.emulator import Emulator
    with Emulator(tables={"AWSCloudTrail": rows}) as emu:
        client = SecurityInsightsMgmtClient(emu.credential, emu.subscription_id, base_url=emu.url,
                                            **emu.client_kwargs())
"""

from detections.emulator.credential import CREDENTIAL_ENV, EmulatorCredential, credential_from_environment
from detections.emulator.server import Emulator
from detections.emulator.store import ALERT_RULES, METADATA, SAVED_SEARCHES, WORKBOOKS
from detections.emulator.workspace import Workspace

__all__ = [
    "ALERT_RULES", "CREDENTIAL_ENV", "METADATA", "SAVED_SEARCHES", "WORKBOOKS", "Emulator",
    "EmulatorCredential", "Workspace", "credential_from_environment",
]
