"""Built-in table schemas: the facts the binder types queries against."""

import pytest

from detections.kql.types import KType
from detections.tables import TABLES, table_columns


def test_all_product_tables_present_with_documented_column_counts():
    assert {name: len(cols) for name, cols in TABLES.items()} == {
        "AWSCloudTrail": 49,
        "AWSGuardDuty": 17,
        "AWSVPCFlow": 32,
        "SecurityEvent": 223,
    }


def test_security_event_has_the_columns_published_rules_read():
    """Microsoft's ScheduleTaskHide / StartStopHealthService pivot SecurityEvent by EventOriginId and
    TenantId; the other standard columns are in the Azure Monitor table reference."""
    columns = table_columns("SecurityEvent")
    for name in ("EventOriginId", "TenantId", "MG", "AccessList", "AccessReason", "ImpersonationLevel"):
        assert columns[name] is KType.STRING
    assert columns["TimeCollected"] is KType.DATETIME


def test_column_order_and_types_follow_the_schema_files():
    cloudtrail = list(table_columns("AWSCloudTrail").items())
    assert cloudtrail[:2] == [("TimeGenerated", KType.DATETIME), ("Type", KType.STRING)]
    for name in ("RequestParameters", "ResponseElements", "AdditionalEventData", "Resources", "ServiceEventDetails"):
        assert table_columns("AWSCloudTrail")[name] is KType.STRING, name  # JSON text, as in the live table
    assert table_columns("AWSCloudTrail")["ReadOnly"] is KType.BOOL
    assert table_columns("AWSCloudTrail")["ManagementEvent"] is KType.BOOL
    assert table_columns("AWSCloudTrail")["SessionMfaAuthenticated"] is KType.BOOL
    assert table_columns("AWSVPCFlow")["Bytes"] is KType.LONG
    assert table_columns("AWSVPCFlow")["DstPort"] is KType.INT
    assert table_columns("AWSGuardDuty")["Severity"] is KType.INT
    assert table_columns("SecurityEvent")["EventID"] is KType.INT
    assert table_columns("SecurityEvent")["EventData"] is KType.STRING


def test_unknown_table_names_the_likely_one():
    with pytest.raises(KeyError, match="did you mean AWSCloudTrail"):
        table_columns("awscloudtrail")
    with pytest.raises(KeyError, match="known tables"):
        table_columns("Nope")
