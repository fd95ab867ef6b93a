"""The citizen app in headless Chromium against the real broker, gateway and API."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dispatch.broker_accounts import DynsecAccounts
from protocol import topics
from tests.app.a11y import assert_accessible
from tests.app.conftest import (
    CONFIRM_WINDOW_S,
    PALEMBANG,
    AppStack,
    register,
    screenshot,
    status_text,
    wait_connected,
    wait_phase,
)
from tests.support.broker import RecordingClient

pytestmark = pytest.mark.browser

APP_VERSION = json.loads((Path(__file__).resolve().parents[2] / "app/package.json").read_text())[
    "version"
]


def test_press_expires_unconfirmed_with_location(app_stack: AppStack, phone) -> None:
    page = phone.new_page()
    device_id = register(page, app_stack.app_url)

    page.locator("#panic-button").click()
    wait_phase(page, "pending")
    assert page.locator("#countdown").is_visible()
    # The countdown follows the gateway's remaining_s, not the app's own
    # 10 s estimate.
    remaining = int(page.locator("#countdown-value").text_content() or "0")
    assert 0 < remaining <= CONFIRM_WINDOW_S
    assert page.locator("#cancel-button").is_visible()
    assert "Diteruskan ke Polsek saat hitungan habis" in status_text(page)
    screenshot(page, "pending")

    wait_phase(page, "unconfirmed")
    assert page.locator("#cancel-button").is_hidden()
    incident = app_stack.wait_incident(device_id)
    assert incident["source"] == "app"
    assert incident["confirmation"] == "unconfirmed"
    assert incident["press_count"] == 1
    assert incident["loc"]["lat"] == pytest.approx(PALEMBANG["latitude"])
    assert incident["loc"]["lon"] == pytest.approx(PALEMBANG["longitude"])
    assert incident["loc"]["acc_m"] == pytest.approx(PALEMBANG["accuracy"])
    assert incident["polsek"] is not None
    screenshot(page, "unconfirmed")


def test_refused_location_sends_without_loc(app_stack: AppStack, phone_factory) -> None:
    page = phone_factory().new_page()
    device_id = register(page, app_stack.app_url)

    # A second tap inside the window confirms at once.
    page.locator("#panic-button").click()
    wait_phase(page, "pending")
    page.locator("#panic-button").click()
    wait_phase(page, "confirmed")
    expect(page.locator("#loc-line")).to_contain_text("Izin lokasi ditolak")
    incident = app_stack.wait_incident(device_id)
    assert incident["confirmation"] == "confirmed"
    assert incident["press_count"] == 2
    assert incident["loc"] is None
    assert incident["polsek"] is None


def test_hold_confirms_and_shows_staff_actions(app_stack: AppStack, phone) -> None:
    page = phone.new_page()
    device_id = register(page, app_stack.app_url)

    page.locator("#panic-button").hover()
    page.mouse.down()
    # The ring fills while the button is held (dash offset 100 is empty).
    page.wait_for_function(
        "parseFloat(document.getElementById('ring').style.strokeDashoffset) < 60"
    )
    expect(page.locator("#panic-sub")).to_have_text("Tahan terus…")
    screenshot(page, "hold")
    wait_phase(page, "confirmed", timeout_ms=10_000)
    page.mouse.up()
    incident = app_stack.wait_incident(device_id)
    assert incident["confirmation"] == "confirmed"
    assert incident["state"] == "confirmed"
    assert page.locator("#cancel-button").is_hidden()

    app_stack.act(incident["id"], "acknowledge")
    wait_phase(page, "acknowledged")
    assert "Polsek sudah menerima" in status_text(page)

    app_stack.act(incident["id"], "dispatch", {"unit": "Patroli Ilir Timur 2"})
    wait_phase(page, "dispatched")
    assert "Petugas sedang menuju" in status_text(page)
    screenshot(page, "dispatched")

    app_stack.act(incident["id"], "resolve", {"outcome": "genuine", "note": "aman"})
    wait_phase(page, "resolved")
    page.locator("#dismiss-button").click()
    wait_phase(page, "idle")


def test_press_then_cancel_is_mis_press(app_stack: AppStack, phone) -> None:
    page = phone.new_page()
    device_id = register(page, app_stack.app_url)

    # By keyboard, so the button works without a touch screen too.
    page.locator("#panic-button").focus()
    page.keyboard.press("Space")
    wait_phase(page, "pending")
    assert_accessible(page, "main, countdown running")
    page.locator("#cancel-button").focus()
    page.keyboard.press("Enter")
    wait_phase(page, "cancelled")
    assert "salah pencet" in status_text(page)
    assert_accessible(page, "main, cancelled")
    screenshot(page, "cancelled")

    cancelled = app_stack.wait_incident(device_id, state="cancelled")
    assert cancelled["state"] == "cancelled"
    assert app_stack.incidents(device_id) == []


def test_offline_press_sent_once_on_reconnect(app_stack: AppStack, phone) -> None:
    page = phone.new_page()
    device_id = register(page, app_stack.app_url)
    # The service worker must control the page before the network goes.
    page.wait_for_function("navigator.serviceWorker.controller !== null")

    phone.context.set_offline(True)
    page.locator("#conn.conn-online").wait_for(state="detached")
    pressed_at_ms = int(time.time() * 1000)
    page.locator("#panic-button").click()
    wait_phase(page, "queued")
    expect(page.locator("#queue-line")).to_have_text("1 tanda menunggu dikirim")
    assert page.locator("#cancel-button").is_visible()

    # The service worker serves the app without a network, and the press
    # is still waiting in IndexedDB after the reload.
    page.reload()
    wait_phase(page, "queued")
    expect(page.locator("#queue-line")).to_have_text("1 tanda menunggu dikirim")
    screenshot(page, "offline")
    assert app_stack.incidents(device_id) == []

    online_at_ms = int(time.time() * 1000)
    phone.context.set_offline(False)
    wait_connected(page)
    wait_phase(page, "unconfirmed")
    expect(page.locator("#queue-line")).to_be_hidden()
    incident = app_stack.wait_incident(device_id)
    assert incident["press_count"] == 1
    assert len(app_stack.incidents(device_id)) == 1
    assert incident["loc"]["lat"] == pytest.approx(PALEMBANG["latitude"])
    # The event kept the time of the press, made before the network returned.
    event_ts = incident["events"][0]["ts"]
    assert pressed_at_ms <= event_ts <= online_at_ms


def test_status_resume_and_last_will(app_stack: AppStack, phone_factory) -> None:
    session = phone_factory(geolocation=PALEMBANG, permissions=["geolocation"])
    page = session.new_page()
    device_id = register(page, app_stack.app_url)
    broker = app_stack.broker
    watcher = RecordingClient(broker.port, broker.gateway_username, broker.gateway_password)
    watcher.connect()
    try:
        watcher.subscribe(topics.device_topic(device_id, topics.STATUS))
        retained = [json.loads(payload) for _, payload in watcher.collect(wait_s=5)]
        assert retained[-1] == {"online": True, "fw": APP_VERSION}

        page.evaluate(
            """() => {
              window.connStates = [];
              const conn = document.getElementById("conn");
              new MutationObserver(() => window.connStates.push(conn.className))
                .observe(conn, { attributes: true, attributeFilter: ["class"] });
            }"""
        )
        # A page that resumes after being frozen (Android doze) reconnects at
        # once instead of waiting for a keepalive to fail. Headless Chromium
        # ignores CDP's Page.setWebLifecycleState, so the test sends the Page
        # Lifecycle API's resume event itself.
        page.evaluate("document.dispatchEvent(new Event('resume'))")
        page.wait_for_function("window.connStates.includes('conn conn-connecting')")
        wait_connected(page)
        page.locator("#panic-button").click()
        wait_phase(page, "pending")
        after_resume = [json.loads(payload) for _, payload in watcher.collect(wait_s=5)]
        assert after_resume[-1] == {"online": True, "fw": APP_VERSION}

        # Closing the browser drops the WebSocket without an MQTT DISCONNECT,
        # as a killed app or a lost network does, so the broker sends the will.
        session.context.close()
        wills = [json.loads(payload) for _, payload in watcher.collect(wait_s=10)]
        assert wills[-1] == {"online": False}
    finally:
        watcher.close()


def test_revoked_account_shows_rejected(app_stack: AppStack, phone) -> None:
    page = phone.new_page()
    device_id = register(page, app_stack.app_url)

    # Deleting the broker account disconnects the app, and every reconnect
    # gets CONNACK "not authorised".
    DynsecAccounts(app_stack.broker.admin_url).revoke_device(device_id)
    page.locator("#conn.conn-rejected").wait_for()
    expect(page.locator("#conn-notice")).to_contain_text("Server menolak kredensial HP ini")

    # A press is still kept on the phone.
    page.locator("#panic-button").click()
    wait_phase(page, "queued")
    expect(page.locator("#queue-line")).to_have_text("1 tanda menunggu dikirim")
