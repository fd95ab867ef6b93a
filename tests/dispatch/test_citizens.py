"""Citizen accounts (register, log in, new device credentials, flag, purge, register again)
and complaint reports."""

from __future__ import annotations

from typing import Any

from dispatch.broker_accounts import NoBrokerAccounts
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


def test_new_phone_gets_new_device_password(api: Api) -> None:
    registered = register(api).json()
    device_id = registered["device_id"]
    token = bearer(login(api, "siti@example.id"))

    response = api.client.post("/v1/citizens/me/device", headers=token)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["device_id"] == device_id
    assert body["mqtt"]["username"] == device_id
    assert body["mqtt"]["ws_url"] == registered["mqtt"]["ws_url"]
    assert body["mqtt"]["password"] != registered["mqtt"]["password"]
    assert api.accounts.created == [device_id, device_id]

    again = api.client.post("/v1/citizens/me/device", headers=token).json()
    assert again["device_id"] == device_id
    assert again["mqtt"]["password"] != body["mqtt"]["password"]


def test_device_credentials_for_citizens_only(api: Api) -> None:
    anonymous = api.client.post("/v1/citizens/me/device")
    assert anonymous.status_code == 401
    for role in ("admin", "operator", "polsek", "technician"):
        response = api.client.post("/v1/citizens/me/device", headers=api.headers(role))
        assert response.status_code == 403, role
        assert "has no citizen account" in response.json()["detail"]
    # A citizen login without a citizen row gets the same 404 as GET /me.
    orphan = api.client.post("/v1/citizens/me/device", headers=api.headers("citizen"))
    assert orphan.status_code == 404
    assert api.get("/v1/citizens/me", role="citizen").status_code == 404
    assert api.accounts.created == []


def test_purged_account_gets_no_device_credentials(api: Api) -> None:
    citizen_id = register(api).json()["citizen"]["id"]
    token = bearer(login(api, "siti@example.id"))
    operator = api.headers("operator")
    api.client.post(f"/v1/citizens/{citizen_id}/flag", json={"reason": "palsu"}, headers=operator)
    flagged = api.client.post("/v1/citizens/me/device", headers=token)
    assert flagged.status_code == 200, "a flagged account keeps working until it is purged"
    assert api.client.post(f"/v1/citizens/{citizen_id}/purge", headers=operator).status_code == 200
    created_before = list(api.accounts.created)

    response = api.client.post("/v1/citizens/me/device", headers=token)
    me = api.client.get("/v1/citizens/me", headers=token)
    assert response.status_code == 401
    assert response.json() == me.json()
    assert api.accounts.created == created_before


def test_revoked_app_device_gets_no_credentials(api: Api) -> None:
    device_id = register(api).json()["device_id"]
    token = bearer(login(api, "siti@example.id"))
    revoked = api.client.post(f"/v1/devices/{device_id}/revoke", headers=api.headers("technician"))
    assert revoked.status_code == 200, revoked.text

    response = api.client.post("/v1/citizens/me/device", headers=token)
    assert response.status_code == 409
    assert device_id in response.json()["detail"]
    assert api.accounts.created == [device_id]


def test_device_credentials_broker_down_gives_503(sqlite_api: Api) -> None:
    from dispatch.accounts import CheckedAccounts
    from dispatch.broker_accounts import BrokerAccountsError

    class DownAccounts(NoBrokerAccounts):
        def create_device(self, device_id: str) -> str:
            raise BrokerAccountsError("cannot connect to the broker at 127.0.0.1:1")

    api = sqlite_api
    device_id = register(api).json()["device_id"]
    token = bearer(login(api, "siti@example.id"))
    api.context.accounts = CheckedAccounts(DownAccounts())

    response = api.client.post("/v1/citizens/me/device", headers=token)
    assert response.status_code == 503
    assert device_id in response.json()["detail"]


def test_device_credentials_per_address_are_limited(sqlite_api: Api) -> None:
    from dispatch.ratelimit import SlidingWindowLimiter

    api = sqlite_api
    api.context.registration_limiter = SlidingWindowLimiter(max_events=2, window_s=3600)
    assert register(api).status_code == 201
    token = bearer(login(api, "siti@example.id"))
    for _ in range(2):
        assert api.client.post("/v1/citizens/me/device", headers=token).status_code == 200
    limited = api.client.post("/v1/citizens/me/device", headers=token)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    # Registrations keep their own count.
    assert register(api, email="b@example.id").status_code == 201
    api.clock.advance(3601)
    # The access token has expired too, so log in again.
    token = bearer(login(api, "siti@example.id"))
    assert api.client.post("/v1/citizens/me/device", headers=token).status_code == 200


def test_revoke_during_reissue_removes_account(sqlite_api: Api) -> None:
    from dispatch.models import Device

    api = sqlite_api
    device_id = register(api).json()["device_id"]
    token = bearer(login(api, "siti@example.id"))
    accounts = api.accounts

    class RevokedMidway(NoBrokerAccounts):
        def create_device(self, device_id: str) -> str:
            # A staff revoke commits while the broker call is running.
            with api.context.db.write() as session:
                device = session.get(Device, device_id)
                assert device is not None
                device.revoked_at, device.revoked_by = api.clock(), "technician-user"
            return accounts.create_device(device_id)

        def revoke_device(self, device_id: str) -> None:
            accounts.revoke_device(device_id)

    api.context.accounts = RevokedMidway()

    response = api.client.post("/v1/citizens/me/device", headers=token)
    assert response.status_code == 409
    assert accounts.created == [device_id, device_id]
    assert accounts.revoked == [device_id]
