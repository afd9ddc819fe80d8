"""Parse JSON that users and clients hand us, with one error for every way it can fail.

json.loads fails in two ways: JSONDecodeError (with a position) and, for deeply nested input such as
`[[[[...`, RecursionError, which no caller expects and which used to end in a traceback. `loads`
turns both into JsonError, which keeps JSONDecodeError's `msg`, `lineno` and `colno`.
"""

from __future__ import annotations

import json
from typing import Any


class JsonError(ValueError):
    """Text that is not JSON we can read; `lineno`/`colno` are 1-based."""

    def __init__(self, msg: str, lineno: int = 1, colno: int = 1) -> None:
        super().__init__(f"{msg} (line {lineno}, column {colno})")
        self.msg, self.lineno, self.colno = msg, lineno, colno


def loads(text: str | bytes) -> Any:
    """json.loads, raising only JsonError (UnicodeDecodeError too, for bytes that are not UTF-8)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonError(exc.msg, exc.lineno, exc.colno) from None
    except RecursionError:
        raise JsonError("nested too deeply to read") from None
    except UnicodeDecodeError as exc:
        raise JsonError(f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})") from None
