"""Math, hashing and conditional functions."""

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

import detections.kql.functions  # noqa: F401 - fills the registry
from detections.kql.functions.hashing import xxh64
from detections.kql.registry import SCALARS
from detections.kql.types import KType

N, L, R, S = KType.INT, KType.LONG, KType.REAL, KType.STRING


def call(name, *args):
    return SCALARS[name].impl(*args)


@pytest.mark.parametrize(
    ("args", "expected"),
    [((2.98765, 3), 2.988), ((2.15, 1), 2.2), ((2.15,), 2.0), ((-50.55, -2), -100.0), ((21.5, -1), 20.0),
     ((25, -1), 30), ((Decimal("1.25"), 1), Decimal("1.3")), ((None,), None)],
)
def test_round_doc_examples(args, expected):
    assert call("round", *args) == expected


def test_round_to_more_digits_than_a_decimal_holds():
    assert call("round", 1.5, 1_000_000) == 1.5
    assert call("round", 7, -1_000_000) == 0


def test_round_keeps_integer_type():
    assert call("round", 17) == 17 and type(call("round", 17)) is int
    assert SCALARS["round"].result_type([N]) is N
    assert SCALARS["round"].result_type([R, N]) is R


def test_real_functions_and_domains():
    assert call("log", 5) == pytest.approx(1.6094379124341003)
    assert call("log", 0) is None
    assert call("log", -1) is None
    assert call("log10", 100) == 2.0
    assert call("log2", 8) == 3.0
    assert call("exp", 0) == 1.0
    assert call("exp2", 3) == 8.0
    assert call("exp10", 2) == 100.0
    assert call("sqrt", 16) == 4.0
    assert call("sqrt", -1) is None
    assert call("pow", 2, 10) == 1024.0
    assert call("sign", -3) == -1.0
    assert call("atan2", 1, 1) == pytest.approx(math.pi / 4)
    assert call("degrees", math.pi) == pytest.approx(180.0)
    assert call("pi") == math.pi
    assert call("log", "abc") is None


def test_abs_ceiling_and_float_tests():
    assert call("abs", -5) == 5
    assert call("abs", -timedelta(hours=1)) == timedelta(hours=1)
    assert call("abs", "x") is None
    assert SCALARS["abs"].result_type([N]) is L
    assert call("ceiling", 1.1) == 2.0
    assert call("ceiling", -1.1) == -1.0
    assert call("ceiling", 3) == 3
    assert call("isnan", float("nan")) is True
    assert call("isinf", float("-inf")) is True
    assert call("isfinite", 1.0) is True
    assert call("isnan", None) is None


def test_max_of_min_of_ignore_nulls():
    assert call("max_of", 10, 1, -3, 17) == 17
    assert call("min_of", 10, None, -3) == -3
    assert call("max_of", None, None) is None
    assert SCALARS["max_of"].result_type([N, L]) is L
    assert SCALARS["max_of"].result_type([N, R]) is R
    assert SCALARS["min_of"].result_type([S, S]) is S


def test_bitwise():
    assert call("binary_and", 6, 3) == 2
    assert call("binary_or", 6, 3) == 7
    assert call("binary_xor", 6, 3) == 5
    assert call("binary_not", 0) == -1
    assert call("binary_shift_left", 1, 4) == 16
    assert call("binary_shift_right", 16, 4) == 1
    assert call("bitset_count_ones", 42) == 3


def test_rand_ranges():
    assert 0.0 <= call("rand") < 1.0
    assert call("rand", 10) in [float(i) for i in range(10)]


# --- hashing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "digest"),
    [(b"", 0xEF46DB3751D8E999), (b"a", 0xD24EC4F1A98C6E5B), (b"abc", 0x44BC2CF5AD770999),
     (b"Nobody inspects the spammish repetition", 0xFBCEA83C8A378BF1)],
)
def test_xxh64_reference_vectors(data, digest):
    assert xxh64(data) == digest


def test_hash_functions():
    assert call("hash", "World") == 1846988464401551951
    assert call("hash", "World", 100) == 51
    assert call("hash", datetime(2015, 1, 1, tzinfo=UTC)) == 1380966698541616202
    assert call("hash_sha256", "World") == "78ae647dc5544d227130a0682a51e30bc7777fbb6d8a8f17007463a3ecd1d524"
    assert call("hash_md5", "World") == "f5a7924e621e84c9280a9a27e1bcb7f6"
    assert call("hash_sha1", "World") == "70c07ec18ef89c5309bbb0937f3a6342411e1fdd"


# --- conditionals ---------------------------------------------------------------------------------


def test_iff_case_coalesce():
    assert call("iff", True, "a", "b") == "a"
    assert call("iff", None, "a", "b") == "b"  # a null condition is false
    assert call("iif", False, 1, 2) == 2
    assert SCALARS["iff"].result_type([KType.BOOL, N, L]) is L
    assert SCALARS["iff"].result_type([KType.BOOL, N, R]) is R
    assert call("case", False, 1, True, 2, 3) == 2
    assert call("case", False, 1, None, 2, 3) == 3
    assert SCALARS["case"].result_type([KType.BOOL, N, KType.BOOL, L, R]) is R
    assert call("coalesce", None, 42, 33) == 42
    assert call("coalesce", "", "x") == "x"
    assert call("coalesce", "", "") == ""
    assert call("coalesce", None, None) is None


def test_null_checks_and_not():
    assert call("isnull", None) is True
    assert call("isnull", "") is False
    assert call("isnotnull", 0) is True
    assert call("not", True) is False
    assert call("not", None) is None
    assert len(call("new_guid")) == 36


@pytest.mark.parametrize(
    ("args", "expected"),
    [((564,), "564 Bytes"), ((10332, 1), "10.1 KB"), ((20010332,), "19 MB"), ((20010332, 2), "19.08 MB"),
     ((20010332, 0, "KB"), "19541 KB"), (("x",), "")],
)
def test_format_bytes_doc_examples(args, expected):
    assert call("format_bytes", *args) == expected


def test_erf():
    assert call("erf", 0) == 0.0
    assert call("erfc", 0) == 1.0
