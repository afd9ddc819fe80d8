"""The deployment target and the three official SDK clients that talk to it.

Credentials never come from the repository: azure-identity's DefaultAzureCredential (CLI login,
managed identity, GitHub OIDC workload identity), or the emulator's dummy token when
DETECTIONS_CREDENTIAL=emulator. DETECTIONS_ARM_ENDPOINT points the clients elsewhere (the emulator),
REQUESTS_CA_BUNDLE / SSL_CERT_FILE name the CA to trust. Throttling (429, honouring Retry-After) and
transient 5xx errors are retried by the SDK's own RetryPolicy, configured here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

ARM_ENDPOINT = "https://management.azure.com"
ARM_ENDPOINT_ENV = "DETECTIONS_ARM_ENDPOINT"
WORKBOOK_API_VERSION = "2023-06-01"
# Up to 6 retries of 408/429/5xx, exponential back-off capped at 60 s; a Retry-After header wins.
RETRY_POLICY: dict[str, Any] = {"retry_total": 6, "retry_backoff_factor": 1.0, "retry_backoff_max": 60}


@dataclass(frozen=True)
class Target:
    """Which workspace to deploy to."""

    subscription_id: str
    resource_group: str
    workspace: str
    location: str | None = None

    @property
    def workspace_resource_id(self) -> str:
        return (
            f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"
            f"/providers/Microsoft.OperationalInsights/workspaces/{self.workspace}"
        )


@dataclass
class Clients:
    """One client per API: Sentinel (alert rules, metadata), Log Analytics (saved searches), workbooks."""

    sentinel: Any
    log_analytics: Any
    insights: Any


def endpoint() -> str:
    return os.environ.get(ARM_ENDPOINT_ENV) or ARM_ENDPOINT


def transport_options() -> dict[str, Any]:
    """The SDK retry policy plus the CA file from the environment, if one is named
    (ConnectionSetupError when that file does not exist)."""
    from detections.deploy.connection import verify_options

    return {**RETRY_POLICY, **verify_options()}


def default_credential() -> Any:
    from detections.emulator.credential import credential_from_environment

    return credential_from_environment()


def make_clients(target: Target, credential: Any = None, *, base_url: str | None = None, **options: Any) -> Clients:
    """Build the SDK clients; `options` (e.g. connection_verify, retry_total) override the defaults."""
    from azure.mgmt.applicationinsights import ApplicationInsightsManagementClient
    from azure.mgmt.loganalytics import LogAnalyticsManagementClient
    from azure.mgmt.securityinsight import SecurityInsightsMgmtClient

    credential = credential or default_credential()
    url = base_url or endpoint()
    kwargs = {**transport_options(), **options}
    return Clients(
        sentinel=SecurityInsightsMgmtClient(credential, target.subscription_id, base_url=url, **kwargs),
        log_analytics=LogAnalyticsManagementClient(credential, target.subscription_id, base_url=url, **kwargs),
        insights=ApplicationInsightsManagementClient(
            credential, target.subscription_id, base_url=url, api_version=WORKBOOK_API_VERSION, **kwargs
        ),
    )
