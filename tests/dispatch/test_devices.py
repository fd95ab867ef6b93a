"""Device registration, revocation, supervision and false-press history."""

from __future__ import annotations

import datetime as dt

from tests.dispatch.conftest import LOC_PLAJU, Api


def register(api: Api, device_id: str, **extra: object) -> dict:  # type: ignore[type-arg]
    response = api.client.post(
        "/v1/devices",
        json={"device_id": device_id, "kind": "button", **extra},
        headers=api.headers("technician"),
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_register_returns_credentials_once(api: Api) -> None:
    created = register(api, "btn-pasar-16", label="Pasar 16 Ilir", lat=-2.976, lon=104.756)
    assert created["mqtt"]["username"] == "btn-pasar-16"
    assert len(created["mqtt"]["password"]) >= 16
    assert created["device"]["polsek"] == "ilir-timur-1"
    assert created["device"]["supervision"]["reporting_time_s"] == 180
    assert created["device"]["power"] == "mains"
    battery = register(api, "btn-battery-1", power="battery")["device"]
    assert battery["supervision"]["name"] == "button-battery"
    assert battery["supervision"]["reporting_time_s"] == 900
    assert api.accounts.created == ["btn-pasar-16", "btn-battery-1"]
    listed = api.get("/v1/devices").json()["items"]
    assert "password" not in str(listed)
    again = api.client.post(
        "/v1/devices",
        json={"device_id": "btn-pasar-16", "kind": "button"},
        headers=api.headers("admin"),
    )
    assert again.status_code == 409


def test_register_rejects_bad_input(sqlite_api: Api) -> None:
    api = sqlite_api
    cases = [
        {"device_id": "BTN_1", "kind": "button"},
        {"device_id": "btn-1", "kind": "toaster"},
        {"device_id": "btn-1", "kind": "button", "lat": 95, "lon": 104},
        {"device_id": "btn-1", "kind": "button", "lat": -2.9},
        {"device_id": "btn-1", "kind": "button", "contact_phone": "call me"},
        {"device_id": "btn-1", "kind": "button", "power": "solar"},
        {"device_id": "app-1", "kind": "app", "power": "battery"},
    ]
    for body in cases:
        response = api.client.post("/v1/devices", json=body, headers=api.headers("admin"))
        assert response.status_code == 422, body
        assert response.json()["detail"]


def test_revoke_and_register_again(api: Api) -> None:
    register(api, "btn-0100")
    response = api.client.post("/v1/devices/btn-0100/revoke", headers=api.headers("technician"))
    assert response.status_code == 200
    assert response.json()["revoked"] is True
    assert api.accounts.revoked == ["btn-0100"]
    assert api.get("/v1/devices").json()["items"] == []
    revoked = api.get("/v1/devices", params={"include_revoked": "true"}).json()["items"]
    assert [d["device_id"] for d in revoked] == ["btn-0100"]
    assert register(api, "btn-0100")["device"]["revoked"] is False
    missing = api.client.post("/v1/devices/btn-none/revoke", headers=api.headers("admin"))
    assert missing.status_code == 404


def test_attention_lists_silent_and_weak_devices(api: Api) -> None:
    for device_id in ("btn-ok", "btn-silent", "btn-weak", "btn-never"):
        register(api, device_id)
    api.clock.advance(600)
    now = api.clock()
    statuses = [
        {
            "device_id": "btn-ok",
            "last_seen_at": (now - dt.timedelta(seconds=30)).isoformat(),
            "online": True,
            "bat": 90,
        },
        {
            "device_id": "btn-silent",
            "last_seen_at": (now - dt.timedelta(seconds=400)).isoformat(),
            "online": True,
            "bat": 90,
        },
        {"device_id": "btn-weak", "last_seen_at": now.isoformat(), "online": True, "bat": 12},
    ]
    api.client.post(
        "/v1/ingest/device-status", json={"devices": statuses}, headers=api.headers("gateway")
    )
    items = api.get("/v1/devices", params={"attention": "true"}).json()["items"]
    reasons = {item["device_id"]: item["attention"] for item in items}
    assert reasons == {
        "btn-silent": ["silent"],
        "btn-weak": ["battery_low"],
        "btn-never": ["never_seen"],
    }


def test_false_press_history_flags_repeat_device(api: Api) -> None:
    register(api, "btn-noisy", lat=LOC_PLAJU["lat"], lon=LOC_PLAJU["lon"])
    for _ in range(3):
        api.new_incident(device_id="btn-noisy", outcome="cancelled")
    incident_id = api.new_incident(device_id="btn-noisy", outcome="unconfirmed")
    api.act(incident_id, "resolve", body={"outcome": "prank"})
    latest_id = api.new_incident(
        device_id="btn-noisy", outcome="confirmed", first_event_at="2026-12-05T00:00:00Z"
    )
    device = api.get("/v1/devices/btn-noisy").json()
    assert device["false_press"] == {"alerts": 5, "false_alerts": 4, "rate": 0.8, "review": True}
    latest = api.get("/v1/incidents").json()["items"][0]
    assert latest["id"] == latest_id
    assert latest["reporter_history"]["review"] is True
    # Flagged for review, never blocked: the next alert still reaches the queue.
    assert latest["state"] == "confirmed"


def test_device_pages(sqlite_api: Api) -> None:
    api = sqlite_api
    for n in range(5):
        register(api, f"btn-page-{n}")
    first = api.get("/v1/devices", params={"limit": 2}).json()
    assert [d["device_id"] for d in first["items"]] == ["btn-page-0", "btn-page-1"]
    rest = api.get("/v1/devices", params={"limit": 10, "cursor": first["next"]}).json()
    assert [d["device_id"] for d in rest["items"]] == ["btn-page-2", "btn-page-3", "btn-page-4"]
    assert rest["next"] is None


def test_polsek_sees_only_own_devices(sqlite_api: Api) -> None:
    register(sqlite_api, "btn-it1", lat=-2.976, lon=104.756)
    register(sqlite_api, "btn-plaju", lat=LOC_PLAJU["lat"], lon=LOC_PLAJU["lon"])
    response = sqlite_api.client.get("/v1/devices", headers=sqlite_api.headers("polsek"))
    assert [d["device_id"] for d in response.json()["items"]] == ["btn-it1"]
    other = sqlite_api.client.get("/v1/devices/btn-plaju", headers=sqlite_api.headers("polsek"))
    assert other.status_code == 404
