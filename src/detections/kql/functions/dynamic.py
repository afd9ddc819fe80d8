"""Dynamic (JSON) functions: arrays, sets and property bags. A function given a value of the wrong
shape (an array function given a bag, a string or null) returns null, as Kusto does."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal, DecimalException
from typing import Any

from detections.kql import values
from detections.kql.functions.aggregates import MAX_SET_SIZE
from detections.kql.functions.common import text
from detections.kql.functions.conversion import convert_to
from detections.kql.registry import scalar
from detections.kql.types import KType
from detections.kql.values import json_key

Y, L, B, R, S = KType.DYNAMIC, KType.LONG, KType.BOOL, KType.REAL, KType.STRING


def _arrays(items: Iterable[Any]) -> list[list[Any]] | None:
    arrays = list(items)
    return arrays if all(type(a) is list for a in arrays) else None


def _distinct(items: Iterable[Any]) -> list[Any]:
    """Items in first-seen order without repeats (JSON equality, so bags and arrays work too)."""
    seen: set[Any] = set()
    out: list[Any] = []
    for item in items:
        key = json_key(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


@scalar("array_length", 1, 1, L)
def array_length(array: Any) -> int | None:
    """Number of elements; null when the value is not an array."""
    return len(array) if type(array) is list else None


@scalar("array_concat", 1, 64, Y)
def array_concat(*arrays: Any) -> list | None:
    """All the arrays joined; null when an argument is not an array."""
    found = _arrays(arrays)
    return None if found is None else [item for array in found for item in array]


def _position(index: Any, size: int) -> int:
    index = int(index)
    return size + index if index < 0 else index


@scalar("array_slice", 3, 3, Y)
def array_slice(array: Any, start: Any, end: Any) -> list | None:
    """Elements start..end inclusive; negative indexes count from the end; out of range ignored."""
    if type(array) is not list or start is None or end is None:
        return None
    first, last = max(0, _position(start, len(array))), _position(end, len(array))
    return array[first:last + 1]


@scalar("array_index_of", 2, 5, L)
def array_index_of(array: Any, value: Any, start: Any = 0, length: Any = -1, occurrence: Any = 1) -> int | None:
    """Index of the n-th element equal to value within [start, start + length), -1 if absent."""
    if type(array) is not list:
        return None
    start = max(0, _position(start or 0, len(array)))
    end = len(array) if length is None or int(length) < 0 else min(len(array), start + int(length))
    wanted, count, key = max(int(occurrence or 1), 1), 0, json_key(value)
    for position in range(start, end):
        if json_key(array[position]) == key:
            count += 1
            if count == wanted:
                return position
    return -1


# Element order for array sorting: numbers/datetimes/timespans, then strings, then the rest.
def _array_sort_key(item: Any) -> tuple:
    kind = type(item)
    if kind in (int, float, Decimal, datetime, timedelta):
        if kind is datetime:
            return (0, 1, values.ticks(item - values.TICKS_ORIGIN))
        if kind is timedelta:
            return (0, 2, values.ticks(item))
        return (0, 0, item)
    if kind is str:
        return (1, 0, item)
    return (2, 0, values.to_json_text(item))


def _array_sort(descending: bool):
    def impl(*args: Any) -> Any:
        nulls_last = True
        if args and type(args[-1]) is bool:
            nulls_last, args = args[-1], args[:-1]
        if not args or type(args[0]) is not list:
            return None
        first = args[0]
        present = [i for i, item in enumerate(first) if item is not None and not (type(item) is float and item != item)]
        missing = [i for i in range(len(first)) if i not in set(present)]
        present.sort(key=lambda i: _array_sort_key(first[i]), reverse=descending)
        order = present + missing if nulls_last else missing + present
        results = [[array[i] for i in order] if type(array) is list and len(array) == len(first) else None for array in args]
        return results[0] if len(results) == 1 else tuple(results)

    return impl


scalar("array_sort_asc", 1, 65, Y, doc="sort the first array ascending (nulls last unless the last argument is false); further arrays follow its order and each array is an output column")(_array_sort(False))
scalar("array_sort_desc", 1, 65, Y, doc="sort the first array descending (nulls last unless the last argument is false)")(_array_sort(True))


@scalar("array_reverse", 1, 1, Y)
def array_reverse(array: Any) -> list | None:
    """The array in reverse order."""
    return array[::-1] if type(array) is list else None


@scalar("array_sum", 1, 1, R)
def array_sum(array: Any) -> float | None:
    """Sum of the elements as real; null when an element is not a number."""
    if type(array) is not list:
        return None
    numbers = [values.to_real(item) for item in array if item is not None]
    return None if any(n is None for n in numbers) else float(sum(numbers))


@scalar("array_iff", 3, 3, Y)
def array_iff(conditions: Any, when_true: Any, when_false: Any) -> list | None:
    """Element-wise iff over arrays (scalars stand for every element); length of `conditions`."""
    if type(conditions) is not list:
        return None

    def pick(source: Any, i: int) -> Any:
        if type(source) is list:
            return source[i] if i < len(source) else None
        return source

    return [pick(when_true, i) if c is True else pick(when_false, i) for i, c in enumerate(conditions)]


scalar("array_iif", 3, 3, Y, doc="alias of array_iff")(array_iff)


@scalar("repeat", 2, 2, Y)
def repeat(value: Any, count: Any) -> list | None:
    """An array holding `value` `count` times; null for a negative count, as the docs say, and for a
    count beyond the engine's cap on an array's size (Kusto caps dynamic values too)."""
    return None if count is None or not 0 <= count <= MAX_SET_SIZE else [value] * count


@scalar("zip", 2, 64, Y)
def zip_arrays(*arrays: Any) -> list | None:
    """Element-wise tuples of the arrays; shorter arrays are padded with null."""
    found = _arrays(arrays)
    if found is None:
        return None
    size = max(len(a) for a in found)
    return [[a[i] if i < len(a) else None for a in found] for i in range(size)]


@scalar("set_has_element", 2, 2, B)
def set_has_element(array: Any, value: Any) -> bool | None:
    """True when the array holds the value (JSON equality)."""
    if type(array) is not list:
        return None
    key = json_key(value)
    return any(json_key(item) == key for item in array)


@scalar("set_union", 2, 64, Y)
def set_union(*arrays: Any) -> list | None:
    """Distinct elements of all the arrays."""
    found = _arrays(arrays)
    return None if found is None else _distinct(item for array in found for item in array)


@scalar("set_intersect", 2, 64, Y)
def set_intersect(*arrays: Any) -> list | None:
    """Distinct elements present in every array."""
    found = _arrays(arrays)
    if found is None:
        return None
    others = [{json_key(item) for item in array} for array in found[1:]]
    return [item for item in _distinct(found[0]) if all(json_key(item) in keys for keys in others)]


@scalar("set_difference", 2, 64, Y)
def set_difference(*arrays: Any) -> list | None:
    """Distinct elements of the first array that are in none of the others."""
    found = _arrays(arrays)
    if found is None:
        return None
    excluded = {json_key(item) for array in found[1:] for item in array}
    return [item for item in _distinct(found[0]) if json_key(item) not in excluded]


@scalar("bag_keys", 1, 1, Y)
def bag_keys(bag: Any) -> list | None:
    """The top-level keys of a property bag."""
    return list(bag) if type(bag) is dict else None


@scalar("bag_merge", 1, 64, Y)
def bag_merge(*bags: Any) -> dict | None:
    """Union of the bags; on a repeated key the leftmost bag's value is kept."""
    merged: dict[str, Any] = {}
    for bag in bags:
        if type(bag) is not dict:
            return None
        for key, value in bag.items():
            merged.setdefault(key, value)
    return merged


def _pack(*pairs: Any) -> dict:
    """Property bag from key, value, key, value ... (keys are cast to text)."""
    return {text(pairs[i]): pairs[i + 1] for i in range(0, len(pairs) - 1, 2)}


for _name in ("bag_pack", "pack", "pack_dictionary"):
    scalar(_name, 0, 128, Y, doc="property bag from alternating keys and values")(_pack)


@scalar("pack_array", 1, 64, Y)
def pack_array(*items: Any) -> list:
    """An array of the arguments."""
    return list(items)


_PATH_STEP = re.compile(r"\.([^.\[\]]+)|\[\s*'([^']*)'\s*\]|\[\s*\"([^\"]*)\"\s*\]|\[\s*(-?\d+)\s*\]")


def json_path_steps(path: str) -> list[str | int] | None:
    """Steps of a simple JSONPath ($.a.b[0], $['a b']); a bare key is a one-step path; None when invalid."""
    path = path.strip()
    if not path.startswith("$"):
        return [path] if path else None
    steps: list[str | int] = []
    position = 1
    while position < len(path):
        match = _PATH_STEP.match(path, position)
        if not match:
            return None
        name, quoted, double_quoted, number = match.groups()
        steps.append(int(number) if number is not None else (name or quoted or double_quoted or ""))
        position = match.end()
    return steps


def follow_path(value: Any, steps: list[str | int]) -> Any:
    for step in steps:
        value = values.index(value, step)
        if value is None:
            return None
    return value


@scalar("bag_has_key", 2, 2, B)
def bag_has_key(bag: Any, key: Any) -> bool | None:
    """True when the key (or JSONPath like $.a.b) exists in the bag."""
    if type(bag) is not dict:
        return None
    steps = json_path_steps(text(key))
    if not steps:
        return False
    parent, last = follow_path(bag, steps[:-1]), steps[-1]
    if type(last) is str:
        return type(parent) is dict and last in parent
    return type(parent) is list and -len(parent) <= last < len(parent)


@scalar("bag_remove_keys", 2, 2, Y)
def bag_remove_keys(bag: Any, keys: Any) -> dict | None:
    """A copy of the bag without the given keys (JSONPath keys reach into nested bags)."""
    if type(bag) is not dict or type(keys) is not list:
        return None
    result = _deep_copy(bag)
    for key in keys:
        steps = json_path_steps(text(key))
        if steps:
            parent = follow_path(result, steps[:-1])
            if type(parent) is dict and type(steps[-1]) is str:
                parent.pop(steps[-1], None)
    return result


def _deep_copy(value: Any) -> Any:
    if type(value) is dict:
        return {k: _deep_copy(v) for k, v in value.items()}
    if type(value) is list:
        return [_deep_copy(v) for v in value]
    return value


@scalar("bag_set_key", 3, 3, Y)
def bag_set_key(bag: Any, key: Any, value: Any) -> dict | None:
    """A copy of the bag with key (or JSONPath) set to value, creating nested bags as needed."""
    if type(bag) is not dict:
        return None
    steps = json_path_steps(text(key))
    if not steps or any(type(step) is not str for step in steps):
        return None
    result = _deep_copy(bag)
    target = result
    for step in steps[:-1]:
        child = target.get(step)
        if type(child) is not dict:
            child = target[step] = {}
        target = child
    target[steps[-1]] = value
    return result


def _extract_json_type(args: list[KType]) -> KType:
    return args[2] if len(args) > 2 and args[2] is not KType.UNKNOWN else S


def _extract_json(path: Any, source: Any, type_literal: Any = None) -> Any:
    """Value at a JSONPath inside JSON text: text by default ("" when absent), or converted to the
    typeof() given."""
    steps = json_path_steps(text(path))
    document = values.parse_json(source) if type(source) is str else source
    found = None if steps is None else follow_path(document, steps)
    if type_literal is None:
        return values.to_string(found)
    return None if found is None else convert_to(type_literal, found)


for _name in ("extract_json", "extractjson"):
    scalar(_name, 2, 3, _extract_json_type, doc="value at a JSONPath in JSON text")(_extract_json)


@scalar("range", 2, 3, Y)
def range_array(start: Any, stop: Any, step: Any = None) -> list | None:
    """Array start, start + step, ... up to stop (inclusive); numbers, datetimes or timespans."""
    if start is None or stop is None:
        return None
    if step is None:
        step = 1 if type(start) in (int, float) else None
    if not step:
        return None
    items, current, limit = [], start, 1_048_576
    try:
        while (current <= stop if step > type(step)(0) else current >= stop) and len(items) < limit:
            items.append(current)
            current = current + step
    except (TypeError, DecimalException):  # DecimalException: NaN against a decimal does not compare
        return None
    return items


def _canonical(value: Any) -> str:
    if type(value) is dict:
        return "{" + ",".join(f"{values.to_json_text(key)}:{_canonical(value[key])}" for key in sorted(value)) + "}"
    if type(value) is list:
        return "[" + ",".join(_canonical(item) for item in value) + "]"
    return values.to_json_text(value)


@scalar("dynamic_to_json", 1, 1, S)
def dynamic_to_json(value: Any) -> str:
    """Canonical JSON text: bag keys sorted at every level, so equal bags give equal text."""
    if type(value) in (dict, list):
        return _canonical(value)
    return values.to_string(value)


def _rotate(direction: int):
    def impl(array: Any, count: Any) -> list | None:
        if type(array) is not list or count is None:
            return None
        if not array:
            return []
        shift = (int(count) * direction) % len(array)
        return array[shift:] + array[:shift]

    return impl


scalar("array_rotate_left", 2, 2, Y, doc="elements rotated left by count (right when negative)")(_rotate(1))
scalar("array_rotate_right", 2, 2, Y, doc="elements rotated right by count (left when negative)")(_rotate(-1))


def _shift(direction: int):
    def impl(array: Any, count: Any, default: Any = None) -> list | None:
        if type(array) is not list or count is None:
            return None
        size, steps = len(array), int(count) * direction
        if steps >= 0:
            kept = array[steps:] if steps < size else []
            return kept + [default] * (size - len(kept))
        kept = array[: size + steps] if -steps < size else []
        return [default] * (size - len(kept)) + kept

    return impl


scalar("array_shift_left", 2, 3, Y, doc="elements shifted left by count, the vacated places take the default (null)")(_shift(1))
scalar("array_shift_right", 2, 3, Y, doc="elements shifted right by count, the vacated places take the default (null)")(_shift(-1))


@scalar("set_equals", 2, 2, B)
def set_equals(first: Any, second: Any) -> bool | None:
    """True when both arrays hold the same distinct elements."""
    if type(first) is not list or type(second) is not list:
        return None
    return {json_key(item) for item in first} == {json_key(item) for item in second}


@scalar("array_split", 2, 2, Y)
def array_split(array: Any, indices: Any) -> list | None:
    """The array cut before each index (one index or an array of them); null when an index is not a number."""
    wanted = [values.to_long(i) for i in (indices if type(indices) is list else [indices])]
    if type(array) is not list or None in wanted:
        return None
    cuts = sorted({_position(i, len(array)) for i in wanted})
    bounds = [0, *[min(max(c, 0), len(array)) for c in cuts], len(array)]
    return [array[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


@scalar("bag_zip", 2, 2, Y)
def bag_zip(keys: Any, items: Any) -> dict | None:
    """A bag from an array of keys and an array of values (missing values are null)."""
    if type(keys) is not list or type(items) is not list:
        return None
    return {text(key): items[i] if i < len(items) else None for i, key in enumerate(keys) if type(key) is str}
