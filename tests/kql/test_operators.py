"""The operator registry: result types as Kusto.Language assigns them (checked against the
kusto-oracle once and frozen here), and the values the implementations compute."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from detections.kql.operators import OPERATORS, flatten_items, mismatch_message, resolve
from detections.kql.types import KType

N, L, R, M, S = KType.INT, KType.LONG, KType.REAL, KType.DECIMAL, KType.STRING
D, T, Y, B, G = KType.DATETIME, KType.TIMESPAN, KType.DYNAMIC, KType.BOOL, KType.GUID


def dt(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def run(symbol, left, right, ltype=None, rtype=None):
    op = resolve(symbol, ltype or _type(left), rtype or _type(right))
    assert op is not None, f"{symbol} rejected"
    return op.impl(left, right)


def _type(value):
    from detections.kql.values import runtime_type

    kind = runtime_type(value)
    return KType.UNKNOWN if kind is KType.UNKNOWN else kind


# --- types (facts from Kusto.Language) -------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "left", "right", "result"),
    [
        ("+", N, N, L),
        ("/", N, N, L),
        ("*", N, R, R),
        ("+", M, R, M),
        ("%", R, N, R),
        ("-", D, D, T),
        ("+", D, T, D),
        ("+", T, D, D),
        ("-", D, T, D),
        ("*", T, N, T),
        ("*", N, T, T),
        ("/", T, T, R),
        ("/", T, L, T),
        ("%", T, T, T),
        ("+", Y, N, L),
        ("+", R, Y, R),
        ("-", D, Y, T),
        ("+", Y, Y, Y),
        ("+", S, N, None),
        ("+", B, L, None),
        ("-", N, D, None),
        ("*", Y, D, None),
        ("*", T, Y, None),
        ("<", S, S, None),
        ("<", D, S, None),
        ("<", B, N, B),
        ("<", Y, N, B),
        ("<", Y, B, None),
        ("<", T, T, B),
        ("==", N, S, B),
        ("==", D, G, B),
        ("=~", S, Y, B),
        ("=~", S, N, None),
        ("has", N, S, None),
        ("has", Y, S, B),
        ("contains_cs", S, S, B),
        ("!startswith_cs", S, S, B),
        ("matches regex", S, S, B),
        ("and", B, Y, B),
        ("and", N, B, None),
        ("in", N, Y, B),
        ("in~", N, Y, None),
        ("has_any", S, Y, B),
        ("has_all", N, Y, None),
    ],
)
def test_result_types_follow_kusto_language(symbol, left, right, result):
    op = resolve(symbol, left, right)
    assert (None if op is None else op.result) == result


@pytest.mark.parametrize(
    ("operand", "result"), [(N, L), (L, L), (R, R), (T, T), (D, D), (Y, Y), (S, None), (B, None)]
)
def test_unary_minus_types(operand, result):
    op = resolve("unary-", operand)
    assert (None if op is None else op.result) == result


@pytest.mark.parametrize(
    ("types", "valid"),
    [((N, N, N), True), ((R, N, R), True), ((D, D, T), True), ((D, D, D), True), ((T, T, T), True),
     ((Y, N, N), True), ((S, S, S), False), ((N, N, B), False), ((Y, N, L), False), ((N, Y, Y), True)],
)
def test_between_types(types, valid):
    assert (resolve("between", *types) is not None) is valid


def test_unknown_operand_types_stay_permissive():
    assert resolve("+", KType.UNKNOWN, N).result is KType.UNKNOWN
    assert resolve("has", KType.UNKNOWN, S).result is B


def test_unknown_symbol_raises_key_error():
    with pytest.raises(KeyError):
        resolve("nope", N, N)


def test_mismatch_message_uses_kusto_wording():
    assert mismatch_message("+", S, L) == "The operator '+' is not defined for the operand types string and long."


def test_every_operator_is_documented():
    assert all(op.doc for op in OPERATORS.values())


# --- arithmetic values -----------------------------------------------------------------------


def test_integer_arithmetic():
    assert run("/", 7, 2) == 3
    assert run("/", -7, 2) == -3
    assert run("/", 1, 0) is None
    assert run("%", -14, 12) == 10
    assert run("+", 1, None, L, L) is None


def test_real_and_decimal_arithmetic():
    assert run("/", 1.0, 0.0) == float("inf")
    assert run("/", 1, 2.0) == 0.5
    assert run("+", Decimal("1.1"), 2.2, M, R) == Decimal("3.3")
    assert run("%", 7.5, 2) == 1.5


def test_datetime_and_timespan_arithmetic():
    assert run("-", dt(2024, 1, 2), dt(2024, 1, 1)) == timedelta(days=1)
    assert run("+", dt(2024, 1, 1), timedelta(hours=2)) == dt(2024, 1, 1, 2)
    assert run("*", timedelta(hours=1), 1.5) == timedelta(minutes=90)
    assert run("*", 2, timedelta(hours=1)) == timedelta(hours=2)
    assert run("/", timedelta(hours=1), timedelta(minutes=15)) == 4.0
    assert run("/", timedelta(hours=1), 0) is None
    assert run("%", timedelta(minutes=70), timedelta(hours=1)) == timedelta(minutes=10)
    assert run("-", timedelta(0), dt(1, 1, 2)) is None  # before 0001-01-01: out of range is null


def test_dynamic_operands_dispatch_on_runtime_type():
    op = resolve("+", Y, L)
    assert op.impl(2, 3) == 5
    assert op.impl(2.5, 1) == 3.5
    assert op.impl("text", 1) is None
    assert resolve("-", Y, Y).impl(dt(2024, 1, 2), dt(2024, 1, 1)) == timedelta(days=1)
    assert resolve("/", Y, Y).impl(7, 2) == 3


def test_unary_minus_values():
    assert resolve("unary-", N).impl(5) == -5
    assert resolve("unary-", T).impl(timedelta(hours=1)) == -timedelta(hours=1)
    assert resolve("unary-", N).impl(None) is None
    assert resolve("unary+", R).impl(2.5) == 2.5


# --- comparisons and logic -----------------------------------------------------------------------


def test_equality_null_rules_and_cross_type():
    assert run("==", None, None, L, L) is None
    assert run("==", None, 1, L, L) is False
    assert run("!=", None, 1, L, L) is True
    assert run("==", 1, 1.0) is True
    assert run("<", None, 1, L, L) is None
    assert run("<", dt(2024, 1, 1), dt(2024, 1, 2)) is True


def test_and_or_null_logic():
    """and/or have one definition, this table's: it combines the operands' row functions (the
    compiler uses it as is), with Kusto's three-valued truth tables."""
    truth = {"t": True, "f": False, "n": None}
    expected_and = {"tt": True, "tf": False, "tn": None, "ft": False, "ff": False, "fn": False,
                    "nt": None, "nf": False, "nn": None}
    expected_or = {"tt": True, "tf": True, "tn": True, "ft": True, "ff": False, "fn": None,
                   "nt": True, "nf": None, "nn": None}
    for symbol, expected in (("and", expected_and), ("or", expected_or)):
        combine = resolve(symbol, B, B).impl
        for pair, result in expected.items():
            row = (truth[pair[0]], truth[pair[1]])
            assert combine(lambda r: r[0], lambda r: r[1])(row) is result, (symbol, pair)


def test_and_or_short_circuit():
    def unused(_row):
        pytest.fail("the right operand was evaluated")

    assert resolve("and", B, B).impl(lambda _r: False, unused)(()) is False
    assert resolve("or", B, B).impl(lambda _r: True, unused)(()) is True


# --- string operators -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "left", "right", "expected"),
    [
        ("==", "ConsoleLogin", "consolelogin", False),
        ("=~", "ConsoleLogin", "consolelogin", True),
        ("!~", "ConsoleLogin", "consolelogin", False),
        ("has", "KustoExplorerQueryRun", "Explorer", False),
        ("contains", "KustoExplorerQueryRun", "explorer", True),
        ("contains_cs", "KustoExplorerQueryRun", "explorer", False),
        ("!contains", "abc", "B", False),
        ("!contains_cs", "abc", "B", True),
        ("has", "Kusto Explorer", "EXPLORER", True),
        ("has_cs", "Kusto Explorer", "EXPLORER", False),
        ("!has", "Kusto Explorer", "explorer", False),
        ("!has_cs", "Kusto Explorer", "explorer", True),
        ("hasprefix", "North America", "amer", True),
        ("!hasprefix", "North America", "amer", False),
        ("hasprefix_cs", "North America", "amer", False),
        ("hassuffix", "North America", "RICA", True),
        ("!hassuffix_cs", "North America", "RICA", True),
        ("startswith", "DeleteTrail", "delete", True),
        ("startswith_cs", "DeleteTrail", "delete", False),
        ("!startswith", "DeleteTrail", "trail", True),
        ("endswith", "DeleteTrail", "TRAIL", True),
        ("endswith_cs", "DeleteTrail", "TRAIL", False),
        ("!endswith_cs", "DeleteTrail", "Trail", False),
        ("matches regex", "AKIA1234", "^AKIA[0-9]+$", True),
        ("matches regex", "akia1234", "^AKIA[0-9]+$", False),
    ],
)
def test_string_operators_case_and_term_rules(symbol, left, right, expected):
    op = resolve(symbol, S, S)
    assert op.impl(left, right) is expected
    if symbol != "==":
        assert op.prepare(right)(left) is expected  # the constant-right fast path agrees


def test_string_operators_on_dynamic_use_its_text():
    op = resolve("has", Y, S)
    assert op.impl({"userName": "alice"}, "alice") is True
    assert op.impl(None, "x") is False
    assert resolve("!has", Y, S).impl(None, "x") is True
    assert resolve("=~", Y, S).impl("Alice", "alice") is True


# --- in family ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "left", "items", "expected"),
    [
        ("in", "a", ["a", "b"], True),
        ("in", "A", ["a", "b"], False),
        ("in~", "A", ["a", "b"], True),
        ("!in", "A", ["a", "b"], True),
        ("!in~", "A", ["a", "b"], False),
        ("in", 2, [1, [2, 3]], True),  # dynamic arrays among the items are flattened
        ("in", None, [None, 1], False),  # in is an OR of ==, and null == x is false
        ("!in", None, [1], True),  # !in is an AND of !=, and null != x is true
        ("in", {"a": 1}, [{"a": 1}], True),
        ("in", 1, [1.0], True),
    ],
)
def test_in_operators(symbol, left, items, expected):
    op = resolve(symbol, KType.UNKNOWN, Y)
    assert op.impl(left, items) is expected
    assert op.prepare(items)(left) is expected


@pytest.mark.parametrize(
    ("symbol", "left", "items", "expected"),
    [
        ("has_any", "Kusto Explorer", ["nope", "EXPLORER"], True),
        ("has_any", "KustoExplorer", ["Explorer"], False),
        ("has_all", "Kusto Explorer", ["kusto", "explorer"], True),
        ("has_all", "Kusto Explorer", ["kusto", "other"], False),
        ("has_any", "a b", [["x", "b"]], True),
    ],
)
def test_has_any_and_has_all(symbol, left, items, expected):
    op = resolve(symbol, S, Y)
    assert op.impl(left, items) is expected
    assert op.prepare(items)(left) is expected


def test_flatten_items():
    assert flatten_items([1, [2, 3], "x"]) == [1, 2, 3, "x"]


# --- between ------------------------------------------------------------------------------------


def test_between_numbers_and_datetimes():
    between = resolve("between", L, L, L).impl
    assert between(5, 1, 5) is True
    assert between(6, 1, 5) is False
    assert between(None, 1, 5) is None
    assert resolve("!between", L, L, L).impl(6, 1, 5) is True
    in_day = resolve("between", D, D, T).impl
    assert in_day(dt(2024, 1, 1, 12), dt(2024, 1, 1), timedelta(days=1)) is True
    assert in_day(dt(2024, 1, 3), dt(2024, 1, 1), timedelta(days=1)) is False
