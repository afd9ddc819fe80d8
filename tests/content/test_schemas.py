"""The shipped JSON Schemas: valid Draft 2020-12, self-contained when bundled, in step with the checks."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from detections import schemas
from detections.validate.entities import entity_table
from detections.validate.mitre import technique_tactics


@pytest.mark.parametrize("kind", sorted(schemas.SCHEMA_FILES))
def test_bundled_schema_is_valid_and_self_contained(kind):
    schema = schemas.bundled(kind)
    Draft202012Validator.check_schema(schema)
    refs = list(_values(schema, "$ref"))
    assert all(ref.startswith("#/") for ref in refs)


def test_every_keyword_used_has_a_diagnostic_code():
    used = {key for kind in schemas.SCHEMA_FILES for key in _keys(schemas.bundled(kind))}
    constraint_keywords = used & set(Draft202012Validator.VALIDATORS) - {
        "$ref", "properties", "items", "if", "then", "$defs", "propertyNames", "$schema", "title", "description",
    }
    assert constraint_keywords <= set(schemas.KEYWORD_CODES)


def test_entity_types_match_the_identifier_table():
    enum = schemas.bundled("rule")["$defs"]["entityMappings"]["items"]["properties"]["entityType"]["enum"]
    assert sorted(enum) == sorted(entity_table())


def test_mitre_table_uses_schema_tactics():
    tactics = set(schemas.bundled("rule")["$defs"]["tactic"]["enum"])
    assert {t for values in technique_tactics().values() for t in values} <= tactics
    assert technique_tactics()["T1078"] == {"InitialAccess", "Persistence", "PrivilegeEscalation", "DefenseEvasion"}


def test_known_keys_include_published_extras():
    assert {"status", "tags", "metadata", "incidentConfiguration", "x-detections"} <= schemas.known_keys("rule")
    assert {"description-detailed", "severity", "tags"} <= schemas.known_keys("hunting")


def _values(node, key):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                yield v
            else:
                yield from _values(v, key)
    elif isinstance(node, list):
        for v in node:
            yield from _values(v, key)


def _keys(node):
    if isinstance(node, dict):
        for k, v in node.items():
            yield k
            if k not in ("properties", "$defs"):
                yield from _keys(v)
            else:
                for sub in v.values():
                    yield from _keys(sub)
    elif isinstance(node, list):
        for v in node:
            yield from _keys(v)
