"""Every published item of Microsoft's Azure-Sentinel content (../shared/corpus, or DETECTIONS_CORPUS)
validates unchanged with `detections validate`, except those that really break: named here, each with
the error codes it must fail with and why. Skips when the corpus is absent."""

from __future__ import annotations

from collections import defaultdict

from detections.diagnostics import Severity
from detections.validate import run
from published_corpus import CORPUS, needs_corpus

_SAVE_REJECTS = ("Sentinel refuses to save a rule whose mappings name a column the query does not output "
                 "(\"Error in AlertDetailsOverride: The given column '...' does not exist\", Azure/Azure-Sentinel#11671)")
# file name -> (error codes, why); warnings and notes (Microsoft's CI only compiles hunting queries) do not fail
KNOWN_BROKEN: dict[str, tuple[set[str], str]] = {
    "WMI-Abuse.yaml": ({"DET600", "DET700", "DET902"},
                       "6 alertDescriptionFormat placeholders (Sentinel allows 3), a non-ASCII dash in the query, "
                       "and case() without its else value (Kusto.Language KS121)"),
    "ADFSRemoteAuthSyncConnection.yaml": ({"DET902"}, "reads Account after a project that dropped it"),
    "AmazonWebServicesUserActivities.json": ({"DET902"}, "sum() of a bool (Kusto.Language KS138)"),
    "Cross-CloudSuspiciousComputeResourcecreationinGCP.yaml": (
        {"DET905", "DET906"}, "customDetails 'GCPAuditLogs' and alertDynamicProperties 'AWS', 'AWSGuarduty' "
                              "are text, not output columns; " + _SAVE_REJECTS),
    "CrossCloudSuspiciousUserActivityObservedInGCPEnvourment.yaml": (
        {"DET905", "DET906"}, "customDetails 'GCPAuditLogs', {{GCPUserUPN}} and alertDynamicProperties "
                              "'Microsoft Security' are not output columns; " + _SAVE_REJECTS),
    "CrossCloudUnauthorizedCredentialsAccessDetection.yaml": (
        {"DET906"}, "alertDynamicProperties 'AWS', 'AWSGuardDuty' are text, not output columns; " + _SAVE_REJECTS),
    "Unauthorized_user_access_across_AWS_and_Azure.yaml": (
        {"DET906"}, "alertDynamicProperties 'AWS', 'AWSGuardDuty' are text, not output columns; " + _SAVE_REJECTS),
}


@needs_corpus
def test_every_published_item_validates_except_the_broken_ones():
    result = run([CORPUS], root=CORPUS)
    assert result.files > 100
    errors: dict[str, set[str]] = defaultdict(set)
    for diagnostic in result.diagnostics:
        if diagnostic.severity is Severity.ERROR:
            errors[diagnostic.location.path.name].add(diagnostic.code)
    present = {name for name in KNOWN_BROKEN if any(CORPUS.rglob(name))}
    assert dict(errors) == {name: KNOWN_BROKEN[name][0] for name in present}, "\n".join(
        str(d) for d in result.diagnostics if d.severity is Severity.ERROR)
