"""Screenshots of every screen and accessibility checks, in headless Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.app.a11y import NORMAL_TEXT_RATIO, assert_accessible
from tests.app.conftest import AppStack, register, screenshot

pytestmark = pytest.mark.browser


def test_screens_accessible_in_both_languages(app_stack: AppStack, phone) -> None:
    page = phone.new_page()
    page.goto(app_stack.app_url)
    page.locator("#screen-register").wait_for()
    assert page.evaluate("document.documentElement.lang") == "id"
    assert_accessible(page, "register")
    screenshot(page, "register")

    page.locator("#screen-register a[href='#masuk']").click()
    page.locator("#screen-login").wait_for()
    assert_accessible(page, "login")
    screenshot(page, "login")

    register(page, app_stack.app_url, email="siti.aminah@contoh.id")
    expect(page.locator("#loc-line")).to_contain_text("±12 m")
    button = page.locator("#panic-button")
    assert "Tahan sampai lingkaran penuh" in (button.get_attribute("aria-label") or "")
    box = button.bounding_box()
    assert box is not None
    assert box["width"] >= 200
    assert box["height"] >= 200
    main = assert_accessible(page, "main")
    assert min(text["ratio"] for text in main["texts"]) >= NORMAL_TEXT_RATIO
    screenshot(page, "main")

    page.locator("#tabs a[href='#pengaturan']").click()
    page.locator("#screen-settings").wait_for()
    assert_accessible(page, "settings")
    screenshot(page, "settings")

    page.locator("#lang-toggle").click()
    assert page.evaluate("document.documentElement.lang") == "en"
    page.locator("#tabs a[href='#darurat']").click()
    expect(page.locator("#panic-label")).to_have_text("EMERGENCY")
    expect(page.locator("#tabs a[href='#laporan']")).to_have_text("Report")
    assert_accessible(page, "main, English")
    screenshot(page, "main-en")

    # The choice survives a reload.
    page.reload()
    expect(page.locator("#panic-label")).to_have_text("EMERGENCY")
    page.locator("#lang-toggle").click()
    expect(page.locator("#panic-label")).to_have_text("DARURAT")
