"""Who may do what: every role against every endpoint, including station scoping."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.dispatch.conftest import LOC_ILIR_TIMUR_1, Api

ROLES = (
    "anonymous",
    "gateway",
    "admin",
    "operator",
    "polsek",
    "polsek_other",
    "technician",
    "citizen",
)
_device_numbers = itertools.count(1)


@dataclass
class Case:
    method: str
    # Builds the path (and may create the resource it acts on) for each call.
    path: Callable[[Api], str]
    expected: dict[str, int]
    body: Callable[[], Any] | None = None


def staff(ok: int, other_station: int | None = None) -> dict[str, int]:
    """Expected codes for an endpoint open to admin, operator and polsek."""
    return {
        "anonymous": 401,
        "gateway": 401,
        "admin": ok,
        "operator": ok,
        "polsek": ok,
        "polsek_other": ok if other_station is None else other_station,
        "technician": 403,
        "citizen": 403,
    }


def only(ok: int, *roles: str, jwt_default: int = 403) -> dict[str, int]:
    expected = {role: jwt_default for role in ROLES}
    expected["anonymous"] = 401
    expected["gateway"] = 401
    for role in roles:
        expected[role] = ok
    return expected


def incident_path(suffix: str = "") -> Callable[[Api], str]:
    def build(api: Api) -> str:
        return f"/v1/incidents/{api.new_incident(loc=LOC_ILIR_TIMUR_1)}{suffix}"

    return build


def device_path(suffix: str) -> Callable[[Api], str]:
    def build(api: Api) -> str:
        device_id = f"btn-role-{next(_device_numbers)}"
        response = api.client.post(
            "/v1/devices",
            json={"device_id": device_id, "kind": "button"},
            headers=api.headers("admin"),
        )
        assert response.status_code == 201, response.text
        return f"/v1/devices/{device_id}{suffix}"

    return build


def complaint_path(api: Api) -> str:
    response = api.client.post(
        "/v1/complaints",
        json={"category": "begal", "text": "test", "loc": LOC_ILIR_TIMUR_1},
        headers=api.headers("operator"),
    )
    assert response.status_code == 201, response.text
    return f"/v1/complaints/{response.json()['id']}/close"


def fixed(path: str) -> Callable[[Api], str]:
    return lambda _api: path


def new_device() -> dict[str, Any]:
    return {
        "device_id": f"btn-new-{next(_device_numbers)}",
        "kind": "button",
        "lat": -2.97,
        "lon": 104.75,
    }


def new_snapshot() -> dict[str, Any]:
    from tests.dispatch.conftest import snapshot

    return {"alerts": [snapshot()]}


ALL_USERS = {**{role: 200 for role in ROLES}, "anonymous": 401, "gateway": 401}
GATEWAY_ONLY = {**{role: 401 for role in ROLES}, "gateway": 200}

CASES = [
    Case("GET", fixed("/v1/polsek"), ALL_USERS),
    Case("GET", fixed("/v1/auth/me"), ALL_USERS),
    Case("GET", fixed("/v1/incidents"), staff(200)),
    Case("GET", fixed("/v1/incidents?test=true"), {**staff(200), "technician": 200}),
    Case("GET", incident_path(), staff(200, other_station=404)),
    Case("GET", incident_path("/history"), staff(200, other_station=404)),
    Case("POST", incident_path("/acknowledge"), staff(200, other_station=404)),
    Case(
        "POST",
        incident_path("/resolve"),
        staff(200, other_station=404),
        body=lambda: {"outcome": "genuine", "note": "ok"},
    ),
    Case(
        "POST",
        incident_path("/notes"),
        staff(201, other_station=404),
        body=lambda: {"text": "called back"},
    ),
    Case(
        "POST",
        incident_path("/reassign"),
        staff(200, other_station=404),
        body=lambda: {"polsek": "plaju", "reason": "border"},
    ),
    Case("GET", fixed("/v1/stats"), staff(200)),
    Case("GET", fixed("/v1/stats/daily"), staff(200)),
    Case("GET", fixed("/v1/stats.csv"), staff(200)),
    Case("POST", fixed("/v1/devices"), only(201, "admin", "technician"), body=new_device),
    Case(
        "GET",
        fixed("/v1/devices"),
        only(200, "admin", "operator", "polsek", "polsek_other", "technician"),
    ),
    Case("POST", device_path("/revoke"), only(200, "admin", "technician")),
    Case("GET", fixed("/v1/citizens"), only(200, "admin", "operator")),
    Case(
        "POST",
        fixed("/v1/complaints"),
        only(201, "admin", "operator", "polsek", "polsek_other", "citizen"),
        body=lambda: {"category": "perjudian", "text": "judi di warung"},
    ),
    Case(
        "GET",
        fixed("/v1/complaints"),
        only(200, "admin", "operator", "polsek", "polsek_other", "citizen"),
    ),
    Case("POST", complaint_path, staff(200, other_station=404)),
    Case("POST", fixed("/v1/ingest/alerts"), GATEWAY_ONLY, body=new_snapshot),
    Case("GET", fixed("/v1/ingest/changes"), GATEWAY_ONLY),
    Case("POST", fixed("/v1/ingest/device-status"), GATEWAY_ONLY, body=lambda: {"devices": []}),
]


def headers_for(api: Api, role: str) -> dict[str, str]:
    if role == "polsek_other":
        return api.headers("polsek", polsek="plaju")
    return api.headers(role)


def test_role_matrix(api: Api) -> None:
    mismatches = []
    for case in CASES:
        for role in ROLES:
            path = case.path(api)
            body = case.body() if case.body else None
            response = api.client.request(
                case.method, path, json=body, headers=headers_for(api, role)
            )
            expected = case.expected[role]
            if response.status_code != expected:
                mismatches.append(
                    f"{case.method} {path} as {role}: {response.status_code} != {expected} "
                    f"{response.text[:200]}"
                )
            assert response.headers["content-type"].startswith(("application/json", "text/csv")), (
                f"{case.method} {path} as {role}"
            )
    assert mismatches == []


def test_polsek_list_shows_only_own_station(api: Api) -> None:
    own = api.new_incident(loc=LOC_ILIR_TIMUR_1)
    api.new_incident(loc={"lat": -2.9950, "lon": 104.8200})
    api.new_incident(loc=None)
    response = api.client.get("/v1/incidents", headers=api.headers("polsek"))
    assert [item["id"] for item in response.json()["items"]] == [own]
    operator = api.get("/v1/incidents").json()["items"]
    assert len(operator) == 3


def test_polsek_stats_are_own_station(api: Api) -> None:
    api.new_incident(loc=LOC_ILIR_TIMUR_1)
    api.new_incident(loc={"lat": -2.9950, "lon": 104.8200})
    body = api.client.get("/v1/stats", headers=api.headers("polsek")).json()
    assert body["panic_presses"] == 1
    assert list(body["by_polsek"]) == ["ilir-timur-1"]


def test_forged_and_expired_tokens_are_401(api: Api) -> None:
    from dispatch.security import create_token

    api.headers("operator")
    forged = create_token(b"another-key", 1, "operator-user", "admin", None, api.clock(), 3600)
    response = api.client.get("/v1/incidents", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    expired = create_token(
        api.context.signing_key, 1, "operator-user", "operator", None, api.clock(), 60
    )
    api.clock.advance(61)
    response = api.client.get("/v1/incidents", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    response = api.client.get("/v1/incidents", headers={"Authorization": "Bearer not.a.jwt"})
    assert response.status_code == 401


def test_technician_lists_only_test_incidents(api: Api) -> None:
    api.new_incident(loc=LOC_ILIR_TIMUR_1)
    test_id = api.new_incident(test=True, loc=None)
    technician = api.headers("technician")
    response = api.client.get("/v1/incidents", params={"test": "true"}, headers=technician)
    assert [item["id"] for item in response.json()["items"]] == [test_id]
    forbidden = api.client.get("/v1/incidents", headers=technician)
    assert forbidden.status_code == 403
    assert "test=true" in forbidden.json()["detail"]
    assert api.client.get(f"/v1/incidents/{test_id}", headers=technician).status_code == 403
