"""Fault bookkeeping and the throw-away TLS set-up, without going through an SDK."""

from __future__ import annotations

import socket
import ssl

import pytest

from detections.emulator.faults import Faults


def test_throttle_headers_whole_seconds_or_milliseconds():
    faults = Faults()
    faults.throttle("alertRules", count=1, retry_after=2)
    faults.throttle("alertRules", count=1, retry_after=0.25)
    first, _ = faults.take("alertRules", "PUT", "r")
    second, _ = faults.take("alertRules", "GET", None)
    assert (first.status, first.headers) == (429, {"Retry-After": "2"})
    assert second.headers == {"x-ms-retry-after-ms": "250"}
    assert faults.take("alertRules", "PUT", "r") == (None, False)


def test_fail_matches_route_name_and_method_until_cleared():
    faults = Faults()
    faults.fail("workbooks", "ABC", status=500, count=None)
    assert faults.take("workbooks", "GET", "abc") == (None, False)  # PUT only by default
    assert faults.take("alertRules", "PUT", "abc") == (None, False)
    for _ in range(3):
        error, _ = faults.take("workbooks", "PUT", "abc")  # names compare case-insensitively
        assert error.status == 500 and error.code == "InternalServerError"
    faults.clear()
    assert faults.take("workbooks", "PUT", "abc") == (None, False)


def test_concurrent_edit_fires_once_for_the_item():
    faults = Faults()
    faults.concurrent_edit("alertRules", "r1")
    assert faults.take("alertRules", "PUT", "r2") == (None, False)
    assert faults.take("alertRules", "PUT", "r1") == (None, True)
    assert faults.take("alertRules", "PUT", "r1") == (None, False)


def test_certificate_is_trusted_for_localhost_and_127_0_0_1_through_the_ca(emulator):
    context = ssl.create_default_context(cafile=str(emulator.ca_file))
    for host in ("127.0.0.1", "localhost"):
        with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as raw, \
                context.wrap_socket(raw, server_hostname=host) as tls:
            assert tls.version() in ("TLSv1.2", "TLSv1.3")
    untrusting = ssl.create_default_context()
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as raw, \
            pytest.raises(ssl.SSLCertVerificationError):
        untrusting.wrap_socket(raw, server_hostname="127.0.0.1")


def test_a_request_with_a_broken_content_length_gets_a_400(emulator):
    context = ssl.create_default_context(cafile=str(emulator.ca_file))
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as raw, \
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        tls.sendall(b"POST /v1/workspaces/x/query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: lots\r\n\r\n{}")
        answer = b"".join(iter(lambda: tls.recv(65536), b"")).decode()  # the server closes the connection
    assert answer.startswith("HTTP/1.0 400") or answer.startswith("HTTP/1.1 400")
    assert "Invalid Content-Length 'lots'" in answer


def test_an_internal_failure_is_a_500_answer(emulator, monkeypatch):
    import requests

    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(emulator._dispatcher, "_route", broken)
    answer = requests.post(f"{emulator.url}/v1/workspaces/x/query", json={}, verify=str(emulator.ca_file), timeout=5)
    assert answer.status_code == 500 and answer.json()["error"]["code"] == "InternalServerError"
