"""Checks Kusto makes when it binds a query (before any row is read), so a rule that Sentinel would
refuse fails `detections validate` too: argument types of typeof() and of aggregates' constant
arguments, case() arity, and regular-expression arguments."""

import pytest

from detections.kql import KqlSemanticError, bind, run_query

SCHEMA = {"T": {"S": "string", "N": "long", "When": "datetime"}}


def columns(query):
    return [(name, ktype.value) for name, ktype in bind(query, SCHEMA)]


def rejects(query, *words):
    with pytest.raises(KqlSemanticError) as caught:
        bind(query, SCHEMA)
    for word in words:
        assert word in str(caught.value)
    return caught.value


@pytest.mark.parametrize(("call", "ktype"), [
    ('extract(@"(\\d+)", 1, S, typeof(int))', "int"),
    ('extract(@"(\\d+)", 1, S, typeof(datetime))', "datetime"),
    ('extract_json("$.a", S, typeof(long))', "long"),
    ('extract(@"(\\d+)", 1, S)', "string"),
])
def test_typeof_argument_gives_the_result_type(call, ktype):
    """extract(regex, group, source, typeof(T)): "the result is converted to the type T"."""
    assert columns(f"T | project X = {call}") == [("X", ktype)]


def test_typeof_argument_converts_the_value():
    result = run_query('print X = extract(@"(\\d+)", 1, "ab12", typeof(int))', {})
    assert (result.types[0].value, result.rows) == ("int", [(12,)])


def test_sum_of_datetimes_is_rejected_but_avg_is_not():
    rejects("T | summarize sum(When)", "sum()", "datetime")
    rejects("T | summarize sumif(When, N > 1)", "sumif()")
    assert columns("T | summarize avg(When), sum(When - When)") == [("avg_When", "datetime"), ("sum_", "timespan")]


@pytest.mark.parametrize("aggregation", [
    'make_set(S, "ten")', "make_list(S, 10.5)", 'make_list_if(S, N > 1, "x")', 'make_bag(pack("a", S), "3")',
    'percentile(N, "50")',
])
def test_constant_arguments_of_aggregates_have_their_type(aggregation):
    """make_set(expr [, maxSize]): maxSize is an integer; percentile's is a number."""
    rejects(f"T | summarize {aggregation}", "does not accept")


def test_valid_constant_arguments_of_aggregates_bind():
    assert columns("T | summarize make_set(S, 10), percentile(N, 50.5), dcount(S, 2)") == [
        ("set_S", "dynamic"), ("percentile_N_50_5", "long"), ("dcount_S", "long")]


def test_case_needs_an_else_value():
    """case(predicate_1, then_1, ..., predicate_n, then_n, else): an even count has no else."""
    rejects('T | extend R = case(N > 1, "a", N > 2, "b")', "odd number of arguments", "got 4")
    assert columns('T | project R = case(N > 1, "a", N > 2, "b", "c")') == [("R", "string")]


@pytest.mark.parametrize("call", [
    'extract(@"(\\d+", 1, S)', 'extract_all(@"[a-", S)', 'replace_regex(S, @"(", "x")', 'trim(@"\\", S)',
    'trim_start(@"[", S)', 'indexof_regex(S, @"*a")',
])
def test_invalid_constant_regex_is_a_bind_error(call):
    error = rejects(f"T | extend X = {call}", "invalid regular expression")
    assert error.line == 1 and error.column > len("T | extend X = ")


def test_lone_backslash_message_says_how_to_escape():
    rejects('T | extend X = trim(@"\\", S)', "lone backslash", "\\\\")


def test_regex_arguments_must_be_constants():
    rejects("T | extend X = extract(S, 1, S)", "must be a constant")
    rejects("T | extend X = trim(S, S)", "must be a constant")
    assert columns('let P = @"(\\d+)"; T | project X = extract(P, 1, S)') == [("X", "string")]


def test_escaped_backslash_trims():
    """trim(regex, source): a verbatim @"\\\\" is the regex for one backslash."""
    rows = run_query('print a = trim(@"\\\\", @"\\\\x\\y\\\\"), b = trim_end(@"\\\\[^\\\\]*", @"C:\\Win\\cmd.exe")', {}).rows
    assert rows == [("x\\y", "C:")]  # trailing matches are removed repeatedly
