"""A button press travels broker -> gateway -> dispatch API -> console.

The press is a real MQTT publish on the device's event topic, and the
console receives it on its Server-Sent Events stream. The staff member's
actions go back through the API, and the tests check the API state after
each one.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.console import sample_data
from tests.console.conftest import SEEN_TIMEOUT_MS, ConsoleStack, log_in, screenshot_path
from tests.support.browser import BrowserSession

pytestmark = pytest.mark.browser


def incident_row(page: Page, device_id: str):  # type: ignore[no-untyped-def]
    return page.locator(".incident-row").filter(has_text=device_id)


def test_press_appears_and_is_resolved(
    console_stack: ConsoleStack, browser: BrowserSession, tmp_path: Path
) -> None:
    device_id = console_stack.register_button("btn-konsol-e2e-01", "ilir-timur-1")
    page = browser.new_page()
    log_in(page, console_stack, "polsek-it1")

    event = console_stack.probe.publish_event(device_id, type="hold")

    row = incident_row(page, device_id)
    expect(row).to_be_visible(timeout=SEEN_TIMEOUT_MS)
    expect(row).to_have_attribute("data-confirmation", "confirmed")
    expect(row.locator(".badge")).to_have_text(re.compile("Terkonfirmasi"))
    incident_id = row.get_attribute("data-incident-id")
    assert incident_id
    assert console_stack.incident(incident_id)["first_event_id"] == event["id"]

    # A new emergency is announced on screen and with the alert sound.
    banner = page.locator(f'.incident-alert[data-incident-id="{incident_id}"]')
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("DARURAT BARU")
    assert int(page.evaluate("document.documentElement.dataset.beeps || '0'")) >= 1
    expect(page.locator("#waiting-count")).not_to_have_text("0")
    page.screenshot(path=screenshot_path(tmp_path, "new-alert"))

    row.click()
    expect(page.locator("#incident-detail")).to_have_attribute("data-incident-id", incident_id)
    page.click("#action-acknowledge")
    expect(page.locator("#action-feedback")).to_have_text("Kejadian diterima.")
    assert console_stack.incident(incident_id)["state"] == "acknowledged"
    expect(banner).to_have_count(0)

    page.fill("#dispatch-unit", "Patroli 2")
    page.click("#action-dispatch")
    expect(page.locator("#action-feedback")).to_have_text("Unit dikirim.")
    dispatched = console_stack.incident(incident_id)
    assert dispatched["state"] == "dispatched"
    assert dispatched["unit"] == "Patroli 2"

    page.click("#change-unit-open")
    page.fill("#change-unit", "Patroli 3")
    page.click("#action-change-unit")
    expect(page.locator("#action-feedback")).to_have_text("Unit diganti menjadi Patroli 3.")
    assert console_stack.incident(incident_id)["unit"] == "Patroli 3"

    page.click("#action-arrive")
    expect(page.locator("#action-feedback")).to_have_text("Unit tercatat tiba di lokasi.")
    assert console_stack.incident(incident_id)["state"] == "on_scene"

    page.check("#outcome-genuine")
    page.fill("#resolve-note", "Pelaku kabur, korban aman.")
    page.click("#action-resolve")
    expect(page.locator("#action-feedback")).to_have_text("Kejadian diselesaikan.")
    resolved = console_stack.incident(incident_id)
    assert resolved["state"] == "resolved"
    assert resolved["outcome"] == "genuine"
    assert resolved["resolution_note"] == "Pelaku kabur, korban aman."

    # The audit trail on the page names the staff member's actions.
    audit = page.locator("#audit-list")
    expect(audit.locator('[data-action="resolved"]')).to_contain_text("polsek-it1")
    expect(audit.locator('[data-action="acknowledged"]')).to_have_count(1)
    # A resolved incident leaves the open queue.
    expect(incident_row(page, device_id)).to_have_count(0)
    assert browser.page_errors == []


def test_polsek_sees_only_own_station(console_stack: ConsoleStack, browser: BrowserSession) -> None:
    other = console_stack.register_button("btn-konsol-kemuning-01", "kemuning")
    own = console_stack.register_button("btn-konsol-it1-02", "ilir-timur-1")
    page = browser.new_page()
    log_in(page, console_stack, "polsek-it1")

    # The stream delivers changes in order, so once the later press shows,
    # the earlier one at the other station would have shown too.
    console_stack.probe.publish_event(other, type="hold")
    console_stack.probe.publish_event(own, type="hold")
    expect(incident_row(page, own)).to_be_visible(timeout=SEEN_TIMEOUT_MS)
    expect(incident_row(page, other)).to_have_count(0)

    operator_view = console_stack.client("operator-kota").get("/v1/incidents").json()["items"]
    other_ids = [item["id"] for item in operator_view if item["device_id"] == other]
    assert len(other_ids) == 1
    assert other_ids[0] not in {
        item["id"]
        for item in console_stack.client("polsek-it1").get("/v1/incidents").json()["items"]
    }

    # Opening the other station's incident directly shows "not found".
    page.goto(f"{console_stack.console_url}#/incident/{other_ids[0]}")
    expect(page.locator(".detail-header h1")).to_have_text(
        "Kejadian ini tidak ada atau di luar wilayah Anda."
    )
    expect(page.locator("#action-acknowledge")).to_have_count(0)

    # The command centre sees both.
    city = browser.new_page()
    log_in(city, console_stack, "operator-kota")
    expect(incident_row(city, other)).to_be_visible()
    expect(incident_row(city, own)).to_be_visible()


def test_stale_action_shows_conflict(console_stack: ConsoleStack, browser: BrowserSession) -> None:
    (incident_id,) = console_stack.ingest(
        sample_data.alert_snapshot("btn-konsol-409-01", place="ilir-timur-1")
    )
    page = browser.new_page()
    log_in(page, console_stack, "polsek-it1")
    page.goto(f"{console_stack.console_url}#/incident/{incident_id}")
    expect(page.locator("#action-acknowledge")).to_be_visible()
    # The audit trail shows once the page's own fetch of the incident is done.
    expect(page.locator("#audit-list")).to_be_visible()

    # Freeze the page's live view, then let someone else acknowledge first.
    page.evaluate("window.amperaConsole.stream.stop()")
    response = console_stack.client("operator-kota").post(
        f"/v1/incidents/{incident_id}/acknowledge"
    )
    assert response.status_code == 200

    page.click("#action-acknowledge")
    feedback = page.locator("#action-feedback")
    expect(feedback).to_contain_text("Tindakan tidak dapat dilakukan")
    expect(feedback).to_have_attribute("role", "alert")
    conflict = console_stack.client("polsek-it1").post(f"/v1/incidents/{incident_id}/acknowledge")
    assert conflict.status_code == 409
    expect(feedback).to_contain_text(conflict.json()["detail"])
    # The page reloaded the incident and now offers the next step.
    expect(page.locator("#action-dispatch")).to_be_visible()
    assert console_stack.incident(incident_id)["state"] == "acknowledged"


def test_queue_resumes_after_dispatch_crash(
    console_stack: ConsoleStack, browser: BrowserSession
) -> None:
    device_id = console_stack.register_button("btn-konsol-restart-01", "ilir-timur-1")
    page = browser.new_page()
    log_in(page, console_stack, "polsek-it1")

    # A crash and restart of the API: the page's stream breaks and reconnects
    # by itself, because tokens stay valid across restarts.
    console_stack.dispatch.kill()
    console_stack.dispatch.start()
    console_stack.probe.publish_event(device_id, type="hold")

    expect(incident_row(page, device_id)).to_be_visible(timeout=SEEN_TIMEOUT_MS)
    expect(page.locator("#stream-status")).to_have_attribute("data-status", "live")
    expect(page.locator(".login-page")).to_have_count(0)


def test_unconfirmed_press_upgrades_live(
    console_stack: ConsoleStack, browser: BrowserSession
) -> None:
    device_id = console_stack.register_button("btn-konsol-upgrade-01", "ilir-timur-1")
    page = browser.new_page()
    log_in(page, console_stack, "polsek-it1")

    # A single press that nobody cancels becomes unconfirmed when the window ends.
    console_stack.probe.publish_event(device_id, type="press", seq=1)
    row = incident_row(page, device_id)
    expect(row).to_have_attribute("data-confirmation", "unconfirmed", timeout=SEEN_TIMEOUT_MS)
    expect(row.locator(".badge")).to_have_text("?Belum terkonfirmasi")
    incident_id = row.get_attribute("data-incident-id")
    banner = page.locator(f'.incident-alert[data-incident-id="{incident_id}"]')
    expect(banner).to_contain_text("DARURAT BARU")
    beeps_before = int(page.evaluate("document.documentElement.dataset.beeps || '0'"))

    # A hold from the same device attaches to the open incident and confirms it.
    console_stack.probe.publish_event(device_id, type="hold", seq=2)
    expect(row).to_have_attribute("data-confirmation", "confirmed", timeout=SEEN_TIMEOUT_MS)
    expect(banner).to_contain_text("KINI TERKONFIRMASI")
    assert int(page.evaluate("document.documentElement.dataset.beeps")) > beeps_before
    expect(incident_row(page, device_id)).to_have_count(1)
    incident = console_stack.incident(incident_id)
    assert incident["confirmation"] == "confirmed"
    assert incident["press_count"] == 2
