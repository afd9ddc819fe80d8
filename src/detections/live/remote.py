"""A Log Analytics workspace in Azure (or `detections emulate`), queried through azure-monitor-query.

The endpoint comes from DETECTIONS_LOGS_ENDPOINT (the emulator) or defaults to the public cloud; the
CA to trust from REQUESTS_CA_BUNDLE / SSL_CERT_FILE; the credential from
detections.emulator.credential (DefaultAzureCredential unless DETECTIONS_CREDENTIAL=emulator).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from detections.live.errors import LiveError
from detections.live.local import LocalResult

LOGS_ENDPOINT_ENV = "DETECTIONS_LOGS_ENDPOINT"
DEFAULT_LOGS_ENDPOINT = "https://api.loganalytics.io"
T = TypeVar("T")
BATCH_SIZE = 10  # queries per $batch request
THROTTLE_RETRIES = 5  # azure-core does not retry a throttled POST (the query API), so we do


def _retry_after(response: Any, attempt: int) -> float:
    """Seconds to wait after a 429: the service's Retry-After (or its ms variants), else back-off."""
    headers = {k.lower(): v for k, v in (response.headers.items() if response is not None else ())}
    for name, scale in (("retry-after", 1.0), ("x-ms-retry-after-ms", 0.001), ("retry-after-ms", 0.001)):
        try:
            return min(float(headers[name]) * scale, 60.0)
        except (KeyError, ValueError):
            continue
    return min(2.0 ** attempt, 30.0)


def _throttle_aware(call: Callable[[], T]) -> T:
    from azure.core.exceptions import HttpResponseError

    attempt = 0
    while True:
        try:
            return call()
        except HttpResponseError as exc:
            if exc.status_code != 429 or attempt == THROTTLE_RETRIES:
                raise
            time.sleep(_retry_after(exc.response, attempt))
            attempt += 1


def _result(answer: Any) -> LocalResult:
    """A LogsQueryResult / LogsQueryPartialResult as a LocalResult; a LogsQueryError raises."""
    from azure.monitor.query import LogsQueryStatus

    status = getattr(answer, "status", None)
    if status == LogsQueryStatus.PARTIAL:
        tables, warnings = answer.partial_data, [f"partial result: {answer.partial_error.message}"]
    elif status == LogsQueryStatus.SUCCESS:
        tables, warnings = answer.tables, []
    else:
        raise LiveError(getattr(answer, "message", None) or str(answer))
    if not tables:
        return LocalResult([], [], warnings)
    table = tables[0]
    return LocalResult(list(zip(table.columns, table.columns_types, strict=True)),
                       [list(row) for row in table.rows], warnings)


class RemoteWorkspace:
    """One workspace by its ID (the Log Analytics customer ID GUID)."""

    def __init__(self, workspace_id: str, credential: Any = None, endpoint: str | None = None,
                 **client_options: Any) -> None:
        from azure.monitor.query import LogsQueryClient

        from detections.deploy.connection import verify_options
        from detections.emulator.credential import credential_from_environment

        self.workspace_id = workspace_id
        self.endpoint = endpoint or os.environ.get(LOGS_ENDPOINT_ENV) or DEFAULT_LOGS_ENDPOINT
        self.client = LogsQueryClient(credential or credential_from_environment(), endpoint=self.endpoint,
                                      **{**verify_options(), **client_options})

    def run(self, query: str, *, start: datetime | None = None, end: datetime | None = None,
            now: datetime | None = None) -> LocalResult:
        """Run one query over [start, end) (both None: no time filter). `now` cannot be moved in
        Azure: ago() and now() in the query stay relative to the service's clock."""
        from azure.core.exceptions import HttpResponseError

        try:
            answer = _throttle_aware(lambda: self.client.query_workspace(self.workspace_id, query,
                                                                         timespan=_span(start, end)))
            return _result(answer)
        except HttpResponseError as exc:
            if exc.status_code == 400:  # a bad query: the innermost message says what is wrong
                raise LiveError(getattr(exc.model, "message", None) or exc.message) from None
            raise

    def run_many(self, queries: Sequence[str], *, start: datetime | None = None,
                 end: datetime | None = None, now: datetime | None = None) -> list[LocalResult | Exception]:
        """Several queries over one window in $batch requests; each answer or its error."""
        from azure.monitor.query import LogsBatchQuery

        answers: list[LocalResult | Exception] = []
        for first in range(0, len(queries), BATCH_SIZE):
            batch = [LogsBatchQuery(self.workspace_id, q, timespan=_span(start, end))
                     for q in queries[first:first + BATCH_SIZE]]
            for answer in _throttle_aware(lambda batch=batch: self.client.query_batch(batch)):
                try:
                    answers.append(_result(answer))
                except LiveError as exc:
                    answers.append(exc)
        return answers


def _span(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime] | None:
    if start is None or end is None:
        return None
    return start, end
