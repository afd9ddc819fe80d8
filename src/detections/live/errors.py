"""Turning failures of live and offline queries into one clear line for the user (never a traceback,
never a token): what went wrong and what to do."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click


class LiveError(Exception):
    """A failure the user can act on; the message says what to do (exit 1)."""


class LiveUsageError(LiveError):
    """An option or argument that cannot work (no workspace, a bad time, an unknown rule): exit 2."""


def explain(error: Exception) -> str:
    """A short, secret-free sentence for an Azure SDK or identity error."""
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ServiceRequestError,
    )

    from detections.deploy.connection import first_line

    if isinstance(error, HttpResponseError) and error.status_code is None:  # raised before any request
        # azure-monitor-query re-raises a credential's failure as a bare HttpResponseError
        error = next((e for e in _chain(error) if isinstance(e, ClientAuthenticationError)), error)
    if isinstance(error, ClientAuthenticationError) and error.status_code is None:
        return (f"authentication failed: {first_line(error)} Sign in with `az login` (or configure managed / workload "
                "identity) and check you have the Log Analytics Reader role on the workspace")
    if isinstance(error, HttpResponseError) and error.status_code is None:
        return first_line(error)
    if isinstance(error, HttpResponseError):
        status = error.status_code
        model = getattr(error, "model", None)
        detail = getattr(model, "message", None) or (error.error.message if error.error else None) or error.reason
        if status == 404:
            return f"unknown workspace: {detail} (check --workspace-id, the workspace's customer ID GUID)"
        if status in (401, 403):
            return f"access denied ({status}): {detail} (you need Log Analytics Reader on the workspace)"
        return f"query failed ({status}): {detail}"
    if isinstance(error, ServiceRequestError):
        return f"cannot reach the Log Analytics endpoint: {first_line(error)}"
    return first_line(error)


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error and the errors it was raised from or during."""
    seen: BaseException | None = error
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


@contextmanager
def fail_cleanly() -> Iterator[None]:
    """Run a command body; known failures become a one-line click error: exit 1, or 2 when the
    environment is unusable (a CA file that is not there)."""
    from azure.core.exceptions import AzureError
    from azure.identity import CredentialUnavailableError

    from detections.deploy.connection import ConnectionSetupError, quiet_sdk_logging
    from detections.kql import KqlError
    from detections.live.files import DataFileError

    quiet_sdk_logging()  # our one-line message replaces the SDK's log noise
    try:
        yield
    except KqlError as exc:
        raise click.ClickException(f"query:{exc.line}:{exc.column}: {exc.message}") from None
    except LiveUsageError as exc:
        raise click.UsageError(str(exc)) from None
    except (LiveError, DataFileError) as exc:
        raise click.ClickException(str(exc)) from None
    except ConnectionSetupError as exc:
        raise click.UsageError(str(exc)) from None
    except CredentialUnavailableError:
        raise click.ClickException("no Azure credential found: run `az login`, or set DETECTIONS_CREDENTIAL="
                                   "emulator when querying `detections emulate`") from None
    except AzureError as exc:
        raise click.ClickException(explain(exc)) from None
