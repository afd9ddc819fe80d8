"""Every diagnostic code `detections validate` can report, with its title and description.

Loader and schema codes come from the loader and the schema module; check codes from the registered
check classes. Reporters use this for SARIF rule metadata; docs/validation.md lists the same codes.
"""

from __future__ import annotations

from functools import cache

from detections import schemas
from detections.content import loader, yamlio
from detections.validate.registry import CHECKS

LOADER_CODES: dict[str, tuple[str, str]] = {
    yamlio.YAML_SYNTAX: ("YAML syntax error", "The file is not valid YAML."),
    yamlio.DUPLICATE_KEY: ("duplicate key", "A key appears twice in one mapping; YAML keeps only one of them."),
    yamlio.NOT_A_MAPPING: ("not a content document", "The file is empty, or holds a list or a single value."),
    yamlio.UNREADABLE: ("unreadable file", "The file cannot be read as UTF-8 text (binary, missing, or no access)."),
    loader.UNKNOWN_FOLDER: ("unknown content folder", "The file is not under rules/, hunting/ or workbooks/."),
    loader.NOT_A_TEMPLATE: ("JSON in a workbooks folder that is not a workbook template",
                            "A .json file in a workbooks folder without \"version\": \"Notebook/1.0\" (metadata, an "
                            "ARM template): reported as skipped, not validated."),
}


@cache
def catalogue() -> dict[str, tuple[str, str]]:
    """code -> (title, description) for every code, sorted by code."""
    codes = dict(LOADER_CODES)
    for code, title in schemas.KEYWORD_CODES.values():
        codes.setdefault(code, (f"schema: {title}", f"The file does not match its JSON Schema: {title}."))
    for check in CHECKS:
        codes[check.code] = (check.title, check.description)
    return dict(sorted(codes.items()))
