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


def test_environment_points_at_another_endpoint_and_ca(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    ca, other = tmp_path / "ca.pem", tmp_path / "other.pem"
    ca.write_text("pem"), other.write_text("pem")
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.setenv("DETECTIONS_ARM_ENDPOINT", "https://127.0.0.1:8443")
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    assert endpoint() == "https://127.0.0.1:8443"
    assert transport_options()["connection_verify"] == str(ca)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other))
    assert transport_options()["connection_verify"] == str(other)


@pytest.mark.parametrize("name", ["REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"])
def test_a_ca_file_that_is_not_there_is_named_before_any_request(monkeypatch: pytest.MonkeyPatch, tmp_path,
                                                                  name: str) -> None:
    from detections.deploy.connection import ConnectionSetupError

    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.setenv(name, str(tmp_path))  # a folder, not a PEM file
    with pytest.raises(ConnectionSetupError, match=f"{name}=.*no readable CA file"):
        transport_options()


def test_clients_carry_the_retry_policy() -> None:
    target = Target("sub", "rg", "ws")
    clients = make_clients(target, credential=object(), base_url="https://127.0.0.1:1")
    policy = clients.sentinel._config.retry_policy
    assert policy.total_retries == RETRY_POLICY["retry_total"]
    assert policy.backoff_max == RETRY_POLICY["retry_backoff_max"]
    assert target.workspace_resource_id == (
        "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws")


def test_credential_failures_are_one_line_without_the_sdk_list() -> None:
    from azure.core.exceptions import ClientAuthenticationError
    from azure.identity import CredentialUnavailableError

    from detections.deploy.plan import describe_error

    listing = ("DefaultAzureCredential failed to retrieve a token from the included credentials.\n"
               "Attempted credentials:\n\tEnvironmentCredential: secret-ish detail\n\tAzureCliCredential: not found")
    for error in (ClientAuthenticationError(listing), CredentialUnavailableError(listing)):
        text = describe_error(error)
        assert text == ("authentication failed: DefaultAzureCredential failed to retrieve a token from the "
                        "included credentials.")
