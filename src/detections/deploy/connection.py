"""How every Azure client of ours connects: deploy's management clients and live's query client.

The CA to trust comes from REQUESTS_CA_BUNDLE / SSL_CERT_FILE (the emulator prints them); a name that
is not a readable file is reported before any request, because requests would otherwise fail deep in
its adapter with a bare OSError. The SDKs' own loggers are silenced for the commands: our one-line
messages replace them, and nothing an SDK logs (request headers included) can reach the terminal.
"""

from __future__ import annotations

import logging
import os
from typing import Any

CA_ENV = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")


class ConnectionSetupError(Exception):
    """The environment names something unusable (a CA file that does not exist); the message says what."""


def verify_options() -> dict[str, Any]:
    """`connection_verify` for the CA file the environment names (none: the system's trust store)."""
    for name in CA_ENV:
        path = os.environ.get(name)
        if not path:
            continue
        if not os.path.isfile(path) or not os.access(path, os.R_OK):
            raise ConnectionSetupError(
                f"{name}={path}: no readable CA file there; point it at the PEM file `detections emulate` "
                f"printed (or your proxy's CA), or unset {name} to use the system's trust store")
        return {"connection_verify": path}
    return {}


def quiet_sdk_logging() -> None:
    """Keep azure-core / azure-identity log records (which can carry request details) off the terminal."""
    logging.getLogger("azure").setLevel(logging.CRITICAL)


def first_line(error: BaseException) -> str:
    """The first line of an error's text (SDK messages append multi-line diagnostics), or its type."""
    text = str(getattr(error, "message", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__
