from datetime import UTC, datetime, timedelta

import pytest

from detections.mappers import MAPPERS, MapError

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
MAP = MAPPERS["vpcflow"]


def rows(value):
    return [row for _, row in MAP.map_records(value, NOW)]


def test_default_format_lines():
    text = (
        "2 123456789012 eni-0a1b2c3d 203.0.113.12 10.0.1.5 49152 22 6 20 4249 1768478100 1768478160 REJECT OK\n"
        "2 123456789012 eni-0a1b2c3d - - - - - - - 1768478100 1768478160 - NODATA\n"
    )
    reject, nodata = rows(text)
    assert MAP.table == "AWSVPCFlow"
    assert reject["Version"] == 2 and reject["AccountId"] == "123456789012"
    assert reject["InterfaceId"] == "eni-0a1b2c3d"
    assert (reject["SrcAddr"], reject["DstAddr"], reject["SrcPort"], reject["DstPort"]) == ("203.0.113.12", "10.0.1.5", 49152, 22)
    assert (reject["Protocol"], reject["Packets"], reject["Bytes"]) == (6, 20, 4249)
    assert reject["TimeGenerated"] == datetime(2026, 1, 15, 11, 55, tzinfo=UTC)
    assert reject["End"] == datetime(2026, 1, 15, 11, 56, tzinfo=UTC)
    assert (reject["Action"], reject["LogStatus"]) == ("REJECT", "OK")
    assert nodata["LogStatus"] == "NODATA" and nodata["SrcAddr"] == "" and nodata["DstPort"] is None


def test_custom_format_with_header_and_relative_times():
    lines = [
        "version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport "
        "pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status region az-id "
        "flow-direction traffic-path pkt-src-aws-service ecs-cluster-name",
        "5 vpc-0aa subnet-0bb i-0cc eni-0dd 123456789012 IPv4 10.0.1.5 198.51.100.9 40000 443 "
        "10.0.1.5 198.51.100.9 6 52000 40 -10m -9m ACCEPT 19 OK eu-west-1 euw1-az1 egress 8 - -",
    ]
    [row] = rows(lines)
    assert (row["VpcId"], row["SubnetId"], row["InstanceId"]) == ("vpc-0aa", "subnet-0bb", "i-0cc")
    assert (row["TrafficType"], row["FlowDirection"], row["TrafficPath"]) == ("IPv4", "egress", "8")
    assert (row["PktSrcAddr"], row["PktDstAddr"], row["TcpFlags"]) == ("10.0.1.5", "198.51.100.9", 19)
    assert (row["Region"], row["AzId"], row["PktSrcAwsService"]) == ("eu-west-1", "euw1-az1", "")
    assert row["TimeGenerated"] == NOW - timedelta(minutes=10)
    assert row["End"] == NOW - timedelta(minutes=9)


def test_format_string_header():
    [row] = rows("${srcaddr} ${dstaddr} ${action}\n10.0.0.1 10.0.0.2 ACCEPT")
    assert (row["SrcAddr"], row["DstAddr"], row["Action"]) == ("10.0.0.1", "10.0.0.2", "ACCEPT")


def test_unknown_header_field_is_named():
    with pytest.raises(MapError) as err:
        rows("version srcaddr dst-addr\n2 10.0.0.1 10.0.0.2")
    assert (err.value.path, err.value.field) == (("line 1",), "dst-addr")


def test_wrong_field_count_names_the_line():
    with pytest.raises(MapError, match="13 fields, but the format has 14") as err:
        rows(["2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1768478100 1768478160 ACCEPT"])
    assert err.value.path == (0,)


def test_bad_number_names_the_aws_field():
    with pytest.raises(MapError) as err:
        rows(["2 123456789012 eni-1 10.0.0.1 10.0.0.2 http 2 6 1 1 1768478100 1768478160 ACCEPT OK"])
    assert err.value.field == "srcport"
