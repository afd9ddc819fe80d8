"""Connector ids Microsoft's published multi-cloud and Windows content requires (and its CI accepts) are
known ids: no DET800 for them, while a misspelling still is one."""

from __future__ import annotations

import pytest

PUBLISHED = [  # (connectorId, a data type the published rule lists with it)
    ("AzureActiveDirectoryIdentityProtection", "SecurityAlert (IPC)"),
    ("BehaviorAnalytics", "BehaviorAnalytics"),
    ("OfficeATP", "SecurityAlert (OATP)"),
    ("GCPAuditLogsDefinition", "GCPAuditLogs"),
    ("AzureMonitor(IIS)", "W3CIISLog"),
]


@pytest.mark.parametrize(("connector", "data_type"), PUBLISHED)
def test_published_connector_id_is_known(repo, connector, data_type):
    def change(document):
        document["requiredDataConnectors"].append({"connectorId": connector, "dataTypes": [data_type]})

    assert "DET800" not in repo.codes(repo.rule(change))


def test_a_near_miss_of_a_new_id_is_still_reported_with_a_guess(repo):
    def change(document):
        document["requiredDataConnectors"] = [{"connectorId": "BehaviourAnalytics", "dataTypes": ["BehaviorAnalytics"]}]

    [diagnostic] = [d for d in repo.validate(repo.rule(change)) if d.code == "DET800"]
    assert "did you mean BehaviorAnalytics" in diagnostic.hint
