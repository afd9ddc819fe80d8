"""Content: the typed model of rules, hunting queries and workbooks, and the loaders that build it.

The loader functions are imported on first use: `detections.diagnostics` imports `content.model`,
and the loaders import diagnostics, so importing them eagerly here would be circular.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "content_files",
    "find_root",
    "load_file",
    "load_files",
    "load_hunting",
    "load_repository",
    "load_rule",
    "load_workbook",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("detections.content.loader"), name)
    raise AttributeError(f"module 'detections.content' has no attribute {name!r}")
