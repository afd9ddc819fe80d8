"""Target and client settings from the environment: endpoint, CA file, retry policy."""

from __future__ import annotations

import pytest

from detections.deploy.clients import (
    ARM_ENDPOINT,
    RETRY_POLICY,
    Target,
    endpoint,
    make_clients,
    transport_options,
)


def test_defaults_are_public_azure(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DETECTIONS_ARM_ENDPOINT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.delenv(name, raising=False)
    assert endpoint() == ARM_ENDPOINT == "https://management.azure.com"
    assert transport_options() == RETRY_POLICY


def test_environment_points_at_another_endpoint_and_ca(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.setenv("DETECTIONS_ARM_ENDPOINT", "https://127.0.0.1:8443")
    monkeypatch.setenv("SSL_CERT_FILE", "/tmp/ca.pem")
    assert endpoint() == "https://127.0.0.1:8443"
    assert transport_options()["connection_verify"] == "/tmp/ca.pem"
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/tmp/other.pem")
    assert transport_options()["connection_verify"] == "/tmp/other.pem"


def test_clients_carry_the_retry_policy() -> None:
    target = Target("sub", "rg", "ws")
    clients = make_clients(target, credential=object(), base_url="https://127.0.0.1:1")
    policy = clients.sentinel._config.retry_policy
    assert policy.total_retries == RETRY_POLICY["retry_total"]
    assert policy.backoff_max == RETRY_POLICY["retry_backoff_max"]
    assert target.workspace_resource_id == (
        "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws")
