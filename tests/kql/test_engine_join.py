"""join (every kind) and lookup: matching rules, output columns and renaming."""

import pytest

from detections.kql import KqlSemanticError, bind, run_query

LEFT = [{"Key": "a", "L": 1}, {"Key": "b", "L": 2}, {"Key": "b", "L": 3}]
RIGHT = [{"Key": "b", "R": 10}, {"Key": "b", "R": 11}, {"Key": "c", "R": 20}]
TABLES = {"X": LEFT, "Y": RIGHT}


def join(kind):
    return run_query(f"X | join kind={kind} (Y) on Key", TABLES)


@pytest.mark.parametrize("kind,expected", [
    ("inner", [("b", 2, "b", 10), ("b", 2, "b", 11), ("b", 3, "b", 10), ("b", 3, "b", 11)]),
    ("leftouter", [("a", 1, "", None), ("b", 2, "b", 10), ("b", 2, "b", 11), ("b", 3, "b", 10), ("b", 3, "b", 11)]),
    ("rightouter", [("", None, "c", 20), ("b", 2, "b", 10), ("b", 2, "b", 11), ("b", 3, "b", 10), ("b", 3, "b", 11)]),
    ("fullouter", [("", None, "c", 20), ("a", 1, "", None), ("b", 2, "b", 10), ("b", 2, "b", 11), ("b", 3, "b", 10),
                   ("b", 3, "b", 11)]),
])
def test_inner_and_outer_kinds(kind, expected):
    result = join(kind)
    assert result.columns == ["Key", "L", "Key1", "R"]
    assert sorted(result.rows, key=repr) == sorted(expected, key=repr)


def test_innerunique_keeps_one_left_row_per_key():
    result = join("innerunique")
    assert len(result.rows) == 2 and {r[3] for r in result.rows} == {10, 11}
    assert len({r[1] for r in result.rows}) == 1


@pytest.mark.parametrize("kind,columns,rows", [
    ("leftsemi", ["Key", "L"], [("b", 2), ("b", 3)]),
    ("leftanti", ["Key", "L"], [("a", 1)]),
    ("rightsemi", ["Key", "R"], [("b", 10), ("b", 11)]),
    ("rightanti", ["Key", "R"], [("c", 20)]),
])
def test_semi_and_anti_kinds(kind, columns, rows):
    result = join(kind)
    assert result.columns == columns and result.rows == rows


def test_left_right_key_names_and_several_keys():
    tables = {"X": [{"a": "k", "n": 1}], "Y": [{"b": "k", "m": 1, "n": 5}]}
    result = run_query("X | join kind=inner (Y) on $left.a == $right.b, $left.n == $right.m", tables)
    assert result.columns == ["a", "n", "b", "m", "n1"]
    assert result.rows == [("k", 1, "k", 1, 5)]


def test_lookup_adds_right_columns_once():
    result = run_query("X | lookup (Y) on Key", TABLES)
    assert result.columns == ["Key", "L", "R"]
    assert ("a", 1, None) in result.rows and len(result.rows) == 5
    assert len(run_query("X | lookup kind=inner (Y) on Key", TABLES).rows) == 4


def test_clashing_right_names_skip_numbers_the_right_side_uses():
    """Joining a table that already holds Key1/L1 (an earlier join): the clashing right Key and L
    become Key2 and L2, so the right's own Key1 and L1 keep their names."""
    query = "let J = X | join kind=inner (X) on Key; X | join kind=inner (J) on Key | take 1"
    assert run_query(query, TABLES).columns == ["Key", "L", "Key2", "L2", "Key1", "L1"]
    assert run_query("X | lookup (Y | extend L1 = 1, L = 2) on Key", TABLES).columns == ["Key", "L", "R", "L1", "L2"]


def test_join_errors():
    schemas = {"X": {"Key": "string"}, "Y": {"Other": "string", "D": "dynamic"}}
    with pytest.raises(KqlSemanticError):
        bind("X | join (Y) on Key", schemas)
    with pytest.raises(KqlSemanticError):
        bind("X | join (Y) on $left.Key == $right.D", schemas)


def test_join_keys_must_have_one_type():
    schemas = {"X": {"Key": "string", "N": "long"}, "Y": {"Key": "string", "M": "int", "S": "string"}}
    with pytest.raises(KqlSemanticError, match="inconsistent data types"):
        bind("X | join (Y) on $left.N == $right.S", schemas)
    assert bind("X | join (Y) on $left.N == $right.M", schemas)[-1] == ("S", "string")
