"""Microsoft's CI only compiles hunting queries (KQL, ASCII, ids), so a published hunting query may list a
technique without its tactic or map an entity column it does not output: for hunting queries DET300 and
DET904 are warnings, for analytics rules they stay errors."""

from __future__ import annotations

import pytest

from detections.diagnostics import Severity


def _severities(repo, path, code):
    return [d.severity for d in repo.validate(path) if d.code == code]


def _technique_without_tactic(document):  # Microsoft's AWS_GuardDuty_S3PublicExposure: T1530 is Collection
    document.update(tactics=["Exfiltration"], relevantTechniques=["T1530"])


def _entity_not_in_output(document):  # Microsoft's AWS_IAMAccsesDeniedDiscoveryEvents maps AccountCustomEntity
    document["entityMappings"] = [{"entityType": "Account",
                                   "fieldMappings": [{"identifier": "FullName", "columnName": "AccountCustomEntity"}]}]


@pytest.mark.parametrize(("code", "change"), [("DET300", _technique_without_tactic),
                                              ("DET904", _entity_not_in_output)])
def test_hunting_query_gets_a_warning_and_an_analytics_rule_an_error(repo, code, change):
    assert _severities(repo, repo.hunting(change), code) == [Severity.WARNING]
    assert _severities(repo, repo.rule(change), code) == [Severity.ERROR]
