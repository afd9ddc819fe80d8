"""Validation of content: the checks Microsoft's CI runs, and more (KQL, output columns, git ids)."""

from detections.validate.runner import Result, find_root, run, validate

__all__ = ["Result", "find_root", "run", "validate"]
