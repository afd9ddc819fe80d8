"""mv-expand, mv-apply, parse/parse-where (simple, regex, relaxed) and evaluate bag_unpack."""

import pytest

from detections.kql import KqlSemanticError, KqlSyntaxError, bind, run_query

DATA = {"T": [{"Id": 1, "Tags": ["a", "b"], "Props": {"x": 1, "y": "s"}, "Msg": "user=alice id=42 ok"}]}
SCHEMA = {"T": {"Id": "long", "Tags": "dynamic", "Props": "dynamic", "Msg": "string"}}


def run(query):
    return run_query(query, DATA, schemas=SCHEMA)


def test_mv_expand_arrays_in_parallel_with_index_and_limit():
    result = run("T | extend N = dynamic([1, 2, 3]) | mv-expand with_itemindex=i Tags, N to typeof(long) limit 3"
                 " | project Tags, N, i")
    assert result.rows == [("a", 1, 0), ("b", 2, 1), (None, 3, 2)]
    assert run("T | mv-expand Tags limit 1 | project Tags").rows == [("a",)]


def test_mv_expand_bag_gives_one_property_per_row():
    assert run("T | mv-expand Props | project Props").rows == [({"x": 1},), ({"y": "s"},)]
    array_form = run("T | mv-expand bagexpansion=array Props | project Props")
    assert array_form.rows == [(["x", 1],), (["y", "s"],)]


def test_mv_expand_to_typeof_sets_the_column_type():
    assert bind("T | mv-expand Tags to typeof(string)", SCHEMA)[1] == ("Tags", "string")


def test_mv_apply_runs_the_subquery_per_row():
    result = run("T | mv-apply t = Tags to typeof(string) on (where t == 'b' | extend u = toupper(t)) | project Id, t, u")
    assert result.rows == [(1, "b", "B")]
    counted = run("T | mv-apply Tags on (summarize n = count()) | project Id, n")
    assert counted.rows == [(1, 2)]


def test_parse_simple_typed_and_star():
    result = run("T | parse Msg with 'user=' User ' id=' Num:long * | project User, Num")
    assert result.rows == [("alice", 42)]


def test_parse_regex_and_relaxed():
    assert run(r"T | parse kind=regex Msg with 'user=' User:string ' id=' Num:long | project User, Num").rows == [
        ("alice", 42)]
    strict = run("T | parse Msg with 'user=' User ' id=' Num:long 'k' | project User, Num")
    assert strict.rows == [("", None)]  # 42 o is not a long: the whole simple match fails
    relaxed = run("T | parse kind=relaxed Msg with 'user=' User ' id=' Num:long 'k' | project User, Num")
    assert relaxed.rows == [("alice", None)]  # relaxed: only the mistyped column is null


def test_parse_where_drops_rows_that_do_not_match():
    assert run("T | parse-where Msg with 'role=' Role | count").rows == [(0,)]
    assert run("T | parse-where Msg with 'user=' User ' ' * | project User").rows == [("alice",)]


def test_bag_unpack_columns_come_from_the_data():
    result = run("T | evaluate bag_unpack(Props) | project Id, x, y")
    assert result.rows == [(1, 1, "s")]
    declared = run("T | evaluate bag_unpack(Props) : (Id:long, Tags:dynamic, Msg:string, x:long, y:string)")
    assert declared.columns == ["Id", "Tags", "Msg", "x", "y"]


def test_bag_unpack_schema_with_star_keeps_the_input_columns():
    """bag_unpack docs: "Use a wildcard * as the first parameter to include all columns of the
    source table in the output": (*, Name:Type, ...)."""
    result = run('T | evaluate bag_unpack(Props, "p_") : (*, Id:string, p_x:string, p_y:string, p_z:real)')
    assert result.columns == ["Tags", "Msg", "Id", "p_x", "p_y", "p_z"]
    assert result.rows == [(["a", "b"], "user=alice id=42 ok", "1", "1", "s", None)]
    assert bind("T | evaluate bag_unpack(Props) : (*, x:long)", SCHEMA)[-1] == ("x", "long")
    with pytest.raises(KqlSyntaxError):
        bind("T | evaluate bag_unpack(Props) : (x:long, *)", SCHEMA)


def test_mv_expand_of_a_string_is_an_error():
    with pytest.raises(KqlSemanticError):
        bind("T | mv-expand Msg", SCHEMA)


def test_bind_after_bag_unpack_reports_data_columns_as_unknown():
    columns = bind("T | evaluate bag_unpack(Props) | project x, Id", SCHEMA)
    assert columns == [("x", "unknown"), ("Id", "long")]
    with pytest.raises(KqlSemanticError):  # other mistakes are still found without data
        bind("T | evaluate bag_unpack(Props) | where Id > 'text'", SCHEMA)


def test_bag_unpack_types_prefix_conflicts_and_ignored_slots():
    """bag_unpack docs: a slot's column has the slot's type when all values share it, else dynamic;
    columnsConflict defaults to error; replace_source/keep_source decide otherwise."""
    from detections.kql import KqlError

    rows = {"T": [{"id": 1, "d": {"Name": "John", "Age": 20}}, {"id": 2, "d": {"Name": "Dave", "Age": 40.5, "id": 7}}]}
    prefixed = run_query('T | evaluate bag_unpack(d, "P_")', rows)
    assert prefixed.columns == ["id", "P_Name", "P_Age", "P_id"]
    assert [t.value for t in prefixed.types] == ["long", "string", "dynamic", "long"]
    with pytest.raises(KqlError, match="clashes"):
        run_query("T | evaluate bag_unpack(d)", rows)
    replaced = run_query("T | evaluate bag_unpack(d, columnsConflict='replace_source')", rows)
    assert replaced.columns == ["Name", "Age", "id"] and replaced.rows[0] == ("John", 20, None)
    kept = run_query("T | evaluate bag_unpack(d, columnsConflict='keep_source', ignoredProperties=dynamic(['Age']))", rows)
    assert kept.rows == [(1, "John"), (2, "Dave")]


def test_parse_regex_literals_may_hold_groups_and_must_be_valid():
    query = "print s = 'a=12 b=x' | parse kind=regex s with 'a=(' n:long ')? b=' w | project n, w"
    assert run_query(query).rows == [(12, "x")]
    with pytest.raises(KqlSemanticError, match="invalid parse pattern"):
        bind("T | parse kind=regex Msg with 'x)' v", SCHEMA)
