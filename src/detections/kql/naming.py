"""Kusto's default names for unnamed computed columns.

Kusto.Language gives each function a "result name kind"; the facts below were read from it (the
kusto-oracle) so `extend tostring(D.a)` is `D_a`, `extend strlen(B)` is `strlen_B` and
`extend tolower(B)` is `Column1`, exactly as Sentinel names them.
"""

from __future__ import annotations

from collections.abc import Collection

# The result takes the first argument's name (tostring(D.a) -> D_a, bin(T, 1h) -> T).
FIRST_ARGUMENT = frozenset(["abs", "acos", "asin", "atan", "atan2", "bin", "bin_at", "bin_auto", "binary_and", "binary_not", "binary_or", "binary_shift_left", "binary_shift_right", "binary_xor", "bitset_count_ones", "ceiling", "cos", "erf", "erfc", "exp", "exp10", "exp2", "floor", "format_bytes", "format_datetime", "format_timespan", "gamma", "log", "log10", "log2", "loggamma", "parse_csv", "parse_json", "parse_xml", "parsejson", "pow", "rand", "round", "series_fill_backward", "series_fill_const", "series_fill_forward", "series_fill_linear", "series_fir", "series_iir", "series_outliers", "sin", "split", "sqrt", "startofday", "tan", "tobool", "toboolean", "todatetime", "todecimal", "todouble", "todynamic", "toguid", "tohex", "toint", "tolong", "toobject", "toreal", "tostring", "totime", "totimespan"])

# The result is "<function>_<first argument name>" (strlen(B) -> strlen_B).
NAME_AND_FIRST_ARGUMENT = frozenset(["strlen", "string_size", "dcount_hll", "percentile_tdigest"])

# "<prefix>_<first argument name>" for scalar functions with a prefix of their own.
PREFIX_AND_FIRST_ARGUMENT = {"gettype": "type", "repeat": "repeat", "treepath": "tree"}

# The result is named after the only argument (make_datetime(x) -> x).
ONLY_ARGUMENT = frozenset({"make_datetime", "make_timespan"})

# columnifexists('X', 0) is named X too, but the compiler builds it (compiler.CONTEXT_FUNCTIONS).


def call_name(function: str, arg_names: list[str | None]) -> str | None:
    """Derived name of `function(args)`, or None when Kusto would use ColumnN."""
    first = arg_names[0] if arg_names else None
    if function in FIRST_ARGUMENT:
        return first
    if function in NAME_AND_FIRST_ARGUMENT:
        return f"{function}_{first}" if first else None
    if function in PREFIX_AND_FIRST_ARGUMENT:
        return f"{PREFIX_AND_FIRST_ARGUMENT[function]}_{first or ''}"
    if function in ONLY_ARGUMENT and len(arg_names) == 1:
        return first
    return None


def aggregate_name(prefix: str, first_arg_name: str | None) -> str:
    """count() -> count_, dcount(X) -> dcount_X, countif(A > 1) -> countif_."""
    return f"{prefix}_{first_arg_name or ''}"


def next_column_name(taken: Collection[str]) -> str:
    """Unnamed expressions are Column1, Column2, ... skipping names already in use."""
    n = 1
    while f"Column{n}" in taken:
        n += 1
    return f"Column{n}"
