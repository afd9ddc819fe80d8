"""The registry as a whole: every declaration is usable by the binder and documented."""

import pytest

import detections.kql.functions as functions
from detections.kql.registry import AGGREGATES, SCALARS
from detections.kql.types import KType

ALL_TYPES = [kind for kind in KType]


def test_library_size():
    assert len(SCALARS) >= 200
    assert len(AGGREGATES) >= 45


def test_every_function_is_documented():
    undocumented = [name for name, f in {**SCALARS, **AGGREGATES}.items() if not (f.doc or f.impl.__doc__)]
    assert undocumented == []


def test_type_rules_accept_unknown_arguments():
    """While binding, an argument of unknown type must never make a rule fail."""
    for registry in (SCALARS, AGGREGATES):
        for name, function in registry.items():
            count = function.min_args if function.max_args is None else max(function.min_args, min(function.max_args, 3))
            result = function.result_type([KType.UNKNOWN] * count)
            assert isinstance(result, KType), name


def test_type_rules_never_raise():
    for registry in (SCALARS, AGGREGATES):
        for function in registry.values():
            for kind in ALL_TYPES:
                count = max(function.min_args, 1) if function.max_args != 0 else 0
                result = function.result_type([kind] * count)
                assert result is None or isinstance(result, KType)


def test_arity_bounds_are_consistent():
    for function in [*SCALARS.values(), *AGGREGATES.values()]:
        assert function.max_args is None or function.max_args >= function.min_args, function.name


def test_context_functions_are_not_in_the_registry_and_unsupported_are_declared():
    from detections.kql.compiler import CONTEXT_FUNCTIONS

    assert not set(CONTEXT_FUNCTIONS) & set(SCALARS)  # a registry twin would never be called
    assert set(functions.UNSUPPORTED) <= set(SCALARS)


def test_reference_documentation_lists_every_function_and_operator():
    from pathlib import Path

    from detections.kql.operators import OPERATORS

    text = (Path(__file__).resolve().parents[2] / "docs" / "kql-functions.md").read_text(encoding="utf-8")
    missing = [name for name in [*SCALARS, *AGGREGATES, *OPERATORS] if f"| `{name}` |" not in text]
    assert missing == []


S, Y, D, T, B, G = KType.STRING, KType.DYNAMIC, KType.DATETIME, KType.TIMESPAN, KType.BOOL, KType.GUID
N, L, R = KType.INT, KType.LONG, KType.REAL


@pytest.mark.parametrize(
    ("name", "args", "result"),
    [
        ("strlen", (N,), None), ("strlen", (Y,), L), ("startofday", (S,), None), ("startofday", (Y,), None),
        ("ago", (N,), None), ("log", (S,), None), ("log", (N,), R), ("array_length", (S,), None),
        ("array_length", (Y,), L), ("not", (N,), None), ("hash", (Y,), None), ("hash", (G,), L),
        ("abs", (T,), T), ("abs", (S,), None), ("datetime_add", (S, L, S), None), ("datetime_add", (S, L, D), D),
        ("format_datetime", (S, S), None), ("extract", (S, L, N), None), ("extract", (S, L, Y), S),
        ("set_union", (S, Y), None), ("iff", (S, N, N), None), ("iff", (B, S, Y), S), ("iff", (B, D, S), Y),
        ("iff", (B, N, Y), N), ("case", (B, N, B, L, R), R), ("coalesce", (N, S), None), ("coalesce", (S, Y), None),
        ("coalesce", (N, R), R), ("max_of", (N, S), None), ("max_of", (D, D), D), ("tolower", (N,), S),
        ("split", (N, S), Y), ("toint", (D,), N), ("tostring", (G,), S), ("geo_info_from_ip_address", (N,), None),
        # counts, offsets and lengths must be integers (Kusto.Language: "must be an integer")
        ("substring", (S, L, N), S), ("substring", (S, S), None), ("substring", (S, L, R), None),
        ("repeat", (S, T), None), ("round", (R, D), None), ("make_timespan", (N, R), None),
        ("indexof", (S, S, B), None), ("array_slice", (Y, L, Y), Y), ("hash", (S, S), None),
        ("ipv4_is_match", (S, S, R), None), ("ipv4_compare", (L, S), None), ("now", (N,), None),
        ("make_string", (N, L, S), None), ("startofday", (D, S), None), ("format_bytes", (T,), None),
    ],
)
def test_argument_types_follow_kusto_language(name, args, result):
    assert SCALARS[name].result_type(list(args)) == result


def test_functions_kusto_needs_more_arguments_for():
    assert SCALARS["max_of"].min_args == 2
    assert SCALARS["bag_merge"].min_args == 2
