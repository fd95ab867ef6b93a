"""Prometheus metrics of the dispatch API, served at /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "ampera_dispatch_http_requests_total",
    "HTTP requests by route template, method and status code.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "ampera_dispatch_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
REJECTED = Counter(
    "ampera_dispatch_rejected_requests_total",
    "Requests rejected, by reason (unauthorized, forbidden, invalid, rate_limited, ...).",
    ["reason"],
)
INGESTED = Counter(
    "ampera_dispatch_ingest_alerts_total",
    "Alert snapshots from the gateway, by decision (created, updated, reopened, stale).",
    ["decision"],
)
TRANSITIONS = Counter(
    "ampera_dispatch_incident_changes_total",
    "Incident changes recorded in the audit log, by action.",
    ["action"],
)
LOGIN_FAILURES = Counter(
    "ampera_dispatch_login_failures_total",
    "Failed logins, by reason (bad_credentials, rate_limited).",
    ["reason"],
)
