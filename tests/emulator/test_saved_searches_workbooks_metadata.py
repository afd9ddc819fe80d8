"""Saved searches (hunting queries), workbooks, metadata and the workspace resource, through the real
LogAnalyticsManagementClient, ApplicationInsightsManagementClient and SecurityInsightsMgmtClient."""

from __future__ import annotations

import json
import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.loganalytics.models import SavedSearch, Tag
from azure.mgmt.securityinsight.models import MetadataModel, MetadataSource

from detections.emulator import METADATA, SAVED_SEARCHES, WORKBOOKS


def hunting(**overrides) -> SavedSearch:
    fields = dict(etag="*", category="Hunting Queries", display_name="Console logins without MFA",
                  query="AWSCloudTrail | where EventName == 'ConsoleLogin'", version=2,
                  tags=[Tag(name="tactics", value="InitialAccess"), Tag(name="techniques", value="T1078")])
    fields.update(overrides)
    return SavedSearch(**fields)


def test_saved_search_crud_and_unpaged_list(loganalytics, emulator):
    rg, ws = emulator.resource_group, emulator.workspace_name
    created = loganalytics.saved_searches.create_or_update(rg, ws, "hq1", hunting())
    assert created.category == "Hunting Queries" and created.etag and created.etag != "*"
    assert [t.name for t in loganalytics.saved_searches.get(rg, ws, "hq1").tags] == ["tactics", "techniques"]
    loganalytics.saved_searches.create_or_update(rg, ws, "hq2", hunting(display_name="two"))
    assert [s.name for s in loganalytics.saved_searches.list_by_workspace(rg, ws).value] == ["hq1", "hq2"]
    loganalytics.saved_searches.delete(rg, ws, "hq1")
    with pytest.raises(ResourceNotFoundError):
        loganalytics.saved_searches.get(rg, ws, "hq1")
    assert [r.status for r in emulator.requests if r.method == "PUT"] == [200, 200]  # saved searches: 200 on create


def test_saved_search_overwrite_needs_star_or_current_etag(loganalytics, emulator):
    rg, ws = emulator.resource_group, emulator.workspace_name
    first = loganalytics.saved_searches.create_or_update(rg, ws, "hq", hunting())
    with pytest.raises(ResourceExistsError) as info:
        loganalytics.saved_searches.create_or_update(rg, ws, "hq", hunting(etag=None))
    assert "use '*' or specify the current Etag" in info.value.error.message
    second = loganalytics.saved_searches.create_or_update(rg, ws, "hq", hunting(etag=first.etag, version=1))
    with pytest.raises(ResourceExistsError):
        loganalytics.saved_searches.create_or_update(rg, ws, "hq", hunting(etag=first.etag))
    assert loganalytics.saved_searches.create_or_update(rg, ws, "hq", hunting(etag=second.etag)).version == 2


def test_saved_search_required_fields(loganalytics, emulator):
    with pytest.raises(HttpResponseError) as info:
        loganalytics.saved_searches.create_or_update(emulator.resource_group, emulator.workspace_name, "hq",
                                                     hunting(category=None, query=""))
    assert info.value.status_code == 400
    assert "properties.category: the field is required" in info.value.error.message
    assert "properties.query: must not be empty" in info.value.error.message


def workbook(models, emulator, **overrides):
    fields = dict(location="westeurope", kind="shared", display_name="AWS overview", category="sentinel",
                  serialized_data=json.dumps({"version": "Notebook/1.0", "items": []}), version="1.0",
                  source_id=emulator.workspace_resource_id)
    fields.update(overrides)
    return models.Workbook(**fields)


def test_workbook_crud_list_filters_and_content_flag(appinsights, emulator):
    models, rg = appinsights.models(), emulator.resource_group
    wb_id = str(uuid.uuid5(uuid.NAMESPACE_URL, "workbooks/overview.yaml"))
    other_id = str(uuid.uuid4())
    appinsights.workbooks.create_or_update(rg, wb_id, workbook(models, emulator), source_id=emulator.workspace_resource_id)
    appinsights.workbooks.create_or_update(rg, other_id, workbook(models, emulator, category="workbook"))
    updated = appinsights.workbooks.create_or_update(rg, wb_id, workbook(models, emulator, display_name="AWS v2"))
    assert [r.status for r in emulator.requests if r.method == "PUT"] == [201, 201, 200]
    assert updated.display_name == "AWS v2" and updated.kind == "shared"
    listed = list(appinsights.workbooks.list_by_resource_group(rg, category="sentinel",
                                                               source_id=emulator.workspace_resource_id))
    assert [w.name for w in listed] == [wb_id] and listed[0].serialized_data is None
    full = list(appinsights.workbooks.list_by_resource_group(rg, category="sentinel", can_fetch_content=True))
    assert json.loads(full[0].serialized_data)["version"] == "Notebook/1.0"
    assert appinsights.workbooks.get(rg, wb_id, can_fetch_content=True).serialized_data
    appinsights.workbooks.delete(rg, wb_id)
    appinsights.workbooks.delete(rg, wb_id)
    assert [r.status for r in emulator.requests if r.method == "DELETE"] == [200, 204]
    assert emulator.store.names(WORKBOOKS) == [other_id]


@pytest.mark.parametrize(("name", "overrides", "fragment"), [
    ("not-a-guid", {}, "must be a GUID"),
    (None, {"serialized_data": "{not json"}, "serializedData: is not valid JSON"),
    (None, {"display_name": None}, "properties.displayName: the field is required"),
    (None, {"kind": "user"}, "the only kind is 'shared'"),
])
def test_workbook_rules(appinsights, emulator, name, overrides, fragment):
    with pytest.raises(HttpResponseError) as info:
        appinsights.workbooks.create_or_update(emulator.resource_group, name or str(uuid.uuid4()),
                                               workbook(appinsights.models(), emulator, **overrides))
    assert info.value.status_code == 400 and fragment in info.value.error.message


def test_workbook_stale_etag_conflicts(appinsights, emulator):
    models, rg, name = appinsights.models(), emulator.resource_group, str(uuid.uuid4())
    first = appinsights.workbooks.create_or_update(rg, name, workbook(models, emulator))
    appinsights.workbooks.create_or_update(rg, name, workbook(models, emulator, display_name="changed"))
    with pytest.raises(ResourceExistsError):
        appinsights.workbooks.create_or_update(rg, name, workbook(models, emulator, etag=first.etag))


def ownership(parent_id: str, kind: str = "AnalyticsRule") -> MetadataModel:
    return MetadataModel(parent_id=parent_id, kind=kind, content_id="rule-1", version="1.0.0",
                         source=MetadataSource(kind="SourceRepository", name="detections", source_id="repo"))


def test_metadata_marks_ownership_and_lists_by_filter(sentinel, emulator):
    rg, ws = emulator.resource_group, emulator.workspace_name
    rule_id = f"{emulator.workspace_resource_id}/providers/Microsoft.SecurityInsights/alertRules/r1"
    sentinel.metadata.create(rg, ws, "analyticsrule-r1", ownership(rule_id))
    sentinel.metadata.create(rg, ws, "huntingquery-h1", ownership("/x/savedSearches/h1", "HuntingQuery"))
    sentinel.metadata.create(rg, ws, "workbook-w1", ownership("/x/workbooks/w1", "Workbook"))
    everything = [m.name for m in sentinel.metadata.list(rg, ws)]
    assert everything == ["analyticsrule-r1", "huntingquery-h1", "workbook-w1"]
    rules = list(sentinel.metadata.list(rg, ws, filter="properties/kind eq 'AnalyticsRule'"))
    assert [m.parent_id for m in rules] == [rule_id]
    ours = sentinel.metadata.list(rg, ws, filter="properties/source/kind eq 'SourceRepository' and "
                                                 "properties/source/name eq 'detections'")
    assert len(list(ours)) == 3
    with pytest.raises(HttpResponseError) as info:
        list(sentinel.metadata.list(rg, ws, filter="startswith(properties/kind, 'A')"))
    assert info.value.status_code == 400
    sentinel.metadata.delete(rg, ws, "workbook-w1")
    assert emulator.store.names(METADATA) == ["analyticsrule-r1", "huntingquery-h1"]


def test_metadata_requires_parent_and_kind(sentinel, emulator):
    with pytest.raises(HttpResponseError) as info:
        sentinel.metadata.create(emulator.resource_group, emulator.workspace_name, "m",
                                 MetadataModel(content_id="x"))
    assert "parentId: the field is required" in info.value.error.message
    assert "kind: the field is required" in info.value.error.message


def test_workspace_resource_gives_customer_id_and_location(loganalytics, emulator):
    ws = loganalytics.workspaces.get(emulator.resource_group, emulator.workspace_name)
    assert ws.customer_id == emulator.workspace_id and ws.location == "westeurope"
    with pytest.raises(ResourceNotFoundError):
        loganalytics.workspaces.get("other-rg", emulator.workspace_name)


def test_throttled_saved_search_is_retried(loganalytics, emulator):
    emulator.faults.throttle(SAVED_SEARCHES, count=1, retry_after=0.05)
    loganalytics.saved_searches.create_or_update(emulator.resource_group, emulator.workspace_name, "hq", hunting())
    assert [r.status for r in emulator.requests] == [429, 200]


def test_metadata_update_merges_properties(sentinel, emulator):
    from azure.mgmt.securityinsight.models import MetadataPatch

    rg, ws = emulator.resource_group, emulator.workspace_name
    sentinel.metadata.create(rg, ws, "analyticsrule-r1", ownership("/x/alertRules/r1"))
    updated = sentinel.metadata.update(rg, ws, "analyticsrule-r1", MetadataPatch(version="1.1.0"))
    assert updated.version == "1.1.0" and updated.parent_id == "/x/alertRules/r1"
    with pytest.raises(ResourceNotFoundError):
        sentinel.metadata.update(rg, ws, "missing", MetadataPatch(version="1.1.0"))


def test_unsupported_methods_and_the_get_query_variant(sentinel, emulator):
    from azure.core.rest import HttpRequest

    rules = f"{emulator.url}{emulator.workspace_resource_id}/providers/Microsoft.SecurityInsights/alertRules/r"
    patch = sentinel.send_request(HttpRequest("PATCH", rules, params={"api-version": "2025-10-01-preview"}, json={}))
    assert patch.status_code == 405
    emulator.data.add_rows("AWSCloudTrail", [{"EventName": "ConsoleLogin"}])
    got = sentinel.send_request(HttpRequest("GET", f"{emulator.url}/v1/workspaces/{emulator.workspace_id}/query",
                                            params={"query": "AWSCloudTrail | count"}))
    assert got.json()["tables"][0]["rows"] == [[1]]
    unknown = sentinel.send_request(HttpRequest("GET", f"{emulator.url}/nothing/here"))
    assert unknown.status_code == 404
