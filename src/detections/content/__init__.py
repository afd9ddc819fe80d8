"""Content: the typed model of rules, hunting queries and workbooks, and the loaders that build it."""

from detections.content.loader import (
    content_files,
    load_file,
    load_files,
    load_hunting,
    load_repository,
    load_rule,
    load_workbook,
)

__all__ = [
    "content_files",
    "load_file",
    "load_files",
    "load_hunting",
    "load_repository",
    "load_rule",
    "load_workbook",
]
