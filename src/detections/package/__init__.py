"""Packaging: resource bodies (shared with the deployer), ARM templates, the DCR and `dist/`."""

from detections.package.bodies import (
    MARKER_NAME,
    MARKER_TAG,
    Scope,
    hunting_body,
    rule_body,
    rule_metadata_body,
    workbook_body,
)
from detections.package.build import PackageError, PackageResult, build_package, default_source

__all__ = [
    "MARKER_NAME",
    "MARKER_TAG",
    "PackageError",
    "PackageResult",
    "Scope",
    "build_package",
    "default_source",
    "hunting_body",
    "rule_body",
    "rule_metadata_body",
    "workbook_body",
]
