"""Dynamic (array, set, bag) functions and conversions, from the official docs' examples."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

import detections.kql.functions  # noqa: F401 - fills the registry
from detections.kql.registry import SCALARS
from detections.kql.types import KType


def call(name, *args):
    return SCALARS[name].impl(*args)


def test_array_length_and_concat():
    assert call("array_length", [1, 2, 3]) == 3
    assert call("array_length", {"a": 1}) is None
    assert call("array_length", "abc") is None
    assert call("array_concat", [1, 2], [3], []) == [1, 2, 3]
    assert call("array_concat", [1], "x") is None


@pytest.mark.parametrize(
    ("array", "start", "end", "expected"),
    [([1, 2, 3], 1, 2, [2, 3]), ([1, 2, 3, 4, 5], 2, -1, [3, 4, 5]), ([1, 2, 3, 4, 5], -3, -2, [3, 4]),
     ([1, 2, 3], 5, 9, []), ([1, 2, 3], -9, 0, [1])],
)
def test_array_slice_doc_examples(array, start, end, expected):
    assert call("array_slice", array, start, end) == expected


def test_array_index_of():
    assert call("array_index_of", ["a", "b", "c", "b"], "b") == 1
    assert call("array_index_of", ["a", "b", "c", "b"], "b", 2) == 3
    assert call("array_index_of", ["a", "b", "c", "b"], "b", 0, -1, 2) == 3
    assert call("array_index_of", [1, True], True) == 1
    assert call("array_index_of", ["a"], "z") == -1
    assert call("array_index_of", "a", "a") is None


def test_array_sort_doc_examples():
    assert call("array_sort_asc", [1, 3, 4, 5, 2], ["a", "b", "c", "d", "e"]) == ([1, 2, 3, 4, 5], ["a", "e", "b", "c", "d"])
    assert call("array_sort_asc", [None, "blue", "yellow", "green", None]) == ["blue", "green", "yellow", None, None]
    assert call("array_sort_asc", [None, "blue", "yellow", "green", None], False) == [None, None, "blue", "green", "yellow"]
    assert call("array_sort_desc", [1, 3, 2]) == [3, 2, 1]
    assert call("array_sort_asc", ["b", 2, 1]) == [1, 2, "b"]  # numbers before strings
    assert call("array_sort_asc", [2, 1], [1]) == ([1, 2], None)  # a shorter array gives null


def test_other_array_functions():
    assert call("array_reverse", [1, 2, 3]) == [3, 2, 1]
    assert call("array_sum", [1, 2.5, None]) == 3.5
    assert call("array_iff", [True, False, None], [1, 2, 3], [4, 5, 6]) == [1, 5, 6]
    assert call("array_iff", [True, False], 1, 0) == [1, 0]
    assert call("repeat", "x", 3) == ["x", "x", "x"]
    assert call("zip", [1, 2], ["a"]) == [[1, "a"], [2, None]]
    assert call("range", 1, 7, 3) == [1, 4, 7]
    assert call("range", 5, 1, -2) == [5, 3, 1]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    assert call("range", start, start + timedelta(days=2), timedelta(days=1))[-1] == start + timedelta(days=2)


def test_sets():
    assert call("set_has_element", ["a", "b"], "b") is True
    assert call("set_has_element", [1], True) is False
    assert call("set_union", [1, 2, 3], [1, 2], [1, 4]) == [1, 2, 3, 4]
    assert call("set_intersect", [1, 2, 3, 2], [2, 3, 4], [2, 3]) == [2, 3]
    assert call("set_difference", [1, 2, 3, 2], [1], [3]) == [2]
    assert call("set_union", [{"a": 1}], [{"a": 1}]) == [{"a": 1}]
    assert call("set_difference", [1], "x") is None


def test_bags():
    assert call("bag_keys", {"a": 1, "b": {"c": 2}}) == ["a", "b"]
    assert call("bag_keys", [1]) is None
    merged = call("bag_merge", {"A1": 12, "B1": 2, "C1": 3}, {"A2": 81, "B2": 82, "A1": 1})
    assert merged == {"A1": 12, "B1": 2, "C1": 3, "A2": 81, "B2": 82}
    assert call("bag_pack", "Level", "Information", "ProcessID", 1234) == {"Level": "Information", "ProcessID": 1234}
    assert call("pack", "a", 1) == {"a": 1}
    assert call("pack_array", 1, "a", None) == [1, "a", None]
    bag = {"Id": 1, "Ad": {"Name": "x", "Location": "y"}}
    assert call("bag_has_key", bag, "Id") is True
    assert call("bag_has_key", bag, "$.Ad.Name") is True
    assert call("bag_has_key", bag, "$.Ad.Zip") is False
    assert call("bag_has_key", {"a": [1, 2]}, "$.a[1]") is True
    assert call("bag_remove_keys", bag, ["Id", "$.Ad.Name"]) == {"Ad": {"Location": "y"}}
    assert bag["Id"] == 1  # the input is not modified
    assert call("bag_set_key", {"a": 1}, "$.b.c", 2) == {"a": 1, "b": {"c": 2}}


def test_extract_json():
    doc = '{"a":{"b":[10,20]},"s":"text"}'
    assert call("extract_json", "$.a.b[1]", doc) == "20"
    assert call("extractjson", "$.s", doc) == "text"
    assert call("extract_json", "$.missing", doc) == ""
    assert call("extract_json", "$.a.b[0]", doc, "long") == 10
    assert call("extract_json", "$['a']['b']", doc) == "[10,20]"


# --- conversions -----------------------------------------------------------------------------------


def test_conversions_are_registered_with_their_types():
    expected = {"tobool": KType.BOOL, "toboolean": KType.BOOL, "toint": KType.INT, "tolong": KType.LONG,
                "toreal": KType.REAL, "todouble": KType.REAL, "todecimal": KType.DECIMAL, "tostring": KType.STRING,
                "todatetime": KType.DATETIME, "totimespan": KType.TIMESPAN, "toguid": KType.GUID,
                "todynamic": KType.DYNAMIC, "parse_json": KType.DYNAMIC, "parsejson": KType.DYNAMIC}
    assert {name: SCALARS[name].result_type([KType.STRING]) for name in expected} == expected


def test_conversion_values():
    assert call("tostring", parse := call("parse_json", '["x"]')) == '["x"]'
    assert call("tostring", parse[0]) == "x"
    assert call("tostring", call("parse_json", '{"a":{"b":1}}')["a"]) == '{"b":1}'
    assert call("todecimal", "3.5") == Decimal("3.5")
    assert call("toint", "42") == 42
    assert call("todatetime", "2015-12-31 23:59:59.9") == datetime(2015, 12, 31, 23, 59, 59, 900000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "null"), ([1], "array"), ({"a": 1}, "dictionary"), ("s", "string"), (1, "long"), (1.5, "real"),
     (True, "bool"), (datetime(2020, 1, 1, tzinfo=UTC), "datetime"), (timedelta(1), "timespan"), (Decimal(1), "decimal")],
)
def test_gettype(value, expected):
    assert call("gettype", value) == expected


def test_tohex():
    assert call("tohex", 256) == "100"
    assert call("tohex", -256) == "ffffffffffffff00"
    assert call("tohex", 256, 8) == "00000100"
    assert call("tohex", "x") == ""


def test_dynamic_to_json_is_canonical():
    bag = {"Y10": {}, "X8": {"c3": 1, "d8": 5, "a4": 6}, "D1": 114, "A1": 12, "B1": 2, "C1": 3, "A14": [15, 13, 18]}
    expected = '{"A1":12,"A14":[15,13,18],"B1":2,"C1":3,"D1":114,"X8":{"a4":6,"c3":1,"d8":5},"Y10":{}}'
    assert call("dynamic_to_json", bag) == expected
    assert call("dynamic_to_json", ["a", None, True]) == '["a",null,true]'
    assert call("dynamic_to_json", 5) == "5"


def test_rotate_shift_split_and_zip():
    arr = [1, 2, 3, 4, 5]
    assert call("array_rotate_left", arr, 2) == [3, 4, 5, 1, 2]
    assert call("array_rotate_left", arr, -2) == [4, 5, 1, 2, 3]
    assert call("array_rotate_right", arr, 2) == [4, 5, 1, 2, 3]
    assert call("array_shift_right", arr, 2) == [None, None, 1, 2, 3]
    assert call("array_shift_right", arr, 2, -1) == [-1, -1, 1, 2, 3]
    assert call("array_shift_right", arr, -2, -1) == [3, 4, 5, -1, -1]
    assert call("array_shift_left", arr, 9) == [None] * 5
    assert call("array_split", arr, 2) == [[1, 2], [3, 4, 5]]
    assert call("array_split", arr, [1, 3]) == [[1], [2, 3], [4, 5]]
    assert call("set_equals", [1, 2, 2], [2, 1]) is True
    assert call("set_equals", [1], [1, 3]) is False
    assert call("bag_zip", ["a", "b"], [1]) == {"a": 1, "b": None}
