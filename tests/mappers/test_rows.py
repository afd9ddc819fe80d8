import re
from datetime import UTC, datetime, timedelta

import pytest

from detections.mappers.errors import MapError
from detections.mappers.rows import coerce_row
from detections.mappers.times import TimeFormatError, parse_time
from detections.tables import TABLES

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", NOW),
        ("-10m", NOW - timedelta(minutes=10)),
        ("-1h30m", NOW - timedelta(minutes=90)),
        ("now-2d", NOW - timedelta(days=2)),
        ("+90s", NOW + timedelta(seconds=90)),
        ("2026-01-15T12:00:00Z", datetime(2026, 1, 15, 12, tzinfo=UTC)),
        ("2026-01-15T14:00:00+02:00", datetime(2026, 1, 15, 12, tzinfo=UTC)),
        (1768478400, datetime(2026, 1, 15, 12, tzinfo=UTC)),
        (datetime(2026, 1, 15, 12), datetime(2026, 1, 15, 12, tzinfo=UTC)),
    ],
)
def test_parse_time(text, expected):
    assert parse_time(text, NOW) == expected


def test_bad_time_and_duration():
    with pytest.raises(TimeFormatError, match="relative to the run"):
        parse_time("-10 minutes", NOW)
    for huge in (10**20, "-99999999999d", "9999999999999"):
        with pytest.raises(TimeFormatError):
            parse_time(huge, NOW)


def test_coerce_row_fills_every_column_and_converts_types():
    row = coerce_row("AWSVPCFlow", TABLES["AWSVPCFlow"], {"DstPort": "22", "Bytes": 10, "TimeGenerated": "-1m"}, NOW)
    assert set(row) == set(TABLES["AWSVPCFlow"])
    assert row["DstPort"] == 22 and row["Bytes"] == 10 and row["SrcAddr"] == "" and row["Packets"] is None
    assert row["TimeGenerated"] == NOW - timedelta(minutes=1) and row["Type"] == "AWSVPCFlow"


def test_dynamic_columns_take_json_text_or_mappings():
    schema = TABLES["AWSGuardDuty"]
    text = coerce_row("AWSGuardDuty", schema, {"ResourceDetails": '{"bucketName": "b"}'}, NOW)
    data = coerce_row("AWSGuardDuty", schema, {"ResourceDetails": {"bucketName": "b"}}, NOW)
    assert text["ResourceDetails"] == data["ResourceDetails"] == {"bucketName": "b"}


def test_json_text_columns_keep_text_and_serialise_mappings():
    """AWSCloudTrail's RequestParameters is a string of JSON text in the live table: text is kept as
    given, a mapping or list becomes compact JSON text, a missing value the empty string."""
    schema = TABLES["AWSCloudTrail"]
    text = coerce_row("AWSCloudTrail", schema, {"RequestParameters": '{"bucketName": "b"}'}, NOW)
    data = coerce_row("AWSCloudTrail", schema, {"RequestParameters": {"bucketName": "b"}, "Resources": [{"ARN": "a"}]}, NOW)
    assert text["RequestParameters"] == '{"bucketName": "b"}'
    assert data["RequestParameters"] == '{"bucketName":"b"}' and data["Resources"] == '[{"ARN":"a"}]'
    assert text["ResponseElements"] == ""


def test_unknown_column_names_column_table_and_guess():
    with pytest.raises(MapError) as err:
        coerce_row("AWSCloudTrail", TABLES["AWSCloudTrail"], {"SourceIPAddress": "1.2.3.4"}, NOW, (3,))
    assert err.value.path == (3,) and err.value.field == "SourceIPAddress"
    assert err.value.message == "unknown column 'SourceIPAddress' of table AWSCloudTrail (did you mean SourceIpAddress?)"


def test_wrong_type_names_the_column():
    with pytest.raises(MapError, match=r"column DstPort \(int\)"):
        coerce_row("AWSVPCFlow", TABLES["AWSVPCFlow"], {"DstPort": "ssh"}, NOW)


def test_table_without_schema_passes_values_and_parses_time():
    row = coerce_row("SigninLogs", None, {"UserPrincipalName": "a@b", "TimeGenerated": "-1h"}, NOW)
    assert row == {"UserPrincipalName": "a@b", "TimeGenerated": NOW - timedelta(hours=1)}


@pytest.mark.parametrize(("column", "value", "message"), [
    ("DstPort", 2**31, "2147483648 is outside the 32-bit range -2147483648..2147483647"),
    ("Bytes", 2**63, "is outside the 64-bit range"),
    ("DstPort", [1, 2], "[1, 2] is not a whole number"),
    ("DstPort", "22.5", "'22.5' is not a whole number"),
    ("DstPort", True, "a boolean is not a number"),
])
def test_whole_numbers_fit_their_kusto_type(column, value, message):
    with pytest.raises(MapError, match=re.escape(message)):
        coerce_row("AWSVPCFlow", TABLES["AWSVPCFlow"], {column: value}, NOW)
    assert coerce_row("AWSVPCFlow", TABLES["AWSVPCFlow"], {"DstPort": 2**31 - 1}, NOW)["DstPort"] == 2**31 - 1
