"""Logging in on a new phone gets new panic-button credentials; the old phone's stop working."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.app.conftest import (
    PALEMBANG,
    AppStack,
    new_email,
    register,
    wait_connected,
    wait_phase,
)
from tests.support.broker import RecordingClient

pytestmark = pytest.mark.browser

PASSWORD = "rahasia-siti-1"

# Reads the device credentials that the app keeps in IndexedDB (app/src/store.ts).
READ_STORED_DEVICE = """() => new Promise((resolve, reject) => {
  const opened = indexedDB.open("ampera-app");
  opened.onerror = () => reject(opened.error);
  opened.onsuccess = () => {
    const read = opened.result.transaction("kv").objectStore("kv").get("device");
    read.onerror = () => reject(read.error);
    read.onsuccess = () => resolve(read.result ?? null);
  };
})"""


def connack(app_stack: AppStack, username: str, password: str) -> int:
    client = RecordingClient(app_stack.broker.port, username=username, password=password)
    try:
        return int(client.connect().value)
    finally:
        client.close()


def log_in(page: Any, app_url: str, email: str) -> None:
    page.goto(f"{app_url}#masuk")
    page.locator("#login-email").fill(email)
    page.locator("#login-password").fill(PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    page.locator("#screen-panic").wait_for(state="visible")


def test_login_on_new_phone_sends_alerts(app_stack: AppStack, phone_factory) -> None:
    old_phone = phone_factory(geolocation=PALEMBANG, permissions=["geolocation"]).new_page()
    email = new_email()
    device_id = register(old_phone, app_stack.app_url, email=email)
    old_password = old_phone.evaluate(READ_STORED_DEVICE)["mqtt"]["password"]
    assert connack(app_stack, device_id, old_password) == 0

    # A fresh browser context has no IndexedDB: the phone has no credentials.
    new_phone = phone_factory(geolocation=PALEMBANG, permissions=["geolocation"]).new_page()
    log_in(new_phone, app_stack.app_url, email)
    wait_connected(new_phone)
    expect(new_phone.locator("#device-missing")).to_be_hidden()
    expect(new_phone.locator("#settings-device")).to_have_text(device_id)
    stored = new_phone.evaluate(READ_STORED_DEVICE)
    assert stored["device_id"] == device_id
    assert stored["mqtt"]["password"] != old_password

    new_phone.locator("#panic-button").click()
    wait_phase(new_phone, "pending")
    incident = app_stack.wait_incident(device_id)
    assert incident["source"] == "app"
    assert incident["loc"]["lat"] == pytest.approx(PALEMBANG["latitude"])

    # One phone per account: the broker now rejects the old password.
    assert connack(app_stack, device_id, old_password) != 0
    assert connack(app_stack, device_id, stored["mqtt"]["password"]) == 0
    # The broker disconnects the old phone when its password changes, and its
    # reconnect is rejected.
    old_phone.locator("#conn.conn-rejected").wait_for()
    expect(old_phone.locator("#conn-notice")).to_contain_text("masuk di HP lain")


def test_failed_credentials_show_message(app_stack: AppStack, phone_factory) -> None:
    email = new_email()
    device_id = register(phone_factory().new_page(), app_stack.app_url, email=email)

    new_phone = phone_factory()
    page = new_phone.new_page()
    # The API returns 503 for this request only, as it does while the broker is down.
    page.route(
        "**/v1/citizens/me/device",
        lambda route: route.fulfill(
            status=503,
            content_type="application/json",
            body='{"detail": "broker account not created: check the broker and retry"}',
        ),
    )
    log_in(page, app_stack.app_url, email)
    expect(page.locator("#device-missing")).to_be_visible()
    expect(page.locator("#device-missing")).to_contain_text("server sedang sibuk")
    expect(page.locator("#panic-button")).to_be_disabled()
    page.locator("#lang-toggle").click()
    expect(page.locator("#device-missing")).to_contain_text("the server is busy")
    page.locator("#lang-toggle").click()

    # The session stays stored, so the next start of the app sends the request again.
    page.unroute("**/v1/citizens/me/device")
    page.reload()
    wait_connected(page)
    expect(page.locator("#device-missing")).to_be_hidden()
    expect(page.locator("#settings-device")).to_have_text(device_id)
