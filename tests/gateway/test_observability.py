"""Metrics server, structured log lines and the per-error log rate limit."""

from __future__ import annotations

import logging

import httpx
import pytest

from gateway.logs import RateLimitedLog, kv
from gateway.metrics import GatewayMetrics


def test_metrics_port_zero_picks_free_port() -> None:
    metrics = GatewayMetrics()
    metrics.rejects.labels(reason="schema").inc()

    port = metrics.serve("127.0.0.1", 0)
    body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text

    assert port > 0
    assert 'ampera_gateway_rejected_total{reason="schema"} 1.0' in body


def test_kv_quotes_values_with_spaces() -> None:
    line = kv("message_rejected", reason="schema", detail='field "v" missing', count=3)

    assert line == 'message_rejected reason=schema detail="field \\"v\\" missing" count=3'


def test_rate_limit_logs_once_per_interval(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    limited = RateLimitedLog(logging.getLogger("test.ratelimit"), 60.0, clock=lambda: now[0])

    with caplog.at_level(logging.WARNING, logger="test.ratelimit"):
        first = [limited.log(logging.WARNING, "same", "failed", n=i) for i in range(5)]
        other = limited.log(logging.WARNING, "other", "failed", n=99)
        now[0] = 61.0
        later = limited.log(logging.WARNING, "same", "failed", n=100)

    assert first == [True, False, False, False, False]
    assert other is True
    assert later is True
    assert "suppressed=4" in caplog.records[-1].getMessage()
    assert len(caplog.records) == 3
