"""Queries against a workspace: live through azure-monitor-query, or offline over local files with our
engine (`detections query`, `smoke`, `backtest`; see docs/live-queries.md)."""
