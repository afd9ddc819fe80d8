"""String and parsing functions, from the official docs' examples."""

import pytest

import detections.kql.functions  # noqa: F401 - fills the registry
from detections.kql.functions.regex import RegexError, compile_regex, translate
from detections.kql.registry import SCALARS
from detections.kql.types import KType


def call(name, *args):
    return SCALARS[name].impl(*args)


@pytest.mark.parametrize(
    ("args", "expected"),
    [(("123456", 1), "23456"), (("123456", 2, 2), "34"), (("ABCD", 0, 2), "AB"), (("123456", -2, 2), "56"),
     (("abc", 5), ""), (("abc", None), "")],
)
def test_substring(args, expected):
    assert call("substring", *args) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("abcdefg", "cde"), 2),
        (("abcdefg", "cde", 1, 4), 2),
        (("abcdefg", "cde", 1, 2), -1),
        (("abcdefg", "cde", 3, 4), -1),
        (("abcdefg", "cde", -5), 2),
        ((1234567, 5, 1, 4), 4),
        (("abcdefg", "cde", 2, -1), 2),
        (("abcdefgabcdefg", "cde", 1, 10, 2), 9),
        (("abcdefgabcdefg", "cde", 1, -1, 3), -1),
        (("abc", "b", 0, -2), None),
    ],
)
def test_indexof_doc_examples(args, expected):
    assert call("indexof", *args) == expected


def test_split_returns_arrays_even_with_an_index():
    assert call("split", "aaa_bbb_ccc", "_") == ["aaa", "bbb", "ccc"]
    assert call("split", "aaa_bbb_ccc", "_", 1) == ["bbb"]
    assert call("split", "aaa_bbb_ccc", "_", 5) == []
    assert call("split", "", "_") == [""]
    assert call("split", "a__b", "_") == ["a", "", "b"]


def test_case_length_and_concatenation():
    assert call("tolower", "AbC") == "abc"
    assert call("toupper", None) == ""
    assert call("strlen", "héllo") == 5
    assert call("string_size", "héllo") == 6
    assert call("strcat", "a", 1, None, True) == "a1true"
    assert call("strcat_delim", "-", "a", "b", 3) == "a-b-3"
    assert call("strcat_array", ["a", 1], ",") == "a,1"
    assert call("strrep", "ab", 3, ",") == "ab,ab,ab"
    assert call("reverse", "abc") == "cba"
    assert call("strcmp", "a", "b") == -1


@pytest.mark.parametrize(
    ("name", "pattern", "source", "expected"),
    [
        ("trim", "--", "--https://bing.com--", "https://bing.com"),
        ("trim", r"[^\w]+", "-  Te st1// $", "Te st1"),
        ("trim", r"\s+", "    Hello, world!    ", "Hello, world!"),
        ("trim_start", "x", "xxabcxx", "abcxx"),
        ("trim_end", "x", "xxabcxx", "xxabc"),
    ],
)
def test_trim_family(name, pattern, source, expected):
    assert call(name, pattern, source) == expected


def test_replace_functions():
    assert call("replace_string", "A magic trick", "magic", "cool") == "A cool trick"
    assert call("replace_regex", "Number is 42", r"is (\d+)", r"was: \1") == "Number was: 42"
    assert call("replace", r"is (\d+)", r"was: \1", "Number is 42") == "Number was: 42"
    assert call("replace_regex", "a.b", r"\.", "\\") == "a\\b"
    assert call("translate", "abc", "x", "abcabc") == "xxxxxx"
    assert call("translate", "abc", "", "aXbYc") == "XY"
    assert call("translate", "ab", "xy", "abba") == "xyyx"


def test_countof_overlapping_text_and_regex():
    assert call("countof", "aaa", "aa") == 2
    assert call("countof", "aaa", "aa", "regex") == 1
    assert call("countof", "The cat sat", "at") == 2
    assert call("countof", "abc", "") == 0


def test_extract():
    assert call("extract", r"x=([0-9.]+)", 1, "hello x=45.6|wo") == "45.6"
    assert call("extract", r"x=([0-9.]+)", 0, "hello x=45.6|wo") == "x=45.6"
    assert call("extract", r"y=(\d+)", 1, "x=1") == ""
    assert call("extract", r"x=([0-9.]+)", 1, "hello x=45.6|wo", "real") == 45.6
    assert call("extract", r"x=(\w+)", 1, "x=abc", KType.INT) is None
    assert SCALARS["extract"].result_type([KType.STRING, KType.LONG, KType.STRING, KType.REAL]) is KType.REAL


def test_extract_all_doc_examples():
    guid = "82b8be2d-dfa7-4bd1-8f63-24ad26d31449"
    assert call("extract_all", r"([\da-f]{2})", guid)[:3] == ["82", "b8", "be"]
    assert call("extract_all", r"(\w)(\w+)(\w)", guid)[0] == ["8", "2b8be2", "d"]
    assert call("extract_all", r"(\w)(\w+)(\w)", [1, 3], guid)[1] == ["d", "7"]
    named = r"(?P<first>\w)(?P<middle>\w+)(?P<last>\w)"
    assert call("extract_all", named, ["first", 2, "last"], guid)[0] == ["8", "2b8be2", "d"]
    assert call("extract_all", r"(\d+)", "a set of numbers: 123, 567 and 789") == ["123", "567", "789"]
    assert call("extract_all", r"(\d+)", "none") is None


def test_emptiness():
    assert call("isempty", "") is True
    assert call("isempty", None) is True
    assert call("isempty", "x") is False
    assert call("isempty", []) is False
    assert call("isnotempty", {}) is True


def test_base64_and_url_encoding():
    assert call("base64_encode_tostring", "Kusto1") == "S3VzdG8x"
    assert call("base64_decode_tostring", "S3VzdG8x") == "Kusto1"
    assert call("base64_decode_tostring", "U3RyaW5n0KHRgtGA0L7Rh9C60LA=") == "StringСтрочка"
    assert call("base64_decode_tostring", "not base64!") == ""
    assert call("base64_decode_toarray", "S3VzdG8=") == [75, 117, 115, 116, 111]
    assert call("base64_encode_fromarray", [75, 117, 115, 116, 111]) == "S3VzdG8="
    assert call("url_encode", "https://www.bing.com/hello word") == "https%3a%2f%2fwww.bing.com%2fhello+word"
    assert call("url_decode", "https%3a%2f%2fwww.bing.com%2f") == "https://www.bing.com/"


def test_parse_csv_and_misc():
    assert call("parse_csv", 'aa,"b,b,b",cc,"Escaping quotes: ""Title""","line1\nline2"') == [
        "aa", "b,b,b", "cc", 'Escaping quotes: "Title"', "line1\nline2"]
    assert call("has_any_index", "this is an example", ["this", "example"]) == 0
    assert call("has_any_index", "this is an example", ["not", "example"]) == 1
    assert call("has_any_index", "this is an example", ["nope"]) == -1
    assert call("make_string", 75, 117, [115, 116]) == "Kust"
    assert call("unicode_codepoints_from_string", "Ab") == [65, 98]
    assert call("regex_quote", "a.b*c") == r"a\.b\*c"
    assert call("regex_quote", -1) == r"\-1"  # a non-string is quoted as its text


def test_parse_url_doc_example():
    result = call("parse_url", "scheme://username:password@host:1234/this/is/a/path?k1=v1&k2=v2#fragment")
    assert result == {
        "Scheme": "scheme", "Host": "host", "Port": "1234", "Path": "this/is/a/path", "Username": "username",
        "Password": "password", "Query Parameters": {"k1": "v1", "k2": "v2"}, "Fragment": "fragment",
    }
    assert call("parse_url", "not a url")["Host"] == ""


def test_parse_urlquery():
    assert call("parse_urlquery", "k1=v1&k2=v2&k3=v3") == {"Query Parameters": {"k1": "v1", "k2": "v2", "k3": "v3"}}
    assert call("parse_urlquery", "https://x/y?a=%20b") == {"Query Parameters": {"a": " b"}}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("C:\\temp\\file.txt", ("", "C:", "C:\\temp", "temp", "file.txt", "txt", "")),
        ("temp\\file.txt", ("", "", "temp", "temp", "file.txt", "txt", "")),
        ("file://C:/temp/file.txt:some.exe", ("file", "C:", "C:/temp", "temp", "file.txt", "txt", "some.exe")),
        ("\\\\shared\\users\\temp\\file.txt.gz", ("", "", "\\\\shared\\users\\temp", "temp", "file.txt.gz", "gz", "")),
        ("/usr/lib/temp/file.txt", ("", "", "/usr/lib/temp", "temp", "file.txt", "txt", "")),
    ],
)
def test_parse_path_doc_examples(path, expected):
    keys = ("Scheme", "RootPath", "DirectoryPath", "DirectoryName", "Filename", "Extension", "AlternateDataStreamName")
    assert call("parse_path", path) == dict(zip(keys, expected, strict=True))


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        ("<e/>", {"e": None}),
        ("<e>text</e>", {"e": "text"}),
        ('<e name="value" />', {"e": {"@name": "value"}}),
        ('<e name="value">text</e>', {"e": {"@name": "value", "#text": "text"}}),
        ("<e> <a>text</a> <b>text</b> </e>", {"e": {"a": "text", "b": "text"}}),
        ("<e> <a>text</a> <a>text</a> </e>", {"e": {"a": ["text", "text"]}}),
        ("<e> text <a>text</a> </e>", {"e": {"#text": "text", "a": "text"}}),
        ("<broken>", None),
        ("", None),
    ],
)
def test_parse_xml_doc_table(xml, expected):
    assert call("parse_xml", xml) == expected


def test_parse_xml_security_event_data():
    xml = ('<EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event">'
           '<Data Name="SubjectUserName">alice</Data><Data Name="LogonType">3</Data></EventData>')
    data = call("parse_xml", xml)["EventData"]
    assert data["@xmlns"].endswith("/event")
    assert data["Data"] == [{"@Name": "SubjectUserName", "#text": "alice"}, {"@Name": "LogonType", "#text": "3"}]


# --- regex translation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        (r"(?<user>\w+)@", "bob@x", True),
        (r"abc\z", "abc", True),
        (r"abc$", "abc\n", False),  # RE2 $ is the end of the text, Python's also allows a final newline
        (r"(?m)abc$", "abc\nx", True),
        (r"[[:digit:]]+", "x42", True),
        (r"[[:alpha:]]{3}", "a1b", False),
        (r"\Qa.b\E", "axb", False),
        (r"\Qa.b\E", "a.b", True),
        (r"\pL+", "abc", True),
        (r"\d", "٣", False),  # RE2 classes are ASCII
        (r"[]a]", "]", True),
    ],
)
def test_re2_translation(pattern, text, matches):
    assert (compile_regex(pattern).search(text) is not None) is matches


@pytest.mark.parametrize("pattern", [r"(a)\1", r"a(?=b)", r"(?<!a)b", "[[:nope:]]", "(unclosed"])
def test_patterns_re2_rejects_raise(pattern):
    with pytest.raises(RegexError):
        compile_regex(pattern)


def test_translate_named_group():
    assert translate(r"(?<n>x)") == r"(?P<n>x)"


def test_text_checks_and_compression():
    assert call("isascii", "abc") is True
    assert call("isascii", "é") is False
    assert call("isutf8", "é") is True
    assert call("unicode_codepoints_to_string", 75, 117) == "Ku"
    for kind in ("gzip", "zlib"):
        packed = call(f"{kind}_compress_to_base64_string", "1234567890qwertyuiop")
        assert call(f"{kind}_decompress_from_base64_string", packed) == "1234567890qwertyuiop"
        assert call(f"{kind}_decompress_from_base64_string", "not compressed") == ""


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('echo "hello world!"', ["echo", "hello world!"]),
        ('a\\\\"b c" d\\\\e "x\\"y"', ["a\\b c", "d\\\\e", 'x"y']),
        ("  spaced   out  ", ["spaced", "out"]),
        ('empty "" arg', ["empty", "", "arg"]),
    ],
)
def test_parse_command_line_windows_rules(line, expected):
    assert call("parse_command_line", line, "windows") == expected


def test_parse_command_line_other_parsers_are_null():
    assert call("parse_command_line", "a b", "bash") is None
