"""The console's views against a dispatch API filled through the ingest API.

Each test checks what a person sees against what the API holds. With
AMPERA_SCREENSHOTS=1 the views are also saved to docs/screenshots/ for the
user guide (``AMPERA_SCREENSHOTS=1 pytest tests/console -k views``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from tests.console import sample_data
from tests.console.conftest import (
    SEEN_TIMEOUT_MS,
    ConsoleStack,
    assert_translated,
    log_in,
    screenshot_path,
)
from tests.support.browser import BrowserSession, new_session

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def seeded(api_stack: ConsoleStack) -> Iterator[dict[str, Any]]:
    """A queue, complaints and devices that need attention, as in a working day."""
    now = dt.datetime.now(dt.UTC)
    sample_data.register_devices(
        api_stack.client("admin-kota"),
        api_stack.dispatch.url,
        api_stack.dispatch.gateway_token,
        now,
    )
    ids = sample_data.seed_queue(api_stack.dispatch.url, api_stack.dispatch.gateway_token, now)
    complaint_ids = sample_data.file_complaints(api_stack.client("polsek-it1"))
    sample_data.seed_history(
        api_stack.dispatch.url,
        api_stack.dispatch.gateway_token,
        api_stack.client("operator-kota"),
        now,
    )
    # One incident handled to the end, so statistics show a follow-up.
    handled = api_stack.ingest(
        sample_data.alert_snapshot("btn-ilir-timur-0004", at=now - dt.timedelta(hours=2))
    )[0]
    operator = api_stack.client("operator-kota")
    for action, body in (
        ("acknowledge", None),
        ("dispatch", {"unit": "Patroli 1"}),
        ("arrive", None),
        ("resolve", {"outcome": "genuine", "note": "Pencurian digagalkan."}),
    ):
        operator.post(f"/v1/incidents/{handled}/{action}", json=body).raise_for_status()
    yield {"incidents": ids, "complaints": complaint_ids, "handled": handled}


def row_of(page: Page, incident_id: str):  # type: ignore[no-untyped-def]
    return page.locator(f'.incident-row[data-incident-id="{incident_id}"]')


def test_login_errors_in_indonesian(
    api_stack: ConsoleStack, browser: BrowserSession, tmp_path: Path
) -> None:
    page = browser.new_page()
    page.goto(api_stack.console_url)
    expect(page.locator("#login-heading")).to_have_text("Masuk ke konsol petugas")
    page.screenshot(path=screenshot_path(tmp_path, "login"))

    page.click("#login-submit")
    expect(page.locator("#login-error")).to_have_text("Isi nama pengguna dan kata sandi.")

    page.fill("#login-username", "polsek-it1")
    page.fill("#login-password", "salah-sekali")
    page.click("#login-submit")
    expect(page.locator("#login-error")).to_have_text(
        "Nama pengguna atau kata sandi salah. Periksa lalu coba lagi."
    )
    assert page.evaluate("sessionStorage.length") == 0

    page.click("#language-switch")
    expect(page.locator("#login-heading")).to_have_text("Sign in to the staff console")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_logout_and_expired_session(api_stack: ConsoleStack, browser: BrowserSession) -> None:
    page = browser.new_page()
    log_in(page, api_stack, "polsek-it1")
    assert page.evaluate("sessionStorage.getItem('ampera.console.token')")

    # A token the server no longer accepts sends the person back to the login.
    page.evaluate("sessionStorage.setItem('ampera.console.token', 'x.eyJyb2xlIjoicG9sc2VrIn0.y')")
    page.click("#tab-complaints")
    expect(page.locator("#login-error")).to_have_text(
        "Sesi Anda sudah berakhir. Silakan masuk lagi."
    )
    assert page.evaluate("sessionStorage.length") == 0

    log_in(page, api_stack, "polsek-it1")
    page.click("#logout")
    expect(page.locator("#login-heading")).to_be_visible()
    expect(page.locator("#login-error")).to_be_hidden()
    assert page.evaluate("sessionStorage.length") == 0


def test_queue_tells_confirmation_apart(
    api_stack: ConsoleStack, seeded: dict[str, Any], browser: BrowserSession, tmp_path: Path
) -> None:
    ids = seeded["incidents"]
    page = browser.new_page()
    log_in(page, api_stack, "polsek-it1")

    confirmed = row_of(page, ids["confirmed"])
    unconfirmed = row_of(page, ids["unconfirmed"])
    expect(confirmed).to_be_visible()
    # Told apart by text and icon, not only by colour.
    expect(confirmed.locator(".badge")).to_have_text("▲!Terkonfirmasi")
    expect(unconfirmed.locator(".badge")).to_have_text("?Belum terkonfirmasi")
    expect(row_of(page, ids["duress"]).locator(".chip--warning")).to_contain_text(
        "Dibatalkan setelah konfirmasi"
    )
    # Test alerts, another station's alerts and closed incidents stay out.
    expect(row_of(page, ids["test"])).to_have_count(0)
    expect(row_of(page, ids["other_station"])).to_have_count(0)
    expect(row_of(page, seeded["handled"])).to_have_count(0)
    # Confirmed emergencies first, then unconfirmed ones, newest first within each.
    order = page.locator(".incident-row").evaluate_all(
        "rows => rows.map(r => r.dataset.incidentId)"
    )
    assert (
        order.index(ids["confirmed"]) < order.index(ids["duress"]) < order.index(ids["unconfirmed"])
    )
    assert order.index(ids["unconfirmed"]) < order.index(ids["older"])
    assert_translated(page)
    page.screenshot(path=screenshot_path(tmp_path, "queue"))

    page.click("#queue-filter-all")
    expect(row_of(page, seeded["handled"])).to_be_visible()
    expect(row_of(page, seeded["handled"]).locator(".state")).to_have_text("Selesai")

    page.click("#language-switch")
    expect(row_of(page, ids["unconfirmed"]).locator(".badge")).to_have_text("?Unconfirmed")
    assert_translated(page)
    row_of(page, ids["duress"]).click()
    expect(page.locator("#cancel-after-confirm")).to_contain_text("Cancelled after confirmation")
    expect(page.locator("#audit-list")).to_be_visible()
    assert_translated(page)


def test_incident_detail_and_map(
    api_stack: ConsoleStack, seeded: dict[str, Any], browser: BrowserSession, tmp_path: Path
) -> None:
    ids = seeded["incidents"]
    incident = api_stack.incident(ids["confirmed"])
    page = browser.new_page()
    tile_requests: list[str] = []
    page.on(
        "request",
        lambda request: tile_requests.append(request.url) if "tile" in request.url else None,
    )
    log_in(page, api_stack, "polsek-it1")
    row_of(page, ids["confirmed"]).click()

    expect(page.locator("#incident-map .map-marker--confirmed")).to_be_visible()
    expect(page.locator("#incident-map .map-marker--station-own")).to_be_visible()
    expect(page.locator("#press-count")).to_have_text(str(incident["press_count"]))
    # First event time in Palembang local time (WIB, UTC+7).
    wib = dt.datetime.fromisoformat(incident["first_event_at"]).astimezone(
        dt.timezone(dt.timedelta(hours=7))
    )
    expect(page.locator("#first-event-at")).to_contain_text(wib.strftime("%H.%M.%S") + " WIB")
    facts = page.locator("#incident-facts")
    expect(facts).to_contain_text("140 md")
    expect(facts).to_contain_text("−35 md")
    expect(page.locator("#audit-list")).to_contain_text("Diterima sistem")
    assert_translated(page)
    page.screenshot(path=screenshot_path(tmp_path, "detail"), full_page=True)

    # No tile server is configured by default: the map draws no tiles.
    expect(page.locator(".leaflet-tile")).to_have_count(0)
    assert tile_requests == []

    page.goto(f"{api_stack.console_url}#/incident/{ids['duress']}")
    expect(page.locator("#cancel-after-confirm")).to_be_visible()
    page.goto(f"{api_stack.console_url}#/incident/{ids['unconfirmed']}")
    expect(page.locator("#incident-map .map-marker--unconfirmed")).to_be_visible()
    expect(facts).to_contain_text("jam perangkat tidak tersinkron")

    # An unconfirmed alert from a button with a site contact: call them back.
    callback = api_stack.incident(ids["older"])["callback"]
    assert callback == {"name": "Bu Rina", "phone": "+62 812 7788 0303", "source": "site"}
    page.goto(f"{api_stack.console_url}#/incident/{ids['older']}")
    contact = page.locator("#incident-contact")
    expect(contact).to_contain_text("Bu Rina")
    expect(contact).to_contain_text("Kontak di lokasi tombol")
    expect(contact.locator("a.contact-phone")).to_have_attribute("href", "tel:+6281277880303")
    page.screenshot(path=screenshot_path(tmp_path, "detail-unconfirmed"))

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{api_stack.console_url}#/incident/{ids['confirmed']}")
    expect(page.locator("#action-acknowledge")).to_be_visible()
    box = page.locator("#action-acknowledge").bounding_box()
    assert box is not None
    assert box["height"] >= 44, "touch targets on a phone are at least 44 px high"
    page.screenshot(path=screenshot_path(tmp_path, "detail-phone"))


def test_overview_map_of_queue(
    api_stack: ConsoleStack, seeded: dict[str, Any], browser: BrowserSession, tmp_path: Path
) -> None:
    open_states = ["unconfirmed", "confirmed", "acknowledged", "dispatched", "on_scene"]
    listed = api_stack.client("operator-kota").get(
        "/v1/incidents", params={"state": open_states, "limit": 200}
    )
    located = [item for item in listed.json()["items"] if item["loc"] is not None]
    page = browser.new_page()
    log_in(page, api_stack, "operator-kota")
    page.click("#queue-view-map")

    markers = page.locator(
        "#overview-map .map-marker--confirmed, #overview-map .map-marker--unconfirmed"
    )
    expect(markers).to_have_count(len(located))
    expect(page.locator("#overview-map .map-marker--station")).to_have_count(14)
    expect(page.locator("#incident-list")).to_be_hidden()
    page.screenshot(path=screenshot_path(tmp_path, "map"))

    target = seeded["incidents"]["other_station"]
    page.locator(f'#overview-map [data-incident-id="{target}"]').click()
    expect(page.locator("#incident-detail")).to_have_attribute("data-incident-id", target)


def test_admin_sets_tile_url(
    api_stack: ConsoleStack, seeded: dict[str, Any], browser: BrowserSession
) -> None:
    page = browser.new_page()
    log_in(page, api_stack, "admin-kota")
    page.click("#tab-settings")
    assert_translated(page)
    page.fill("#settings-tile-url", "tiles.example/{z}/{x}/{y}.png")
    page.click("#settings-save")
    expect(page.locator("#settings-feedback")).to_contain_text("harus memuat {z}, {x} dan {y}")

    # A tile server on this host: the map requests its tiles there. The test
    # aborts those requests, so no tile is ever fetched.
    page.route(re.compile(r"/console/test-tiles/"), lambda route: route.abort())
    page.fill("#settings-tile-url", "/console/test-tiles/{z}/{x}/{y}.png")
    page.click("#settings-save")
    expect(page.locator("#settings-feedback")).to_have_text("Pengaturan disimpan di peramban ini.")
    with page.expect_request(re.compile(r"/console/test-tiles/\d+/\d+/\d+\.png$")):
        page.goto(f"{api_stack.console_url}#/incident/{seeded['incidents']['confirmed']}")

    page.goto(f"{api_stack.console_url}#/settings")
    page.click("#settings-reset")
    expect(page.locator("#tile-url-current")).to_contain_text("peta polos")


def test_polsek_cannot_set_tile_url(api_stack: ConsoleStack, browser: BrowserSession) -> None:
    page = browser.new_page()
    log_in(page, api_stack, "polsek-it1")
    page.goto(f"{api_stack.console_url}#/settings")
    expect(page.locator("#settings-tile-url")).to_be_disabled()
    expect(page.locator("#settings-save")).to_have_count(0)


def test_stats_match_api(
    api_stack: ConsoleStack, seeded: dict[str, Any], browser: BrowserSession, tmp_path: Path
) -> None:
    page = browser.new_page()
    log_in(page, api_stack, "operator-kota")
    page.click("#tab-stats")
    stats = api_stack.client("operator-kota").get("/v1/stats").json()

    for counter in (
        "panic_presses",
        "confirmed",
        "unconfirmed",
        "mis_presses",
        "followed_up",
        "complaints",
    ):
        card = page.locator(f'.stat-card[data-counter="{counter}"] .stat-value')
        expect(card).to_have_text(str(stats[counter]))
    station = stats["by_polsek"]["ilir-timur-1"]
    row = page.locator('#stats-table tr[data-polsek="ilir-timur-1"] td')
    expect(row.nth(0)).to_have_text(str(station["panic_presses"]))
    expect(row.nth(4)).to_have_text(str(station["followed_up"]))
    # One bar per station and series (presses, followed up, mis-presses).
    expect(page.locator(".bar-chart rect.chart-bar")).to_have_count(3 * len(stats["by_polsek"]))
    # The daily columns add up to the same number of presses.
    presses = page.locator('.column-chart rect[data-series="panic_presses"] title')
    expect(presses.first).to_be_attached()
    per_day = [int(text.rsplit(" ", 1)[1]) for text in presses.all_text_contents()]
    assert sum(per_day) == stats["panic_presses"]
    assert_translated(page)
    page.screenshot(path=screenshot_path(tmp_path, "stats"), full_page=True)

    with page.expect_download() as download_info:
        page.click("#stats-csv")
    download = download_info.value
    assert download.suggested_filename.startswith("ampera-statistik-")
    csv_text = Path(download.path()).read_bytes().decode("utf-8")
    expected = api_stack.client("operator-kota").get("/v1/stats.csv").text
    assert csv_text == expected
    assert csv_text.splitlines()[-1].startswith(f"total,,{stats['panic_presses']},")

    # A range that ends before the data began shows zeros.
    page.fill("#stats-from", "2020-01-01")
    page.fill("#stats-to", "2020-01-31")
    page.click(".stats-range button[type=submit]")
    expect(page.locator('.stat-card[data-counter="panic_presses"] .stat-value')).to_have_text("0")


def test_polsek_stats_are_own_station(
    api_stack: ConsoleStack, seeded: dict[str, Any], browser: BrowserSession
) -> None:
    page = browser.new_page()
    log_in(page, api_stack, "polsek-kemuning")
    page.click("#tab-stats")
    stats = api_stack.client("polsek-kemuning").get("/v1/stats").json()
    expect(page.locator('.stat-card[data-counter="panic_presses"] .stat-value')).to_have_text(
        str(stats["panic_presses"])
    )
    expect(page.locator("#stats-table tbody tr")).to_have_count(len(stats["by_polsek"]))


def test_complaint_is_closed(
    api_stack: ConsoleStack, seeded: dict[str, Any], browser: BrowserSession, tmp_path: Path
) -> None:
    page = browser.new_page()
    log_in(page, api_stack, "polsek-it1")
    page.click("#tab-complaints")
    target = seeded["complaints"][-1]
    card = page.locator(f'.complaint[data-complaint-id="{target}"]')
    expect(card).to_be_visible()
    expect(page.locator(".complaint")).to_have_count(len(seeded["complaints"]))
    expect(page.locator(".complaint").filter(has_text="sabung ayam")).to_contain_text("Perjudian")
    assert_translated(page)
    page.screenshot(path=screenshot_path(tmp_path, "complaints"), full_page=True)

    card.locator("summary").click()
    card.locator("textarea").fill("Sudah dicek, motor ditemukan.")
    card.locator('button[data-action="close"]').click()
    expect(page.locator("#complaints-feedback")).to_have_text("Laporan ditutup.")
    expect(card).to_have_count(0)

    closed = (
        api_stack.client("polsek-it1")
        .get("/v1/complaints", params={"status": "closed"})
        .json()["items"]
    )
    assert [item["id"] for item in closed] == [target]
    assert closed[0]["close_note"] == "Sudah dicek, motor ditemukan."
    assert closed[0]["closed_by"] == "polsek-it1"


def test_devices_needing_attention(
    api_stack: ConsoleStack, seeded: dict[str, Any], browser: BrowserSession, tmp_path: Path
) -> None:
    page = browser.new_page()
    log_in(page, api_stack, "operator-kota")
    page.click("#tab-devices")
    silent = page.locator('tr[data-device-id="btn-ilir-timur-0011"]')
    expect(silent).to_contain_text("Baterai lemah")
    expect(silent).to_contain_text("Luring")
    expect(page.locator('tr[data-device-id="btn-ilir-timur-0012"]')).to_contain_text(
        "Tidak melapor sesuai jadwal"
    )
    assert_translated(page)
    page.screenshot(path=screenshot_path(tmp_path, "devices"), full_page=True)


def test_missing_endpoints_degrade(
    api_stack: ConsoleStack, seeded: dict[str, Any], browser: BrowserSession
) -> None:
    """An older dispatch server without stream or complaints: tab hidden, queue polled."""
    page = browser.new_page()

    def not_found(route: Route) -> None:
        route.fulfill(status=404, content_type="application/json", body='{"detail": "Not Found"}')

    def fast_polling(route: Route) -> None:
        config = json.loads(route.fetch().text())
        route.fulfill(json={**config, "poll_interval_s": 0.3})

    page.route(re.compile(r"/v1/complaints(\?|$)"), not_found)
    page.route(re.compile(r"/v1/incidents/stream"), not_found)
    page.route(re.compile(r"/console/config\.json$"), fast_polling)
    page.goto(api_stack.console_url)
    page.fill("#login-username", "polsek-it1")
    page.fill("#login-password", "kata-sandi-uji-1")
    page.click("#login-submit")

    expect(page.locator("#stream-status")).to_have_attribute(
        "data-status", "polling", timeout=SEEN_TIMEOUT_MS
    )
    expect(page.locator("#tab-complaints")).to_have_count(0)
    expect(page.locator("#tab-stats")).to_be_visible()

    (incident_id,) = api_stack.ingest(
        sample_data.alert_snapshot("btn-konsol-poll-01", place="ilir-timur-1")
    )
    expect(row_of(page, incident_id)).to_be_visible(timeout=SEEN_TIMEOUT_MS)
    expect(page.locator(f'.incident-alert[data-incident-id="{incident_id}"]')).to_be_visible()


LOGIC_CASES = """
async () => {
  const m = await import("./js/incidents.js");
  const at = (minutes) => new Date(Date.UTC(2026, 11, 4, 21, minutes)).toISOString();
  const inc = (id, state, confirmation, minutes, extra = {}) =>
    ({ id, state, confirmation, first_event_at: at(minutes), test: false, ...extra });
  const sorted = [
    inc("a", "resolved", "confirmed", 50),
    inc("b", "unconfirmed", "unconfirmed", 40),
    inc("c", "acknowledged", "confirmed", 45),
    inc("d", "confirmed", "confirmed", 10),
    inc("e", "confirmed", "confirmed", 30),
  ].sort(m.compareIncidents).map((i) => i.id);
  const confirmed = inc("x", "confirmed", "confirmed", 1);
  const unconfirmed = inc("x", "unconfirmed", "unconfirmed", 1);
  return {
    sorted,
    actions: Object.fromEntries(
      ["unconfirmed", "confirmed", "acknowledged", "dispatched", "on_scene", "resolved",
       "cancelled"].map((state) => [state, m.availableActions({ state })])),
    alerts: {
      new_confirmed: m.alertFor(undefined, confirmed),
      new_unconfirmed: m.alertFor(undefined, unconfirmed),
      upgraded: m.alertFor(unconfirmed, confirmed),
      repeat: m.alertFor(confirmed, { ...confirmed, press_count: 3 }),
      reopened: m.alertFor(inc("x", "resolved", "confirmed", 1), confirmed),
      acknowledged: m.alertFor(undefined, inc("x", "acknowledged", "confirmed", 1)),
      test: m.alertFor(undefined, inc("x", "confirmed", "confirmed", 1, { test: true })),
    },
    shown: {
      test: m.shownInQueue(inc("x", "confirmed", "confirmed", 1, { test: true }), "all"),
      cancelled: m.shownInQueue(inc("x", "cancelled", "unconfirmed", 1), "all"),
      resolved_open: m.shownInQueue(inc("x", "resolved", "confirmed", 1), "open"),
      resolved_all: m.shownInQueue(inc("x", "resolved", "confirmed", 1), "all"),
    },
  };
}
"""


TIME_CASES = """
async () => {
  const f = await import("./js/format.js");
  return {
    utc: f.formatDateTime("2026-12-04T21:13:02Z"),
    offset: f.formatDateTime("2026-12-05T04:13:02+07:00"),
    no_offset: f.formatDateTime("2026-12-04T21:13:02.123456"),
    missing: f.formatDateTime(null),
    day_start: f.wibDayStartIso("2026-12-05"),
    skew: f.formatDurationMs(-35),
    age: f.formatDurationMs(90500),
    unknown: f.formatDurationMs(null),
  };
}
"""


def test_times_shown_in_wib(api_stack: ConsoleStack) -> None:
    # A browser in another time zone (UTC-3): WIB must come from the page, and
    # a time without an offset must be read as UTC, not as the browser's time.
    with new_session(timezone_id="America/Sao_Paulo") as elsewhere:
        page = elsewhere.new_page()
        page.goto(api_stack.console_url)
        result = page.evaluate(TIME_CASES)
    assert elsewhere.external_requests == []

    assert result["utc"] == "05 Des 2026, 04.13.02 WIB"
    assert result["offset"] == "05 Des 2026, 04.13.02 WIB"
    assert result["no_offset"] == "05 Des 2026, 04.13.02 WIB"
    assert result["missing"] == "—"
    assert result["day_start"] == "2026-12-04T17:00:00.000Z"
    assert result["skew"] == "−35 md"
    assert result["age"] == "90,5 dtk"
    assert result["unknown"] == "—"


def test_console_logic_table(api_stack: ConsoleStack, browser: BrowserSession) -> None:
    page = browser.new_page()
    page.goto(api_stack.console_url)
    result = page.evaluate(LOGIC_CASES)

    assert result["sorted"] == ["e", "d", "b", "c", "a"]
    assert result["actions"] == {
        "unconfirmed": ["acknowledge", "resolve"],
        "confirmed": ["acknowledge", "resolve"],
        "acknowledged": ["dispatch", "resolve"],
        "dispatched": ["arrive", "resolve"],
        "on_scene": ["resolve"],
        "resolved": [],
        "cancelled": [],
    }
    assert result["alerts"] == {
        "new_confirmed": "new_emergency",
        "new_unconfirmed": "new_emergency",
        "upgraded": "now_confirmed",
        "repeat": "none",
        "reopened": "reopened",
        "acknowledged": "none",
        "test": "none",
    }
    assert result["shown"] == {
        "test": False,
        "cancelled": False,
        "resolved_open": False,
        "resolved_all": True,
    }


def test_operator_hands_city_incident_to_station(
    api_stack: ConsoleStack, seeded: dict[str, Any], browser: BrowserSession
) -> None:
    (incident_id,) = api_stack.ingest(sample_data.alert_snapshot("btn-konsol-kota-01", place=None))
    assert api_stack.incident(incident_id)["polsek"] is None
    page = browser.new_page()
    log_in(page, api_stack, "operator-kota")
    row = row_of(page, incident_id)
    expect(row).to_contain_text("Tanpa Polsek (antrean kota)")
    row.click()
    expect(page.locator("#audit-list")).to_be_visible()

    page.click("#reassign-open")
    page.select_option("#reassign-polsek", "ilir-timur-1")
    page.fill("#reassign-reason", "Pelapor menelepon dari Pasar 16 Ilir.")
    page.click("#action-reassign")

    expect(page.locator("#action-feedback")).to_have_text(
        "Kejadian dialihkan ke Polsek Ilir Timur I."
    )
    assert api_stack.incident(incident_id)["polsek"] == "ilir-timur-1"
    expect(page.locator('#audit-list [data-action="reassigned"]')).to_contain_text(
        "Pelapor menelepon dari Pasar 16 Ilir."
    )
    expect(row).to_contain_text("Polsek Ilir Timur I")
