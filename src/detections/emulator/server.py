"""The emulator process: TLS on 127.0.0.1 with a throw-away CA, one thread per connection.

`Emulator` starts and stops in-process (a context manager, for tests) and is what
`detections emulate` runs until Ctrl-C.
"""

from __future__ import annotations

import json
import shutil
import ssl
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from detections.emulator import certs
from detections.emulator.arm import COLLECTIONS, ArmCollections
from detections.emulator.context import RequestContext
from detections.emulator.credential import CREDENTIAL_ENV, EmulatorCredential
from detections.emulator.data import EmulatedWorkspace
from detections.emulator.dispatch import Dispatcher, RequestRecord
from detections.emulator.errors import bad_request
from detections.emulator.faults import Faults
from detections.emulator.logs import LogsApi
from detections.emulator.querycheck import make_query_check
from detections.emulator.store import Store
from detections.emulator.workspace import Workspace


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: one TLS handshake per client, not per request
    disable_nagle_algorithm = True  # headers and body leave at once, no delayed-ACK stall per request
    server: _Server

    def do_GET(self) -> None:
        self._handle("GET")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def _handle(self, method: str) -> None:
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        headers = {k.lower(): v for k, v in self.headers.items()}
        length = headers.get("content-length", "0").strip() or "0"
        if length.isdigit():
            raw = self.rfile.read(int(length)) if int(length) else b""
            status, body, extra = self.server.dispatcher.handle(method, url.path, query, headers, raw)
        else:  # answered as the service does, and the connection is closed (the body's end is unknown)
            error = bad_request(f"Invalid Content-Length {length!r}.")
            status, body, extra = error.status, error.body, error.headers
            self.close_connection = True
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-ms-request-id", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Requests are recorded in Emulator.requests instead of printed to stderr."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    dispatcher: Dispatcher

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that does not trust the CA or hangs up is normal here; anything else is reported."""
        if isinstance(sys.exc_info()[1], ssl.SSLError | ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class Emulator:
    """A local HTTPS Sentinel / Log Analytics workspace.

    Use `with Emulator(tables={...}) as emu:` then point SDK clients at `emu.url` with
    `connection_verify=emu.ca_file` and `credential=emu.credential`.
    """

    def __init__(self, *, workspace: Workspace | None = None, port: int = 0,
                 tables: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
                 page_size: int = 50, clock: Callable[[], datetime] | None = None,
                 anonymous_queries: bool = False, check_queries: bool = True,
                 builtin_tables: bool = True) -> None:
        self.workspace = workspace or Workspace()
        self.port = port
        self.clock = clock or (lambda: datetime.now(UTC))
        self.store = Store()
        self.faults = Faults()
        self.data = EmulatedWorkspace(tables, builtin_tables=builtin_tables)
        self.credential = EmulatorCredential()
        ws = self.workspace
        self._arm = ArmCollections(self.store, {"workspace": ws.resource_id, "resourceGroup": ws.resource_group_id},
                                   page_size)
        self._dispatcher = Dispatcher(ws, self._arm, LogsApi(ws.workspace_id, self.data, self.clock, anonymous_queries),
                                      self.faults, self.clock, make_query_check(self.data) if check_queries else None)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._tmp: Path | None = None
        self.ca_file: Path | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> Emulator:
        self._tmp = Path(tempfile.mkdtemp(prefix="detections-emulator-"))
        files = certs.generate(self._tmp)
        self.ca_file = files.ca_file
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(files.cert_file, files.key_file)
        server = _Server(("127.0.0.1", self.port), _Handler)
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        server.dispatcher = self._dispatcher
        self._server = server
        self.port = server.server_address[1]
        self._dispatcher.base_url = self.url
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="detections-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what clients need -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def subscription_id(self) -> str:
        return self.workspace.subscription_id

    @property
    def resource_group(self) -> str:
        return self.workspace.resource_group

    @property
    def workspace_name(self) -> str:
        return self.workspace.workspace_name

    @property
    def workspace_id(self) -> str:
        return self.workspace.workspace_id

    @property
    def workspace_resource_id(self) -> str:
        return self.workspace.resource_id

    def environment(self) -> dict[str, str]:
        """The variables that point our CLI (and the SDKs' TLS) at this emulator."""
        ws = self.workspace
        return {
            "REQUESTS_CA_BUNDLE": str(self.ca_file),
            "SSL_CERT_FILE": str(self.ca_file),
            "DETECTIONS_ARM_ENDPOINT": self.url,
            "DETECTIONS_LOGS_ENDPOINT": self.url,
            CREDENTIAL_ENV: "emulator",
            "AZURE_SUBSCRIPTION_ID": ws.subscription_id,
            "AZURE_RESOURCE_GROUP": ws.resource_group,
            "AZURE_WORKSPACE_NAME": ws.workspace_name,
            "AZURE_WORKSPACE_ID": ws.workspace_id,
            "AZURE_LOCATION": ws.location,
        }

    def client_kwargs(self, retry_total: int = 3) -> dict[str, Any]:
        """Keyword arguments for any Azure SDK client: trust the CA, and retry fast (tests)."""
        return {"connection_verify": str(self.ca_file), "retry_total": retry_total,
                "retry_backoff_factor": 0.01, "retry_backoff_max": 0.1}

    # -- test helpers ----------------------------------------------------------------------------
    @property
    def anonymous_queries(self) -> bool:
        """Whether the query API answers requests without a bearer token (Kqlmagic `anonymous`)."""
        return self._dispatcher.logs.anonymous

    @anonymous_queries.setter
    def anonymous_queries(self, allowed: bool) -> None:
        self._dispatcher.logs.anonymous = allowed

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request handled so far, in order."""
        return list(self._dispatcher.records)

    def clear_requests(self) -> None:
        self._dispatcher.records.clear()

    def seed(self, collection: str, name: str, body: dict[str, Any], api_version: str = "2025-10-01-preview") -> dict[str, Any]:
        """Store an item as if someone else had PUT it (the body checks, not the query compile; no HTTP),
        e.g. a rule that is not ours, which a prune must leave alone. Returns the stored body."""
        ctx = RequestContext(api_version, {"api-version": api_version}, self.clock(), self.url, "", None)
        return self._arm.put(COLLECTIONS[collection], name, body, ctx)[1]
