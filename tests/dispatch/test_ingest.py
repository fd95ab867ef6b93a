"""Gateway ingest: idempotency by (alert_id, version), reopen, the change feed, device status."""

from __future__ import annotations

import httpx

from tests.dispatch.conftest import Api, snapshot


def changes(api: Api, after: int = 0, limit: int = 500) -> dict:  # type: ignore[type-arg]
    response = api.client.get(
        "/v1/ingest/changes",
        params={"after": after, "limit": limit},
        headers=api.headers("gateway"),
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def count_incidents(api: Api) -> int:
    states = [
        "unconfirmed",
        "confirmed",
        "acknowledged",
        "dispatched",
        "on_scene",
        "resolved",
        "cancelled",
    ]
    body = api.get("/v1/incidents", params=[("state", s) for s in states] + [("limit", 200)])
    return len(body.json()["items"])


def test_same_snapshot_twice_changes_nothing(api: Api) -> None:
    body = snapshot(version=1)
    first = api.ingest(body).json()["results"][0]
    feed_before = changes(api)
    second = api.ingest(body).json()["results"][0]
    assert first["applied"] is True
    assert second["applied"] is False
    assert second["incident_id"] == first["incident_id"]
    assert changes(api) == feed_before
    assert count_incidents(api) == 1


def test_older_version_after_newer_is_ignored(api: Api) -> None:
    v1 = snapshot(version=1, outcome="unconfirmed", press_count=1)
    v2 = dict(v1, version=2, outcome="confirmed", press_count=3, cancel_after_confirm=True)
    api.ingest(v2)
    result = api.ingest(v1).json()["results"][0]
    assert result["applied"] is False
    incident = api.get(f"/v1/incidents/{result['incident_id']}").json()
    assert incident["press_count"] == 3
    assert incident["confirmation"] == "confirmed"
    assert incident["cancel_after_confirm"] is True


def test_later_version_upgrades_confirmation_only_upwards(api: Api) -> None:
    v1 = snapshot(version=1, outcome="unconfirmed")
    incident_id = api.new_incident(**v1)
    api.ingest(dict(v1, version=2, outcome="confirmed", press_count=2))
    assert api.get(f"/v1/incidents/{incident_id}").json()["state"] == "confirmed"
    api.ingest(dict(v1, version=3, outcome="unconfirmed", press_count=2))
    incident = api.get(f"/v1/incidents/{incident_id}").json()
    assert incident["confirmation"] == "confirmed"
    assert incident["press_count"] == 2


def test_new_press_reopens_resolved_incident(api: Api) -> None:
    v1 = snapshot(version=1, outcome="confirmed", press_count=1)
    incident_id = api.new_incident(**v1)
    api.act(incident_id, "resolve", body={"outcome": "false_alarm", "note": "tidak ada orang"})
    result = api.ingest(dict(v1, version=2, press_count=2)).json()["results"][0]
    assert result["state"] == "confirmed"
    incident = api.get(f"/v1/incidents/{incident_id}").json()
    assert incident["state"] == "confirmed"
    assert incident["outcome"] is None
    assert incident["resolution_note"] is None
    history = api.get(f"/v1/incidents/{incident_id}/history").json()
    assert [h["action"] for h in history] == ["created", "resolved", "reopened"]
    assert history[-1]["actor"] == "gateway"
    assert [c["state"] for c in changes(api)["changes"]] == ["confirmed", "resolved", "confirmed"]


def test_cancel_after_resolution_does_not_reopen(api: Api) -> None:
    v1 = snapshot(version=1, outcome="confirmed", press_count=1)
    incident_id = api.new_incident(**v1)
    api.act(incident_id, "resolve", body={"outcome": "genuine"})
    api.ingest(dict(v1, version=2, cancel_after_confirm=True))
    incident = api.get(f"/v1/incidents/{incident_id}").json()
    assert incident["state"] == "resolved"
    assert incident["cancel_after_confirm"] is True


def test_cancelled_alert_is_stored_but_not_queued(api: Api) -> None:
    incident_id = api.new_incident(outcome="cancelled", decision="cancelled")
    assert api.get("/v1/incidents").json()["items"] == []
    stored = api.get(f"/v1/incidents/{incident_id}").json()
    assert stored["state"] == "cancelled"
    assert api.get("/v1/stats").json()["mis_presses"] == 1


def test_change_feed_is_ordered_and_skips_notes(api: Api) -> None:
    first = api.new_incident()
    second = api.new_incident()
    api.act(first, "notes", body={"text": "x"})
    api.act(first, "acknowledge")
    api.act(second, "resolve", body={"outcome": "prank"})
    feed = changes(api)
    assert [(c["incident_id"], c["state"]) for c in feed["changes"]] == [
        (first, "confirmed"),
        (second, "confirmed"),
        (first, "acknowledged"),
        (second, "resolved"),
    ]
    seqs = [c["seq"] for c in feed["changes"]]
    assert seqs == sorted(seqs)
    assert feed["next"] == seqs[-1]
    assert changes(api, after=feed["next"]) == {"changes": [], "next": feed["next"]}
    # A page that ends on a note still moves the cursor past it.
    page = changes(api, after=seqs[1], limit=1)
    assert page["changes"] == []
    assert page["next"] == seqs[1] + 1
    change = feed["changes"][0]
    assert set(change) == {
        "seq",
        "incident_id",
        "alert_id",
        "device_id",
        "first_event_id",
        "state",
        "test",
        "at",
    }


def test_batch_with_one_bad_snapshot_is_422_naming_it(api: Api) -> None:
    bad = snapshot(device_id="Bad Id!")
    response = api.ingest(snapshot(), bad)
    assert response.status_code == 422
    locations = [error["loc"] for error in response.json()["detail"]]
    assert ["body", "alerts", 1, "device_id"] in locations
    assert count_incidents(api) == 0


def test_batch_limits(sqlite_api: Api) -> None:
    assert sqlite_api.ingest().status_code == 422
    too_many = [snapshot() for _ in range(501)]
    assert sqlite_api.ingest(*too_many).status_code == 422
    response = sqlite_api.ingest(*[snapshot() for _ in range(50)])
    assert response.status_code == 200
    assert len({r["incident_id"] for r in response.json()["results"]}) == 50


def test_gateway_token_required(sqlite_api: Api) -> None:
    body = {"alerts": [snapshot()]}
    for headers in ({}, {"Authorization": "Bearer wrong"}, sqlite_api.headers("admin")):
        response = sqlite_api.client.post("/v1/ingest/alerts", json=body, headers=headers)
        assert response.status_code == 401
        assert "detail" in response.json()


def test_device_status_updates_known_devices(api: Api) -> None:
    api.client.post(
        "/v1/devices",
        json={"device_id": "btn-0007", "kind": "button"},
        headers=api.headers("technician"),
    )
    post = lambda devices: api.client.post(  # noqa: E731
        "/v1/ingest/device-status", json={"devices": devices}, headers=api.headers("gateway")
    )
    response = post(
        [
            {
                "device_id": "btn-0007",
                "last_seen_at": "2026-12-04T21:13:02Z",
                "online": True,
                "fw": "0.1.0",
                "bat": 87,
                "rssi": -61,
                "uptime_s": 3600,
                "queued": 0,
            },
            {"device_id": "btn-stranger", "last_seen_at": "2026-12-04T21:13:02Z"},
        ]
    )
    assert response.json() == {"updated": 1, "unknown": ["btn-stranger"]}
    # Absent fields keep their value; an older report does not move time back.
    post([{"device_id": "btn-0007", "last_seen_at": "2026-12-04T21:14:00Z", "bat": 80}])
    post([{"device_id": "btn-0007", "last_seen_at": "2026-12-04T21:00:00Z", "bat": 10}])
    device = api.get("/v1/devices/btn-0007").json()
    assert device["last_seen_at"] == "2026-12-04T21:14:00Z"
    assert device["bat"] == 80
    assert device["fw"] == "0.1.0"
    assert device["online"] is True
    assert post([{"device_id": "btn-0007", "last_seen_at": "x"}]).status_code == 422


def test_test_alerts_are_kept_apart(api: Api) -> None:
    api.new_incident(test=True)
    assert api.get("/v1/incidents").json()["items"] == []
    assert api.get("/v1/stats").json()["panic_presses"] == 0
    feed = changes(api)["changes"]
    assert feed[0]["test"] is True


def test_unauthenticated_client_gets_json_401(sqlite_api: Api) -> None:
    response: httpx.Response = sqlite_api.client.get("/v1/ingest/changes")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_odd_device_diagnostics_never_reject_an_alert(api: Api) -> None:
    """The gateway parks a rejected snapshot, so device-supplied extremes are clamped."""
    body = snapshot(
        clock_skew_ms=-(10**20),
        age_at_arrival_ms=10**19,
        loc={"lat": -2.976, "lon": 104.756, "acc_m": 5e9},
        press_count=3,
        events=[{"id": f"e{n}", "type": "press"} for n in range(1200)],
    )
    response = api.ingest(body)
    assert response.status_code == 200, response.text
    incident_id = response.json()["results"][0]["incident_id"]
    incident = api.get(f"/v1/incidents/{incident_id}").json()
    assert incident["clock_skew_ms"] == -(2**53)
    assert incident["age_at_arrival_ms"] == 2**53
    assert incident["loc"]["acc_m"] == 1_000_000
    assert len(incident["events"]) == 1000
    assert incident["events"][-1]["id"] == "e1199"
    assert incident["polsek"] == "ilir-timur-1"


def test_change_feed_rejects_cursor_beyond_bigint(api: Api) -> None:
    response = api.client.get(
        "/v1/ingest/changes", params={"after": 2**64}, headers=api.headers("gateway")
    )
    assert response.status_code == 422
    assert changes(api, after=2**63 - 1) == {"changes": [], "next": 2**63 - 1}
