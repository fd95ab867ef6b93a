"""Citizen accounts (register, log in, flag, purge, register again) and complaint reports."""

from __future__ import annotations

from typing import Any

from tests.dispatch.conftest import LOC_ILIR_TIMUR_1, LOC_PLAJU, Api

PASSWORD = "rahasia-warga-1"


def register(api: Api, email: str = "Siti@Example.ID", **extra: Any) -> Any:
    body = {
        "email": email,
        "name": "Siti Aminah",
        "phone": "+62 812 3456 7890",
        "password": PASSWORD,
        **extra,
    }
    return api.client.post("/v1/citizens", json=body)


def login(api: Api, email: str, password: str = PASSWORD) -> Any:
    return api.client.post("/v1/auth/token", data={"username": email, "password": password})


def bearer(response: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_register_login_and_app_credentials(api: Api) -> None:
    response = register(api)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["citizen"]["email"] == "siti@example.id"
    assert body["device_id"].startswith("app-")
    assert body["mqtt"]["username"] == body["device_id"]
    assert body["mqtt"]["ws_url"].startswith("ws")
    assert api.accounts.created == [body["device_id"]]

    token = login(api, "SITI@example.id")
    assert token.status_code == 200
    me = api.client.get("/v1/citizens/me", headers=bearer(token)).json()
    assert me["device_id"] == body["device_id"]
    assert me["phone"] == "+62 812 3456 7890"
    who = api.client.get("/v1/auth/me", headers=bearer(token)).json()
    assert who["role"] == "citizen"
    assert register(api).status_code == 409


def test_register_rejects_bad_data(sqlite_api: Api) -> None:
    for extra in ({"email": "not-an-email"}, {"password": "short"}, {"phone": "abc"}, {"name": ""}):
        response = register(sqlite_api, **extra)
        assert response.status_code == 422, extra


def test_app_alert_gets_citizen_callback(api: Api) -> None:
    device_id = register(api).json()["device_id"]
    incident_id = api.new_incident(device_id=device_id, source="app", outcome="unconfirmed")
    incident = api.get(f"/v1/incidents/{incident_id}").json()
    assert incident["callback"] == {
        "name": "Siti Aminah",
        "phone": "+62 812 3456 7890",
        "source": "citizen",
    }


def test_flag_purge_and_register_again(api: Api) -> None:
    first = register(api).json()
    citizen_id = first["citizen"]["id"]
    api.new_incident(device_id=first["device_id"], source="app", outcome="cancelled")
    operator = api.headers("operator")

    assert api.client.post(f"/v1/citizens/{citizen_id}/purge", headers=operator).status_code == 409
    flagged = api.client.post(
        f"/v1/citizens/{citizen_id}/flag", json={"reason": "nama palsu"}, headers=operator
    )
    assert flagged.json()["flagged"] is True
    purged = api.client.post(f"/v1/citizens/{citizen_id}/purge", headers=operator).json()
    assert purged["purged"] is True
    assert (purged["email"], purged["name"], purged["phone"]) == (None, None, None)
    assert api.accounts.revoked == [first["device_id"]]
    assert login(api, "siti@example.id").status_code == 401

    again = register(api)
    assert again.status_code == 201
    assert again.json()["citizen"]["id"] != citizen_id
    listing = api.client.get("/v1/citizens", headers=operator).json()
    assert listing["counts"] == {"registered": 2, "active": 1, "flagged": 0, "purged": 1}
    assert [c["email"] for c in listing["items"]] == ["siti@example.id"]
    with_purged = api.client.get(
        "/v1/citizens", params={"include_purged": "true"}, headers=operator
    ).json()
    assert len(with_purged["items"]) == 2
    # The purged account's history stays counted for statistics.
    assert with_purged["items"][1]["false_press"]["alerts"] == 1


def test_complaints_filed_routed_listed_closed(api: Api) -> None:
    token = bearer(login(api, register(api).json()["citizen"]["email"]))
    filed = api.client.post(
        "/v1/complaints",
        json={"category": "perjudian", "text": "Judi di pos ronda", "loc": LOC_ILIR_TIMUR_1},
        headers=token,
    )
    assert filed.status_code == 201
    complaint = filed.json()
    assert complaint["polsek"] == "ilir-timur-1"
    assert complaint["status"] == "open"
    api.client.post(
        "/v1/complaints",
        json={"category": "begal", "text": "Begal", "loc": LOC_PLAJU},
        headers=api.headers("operator"),
    )
    bad = api.client.post("/v1/complaints", json={"category": "ufo", "text": "x"}, headers=token)
    assert bad.status_code == 422

    mine = api.client.get("/v1/complaints", headers=token).json()["items"]
    assert [c["id"] for c in mine] == [complaint["id"]]
    station = api.client.get("/v1/complaints", headers=api.headers("polsek")).json()["items"]
    assert [c["id"] for c in station] == [complaint["id"]]
    assert len(api.get("/v1/complaints").json()["items"]) == 2

    closed = api.client.post(
        f"/v1/complaints/{complaint['id']}/close",
        json={"note": "sudah ditindak"},
        headers=api.headers("polsek"),
    )
    assert closed.json()["status"] == "closed"
    assert closed.json()["closed_by"] == "polsek-ilir-timur-1"
    again = api.client.post(
        f"/v1/complaints/{complaint['id']}/close", headers=api.headers("operator")
    )
    assert again.status_code == 409
    open_only = api.get("/v1/complaints", params={"status": "open"}).json()["items"]
    assert len(open_only) == 1
    assert api.get("/v1/stats").json()["complaints"] == 2


def test_login_rate_limited_after_failures(sqlite_api: Api) -> None:
    api = sqlite_api
    api.headers("operator")
    for _ in range(3):
        assert login(api, "operator-user", "wrong-password").status_code == 401
    limited = login(api, "operator-user", "kata-sandi-uji-1")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    api.clock.advance(61)
    assert login(api, "operator-user", "kata-sandi-uji-1").status_code == 200


def test_registrations_per_address_are_limited(sqlite_api: Api) -> None:
    from dispatch.ratelimit import SlidingWindowLimiter

    api = sqlite_api
    api.context.registration_limiter = SlidingWindowLimiter(max_events=2, window_s=3600)
    assert register(api, email="a@example.id").status_code == 201
    assert register(api, email="b@example.id").status_code == 201
    limited = register(api, email="c@example.id")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    api.clock.advance(3601)
    assert register(api, email="c@example.id").status_code == 201
