"""Incident lifecycle through the API: transitions, audit trail, notes, units, lists."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.dispatch.conftest import LOC_ILIR_TIMUR_1, LOC_PLAJU, Api, snapshot

LIFECYCLE = [
    ("acknowledge", None, "acknowledged"),
    ("dispatch", {"unit": "Sabhara 2"}, "dispatched"),
    ("arrive", None, "on_scene"),
    ("resolve", {"outcome": "genuine", "note": "pelaku kabur"}, "resolved"),
]


def test_full_lifecycle_and_audit_trail(api: Api) -> None:
    incident_id = api.new_incident(outcome="unconfirmed")
    for action, body, state in LIFECYCLE:
        api.clock.advance(30)
        response = api.act(incident_id, action, body=body)
        assert response.status_code == 200, response.text
        assert response.json()["state"] == state

    incident = api.get(f"/v1/incidents/{incident_id}").json()
    assert incident["unit"] == "Sabhara 2"
    assert incident["outcome"] == "genuine"
    assert incident["resolution_note"] == "pelaku kabur"
    assert incident["resolved_at"].endswith("Z")

    history = api.get(f"/v1/incidents/{incident_id}/history").json()
    assert [h["action"] for h in history] == [
        "created",
        "acknowledged",
        "dispatched",
        "arrived",
        "resolved",
    ]
    assert [h["actor"] for h in history] == ["gateway"] + ["operator-user"] * 4
    seqs = [h["seq"] for h in history]
    assert seqs == sorted(seqs)
    times = [dt.datetime.fromisoformat(h["at"]) for h in history]
    assert times == sorted(times)
    assert all(t.utcoffset() == dt.timedelta(0) for t in times)


INVALID = [
    # (actions to reach the state, action tried)
    ([], "dispatch"),
    ([], "arrive"),
    (["acknowledge"], "acknowledge"),
    (["acknowledge"], "arrive"),
    (["acknowledge", "dispatch"], "dispatch"),
    (["acknowledge", "dispatch", "arrive"], "acknowledge"),
    (["resolve"], "resolve"),
    (["resolve"], "acknowledge"),
]
BODIES = {"dispatch": {"unit": "R1"}, "resolve": {"outcome": "false_alarm"}}


@pytest.mark.parametrize(("path", "action"), INVALID)
def test_invalid_transition_is_409(sqlite_api: Api, path: list[str], action: str) -> None:
    api = sqlite_api
    incident_id = api.new_incident()
    for step in path:
        assert api.act(incident_id, step, body=BODIES.get(step)).status_code == 200
    before = api.get(f"/v1/incidents/{incident_id}").json()
    response = api.act(incident_id, action, body=BODIES.get(action))
    assert response.status_code == 409
    assert before["state"] in response.json()["detail"]
    after = api.get(f"/v1/incidents/{incident_id}").json()
    assert after["state"] == before["state"]
    assert len(api.get(f"/v1/incidents/{incident_id}/history").json()) == len(path) + 1


def test_cancelled_incident_cannot_be_acted_on(sqlite_api: Api) -> None:
    incident_id = sqlite_api.new_incident(outcome="cancelled")
    assert sqlite_api.act(incident_id, "acknowledge").status_code == 409
    assert sqlite_api.act(incident_id, "resolve", body={"outcome": "genuine"}).status_code == 409


def test_action_bodies_may_be_absent_or_empty(sqlite_api: Api) -> None:
    api = sqlite_api
    incident_id = api.new_incident()
    response = api.client.post(
        f"/v1/incidents/{incident_id}/acknowledge", content=b"", headers=api.headers("operator")
    )
    assert response.status_code == 200
    response = api.client.post(
        f"/v1/incidents/{incident_id}/dispatch", content=b"", headers=api.headers("operator")
    )
    assert response.status_code == 200
    response = api.client.post(
        f"/v1/incidents/{incident_id}/arrive", json={}, headers=api.headers("operator")
    )
    assert response.status_code == 200


def test_resolve_requires_a_known_outcome(sqlite_api: Api) -> None:
    incident_id = sqlite_api.new_incident()
    assert sqlite_api.act(incident_id, "resolve", body={}).status_code == 422
    response = sqlite_api.act(incident_id, "resolve", body={"outcome": "bored"})
    assert response.status_code == 422
    assert sqlite_api.get(f"/v1/incidents/{incident_id}").json()["state"] == "confirmed"


def test_unknown_incident_is_404(sqlite_api: Api) -> None:
    assert sqlite_api.get("/v1/incidents/inc_nope").status_code == 404
    assert sqlite_api.act("inc_nope", "acknowledge").status_code == 404


def test_notes_unit_and_reassign_are_audited(api: Api) -> None:
    incident_id = api.new_incident(loc=LOC_ILIR_TIMUR_1)
    note = api.act(incident_id, "notes", body={"text": "  pelapor dihubungi  "})
    assert note.status_code == 201
    assert note.json()["detail"] == {"text": "pelapor dihubungi"}

    assert api.act(incident_id, "unit", body={"unit": "R2"}).status_code == 409
    api.act(incident_id, "acknowledge")
    api.act(incident_id, "dispatch", body={"unit": "R1"})
    response = api.act(incident_id, "unit", body={"unit": "R2"})
    assert response.json()["unit"] == "R2"

    response = api.act(
        incident_id, "reassign", role="polsek", body={"polsek": "plaju", "reason": "batas wilayah"}
    )
    assert response.status_code == 200
    assert response.json()["polsek"] == "plaju"
    # Only the new station may act on it now.
    assert api.act(incident_id, "arrive", role="polsek").status_code == 404
    assert api.act(incident_id, "arrive", role="polsek", polsek="plaju").status_code == 200

    history = api.get(f"/v1/incidents/{incident_id}/history").json()
    assert [h["action"] for h in history] == [
        "created",
        "note",
        "acknowledged",
        "dispatched",
        "unit_assigned",
        "reassigned",
        "arrived",
    ]
    reassigned = history[5]
    assert reassigned["detail"]["from_polsek"] == "ilir-timur-1"
    assert reassigned["detail"]["to_polsek"] == "plaju"
    assert reassigned["actor"] == "polsek-ilir-timur-1"


def test_reassign_to_unknown_station_is_422(sqlite_api: Api) -> None:
    incident_id = sqlite_api.new_incident()
    response = sqlite_api.act(incident_id, "reassign", body={"polsek": "atlantis"})
    assert response.status_code == 422
    assert "atlantis" in response.json()["detail"]


def test_list_filters_and_defaults(api: Api) -> None:
    confirmed = api.new_incident(outcome="confirmed")
    unconfirmed = api.new_incident(outcome="unconfirmed")
    cancelled = api.new_incident(outcome="cancelled")
    test_alert = api.new_incident(test=True)

    default = {i["id"] for i in api.get("/v1/incidents").json()["items"]}
    assert default == {confirmed, unconfirmed}

    both = api.get("/v1/incidents", params=[("state", "cancelled"), ("state", "unconfirmed")])
    assert {i["id"] for i in both.json()["items"]} == {cancelled, unconfirmed}

    tests = api.get("/v1/incidents", params={"test": "true"}).json()["items"]
    assert [i["id"] for i in tests] == [test_alert]

    assert api.get("/v1/incidents", params={"state": "bogus"}).status_code == 422
    plaju = api.get("/v1/incidents", params={"polsek": "plaju"}).json()["items"]
    assert plaju == []
    nowhere = api.new_incident(loc=None)
    city = api.get("/v1/incidents", params={"polsek": "none"}).json()["items"]
    assert [i["id"] for i in city] == [nowhere]


def test_list_is_newest_first_with_cursor_pages(api: Api) -> None:
    start = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    ids = []
    for minute in range(7):
        at = (start + dt.timedelta(minutes=minute // 2)).isoformat()
        ids.append(api.new_incident(first_event_at=at))
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = api.get("/v1/incidents", params=params).json()
        seen += [item["id"] for item in page["items"]]
        times = [item["first_event_at"] for item in page["items"]]
        assert times == sorted(times, reverse=True)
        cursor = page["next"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids)
    assert len(seen) == len(set(seen))
    assert api.get("/v1/incidents", params={"cursor": "!!bad"}).status_code == 422


def test_times_are_utc_with_offset(api: Api) -> None:
    incident_id = api.new_incident(first_event_at="2026-12-05T04:13:02.5+07:00")
    incident = api.get(f"/v1/incidents/{incident_id}").json()
    assert incident["first_event_at"] == "2026-12-04T21:13:02.500000Z"
    assert dt.datetime.fromisoformat(incident["created_at"]).utcoffset() == dt.timedelta(0)


def test_location_routing_and_registered_device(api: Api) -> None:
    response = api.client.post(
        "/v1/devices",
        json={
            "device_id": "btn-plaju-01",
            "kind": "button",
            "label": "Pasar Plaju",
            "lat": LOC_PLAJU["lat"],
            "lon": LOC_PLAJU["lon"],
            "contact_name": "Pak RT",
            "contact_phone": "+62 811 111 222",
        },
        headers=api.headers("technician"),
    )
    assert response.status_code == 201
    incident_id = api.new_incident(device_id="btn-plaju-01", loc=None, outcome="unconfirmed")
    incident = api.get(f"/v1/incidents/{incident_id}").json()
    assert incident["polsek"] == "plaju"
    assert incident["loc_source"] == "device"
    assert incident["registered"] is True
    assert incident["callback"] == {"name": "Pak RT", "phone": "+62 811 111 222", "source": "site"}

    unknown = api.get(f"/v1/incidents/{api.new_incident(device_id='btn-unknown', loc=None)}")
    assert unknown.json()["polsek"] is None
    assert unknown.json()["registered"] is False
    assert unknown.json()["callback"] is None


def test_ingest_snapshot_defaults(sqlite_api: Api) -> None:
    body = snapshot(clock_skew_ms=None)
    response = sqlite_api.ingest(body)
    incident_id = response.json()["results"][0]["incident_id"]
    incident = sqlite_api.get(f"/v1/incidents/{incident_id}").json()
    assert incident["clock_skew_ms"] is None
    assert incident["age_at_arrival_ms"] == 140
    assert incident["cancel_after_confirm"] is False
