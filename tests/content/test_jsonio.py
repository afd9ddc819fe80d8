"""User JSON fails in one way only: JsonError with a position, even when nested too deeply to read."""

from __future__ import annotations

import pytest

from detections.content.jsonio import JsonError, loads


def test_valid_json() -> None:
    assert loads('{"a": [1, 2]}') == {"a": [1, 2]}


@pytest.mark.parametrize(("text", "message", "where"), [
    ('{"a":\n  [1,}', "Expecting value", (2, 6)),
    ("[" * 100_000, "nested too deeply to read", (1, 1)),
    (b'["\xff"]', "not UTF-8 text (byte 0xff", (1, 1)),
])
def test_every_failure_is_a_json_error(text, message, where) -> None:
    with pytest.raises(JsonError) as caught:
        loads(text)
    assert caught.value.msg.startswith(message) and (caught.value.lineno, caught.value.colno) == where
