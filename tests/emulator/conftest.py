"""Real Azure SDK clients pointed at the emulator (never mocks of the SDK)."""

from __future__ import annotations

import pytest
from azure.mgmt.applicationinsights import ApplicationInsightsManagementClient
from azure.mgmt.loganalytics import LogAnalyticsManagementClient
from azure.mgmt.securityinsight import SecurityInsightsMgmtClient
from azure.monitor.query import LogsQueryClient

from detections.emulator import Emulator


@pytest.fixture
def sentinel(emulator: Emulator) -> SecurityInsightsMgmtClient:
    return SecurityInsightsMgmtClient(emulator.credential, emulator.subscription_id, base_url=emulator.url,
                                      **emulator.client_kwargs())


@pytest.fixture
def loganalytics(emulator: Emulator) -> LogAnalyticsManagementClient:
    return LogAnalyticsManagementClient(emulator.credential, emulator.subscription_id, base_url=emulator.url,
                                        **emulator.client_kwargs())


@pytest.fixture
def appinsights(emulator: Emulator) -> ApplicationInsightsManagementClient:
    return ApplicationInsightsManagementClient(emulator.credential, emulator.subscription_id,
                                               base_url=emulator.url, **emulator.client_kwargs())


@pytest.fixture
def logs(emulator: Emulator) -> LogsQueryClient:
    return LogsQueryClient(emulator.credential, endpoint=emulator.url, **emulator.client_kwargs())
