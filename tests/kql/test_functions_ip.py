"""IP address functions, from the official docs' examples."""

import pytest

import detections.kql.functions  # noqa: F401 - fills the registry
from detections.kql.errors import KqlUnsupportedError
from detections.kql.functions import UNSUPPORTED
from detections.kql.registry import SCALARS


def call(name, *args):
    return SCALARS[name].impl(*args)


@pytest.mark.parametrize(
    ("address", "expected"),
    [("10.1.2.3", True), ("192.168.1.1/24", True), ("172.31.255.255", True), ("172.32.0.1", False),
     ("8.8.8.8", False), ("10.0.0.0/7", False), ("not an ip", None), ("256.1.1.1", None)],
)
def test_ipv4_is_private(address, expected):
    assert call("ipv4_is_private", address) is expected


def test_parse_and_format():
    assert call("parse_ipv4", "127.0.0.1") == 2130706433
    assert call("parse_ipv4", "192.1.168.1/24") == 3221334016
    assert call("parse_ipv4", "1.2.3") is None
    assert call("parse_ipv4_mask", "192.1.168.2", 24) == 3221334016
    assert call("ipv4_netmask_suffix", "192.168.1.1/24") == 24
    assert call("ipv4_netmask_suffix", "192.168.1.1") == 32
    assert call("format_ipv4", "192.168.1.255", 24) == "192.168.1.0"
    assert call("format_ipv4", 3232236031) == "192.168.1.255"
    assert call("format_ipv4_mask", "192.168.1.255", 24) == "192.168.1.0/24"
    assert call("format_ipv4", "nope") == ""


def test_compare_match_and_ranges():
    assert call("ipv4_compare", "127.0.0.1", "127.0.0.1") == 0
    assert call("ipv4_compare", "192.168.1.1", "192.168.1.255") == -1
    assert call("ipv4_compare", "192.168.1.1/24", "192.168.1.255") == 0
    assert call("ipv4_compare", "192.168.1.1", "192.168.1.255", 24) == 0
    assert call("ipv4_is_match", "192.168.1.1/24", "192.168.1.255/24") is True
    assert call("ipv4_is_match", "192.168.1.1", "192.168.1.255") is False
    assert call("ipv4_is_in_range", "192.168.1.6", "192.168.1.1/24") is True
    assert call("ipv4_is_in_range", "192.168.1.6", "192.168.1.1") is False
    assert call("ipv4_is_in_range", "x", "10.0.0.0/8") is None
    assert call("ipv4_is_in_any_range", "192.168.1.6", "10.0.0.0/8", "192.168.1.0/24") is True
    assert call("ipv4_is_in_any_range", "192.168.1.6", ["10.0.0.0/8", "172.16.0.0/12"]) is False


def test_ipv6():
    assert call("ipv6_compare", "::ffff:7f00:1", "127.0.0.1") == 0
    assert call("ipv6_compare", "fe80::85d:e82c:9446:7994", "fe80::85d:e82c:9446:7995") == -1
    assert call("ipv6_compare", "fe80::85d:e82c:9446:7994/127", "fe80::85d:e82c:9446:7995/127") == 0
    assert call("ipv6_is_match", "fe80::85d:e82c:9446:7994", "fe80::85d:e82c:9446:7995", 127) is True
    assert call("ipv6_is_in_range", "2001:db8::1", "2001:db8::/32") is True
    assert call("parse_ipv6", "127.0.0.1") == "0000:0000:0000:0000:0000:ffff:7f00:0001"
    assert call("parse_ipv6", "fe80::85d:e82c:9446:7994/120") == "fe80:0000:0000:0000:085d:e82c:9446:7900"
    assert call("parse_ipv6", "nope") == ""


def test_ipv4_in_text():
    assert call("has_ipv4", "log: 127.0.0.1 connected", "127.0.0.1") is True
    assert call("has_ipv4", "log: 127.0.0.12", "127.0.0.1") is False
    assert call("has_ipv4", "ip 1.127.0.0.1", "127.0.0.1") is False
    assert call("has_ipv4_prefix", "from 10.1.2.3", "10.1.") is True
    assert call("has_ipv4_prefix", "from 10.11.2.3", "10.1") is False
    assert call("has_any_ipv4", "a 10.0.0.1 b", "1.1.1.1", "10.0.0.1") is True
    assert call("has_any_ipv4_prefix", "a 10.0.0.1 b", ["192.", "10."]) is True


def test_geo_lookup_is_declared_but_unsupported():
    assert "geo_info_from_ip_address" in UNSUPPORTED
    with pytest.raises(KqlUnsupportedError, match="geo_info_from_ip_address"):
        call("geo_info_from_ip_address", "20.53.203.50")
