"""Every KQL operator, declared once: its operand types, result type and implementation.

The binder calls `resolve(symbol, *operand_types)` to type an expression (None means Kusto rejects
those operand types); the executor calls the same function and uses `Operation.impl`, so the two
cannot disagree. Type rules follow Kusto.Language's overloads (checked with the kusto-oracle):

* arithmetic on int/long gives long, anything with real gives real, anything with decimal gives
  decimal; datetime - datetime is timespan, datetime +/- timespan is datetime, timespan * number
  and timespan / number are timespan, timespan / timespan is real;
* a dynamic operand stands for whichever type makes the expression valid (the result then takes
  that overload's type, `dynamic op dynamic` is dynamic) and is dispatched on its runtime type;
* `==`/`!=` accept any two types; `<` and friends need two numbers (bool counts), two datetimes or
  two timespans; string operators need string or dynamic operands.

Operand shapes: binary impls take (left, right); the in-family (in, !in, in~, !in~, has_any,
has_all) takes (left, items) where items is the Python list of evaluated list items (a dynamic
array item is flattened into its elements); between takes (value, low, high); unary takes (value).
`and`/`or` short-circuit, so their impl combines the two operands' row functions into one
(`impl(left_fn, right_fn) -> row_fn`): the right side is not evaluated when the left decides.
The binder passes KType.DYNAMIC as the type of an in-list. When the right operand is a constant,
`Operation.prepare(right)` returns a one-argument function that has done the per-query work once
(lower-casing the needle, compiling the regex, building the set of in-list values).
"""

from __future__ import annotations

import operator as py
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, DecimalException
from functools import cache
from typing import Any

from detections.kql import values as v
from detections.kql.types import KType

INT, L, R, M = KType.INT, KType.LONG, KType.REAL, KType.DECIMAL
S, D, T, Y, B, U = KType.STRING, KType.DATETIME, KType.TIMESPAN, KType.DYNAMIC, KType.BOOL, KType.UNKNOWN
NUMERIC = frozenset((INT, L, R, M))
ORDERED_NUMERIC = NUMERIC | {B}
TEXT = frozenset((S, Y))


@dataclass(frozen=True)
class Operation:
    """A resolved operator: its result type and implementation (see the module docstring)."""

    result: KType
    impl: Callable[..., Any]
    prepare: Callable[[Any], Callable[[Any], Any]] | None = None


@dataclass(frozen=True)
class Operator:
    symbol: str
    arity: int
    resolve: Callable[..., Operation | None]
    doc: str


OPERATORS: dict[str, Operator] = {}


def resolve(symbol: str, *operand_types: KType) -> Operation | None:
    """The operation for `symbol` over operands of these types, or None when Kusto rejects them.
    Raises KeyError for a symbol that is not an operator."""
    return OPERATORS[symbol].resolve(*operand_types)


def mismatch_message(symbol: str, *operand_types: KType) -> str:
    """The binder's message for operand types an operator does not accept (Kusto's wording)."""
    names = ", ".join(t.value for t in operand_types[:-1])
    names = f"{names} and {operand_types[-1].value}" if names else operand_types[-1].value
    return f"The operator '{symbol}' is not defined for the operand types {names}."


def _declare(symbol: str, arity: int, resolver: Callable[..., Operation | None], doc: str) -> None:
    OPERATORS[symbol] = Operator(symbol, arity, resolver, doc)


def _nullsafe(fn: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """Null in, null out (Kusto's rule for every binary operator except and/or/==/!=); a result
    out of range (overflow, division by zero in timespan arithmetic) is null too."""

    def impl(left: Any, right: Any) -> Any:
        if left is None or right is None:
            return None
        try:
            return fn(left, right)
        except (OverflowError, TypeError, ZeroDivisionError):
            return None

    return impl


# ---------------------------------------------------------------------------------------------
# Arithmetic: + - * / %
# ---------------------------------------------------------------------------------------------


def _numeric_result(left: KType, right: KType) -> KType:
    if M in (left, right):
        return M
    if R in (left, right):
        return R
    return L


def _as_decimal(value: Any) -> Decimal:
    return value if type(value) is Decimal else Decimal(repr(value) if type(value) is float else value)


def _decimal_op(fn: Callable[[Decimal, Decimal], Any]) -> Callable[[Any, Any], Any]:
    def impl(left: Any, right: Any) -> Any:
        try:
            return fn(_as_decimal(left), _as_decimal(right))
        except DecimalException:
            return None

    return impl


def _real_modulo(left: float, right: float) -> float:
    return v.real_divide(0.0, 0.0) if not right else float(left) % abs(right)


_NUMERIC_IMPLS: dict[tuple[str, KType], Callable[[Any, Any], Any]] = {
    ("+", L): py.add, ("-", L): py.sub, ("*", L): py.mul, ("/", L): v.int_divide, ("%", L): v.modulo,
    ("+", R): py.add, ("-", R): py.sub, ("*", R): py.mul,
    ("/", R): lambda a, b: v.real_divide(float(a), float(b)), ("%", R): _real_modulo,
    ("+", M): _decimal_op(py.add), ("-", M): _decimal_op(py.sub), ("*", M): _decimal_op(py.mul),
    ("/", M): _decimal_op(py.truediv), ("%", M): _decimal_op(lambda a, b: a % abs(b)),
}


def _to_ticks(value: Any) -> int | float:
    kind = type(value)
    if kind is datetime:
        return v.ticks(value - v.TICKS_ORIGIN)
    if kind is timedelta:
        return v.ticks(value)
    return value


def _from_ticks(result: KType, count: Any) -> Any:
    if count is None:
        return None
    if result is D:
        span = v.from_ticks(count)
        try:
            return None if span is None else v.TICKS_ORIGIN + span
        except OverflowError:
            return None
    if result is T:
        return v.from_ticks(count)
    return float(count)


def _ticks_op(symbol: str, result: KType) -> Callable[[Any, Any], Any]:
    """Kusto's rarer datetime/timespan overloads (datetime * 2, timespan % 7, datetime / 1h ...)
    computed on 100 ns ticks, as Kusto defines them."""
    numeric = _NUMERIC_IMPLS[(symbol, R if symbol == "/" and result is R else L)]

    def impl(left: Any, right: Any) -> Any:
        a, b = _to_ticks(left), _to_ticks(right)
        if type(a) is float or type(b) is float:
            count = _NUMERIC_IMPLS[(symbol, R)](a, b)
            count = None if count != count or count in (float("inf"), float("-inf")) else round(count)
        else:
            count = numeric(a, b)
        return _from_ticks(result, count)

    return impl


def _timespan_divide(left: timedelta, right: Any) -> timedelta | None:
    if not right:
        return None
    try:
        return left / right
    except (OverflowError, TypeError):
        return None


# (operator, left types, right types, result type or None for the numeric rule, impl or None for ticks)
_ARITHMETIC: list[tuple[str, frozenset, frozenset, KType | None, Callable[[Any, Any], Any] | None]] = []
for _op in "+-*/%":
    _ARITHMETIC.append((_op, NUMERIC, NUMERIC, None, None))
_ONE = {D: frozenset((D,)), T: frozenset((T,))}
_ARITHMETIC += [
    ("+", _ONE[D], _ONE[D], D, None),
    ("+", _ONE[D], _ONE[T], D, py.add),
    ("+", _ONE[T], _ONE[D], D, py.add),
    ("+", _ONE[T], _ONE[T], T, py.add),
    ("-", _ONE[D], _ONE[D], T, py.sub),
    ("-", _ONE[D], _ONE[T], D, py.sub),
    ("-", _ONE[T], _ONE[D], D, None),
    ("-", _ONE[T], _ONE[T], T, py.sub),
    ("*", NUMERIC, _ONE[D], D, None),
    ("*", NUMERIC, _ONE[T], T, None),
    ("*", _ONE[D], NUMERIC, D, None),
    ("*", _ONE[T], NUMERIC, T, lambda a, b: a * (b if type(b) is not Decimal else float(b))),
    ("*", _ONE[T], _ONE[T], T, None),
    ("/", _ONE[D], NUMERIC, D, None),
    ("/", _ONE[D], _ONE[D], R, None),
    ("/", _ONE[D], _ONE[T], R, None),
    ("/", _ONE[T], NUMERIC, T, lambda a, b: _timespan_divide(a, b if type(b) is not Decimal else float(b))),
    ("/", _ONE[T], _ONE[T], R, lambda a, b: None if not b else a / b),
    ("%", _ONE[D], NUMERIC, D, None),
    ("%", _ONE[D], _ONE[D], T, None),
    ("%", _ONE[D], _ONE[T], T, None),
    ("%", _ONE[T], NUMERIC, T, None),
    ("%", _ONE[T], _ONE[T], T, None),
]


def _concrete_arithmetic(symbol: str, left: KType, right: KType) -> tuple[KType, Callable[[Any, Any], Any]] | None:
    for op, lefts, rights, result, impl in _ARITHMETIC:
        if op == symbol and left in lefts and right in rights:
            if result is None:
                kind = _numeric_result(left, right)
                return kind, _NUMERIC_IMPLS[(symbol, kind)]
            return result, impl if impl is not None else _ticks_op(symbol, result)
    return None


def _dynamic_arithmetic(symbol: str, left: KType, right: KType) -> KType | None:
    """Result type when one side is dynamic: the overload taking the dynamic side as the other
    side's type; Kusto has none for * / % between dynamic and a datetime or timespan."""
    known = right if left is Y else left
    if known in (D, T) and symbol in "*/%":
        return None
    same = _concrete_arithmetic(symbol, known, known)
    return None if same is None else same[0]


@cache
def _runtime_arithmetic(symbol: str, left: type, right: type) -> Callable[[Any, Any], Any] | None:
    found = _concrete_arithmetic(symbol, v.type_of_class(left), v.type_of_class(right))
    return None if found is None else found[1]


def _dispatching(symbol: str) -> Callable[[Any, Any], Any]:
    """Implementation for operands whose type is only known per row (dynamic or unknown)."""

    def impl(left: Any, right: Any) -> Any:
        if left is None or right is None:
            return None
        fn = _runtime_arithmetic(symbol, type(left), type(right))
        return None if fn is None else fn(left, right)

    return impl


def _arithmetic(symbol: str) -> Callable[[KType, KType], Operation | None]:
    dispatch = _dispatching(symbol)

    def resolver(left: KType, right: KType) -> Operation | None:
        if U in (left, right):
            return Operation(U, dispatch)
        if left is Y and right is Y:
            return Operation(Y, dispatch)
        if Y in (left, right):
            result = _dynamic_arithmetic(symbol, left, right)
            return None if result is None else Operation(result, dispatch)
        found = _concrete_arithmetic(symbol, left, right)
        return None if found is None else Operation(found[0], _nullsafe(found[1]))

    return resolver


for _symbol, _doc in (("+", "add"), ("-", "subtract"), ("*", "multiply"), ("/", "divide (long / long truncates toward zero; x / 0 is null for integers, IEEE for reals)"), ("%", "modulo, always in [0, abs(divisor))")):
    _declare(_symbol, 2, _arithmetic(_symbol), _doc)


# ---------------------------------------------------------------------------------------------
# Unary - and +
# ---------------------------------------------------------------------------------------------


def _unary(symbol: str) -> Callable[[KType], Operation | None]:
    negate = symbol == "-"

    def ticks_negate(value: Any) -> Any:
        if value is None:
            return None
        return _from_ticks(D, -_to_ticks(value)) if negate else value

    def impl(value: Any) -> Any:
        if type(value) is datetime:
            return ticks_negate(value)
        return v.negate(value) if negate else value

    def resolver(operand: KType) -> Operation | None:
        if operand in (INT, L):
            return Operation(L, impl)
        if operand in (R, M, T, Y, U):
            return Operation(operand, impl)
        if operand is D:
            return Operation(D, ticks_negate)
        return None

    return resolver


_declare("unary-", 1, _unary("-"), "negate")
_declare("unary+", 1, _unary("+"), "identity")


# ---------------------------------------------------------------------------------------------
# Comparisons
# ---------------------------------------------------------------------------------------------


def _comparable(left: KType, right: KType) -> bool:
    if U in (left, right):
        return True
    if left is Y and right is Y:
        return True
    if Y in (left, right):
        return (right if left is Y else left) in NUMERIC
    if left in ORDERED_NUMERIC and right in ORDERED_NUMERIC:
        return True
    return left is right and left in (D, T)


def _ordering(fn: Callable[[Any, Any], Any]) -> Callable[[KType, KType], Operation | None]:
    operation = Operation(B, fn)
    return lambda left, right: operation if _comparable(left, right) else None


_declare("<", 2, _ordering(v.less), "less than")
_declare("<=", 2, _ordering(v.less_equal), "less than or equal")
_declare(">", 2, _ordering(v.greater), "greater than")
_declare(">=", 2, _ordering(v.greater_equal), "greater than or equal")
_EQUALS = Operation(B, v.equals)
_NOT_EQUALS = Operation(B, v.not_equals)
_declare("==", 2, lambda _l, _r: _EQUALS, "equals (case-sensitive); null == null is null")
_declare("!=", 2, lambda _l, _r: _NOT_EQUALS, "not equals; null != value is true")
_declare("<>", 2, lambda _l, _r: _NOT_EQUALS, "not equals (alias of !=)")


def _and(left: Callable[[Any], Any], right: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Kusto's three-valued and over two row functions: false wins over null."""

    def row(r: Any) -> bool | None:
        a = left(r)
        if a is False:
            return False
        b = right(r)
        if b is False:
            return False
        return True if a is True and b is True else None

    return row


def _or(left: Callable[[Any], Any], right: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Kusto's three-valued or over two row functions: true wins over null."""

    def row(r: Any) -> bool | None:
        a = left(r)
        if a is True:
            return True
        b = right(r)
        if b is True:
            return True
        return False if a is False and b is False else None

    return row


def _logical(combine: Callable[..., Any]) -> Callable[[KType, KType], Operation | None]:
    operation = Operation(B, combine)
    allowed = (B, Y, U)
    return lambda left, right: operation if left in allowed and right in allowed else None


_declare("and", 2, _logical(_and), "three-valued and: false and null is false")
_declare("or", 2, _logical(_or), "three-valued or: true or null is true")


# ---------------------------------------------------------------------------------------------
# String operators: both sides string or dynamic; a dynamic side is compared as its text
# ---------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return value if type(value) is str else v.to_string(value)


def _string_operator(factory: Callable[[str], Callable[[str], bool]], fold: bool, negated: bool) -> Callable[[KType, KType], Operation | None]:
    """Build the resolver of one string operator from `factory(needle) -> test(hay)`."""

    def impl(left: Any, right: Any) -> bool:
        hay, needle = _text(left), _text(right)
        if fold:
            hay, needle = hay.lower(), needle.lower()
        return factory(needle)(hay) is not negated

    def prepare(right: Any) -> Callable[[Any], bool]:
        test = factory(_text(right).lower() if fold else _text(right))
        if fold:
            return lambda left: test((left if type(left) is str else _text(left)).lower()) is not negated
        return lambda left: test(left if type(left) is str else _text(left)) is not negated

    operation = Operation(B, impl, prepare)
    allowed = (S, Y, U)
    return lambda left, right: operation if left in allowed and right in allowed else None


def _has(needle: str) -> Callable[[str], bool]:
    return v.term_matcher(needle, True, True)


def _hasprefix(needle: str) -> Callable[[str], bool]:
    return v.term_matcher(needle, True, False)


def _hassuffix(needle: str) -> Callable[[str], bool]:
    return v.term_matcher(needle, False, True)


def _contains(needle: str) -> Callable[[str], bool]:
    return lambda hay: needle in hay


def _startswith(needle: str) -> Callable[[str], bool]:
    return lambda hay: hay.startswith(needle)


def _endswith(needle: str) -> Callable[[str], bool]:
    return lambda hay: hay.endswith(needle)


def _equal(needle: str) -> Callable[[str], bool]:
    return needle.__eq__


# name -> (matcher factory working on already-folded text, doc)
_STRING_TESTS: dict[str, tuple[Callable[[str], Callable[[str], bool]], str]] = {
    "has": (_has, "needle is a whole term of the text (terms are runs of letters and digits)"),
    "hasprefix": (_hasprefix, "needle starts a term of the text"),
    "hassuffix": (_hassuffix, "needle ends a term of the text"),
    "contains": (_contains, "needle is a substring"),
    "startswith": (_startswith, "text starts with needle"),
    "endswith": (_endswith, "text ends with needle"),
}
for _name, (_factory, _doc) in _STRING_TESTS.items():
    _declare(_name, 2, _string_operator(_factory, True, False), _doc + " (case-insensitive)")
    _declare("!" + _name, 2, _string_operator(_factory, True, True), "negation of " + _name)
    _declare(_name + "_cs", 2, _string_operator(_factory, False, False), _doc + " (case-sensitive)")
    _declare("!" + _name + "_cs", 2, _string_operator(_factory, False, True), "negation of " + _name + "_cs")
_declare("=~", 2, _string_operator(_equal, True, False), "equals, case-insensitive")
_declare("!~", 2, _string_operator(_equal, True, True), "not equals, case-insensitive")


def _regex_resolver(negated: bool) -> Callable[[KType, KType], Operation | None]:
    from detections.kql.functions.regex import compile_regex

    def impl(left: Any, right: Any) -> bool:
        return (compile_regex(_text(right)).search(_text(left)) is not None) is not negated

    def prepare(right: Any) -> Callable[[Any], bool]:
        search = compile_regex(_text(right)).search
        return lambda left: (search(left if type(left) is str else _text(left)) is not None) is not negated

    operation = Operation(B, impl, prepare)
    allowed = (S, Y, U)
    return lambda left, right: operation if left in allowed and right in allowed else None


_declare("matches regex", 2, _regex_resolver(False), "RE2 regular expression found in the text (case-sensitive)")


# ---------------------------------------------------------------------------------------------
# in-family: (left, items)
# ---------------------------------------------------------------------------------------------


def flatten_items(items: Iterable[Any]) -> list[Any]:
    """In-list items with dynamic arrays expanded into their elements, as Kusto does."""
    flat: list[Any] = []
    for item in items:
        if type(item) is list:
            flat.extend(item)
        else:
            flat.append(item)
    return flat


def _member_set(items: Iterable[Any], fold: bool) -> tuple[frozenset, list[Any]]:
    """Hashable items in a set for O(1) lookups; unhashable ones (bags, arrays) kept in a list."""
    hashable, other = set(), []
    for item in flatten_items(items):
        if item is None:
            continue
        item = item.lower() if fold and type(item) is str else item
        try:
            hashable.add(item)
        except TypeError:
            other.append(item)
    return frozenset(hashable), other


def _in_operator(fold: bool, negated: bool, text_only: bool) -> Callable[[KType, KType], Operation | None]:
    """in / !in / in~ / !in~: `in` is an OR of ==, `!in` an AND of != (so null !in (...) is true)."""

    def contains(members: frozenset, others: list[Any], left: Any) -> bool:
        if left is None:
            return negated
        if fold:
            left = _text(left).lower()
        try:
            found = left in members
        except TypeError:
            found = False
        return (found or left in others) is not negated

    def impl(left: Any, items: Any) -> bool:
        return contains(*_member_set(items, fold), left)

    def prepare(items: Any) -> Callable[[Any], bool]:
        members, others = _member_set(items, fold)
        return lambda left: contains(members, others, left)

    operation = Operation(B, impl, prepare)
    allowed = (S, Y, U)
    return lambda left, _items: operation if not text_only or left in allowed else None


_declare("in", 2, _in_operator(False, False, False), "equals one of the items (case-sensitive)")
_declare("!in", 2, _in_operator(False, True, False), "equals none of the items")
_declare("in~", 2, _in_operator(True, False, True), "equals one of the items, case-insensitive")
_declare("!in~", 2, _in_operator(True, True, True), "equals none of the items, case-insensitive")


def _terms_operator(need_all: bool) -> Callable[[KType, KType], Operation | None]:
    """has_any / has_all: `has` against each item (case-insensitive)."""
    combine = all if need_all else any

    def matchers(items: Any) -> list[Callable[[str], bool]]:
        return [v.term_matcher(_text(item).lower(), True, True) for item in flatten_items(items) if item is not None]

    def check(tests: list[Callable[[str], bool]], left: Any) -> bool:
        hay = _text(left).lower()
        return combine(test(hay) for test in tests)

    def impl(left: Any, items: Any) -> bool:
        return check(matchers(items), left)

    def prepare(items: Any) -> Callable[[Any], bool]:
        tests = matchers(items)
        return lambda left: check(tests, left)

    operation = Operation(B, impl, prepare)
    allowed = (S, Y, U)
    return lambda left, _items: operation if left in allowed else None


_declare("has_any", 2, _terms_operator(False), "has any of the items as a term")
_declare("has_all", 2, _terms_operator(True), "has every item as a term")


# ---------------------------------------------------------------------------------------------
# between / !between: (value, low, high); a datetime range may end in a timespan (low + span)
# ---------------------------------------------------------------------------------------------


def _between_impl(negated: bool) -> Callable[[Any, Any, Any], Any]:
    def impl(value: Any, low: Any, high: Any) -> Any:
        if value is None or low is None or high is None:
            return None
        if type(high) is timedelta and type(low) is datetime:
            high = low + high
        try:
            inside = low <= value <= high
        except TypeError:
            return None
        return inside is not negated

    return impl


def _between_valid(value: KType, low: KType, high: KType) -> bool:
    """Kusto.Language's between overloads: numbers with numbers (or two dynamic bounds), datetimes
    with a datetime or timespan upper bound, timespans with timespans, a dynamic value with two
    bounds of one numeric type."""
    if U in (value, low, high):
        return True
    if value in NUMERIC:
        return (low in NUMERIC and high in NUMERIC) or (low is Y and high is Y)
    if value is D:
        return low is D and high in (D, T)
    if value is T:
        return low is T and high is T
    return value is Y and low is high and low in NUMERIC


def _between(negated: bool) -> Callable[[KType, KType, KType], Operation | None]:
    operation = Operation(B, _between_impl(negated))
    return lambda value, low, high: operation if _between_valid(value, low, high) else None


_declare("between", 3, _between(False), "low <= value <= high (inclusive)")
_declare("!between", 3, _between(True), "value outside [low, high]")
