"""Complaint reports and test mode, in headless Chromium against the real stack."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.app.a11y import assert_accessible
from tests.app.conftest import PALEMBANG, AppStack, register, screenshot, wait_phase

pytestmark = pytest.mark.browser


def test_complaint_reaches_staff_api(app_stack: AppStack, phone) -> None:
    page = phone.new_page()
    register(page, app_stack.app_url)

    page.locator("#tabs a[href='#laporan']").click()
    page.locator("#screen-report").wait_for()
    assert_accessible(page, "report")
    page.locator("#report-category").select_option("begal")
    text = "Dua orang bermotor merampas tas di Jalan Merdeka, pukul 21.10."
    page.locator("#report-text").fill(text)
    screenshot(page, "report")
    page.locator("#report-form button[type=submit]").click()
    expect(page.locator("#report-result")).to_contain_text("Laporan terkirim")

    with app_stack.staff() as client:
        response = client.get("/v1/complaints")
    assert response.status_code == 200, response.text
    mine = [item for item in response.json()["items"] if item["text"] == text]
    assert len(mine) == 1
    assert mine[0]["category"] == "begal"
    assert mine[0]["loc"]["lat"] == pytest.approx(PALEMBANG["latitude"])
    assert mine[0]["polsek"] is not None


def test_test_mode_sends_test_event(app_stack: AppStack, phone) -> None:
    page = phone.new_page()
    device_id = register(page, app_stack.app_url)

    page.locator("#tabs a[href='#pengaturan']").click()
    page.locator("label[for='test-mode']").click()
    expect(page.locator("#test-banner")).to_be_visible()
    page.locator("#tabs a[href='#darurat']").click()
    expect(page.locator("#panic-label")).to_have_text("UJI")

    page.locator("#panic-button").click()
    wait_phase(page, "test")
    expect(page.locator("#status-text")).to_contain_text("Uji berhasil")
    screenshot(page, "test-mode")

    incident = app_stack.wait_incident(device_id, test="true")
    assert incident["test"] is True
    assert app_stack.incidents(device_id) == []
