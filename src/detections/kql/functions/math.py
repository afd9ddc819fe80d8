"""Math functions. Invalid input (a negative logarithm, a non-number) gives null, as the docs say."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, DecimalException
from typing import Any

from detections.kql import values
from detections.kql.functions.common import keeps_type, long_or_real, strict_common_type
from detections.kql.registry import scalar
from detections.kql.types import KType

R, L, B = KType.REAL, KType.LONG, KType.BOOL


def _real(value: Any) -> float | None:
    return value if type(value) is float else values.to_real(value)


def _real_function(fn: Callable[..., float], domain: Callable[..., bool] = lambda *_: True) -> Callable[..., float | None]:
    """Wrap a float function: arguments converted to real; null outside `domain` or on overflow."""

    def impl(*args: Any) -> float | None:
        numbers = [_real(arg) for arg in args]
        if any(n is None for n in numbers) or not domain(*numbers):
            return None
        try:
            return float(fn(*numbers))
        except (OverflowError, ValueError, ZeroDivisionError):
            return None

    return impl




def _positive(x: float) -> bool:
    return x > 0


_REAL_FUNCTIONS: dict[str, tuple[int, Callable[..., float], Callable[..., bool]]] = {
    "log": (1, math.log, _positive),
    "log10": (1, math.log10, _positive),
    "log2": (1, math.log2, _positive),
    "exp": (1, math.exp, lambda _x: True),
    "exp2": (1, lambda x: 2.0 ** x, lambda _x: True),
    "exp10": (1, lambda x: 10.0 ** x, lambda _x: True),
    "sqrt": (1, math.sqrt, lambda x: x >= 0),
    "pow": (2, math.pow, lambda _b, _e: True),
    "cos": (1, math.cos, lambda _x: True),
    "sin": (1, math.sin, lambda _x: True),
    "tan": (1, math.tan, lambda _x: True),
    "acos": (1, math.acos, lambda x: -1 <= x <= 1),
    "asin": (1, math.asin, lambda x: -1 <= x <= 1),
    "atan": (1, math.atan, lambda _x: True),
    "atan2": (2, math.atan2, lambda _y, _x: True),
    "cot": (1, lambda x: 1 / math.tan(x), lambda _x: True),
    "degrees": (1, math.degrees, lambda _x: True),
    "radians": (1, math.radians, lambda _x: True),
    "gamma": (1, math.gamma, lambda _x: True),
    "loggamma": (1, math.lgamma, lambda _x: True),
    "sign": (1, lambda x: (x > 0) - (x < 0), lambda _x: True),
    "erf": (1, math.erf, lambda _x: True),
    "erfc": (1, math.erfc, lambda _x: True),
}
for _name, (_arity, _fn, _domain) in _REAL_FUNCTIONS.items():
    scalar(_name, _arity, _arity, R, doc=f"{_name} on real numbers; null outside its domain")(_real_function(_fn, _domain))


@scalar("pi", 0, 0, R)
def pi() -> float:
    """The constant pi."""
    return math.pi


@scalar("abs", 1, 1, long_or_real)
def absolute(value: Any) -> Any:
    """Absolute value of a number or timespan."""
    if value is None:
        return None
    if type(value) in (int, float, Decimal, timedelta):
        return abs(value)
    number = _real(value)
    return None if number is None else abs(number)


def _round_decimal(value: Any, precision: int, mode: str) -> Decimal:
    return Decimal(repr(value) if type(value) is float else value).quantize(Decimal(1).scaleb(-precision), rounding=mode)


@scalar("round", 1, 2, keeps_type)
def round_number(value: Any, precision: Any = 0) -> Any:
    """Round half away from zero on the decimal digits: round(2.15, 1) == 2.2, round(21.5, -1) == 20."""
    if value is None or precision is None:
        return None
    number = value if type(value) in (int, Decimal) else _real(value)
    if number is None or (type(number) is float and not math.isfinite(number)):
        return number
    try:
        rounded = _round_decimal(number, int(precision), ROUND_HALF_UP)
    except DecimalException:  # precision beyond what a decimal holds: nothing to round, or nothing left
        rounded = Decimal(number) if precision > 0 else Decimal(0)
    return int(rounded) if type(value) is int else (rounded if type(value) is Decimal else float(rounded))


@scalar("ceiling", 1, 1, keeps_type)
def ceiling(value: Any) -> Any:
    """The smallest integer not below the value (integers unchanged)."""
    if value is None or type(value) is int:
        return value
    if type(value) is Decimal:  # to_integral_value: exact at any magnitude (quantize overflows the context)
        return value if not value.is_finite() else value.to_integral_value(rounding=ROUND_CEILING)
    number = _real(value)
    if number is None or not math.isfinite(number):
        return number
    return float(math.ceil(number))


def _float_test(test: Callable[[float], bool]) -> Callable[[Any], bool | None]:
    def impl(value: Any) -> bool | None:
        number = _real(value)
        return None if number is None else test(number)

    return impl


scalar("isnan", 1, 1, B, doc="true for NaN")(_float_test(math.isnan))
scalar("isinf", 1, 1, B, doc="true for +/- infinity")(_float_test(math.isinf))
scalar("isfinite", 1, 1, B, doc="true for a number that is neither NaN nor infinite")(_float_test(math.isfinite))


def _extreme(pick: Callable[..., Any]) -> Callable[..., Any]:
    """max_of/min_of: nulls are ignored; all-null gives null."""

    def impl(*args: Any) -> Any:
        present = [arg for arg in args if arg is not None]
        if not present:
            return None
        try:
            return pick(present)
        except (TypeError, DecimalException):  # mixed types; NaN against a decimal does not compare
            return None

    return impl


scalar("max_of", 1, 64, strict_common_type, doc="largest argument, nulls ignored")(_extreme(max))
scalar("min_of", 1, 64, strict_common_type, doc="smallest argument, nulls ignored")(_extreme(min))


@scalar("rand", 0, 1, R)
def rand(limit: Any = None) -> float | int:
    """A random real in [0, 1), or an integer in [0, limit) (non-deterministic, like Kusto)."""
    return random.random() if limit is None else float(random.randrange(max(int(limit), 1)))


_MASK64 = (1 << 64) - 1


def _signed64(value: int) -> int:
    value &= _MASK64
    return value - (1 << 64) if value >> 63 else value


def _bitwise(fn: Callable[..., int]) -> Callable[..., int | None]:
    def impl(*args: Any) -> int | None:
        numbers = [values.to_long(arg) for arg in args]
        return None if any(n is None for n in numbers) else _signed64(fn(*numbers))

    return impl


for _name, _arity, _fn in (
    ("binary_and", 2, lambda a, b: a & b),
    ("binary_or", 2, lambda a, b: a | b),
    ("binary_xor", 2, lambda a, b: a ^ b),
    ("binary_not", 1, lambda a: ~a),
    ("binary_shift_left", 2, lambda a, n: a << (n % 64)),
    ("binary_shift_right", 2, lambda a, n: (a & _MASK64) >> (n % 64) if a >= 0 else a >> (n % 64)),
    ("bitset_count_ones", 1, lambda a: bin(a & _MASK64).count("1")),
):
    scalar(_name, _arity, _arity, L, doc="64-bit integer bit operation")(_bitwise(_fn))


_MAX_FORMAT_DIGITS = 28  # a decimal's precision: more digits than this carry nothing
_BYTE_UNITS = ["Bytes", "KB", "MB", "GB", "TB", "PB", "EB"]


@scalar("format_bytes", 1, 3, KType.STRING)
def format_bytes(size: Any, precision: Any = 0, units: Any = "") -> str:
    """A size in bytes as text in 1024-based units ("10.1 KB"), auto-selected unless `units` is given."""
    number = _real(size)
    if number is None:
        return ""
    wanted = str(units or "")
    index = next((i for i, unit in enumerate(_BYTE_UNITS) if unit.lower() == wanted.lower()), None)
    if index is None:
        index = 0
        while index < len(_BYTE_UNITS) - 1 and abs(number) >= 1024 ** (index + 1):
            index += 1
    scaled = number / 1024 ** index
    digits = min(max(values.to_long(precision) or 0, 0), _MAX_FORMAT_DIGITS)  # NaN precision: none
    try:
        shown = _round_decimal(scaled, digits, ROUND_HALF_UP)
    except DecimalException:  # more digits than a decimal holds (1e308 bytes): print the real as it is
        return f"{scaled:.{digits}f} {_BYTE_UNITS[index]}"
    return f"{shown:.{digits}f} {_BYTE_UNITS[index]}"
