"""Prometheus metrics of the gateway, in their own registry, served on /metrics."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server


class GatewayMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.events = Counter(
            "ampera_gateway_events_total",
            "Device events by type and the gateway's decision",
            ["type", "decision"],
            registry=r,
        )
        self.duplicates = Counter(
            "ampera_gateway_duplicates_total",
            "Events ignored as an exact duplicate or a retained replay",
            ["kind"],
            registry=r,
        )
        self.rejects = Counter(
            "ampera_gateway_rejected_total",
            "Messages rejected by reason (oversize, invalid_json, schema, bad_topic...)",
            ["reason"],
            registry=r,
        )
        self.alerts = Counter(
            "ampera_gateway_alerts_ended_total",
            "Alerts that ended confirmed, unconfirmed or cancelled, by source",
            ["source", "outcome"],
            registry=r,
        )
        self.false_press_rate = Gauge(
            "ampera_gateway_false_press_ratio",
            "Cancelled alerts over all ended alerts, by source, since the state was created",
            ["source"],
            registry=r,
        )
        self.pending_windows = Gauge(
            "ampera_gateway_pending_windows",
            "Alerts whose confirm window is running",
            registry=r,
        )
        self.outbox_depth = Gauge(
            "ampera_gateway_outbox_depth",
            "Snapshots waiting to be forwarded to the dispatch API",
            registry=r,
        )
        self.outbox_parked = Gauge(
            "ampera_gateway_outbox_parked",
            "Snapshots the dispatch API rejected (422), set aside for an operator",
            registry=r,
        )
        self.parked = Counter(
            "ampera_gateway_snapshots_parked_total",
            "Snapshots the dispatch API rejected as invalid and the gateway set aside",
            registry=r,
        )
        self.forwarded = Counter(
            "ampera_gateway_snapshots_forwarded_total",
            "Alert snapshots the dispatch API accepted",
            registry=r,
        )
        self.forward_errors = Counter(
            "ampera_gateway_forward_errors_total",
            "Failed forward requests by kind (connect, timeout, http_status)",
            ["kind"],
            registry=r,
        )
        self.forward_latency = Histogram(
            "ampera_gateway_forward_latency_seconds",
            "Time from the decision to the dispatch API accepting the snapshot",
            buckets=(
                0.005,
                0.01,
                0.015,
                0.02,
                0.03,
                0.05,
                0.075,
                0.1,
                0.25,
                0.5,
                1,
                2.5,
                5,
                10,
                30,
                60,
                300,
            ),
            registry=r,
        )
        self.ack_latency = Histogram(
            "ampera_gateway_ack_latency_seconds",
            "Time from receiving an event to acknowledging it after its commit",
            buckets=(0.001, 0.002, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 1),
            registry=r,
        )
        self.commit_batch = Histogram(
            "ampera_gateway_commit_batch_size",
            "Messages per group commit",
            buckets=(1, 2, 5, 10, 20, 50, 100),
            registry=r,
        )
        self.commit_seconds = Histogram(
            "ampera_gateway_commit_seconds",
            "Duration of one group commit to the SQLite state",
            buckets=(0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1),
            registry=r,
        )
        self.feedback = Counter(
            "ampera_gateway_feedback_published_total",
            "Feedback messages published to devices by state",
            ["state"],
            registry=r,
        )
        self.mqtt_connects = Counter(
            "ampera_gateway_mqtt_connects_total",
            "Successful connections to the broker",
            registry=r,
        )
        self.mqtt_disconnects = Counter(
            "ampera_gateway_mqtt_disconnects_total",
            "Lost or closed connections to the broker",
            registry=r,
        )
        self.mqtt_connected = Gauge(
            "ampera_gateway_mqtt_connected", "1 while subscribed at the broker", registry=r
        )
        self.status_posts = Counter(
            "ampera_gateway_device_status_posts_total",
            "Posts of coalesced device status by result (ok, failed)",
            ["result"],
            registry=r,
        )
        self.changes_seen = Counter(
            "ampera_gateway_changes_total",
            "Incident changes read from the API change feed, by state",
            ["state"],
            registry=r,
        )

        # Child metrics keyed by metric and label values. ``labels()`` checks the
        # values and takes a lock on every call, and each event is counted 2-3 times.
        self._children: dict[tuple[Any, ...], Any] = {}

    def _child(self, metric: Any, *values: str) -> Any:
        key = (id(metric), *values)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*values)
        return child

    def count_event(self, event_type: str, decision: str) -> None:
        self._child(self.events, event_type, decision).inc()

    def count_duplicate(self, kind: str) -> None:
        self._child(self.duplicates, kind).inc()

    def count_feedback(self, state: str) -> None:
        self._child(self.feedback, state).inc()

    def serve(self, host: str, port: int) -> int:
        """Start the /metrics HTTP server; return the port it listens on."""
        server, _thread = start_http_server(port, addr=host, registry=self.registry)
        return int(server.server_port)
