"""Errors raised by the KQL engine, each pointing at a place in the query text.

Every error carries a 1-based line and column and the character span it is about, so a rule author
(or the validator, which adds the file and the query's position in it) can show exactly where the
problem is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

Span = tuple[int, int]


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of character `offset` in `text` (columns count characters)."""
    offset = max(0, min(offset, len(text)))
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


class KqlError(Exception):
    """A problem in a KQL query, at `line`/`column` (1-based) covering characters `span`."""

    def __init__(self, message: str, *, line: int = 1, column: int = 1, span: Span = (0, 0)):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.span = span

    @classmethod
    def at(cls, message: str, text: str, span: Span) -> KqlError:
        """The error for `span` of the query `text` (line and column computed from span start)."""
        line, column = line_column(text, span[0])
        return cls(message, line=line, column=column, span=span)

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


class KqlSyntaxError(KqlError):
    """The query text is not well-formed KQL."""


class KqlSemanticError(KqlError):
    """The query is well-formed but wrong: unknown table, column or function, or a type error."""


class KqlUnsupportedError(KqlError):
    """Valid KQL that this engine does not implement; the message names the construct."""


@contextmanager
def engine_faults(verb: str, locate: Callable[[BaseException], str] | None = None) -> Iterator[None]:
    """Turn an engine fault while binding or running (`verb`: "bind" or "run") into a KqlError, so a
    caller never sees a Python traceback; `locate` names the operator that failed, when known."""
    try:
        yield
    except KqlError:
        raise
    except RecursionError:
        raise KqlUnsupportedError(f"the query nests too deeply to {verb}") from None
    except Exception as exc:  # noqa: BLE001 - an engine fault becomes a KqlError, never a traceback
        place = f" in operator '{locate(exc)}'" if locate is not None else ""
        raise KqlError(f"internal error{place} while {_GERUNDS[verb]} the query ({type(exc).__name__}: "
                       f"{exc}); please report it with the query") from exc


_GERUNDS = {"bind": "binding", "run": "running"}
