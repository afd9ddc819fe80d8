"""Credentials for talking to the emulator, and the one switch that selects them.

The emulator has no token endpoint: it accepts any bearer token. SDK clients still need a
TokenCredential, so tests (and users rehearsing a deploy offline with DETECTIONS_CREDENTIAL=emulator)
use `EmulatorCredential`, which hands out a dummy token without contacting Entra ID.
"""

from __future__ import annotations

import os
import time
from typing import Any

from azure.core.credentials import AccessToken, AccessTokenInfo

CREDENTIAL_ENV = "DETECTIONS_CREDENTIAL"
EMULATOR_TOKEN = "detections-emulator-token"


class EmulatorCredential:
    """A TokenCredential (both protocols azure-core knows) returning a dummy token for any scope."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(EMULATOR_TOKEN, int(time.time()) + 3600)

    def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        return AccessTokenInfo(EMULATOR_TOKEN, int(time.time()) + 3600)

    def close(self) -> None:
        """Nothing to release; present so clients that close their credential can."""


def credential_from_environment() -> Any:
    """EmulatorCredential when DETECTIONS_CREDENTIAL=emulator, else azure-identity's
    DefaultAzureCredential (CLI login, managed identity, workload identity)."""
    if os.environ.get(CREDENTIAL_ENV, "").lower() == "emulator":
        return EmulatorCredential()
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()
