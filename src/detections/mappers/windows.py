"""Windows Security events -> SecurityEvent rows, as the Windows Security Events via AMA connector maps them.

Input: the event XML as Event Viewer, `wevtutil qe /f:xml` or `Get-WinEvent ... .ToXml()` gives it
(one or more `<Event>` elements, optionally inside `<Events>`), or a mapping of the event's fields
(`EventID`, `Computer`, `TimeCreated` and the `EventData` names such as `TargetUserName`; fields with
no SecurityEvent column, such as TaskName, under an `EventData:` mapping).
Every `<Data Name=...>` whose name is a SecurityEvent column fills that column; all of them stay in
the `EventData` column as XML (rules read it with `parse_xml(EventData)`).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from detections.kql.types import KType
from detections.mappers.common import build_row
from detections.mappers.errors import MapError, RecordPath
from detections.mappers.times import TimeFormatError, parse_time
from detections.tables import TABLES

TABLE = "SecurityEvent"
_COLUMNS = TABLES[TABLE]
_EVENT_NS = "http://schemas.microsoft.com/win/2004/08/events/event"

# Activity text per event ID (the column reads "<id> - <text>").
MESSAGES: dict[int, str] = {
    1102: "The audit log was cleared.",
    4624: "An account was successfully logged on.",
    4625: "An account failed to log on.",
    4634: "An account was logged off.",
    4647: "User initiated logoff.",
    4648: "A logon was attempted using explicit credentials.",
    4656: "A handle to an object was requested.",
    4657: "A registry value was modified.",
    4663: "An attempt was made to access an object.",
    4672: "Special privileges assigned to new logon.",
    4688: "A new process has been created.",
    4689: "A process has exited.",
    4697: "A service was installed in the system.",
    4698: "A scheduled task was created.",
    4699: "A scheduled task was deleted.",
    4702: "A scheduled task was updated.",
    4719: "System audit policy was changed.",
    4720: "A user account was created.",
    4722: "A user account was enabled.",
    4723: "An attempt was made to change an account's password.",
    4724: "An attempt was made to reset an account's password.",
    4725: "A user account was disabled.",
    4726: "A user account was deleted.",
    4728: "A member was added to a security-enabled global group.",
    4732: "A member was added to a security-enabled local group.",
    4738: "A user account was changed.",
    4740: "A user account was locked out.",
    4756: "A member was added to a security-enabled universal group.",
    4768: "A Kerberos authentication ticket (TGT) was requested.",
    4769: "A Kerberos service ticket was requested.",
    4771: "Kerberos pre-authentication failed.",
    4776: "The computer attempted to validate the credentials for an account.",
    4798: "A user's local group membership was enumerated.",
    5140: "A network share object was accessed.",
    5145: "A network share object was checked to see whether client can be granted desired access.",
}

LOGON_TYPES: dict[int, str] = {
    0: "System",
    2: "Interactive",
    3: "Network",
    4: "Batch",
    5: "Service",
    7: "Unlock",
    8: "NetworkCleartext",
    9: "NewCredentials",
    10: "RemoteInteractive",
    11: "CachedInteractive",
    12: "CachedRemoteInteractive",
    13: "CachedUnlock",
}

# Events whose Account column is the target (the account logging on), not the subject.
_TARGET_ACCOUNT_EVENTS = frozenset({4624, 4625, 4634, 4647})

# Fields of the <System> element (or mapping keys) -> SecurityEvent column.
SYSTEM_FIELDS: dict[str, str] = {
    "EventID": "EventID",
    "Computer": "Computer",
    "Channel": "Channel",
    "Task": "Task",
    "Level": "Level",
    "Provider": "EventSourceName",
    "TimeCreated": "TimeGenerated",
    "TimeGenerated": "TimeGenerated",
}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse_xml(text: str, path: RecordPath) -> list[ET.Element]:
    body = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        root = ET.fromstring(f"<Events>{body}</Events>")
    except ET.ParseError as exc:
        line, column = exc.position
        raise MapError(path, None, f"event XML does not parse: {exc.msg.split(':')[0]} (line {line}, column {column})") from None
    events = [e for e in root.iter() if _local(e.tag) == "Event"]
    if not events:
        raise MapError(path, None, "no <Event> element in the XML")
    return events


def _xml_fields(event: ET.Element) -> tuple[dict[str, Any], dict[str, str]]:
    """(System fields, EventData name -> value) of one <Event> element."""
    system: dict[str, Any] = {}
    data: dict[str, str] = {}
    for child in event:
        name = _local(child.tag)
        if name == "System":
            for item in child:
                key = _local(item.tag)
                if key == "Provider":
                    system["Provider"] = item.get("Name", "")
                elif key == "TimeCreated":
                    system["TimeCreated"] = item.get("SystemTime")
                elif key in SYSTEM_FIELDS:
                    system[key] = (item.text or "").strip()
        elif name == "EventData":
            for index, item in enumerate(child.iter()):
                if _local(item.tag) == "Data":
                    data[item.get("Name") or f"Data{index}"] = item.text or ""
        elif name == "UserData":
            data.update(_user_data(child))
    return system, data


def _user_data(element: ET.Element) -> dict[str, str]:
    """Fields of a <UserData> block: its events (1102 LogFileCleared, 1100...) carry their fields as
    leaf elements named by tag (<SubjectUserName>alice</SubjectUserName>), some as <Data Name=...>."""
    fields: dict[str, str] = {}
    for item in element.iter():
        if len(item) == 0 and item is not element:
            tag = _local(item.tag)
            fields[(item.get("Name") or tag) if tag == "Data" else tag] = (item.text or "").strip()
    return fields


def _mapping_fields(record: dict[str, Any], path: RecordPath) -> tuple[dict[str, Any], dict[str, str]]:
    system: dict[str, Any] = {}
    data: dict[str, str] = {}
    for key, value in record.items():
        if key in SYSTEM_FIELDS:
            system[key] = value
        elif key == "EventData" and isinstance(value, dict):
            data.update(_event_fields(value, path))
        elif key in _COLUMNS:
            data[key] = "" if value is None else str(value)
        else:
            raise MapError(path, key, f"unknown field {key!r}: not a System field ({', '.join(SYSTEM_FIELDS)}) nor a "
                                      f"SecurityEvent column; an event field without a column (TaskName, TaskContent...) "
                                      f"goes under `EventData:` ({{EventData: {{{key}: ...}}}})")
    return system, data


def _event_fields(fields: dict[str, Any], path: RecordPath) -> dict[str, str]:
    """`EventData: {Name: value}` of the mapping form: every event field, also those SecurityEvent has
    no column for; as the connector does, all go into the EventData XML and the ones that are columns
    fill their column too."""
    out: dict[str, str] = {}
    for name, value in fields.items():
        if not re.fullmatch(r"[A-Za-z_][\w.-]*", str(name)) or isinstance(value, dict | list):
            raise MapError(path, f"EventData.{name}", "an EventData field is a name (letters, digits, _) with a text value")
        out[str(name)] = "" if value is None else str(value)
    return out


def _account(data: dict[str, str], prefix: str) -> str:
    user = data.get(f"{prefix}UserName", "")
    if user in ("", "-"):
        return ""
    return f"{data.get(f'{prefix}DomainName', '')}\\{user}"


def _event_data_xml(data: dict[str, str]) -> str:
    items = "".join(f"<Data Name={quoteattr(k)}>{escape(v)}</Data>" for k, v in data.items())
    return f'<EventData xmlns="{_EVENT_NS}">{items}</EventData>'


def _row(system: dict[str, Any], data: dict[str, str], now: datetime, path: RecordPath) -> dict[str, Any]:
    if system.get("EventID") in (None, ""):
        raise MapError(path, "EventID", "required field 'EventID' is missing")
    if system.get("TimeCreated") is None and system.get("TimeGenerated") is None:
        raise MapError(path, "TimeCreated", "required field 'TimeCreated' (SystemTime) is missing")
    try:
        event_id = int(str(system["EventID"]).strip())
    except ValueError:
        raise MapError(path, "EventID", f"EventID must be a number, got {system['EventID']!r}") from None
    values: dict[str, tuple[str, Any]] = {SYSTEM_FIELDS[field]: (field, value) for field, value in system.items()}
    values["EventID"] = ("EventID", event_id)
    time_field = "TimeCreated" if "TimeCreated" in system else "TimeGenerated"
    try:
        values["TimeGenerated"] = (time_field, parse_time(system[time_field], now))
    except TimeFormatError as exc:
        raise MapError(path, time_field, str(exc)) from None
    for name, value in data.items():
        ktype = _COLUMNS.get(name)
        if ktype is not None and not (ktype is not KType.STRING and value.strip() in ("", "-")):
            values[name] = (name, value)
    subject, target = _account(data, "Subject"), _account(data, "Target")
    account = target if event_id in _TARGET_ACCOUNT_EVENTS and target else (subject or target)
    derived: dict[str, Any] = {
        "Activity": f"{event_id} - {MESSAGES[event_id]}" if event_id in MESSAGES else str(event_id),
        "EventData": _event_data_xml(data),
        "SubjectAccount": subject,
        "TargetAccount": target,
        "Account": account,
        "AccountType": ("Machine" if account.endswith("$") else "User") if account else "",
    }
    process = data.get("NewProcessName") or data.get("ProcessName") or ""
    if process and process != "-":
        derived["Process"] = re.split(r"[\\/]", process)[-1]
    logon_type = data.get("LogonType", "").strip()
    if logon_type.isdigit():
        derived["LogonTypeName"] = f"{logon_type} - {LOGON_TYPES.get(int(logon_type), 'Unknown')}"
    for column, value in derived.items():
        if value:
            values.setdefault(column, (column, value))
    values.setdefault("EventSourceName", ("Provider", "Microsoft-Windows-Security-Auditing"))
    values.setdefault("Channel", ("Channel", "Security"))
    return build_row(TABLE, values, now, path)


def _records(value: Any, path: RecordPath) -> Iterator[tuple[RecordPath, Any]]:
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _records(item, (*path, index))
    else:
        yield path, value


def map_records(value: Any, now: datetime) -> Iterator[tuple[RecordPath, dict[str, Any]]]:
    for path, record in _records(value, ()):
        if isinstance(record, str):
            events = _parse_xml(record, path)
            for index, event in enumerate(events):
                where = (*path, index) if len(events) > 1 else path
                yield where, _row(*_xml_fields(event), now, where)
        elif isinstance(record, dict):
            yield path, _row(*_mapping_fields(record, path), now, path)
        else:
            raise MapError(path, None, f"expected event XML (text) or a mapping of fields, got {record!r}")

