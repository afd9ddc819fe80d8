from datetime import UTC, datetime, timedelta

import pytest

from detections.mappers import MAPPERS, MapError

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
MAP = MAPPERS["windows"]
NS = 'xmlns="http://schemas.microsoft.com/win/2004/08/events/event"'


def event(event_id: int, data: dict[str, str], time: str = "2026-01-15T11:58:00.1234567Z") -> str:
    items = "".join(f'<Data Name="{k}">{v}</Data>' for k, v in data.items())
    return (
        f"<Event {NS}><System><Provider Name='Microsoft-Windows-Security-Auditing' "
        "Guid='{54849625-5478-4994-a5ba-3e3b0328c30d}'/>"
        f"<EventID>{event_id}</EventID><Version>2</Version><Level>0</Level><Task>12544</Task>"
        f"<Opcode>0</Opcode><Keywords>0x8010000000000000</Keywords><TimeCreated SystemTime='{time}'/>"
        "<EventRecordID>1001</EventRecordID><Correlation/><Execution ProcessID='700' ThreadID='800'/>"
        "<Channel>Security</Channel><Computer>web01.corp.example</Computer><Security/></System>"
        f"<EventData>{items}</EventData></Event>"
    )


FAILED_LOGON = event(
    4625,
    {
        "SubjectUserSid": "S-1-0-0",
        "SubjectUserName": "-",
        "SubjectDomainName": "-",
        "TargetUserName": "administrator",
        "TargetDomainName": "WEB01",
        "Status": "0xc000006d",
        "FailureReason": "%%2313",
        "SubStatus": "0xc000006a",
        "LogonType": "3",
        "LogonProcessName": "NtLmSsp",
        "WorkstationName": "ATTACKER",
        "IpAddress": "198.51.100.23",
        "IpPort": "0",
    },
)
LOGON = event(4624, {"SubjectUserName": "WEB01$", "SubjectDomainName": "CORP", "TargetUserName": "alice",
                     "TargetDomainName": "CORP", "LogonType": "10", "IpAddress": "10.0.0.8", "ElevatedToken": "%%1842"})
PROCESS = event(4688, {"SubjectUserName": "alice", "SubjectDomainName": "CORP", "NewProcessName": "C:\\Windows\\System32\\cmd.exe",
                       "CommandLine": "cmd.exe /c whoami", "ParentProcessName": "C:\\Windows\\explorer.exe", "TokenElevationType": "%%1936"})
USER_CREATED = event(4720, {"TargetUserName": "backdoor", "TargetDomainName": "WEB01", "TargetSid": "S-1-5-21-1-2-3-1005",
                            "SubjectUserName": "alice", "SubjectDomainName": "CORP", "SamAccountName": "backdoor"})


def rows(value):
    return [row for _, row in MAP.map_records(value, NOW)]


def test_failed_logon_xml():
    [row] = rows(FAILED_LOGON)
    assert MAP.table == "SecurityEvent"
    assert row["EventID"] == 4625 and row["Activity"] == "4625 - An account failed to log on."
    assert row["Computer"] == "web01.corp.example" and row["Channel"] == "Security"
    assert row["EventSourceName"] == "Microsoft-Windows-Security-Auditing" and row["Task"] == 12544
    assert row["TimeGenerated"] == datetime(2026, 1, 15, 11, 58, 0, 123456, tzinfo=UTC)
    assert row["Account"] == "WEB01\\administrator" and row["TargetAccount"] == "WEB01\\administrator"
    assert row["AccountType"] == "User" and row["SubjectAccount"] == ""
    assert row["TargetUserName"] == "administrator" and row["SubjectUserName"] == "-"
    assert (row["IpAddress"], row["LogonType"], row["LogonTypeName"]) == ("198.51.100.23", 3, "3 - Network")
    assert (row["Status"], row["SubStatus"], row["FailureReason"]) == ("0xc000006d", "0xc000006a", "%%2313")
    assert row["WorkstationName"] == "ATTACKER"
    assert '<Data Name="IpAddress">198.51.100.23</Data>' in row["EventData"]


def test_several_events_in_one_text_and_the_derived_columns():
    logon, process, created = rows(f"<Events>{LOGON}{PROCESS}{USER_CREATED}</Events>")
    assert logon["Account"] == "CORP\\alice" and logon["LogonTypeName"] == "10 - RemoteInteractive"
    assert logon["SubjectAccount"] == "CORP\\WEB01$" and logon["ElevatedToken"] == "%%1842"
    assert process["Activity"] == "4688 - A new process has been created."
    assert process["Account"] == "CORP\\alice" and process["Process"] == "cmd.exe"
    assert process["CommandLine"] == "cmd.exe /c whoami"
    assert process["NewProcessName"] == "C:\\Windows\\System32\\cmd.exe"
    assert process["ParentProcessName"] == "C:\\Windows\\explorer.exe"
    assert created["Activity"] == "4720 - A user account was created."
    assert created["Account"] == "CORP\\alice" and created["TargetAccount"] == "WEB01\\backdoor"
    assert created["SamAccountName"] == "backdoor" and created["TargetSid"] == "S-1-5-21-1-2-3-1005"


def test_mapping_of_fields_with_relative_time():
    [row] = rows([{"EventID": 4625, "Computer": "web01", "TimeCreated": "-5m", "TargetUserName": "bob",
                   "TargetDomainName": "CORP", "LogonType": 3, "IpAddress": "198.51.100.1"}])
    assert row["TimeGenerated"] == NOW - timedelta(minutes=5)
    assert row["Account"] == "CORP\\bob" and row["LogonType"] == 3
    assert '<Data Name="TargetUserName">bob</Data>' in row["EventData"]


def test_unknown_mapping_field_is_named():
    with pytest.raises(MapError) as err:
        rows([{"EventID": 4625, "TimeCreated": "-5m", "TargetUser_Name": "bob"}])
    assert (err.value.path, err.value.field) == ((0,), "TargetUser_Name")


def test_bad_xml_is_reported():
    with pytest.raises(MapError, match="does not parse"):
        rows("<Event><System>")


def test_missing_event_id_is_named():
    with pytest.raises(MapError) as err:
        rows(FAILED_LOGON.replace("<EventID>4625</EventID>", ""))
    assert err.value.field == "EventID"


LOG_CLEARED = (
    f"<Event {NS}><System><Provider Name='Microsoft-Windows-Eventlog' Guid='{{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}}'/>"
    "<EventID>1102</EventID><Version>0</Version><Level>4</Level><Task>104</Task>"
    "<TimeCreated SystemTime='2026-01-15T11:55:00.0000000Z'/><Channel>Security</Channel>"
    "<Computer>web01.corp.example</Computer><Security/></System>"
    "<UserData><LogFileCleared xmlns='http://manifests.microsoft.com/win/2004/08/windows/eventlog'>"
    "<SubjectUserSid>S-1-5-21-1-2-3-500</SubjectUserSid><SubjectUserName>Administrator</SubjectUserName>"
    "<SubjectDomainName>CORP</SubjectDomainName><SubjectLogonId>0x8d2e41</SubjectLogonId>"
    "</LogFileCleared></UserData></Event>"
)


def test_user_data_leaf_elements_are_fields():
    # 1102 has no EventData: its fields are leaf elements under <UserData><LogFileCleared>
    [row] = rows(LOG_CLEARED)
    assert row["EventID"] == 1102 and row["Activity"] == "1102 - The audit log was cleared."
    assert row["SubjectUserName"] == "Administrator" and row["SubjectDomainName"] == "CORP"
    assert row["SubjectUserSid"] == "S-1-5-21-1-2-3-500" and row["SubjectLogonId"] == "0x8d2e41"
    assert row["SubjectAccount"] == row["Account"] == "CORP\\Administrator"
    assert '<Data Name="SubjectUserName">Administrator</Data>' in row["EventData"]


def test_mapping_form_event_fields_without_a_column_go_to_event_data():
    # 4698 (scheduled task created) carries TaskName and TaskContent: SecurityEvent has no such columns,
    # so Sentinel keeps them only in the EventData XML; the mapping form takes them under `EventData:`.
    [row] = rows([{"EventID": 4698, "TimeCreated": "-5m", "Computer": "web01", "SubjectUserName": "alice",
                   "EventData": {"TaskName": "\\Updater", "TaskContent": "<Task><Exec>a & b</Exec></Task>",
                                 "SubjectDomainName": "CORP"}}])
    assert row["SubjectAccount"] == "CORP\\alice" and row["SubjectDomainName"] == "CORP"
    assert "TaskName" not in row
    assert '<Data Name="TaskName">\\Updater</Data>' in row["EventData"]
    assert '<Data Name="TaskContent">&lt;Task&gt;&lt;Exec&gt;a &amp; b&lt;/Exec&gt;&lt;/Task&gt;</Data>' in row["EventData"]


def test_mapping_form_unknown_top_level_field_points_to_event_data():
    with pytest.raises(MapError, match="goes under `EventData:`") as caught:
        rows([{"EventID": 4698, "TimeCreated": "-5m", "TaskName": "\\Updater"}])
    assert caught.value.field == "TaskName"
    with pytest.raises(MapError, match="an EventData field is a name"):
        rows([{"EventID": 4698, "TimeCreated": "-5m", "EventData": {"Task Name": "x"}}])
