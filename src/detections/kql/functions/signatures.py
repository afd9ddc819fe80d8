"""Argument types Kusto.Language accepts, per function and argument position, checked against the
kusto-oracle. A call whose argument type is not accepted binds to None (the binder's "does not
accept arguments of types" error), so we reject what Kusto rejects; UNKNOWN always passes.

Kept as one table, applied to the registry when detections.kql.functions is imported, so each
family module stays a plain list of implementations.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence

from detections.kql import values
from detections.kql.registry import SCALARS, ScalarFunction
from detections.kql.types import KType

_I, _L, _R, _M = KType.INT, KType.LONG, KType.REAL, KType.DECIMAL
TEXT = frozenset({KType.STRING, KType.DYNAMIC})
DATETIME = frozenset({KType.DATETIME})
TIMESPAN = frozenset({KType.TIMESPAN})
NUMBER = frozenset({_I, _L, _R, _M})
REAL_LIKE = frozenset({_I, _L, _R})
INTEGER = frozenset({_I, _L})
DYNAMIC = frozenset({KType.DYNAMIC})
BOOL = frozenset({KType.BOOL})
NOT_DYNAMIC = frozenset(kind for kind in KType if kind is not KType.DYNAMIC)
# Counts, offsets and lengths: Kusto.Language says "The expression value must be an integer" for
# any other type. A dynamic value is let through (a column may hold a number; Kusto checks it at run).
COUNT = INTEGER | DYNAMIC

_BY_FAMILY: dict[frozenset[KType], tuple[str, ...]] = {
    TEXT: ("base64_decode_toarray", "base64_decode_tostring", "base64_encode_tostring", "geo_info_from_ip_address",
           "ipv4_is_private", "ipv4_netmask_suffix", "parse_csv", "parse_ipv4", "parse_ipv6", "parse_json",
           "parse_path", "parse_url", "parse_urlquery", "parse_xml", "parsejson", "parseurl", "string_size",
           "strlen", "todynamic", "toguid", "toobject", "url_decode", "url_encode", "url_encode_component"),
    DATETIME: ("dayofmonth", "dayofweek", "dayofyear", "endofday", "endofmonth", "endofweek", "endofyear",
               "getmonth", "getyear", "hourofday", "monthofyear", "startofday", "startofmonth", "startofweek",
               "startofyear", "week_of_year", "weekofyear"),
    TIMESPAN: ("ago",),
    NUMBER: ("acos", "asin", "atan", "ceiling", "cos", "cot", "degrees", "exp", "exp10", "exp2", "gamma", "log",
             "log10", "log2", "loggamma", "radians", "round", "sign", "sin", "sqrt", "tan",
             "unixtime_microseconds_todatetime", "unixtime_milliseconds_todatetime",
             "unixtime_nanoseconds_todatetime", "unixtime_seconds_todatetime"),
    REAL_LIKE: ("isfinite", "isinf", "isnan"),
    INTEGER: ("binary_not", "bitset_count_ones", "tohex"),
    DYNAMIC: ("array_concat", "array_length", "array_reverse", "array_sort_asc", "array_sort_desc", "array_sum",
              "bag_keys", "base64_encode_fromarray", "dcount_hll", "series_abs", "series_decompose",
              "series_decompose_anomalies", "series_decompose_forecast", "series_fill_backward",
              "series_fill_const", "series_fill_forward", "series_fill_linear", "series_fit_line",
              "series_fit_line_dynamic", "series_outliers", "series_periods_detect", "series_stats",
              "series_stats_dynamic", "series_sum", "bag_has_key", "bag_remove_keys", "bag_set_key",
              "set_has_element", "array_slice", "array_index_of", "array_iff", "array_iif", "strcat_array"),
    BOOL: ("not",),
    NOT_DYNAMIC: ("hash", "hash_md5", "hash_sha1", "hash_sha256", "hash_xxhash64"),
}

# Positions other than the first: name -> {position: accepted types}.
_POSITIONS: dict[str, dict[int, frozenset[KType]]] = {
    "abs": {0: NUMBER | TIMESPAN},
    "make_string": dict.fromkeys(range(64), COUNT),
    "unicode_codepoints_to_string": dict.fromkeys(range(64), COUNT),
    "datetime_add": {2: DATETIME},
    "datetime_diff": {1: DATETIME, 2: DATETIME},
    "datetime_part": {1: DATETIME},
    "datepart": {1: DATETIME},
    "format_datetime": {0: DATETIME},
    "format_timespan": {0: TIMESPAN},
    "extract": {0: TEXT, 1: COUNT, 2: TEXT},
    "replace_string": {0: TEXT},
    "trim": {1: TEXT},
    "trim_start": {1: TEXT},
    "trim_end": {1: TEXT},
    "countof": {0: TEXT},
    "has_any_index": {1: DYNAMIC},
    "ipv4_is_in_range": {0: TEXT},
    "set_union": {0: DYNAMIC, 1: DYNAMIC},
    "set_intersect": {0: DYNAMIC, 1: DYNAMIC},
    "set_difference": {0: DYNAMIC, 1: DYNAMIC},
    "zip": {0: DYNAMIC, 1: DYNAMIC},
    "make_datetime": dict.fromkeys(range(7), NUMBER),
    "make_timespan": dict.fromkeys(range(4), COUNT),
    "substring": {1: COUNT, 2: COUNT},
    "indexof": {2: COUNT, 3: COUNT, 4: COUNT},
    "indexof_regex": {2: COUNT, 3: COUNT, 4: COUNT},
    "split": {1: TEXT, 2: COUNT},
    "extract_all": {0: TEXT},
    "extractall": {0: TEXT},
    "hash": {1: COUNT},
    "hash_xxhash64": {1: COUNT},
    "repeat": {1: COUNT},
    "strrep": {1: COUNT},
    "tohex": {1: COUNT},
    "round": {1: COUNT},
    "rand": {0: COUNT},
    "now": {0: TIMESPAN},
    "array_slice": {1: COUNT, 2: COUNT},
    "array_index_of": {2: COUNT, 3: COUNT, 4: COUNT},
    "array_rotate_left": {1: COUNT},
    "array_rotate_right": {1: COUNT},
    "array_shift_left": {1: COUNT},
    "array_shift_right": {1: COUNT},
    "format_bytes": {0: NUMBER, 1: NUMBER, 2: TEXT},
    "ipv4_compare": {0: TEXT, 1: TEXT, 2: COUNT},
    "ipv4_is_match": {0: TEXT, 1: TEXT, 2: COUNT},
    "ipv6_compare": {0: TEXT, 1: TEXT, 2: COUNT},
    "ipv6_is_match": {0: TEXT, 1: TEXT, 2: COUNT},
    "parse_ipv4_mask": {0: TEXT, 1: COUNT},
    "parse_ipv6_mask": {0: TEXT, 1: COUNT},
    "format_ipv4": {1: COUNT},
    "format_ipv4_mask": {1: COUNT},
    **{name: {1: COUNT} for name in ("startofday", "startofweek", "startofmonth", "startofyear", "endofday",
                                     "endofweek", "endofmonth", "endofyear")},
    "iff": {0: BOOL},
    "iif": {0: BOOL},
    "case": {0: BOOL},
}

# Functions that read their COUNT positions themselves (arrays of code points, fractional seconds).
_OWN_COUNT_READING = frozenset({"make_string", "unicode_codepoints_to_string", "make_timespan"})

# Functions Kusto only accepts with more arguments than our implementations need.
MIN_ARGS: dict[str, int] = {"max_of": 2, "min_of": 2, "bag_merge": 2, "hll_merge": 2, "format_ipv4_mask": 2}


def signature_table() -> dict[str, Mapping[int, frozenset[KType]]]:
    """name -> {position: accepted argument types}."""
    table: dict[str, dict[int, frozenset[KType]]] = {}
    for kinds, names in _BY_FAMILY.items():
        for name in names:
            table.setdefault(name, {})[0] = kinds
    for name, positions in _POSITIONS.items():
        table.setdefault(name, {}).update(positions)
    return table


def _checked(rule: Callable[[Sequence[KType]], KType | None], accepted: Mapping[int, frozenset[KType]]):
    def checked(args: Sequence[KType]) -> KType | None:
        for position, kinds in accepted.items():
            if position < len(args) and args[position] is not KType.UNKNOWN and args[position] not in kinds:
                return None
        return rule(args)

    return checked


def _counts_as_longs(impl: Callable[..., object], positions: tuple[int, ...]) -> Callable[..., object]:
    """A dynamic value at a count position is read as a long at run time (a bag, an array or a
    non-numeric string is null), so implementations only ever see an int or None there."""

    @functools.wraps(impl)
    def impl_with_counts(*args: object) -> object:
        if any(p < len(args) and type(args[p]) is not int and args[p] is not None for p in positions):
            args = tuple(values.to_long(a) if p in positions and a is not None else a for p, a in enumerate(args))
        return impl(*args)

    return impl_with_counts


def apply(registry: dict[str, ScalarFunction] = SCALARS) -> None:
    """Wrap the registered result-type rules with the argument checks, and the implementations with
    the run-time reading of counts (idempotent per import)."""
    for name, accepted in signature_table().items():
        function = registry[name]
        function = dataclasses.replace(function, result_type=_checked(function.result_type, accepted))
        counts = tuple(p + function.needs_context for p, kinds in accepted.items() if kinds is COUNT)
        if counts and name not in _OWN_COUNT_READING:
            function = dataclasses.replace(function, impl=_counts_as_longs(function.impl, counts))
        registry[name] = function
    for name, minimum in MIN_ARGS.items():
        registry[name] = dataclasses.replace(registry[name], min_args=minimum)
