"""Local log files as workspace tables, for offline queries and the emulator's `--data` folder.

A file holds either rows of a Sentinel table (JSON array, JSON Lines or CSV, columns named as in the
table) or records in the native format of a connector's source (CloudTrail log files, GuardDuty
findings, VPC flow log lines, Windows event XML), converted by detections.mappers. `--table NAME=PATH`
names the table (AWSCloudTrail) or the native format (cloudtrail); `.gz` files are read transparently.
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from detections.content import jsonio
from detections.live.errors import LiveUsageError
from detections.mappers import MAPPERS, MapError
from detections.mappers.rows import coerce_row
from detections.tables import TABLES

_JSON_LINES = (".jsonl", ".ndjson")
_TABLE_KEYS = {name.lower(): name for name in TABLES}


class DataFileError(Exception):
    """A local data file that cannot become table rows; the message names the file and record."""


def parse_table_option(text: str) -> tuple[str, Path]:
    """`AWSCloudTrail=logs/trail.json` -> ("AWSCloudTrail", Path)."""
    name, sep, path = text.partition("=")
    if not sep or not name.strip() or not path.strip():
        raise LiveUsageError(f"--table {text!r}: use NAME=PATH, e.g. AWSCloudTrail=trail.json or cloudtrail=trail.json")
    return name.strip(), Path(path.strip())


def _text(path: Path) -> str:
    """The file's text (gunzipped for .gz); DataFileError naming the file, and the line and column of
    a byte that is not UTF-8, for anything unreadable."""
    from detections.content.yamlio import decode_text
    from detections.diagnostics import ContentError

    try:
        raw = path.read_bytes()
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
        return decode_text(raw, path)
    except (OSError, EOFError, zlib.error) as exc:  # gzip's BadGzipFile is an OSError
        raise DataFileError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    except ContentError as exc:
        [problem] = exc.diagnostics
        raise DataFileError(f"{problem.location}: {problem.message}") from None


def _suffix(path: Path) -> str:
    suffixes = [s for s in path.suffixes if s != ".gz"]
    return suffixes[-1].lower() if suffixes else ""


def read_records(path: Path) -> Any:
    """The file's content: a list of objects (JSON Lines, CSV), a JSON value, or plain text."""
    text, suffix = _text(path), _suffix(path)
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        try:
            return [{k: (v if v != "" else None) for k, v in row.items()} for row in reader]
        except csv.Error as exc:
            raise DataFileError(f"{path}:{reader.line_num}: invalid CSV: {exc}") from None
    if suffix in _JSON_LINES:
        records = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    records.append(jsonio.loads(line))
                except jsonio.JsonError as exc:
                    raise DataFileError(f"{path}:{number}:{exc.colno}: invalid JSON: {exc.msg}") from None
        return records
    if suffix == ".json":
        try:
            return jsonio.loads(text)
        except jsonio.JsonError as exc:
            raise DataFileError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    return text


def _where(path: Path, error: MapError) -> str:
    record = ".".join(str(p) for p in error.path)
    field = f" field {error.field}" if error.field else ""
    return f"{path}: record {record or '0'}{field}: {error.message}"


def _mapped(key: str, path: Path, value: Any, now: datetime) -> tuple[str, list[dict[str, Any]]]:
    mapper = MAPPERS[key]
    try:
        return mapper.table, [row for _, row in mapper.map_records(value, now)]
    except MapError as exc:
        raise DataFileError(_where(path, exc)) from None


def load_table(name: str, path: Path, now: datetime | None = None) -> tuple[str, list[dict[str, Any]]]:
    """(table name, typed rows) for one file. A table name reads table rows, falling back to the
    native format of the connector that fills that table when the records are not table rows."""
    now = now or datetime.now(UTC)
    value = read_records(path)
    if name.lower() in MAPPERS:
        return _mapped(name.lower(), path, value, now)
    table = _TABLE_KEYS.get(name.lower(), name)
    native = next((key for key, m in MAPPERS.items() if m.table == table), None)
    records = value if isinstance(value, list) else [value] if isinstance(value, dict) else None
    if records is None or not all(isinstance(r, dict) for r in records):
        if native:
            return _mapped(native, path, value, now)
        raise DataFileError(f"{path}: expected table rows (a JSON array of objects, JSON Lines or CSV) for {table}")
    try:
        return table, [coerce_row(table, TABLES.get(table), r, now, (i,)) for i, r in enumerate(records)]
    except MapError as exc:
        if native and not _mostly_columns(records[exc.path[0]] if exc.path else {}, table):
            return _mapped(native, path, value, now)
        raise DataFileError(_where(path, exc)) from None


def _mostly_columns(record: Any, table: str) -> bool:
    """Whether a record is meant as a table row (most keys are the table's columns), so its error is
    the one to report rather than the native format's (`expected a flow log line`)."""
    columns = TABLES.get(table) or {}
    keys = list(record) if isinstance(record, dict) else []
    return bool(keys) and sum(key in columns for key in keys) * 2 >= len(keys)


def load_folder(folder: Path, now: datetime | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every data file of a folder; the name before the first dot is the table or format
    (AWSCloudTrail.jsonl, cloudtrail.json.gz, vpcflow.log)."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        table, rows = load_table(path.name.split(".", 1)[0], path, now)
        tables.setdefault(table, []).extend(rows)
    return tables
