"""Each role logs in, lands on its home page, and the language switch works."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from crm.accounts.roles import Role
from tests.accounts.factories import TEST_PASSWORD
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_role_logs_in_and_lands_on_its_home(role, make_user, live_url, new_page):
    user = make_user(role, username=f"b_{role}", language="ru")
    page = new_page()
    login(page, live_url, user.username, TEST_PASSWORD)
    assert "/accounts/login/" not in page.url
    page.wait_for_selector("main h1")
    body = page.inner_text("main")
    assert user.first_name in page.inner_text(".user-menu summary")
    assert user.branch.name in page.inner_text(".topbar") or user.branch.name in body
    # The live socket connects: the "paused" badge stays hidden.
    page.wait_for_function("document.getElementById('live-status').dataset.state === 'live'")
    screenshot(page, f"home-{role}")


def test_language_switch_from_the_user_menu(make_user, live_url, new_page):
    user = make_user("manager", username="polyglot", language="ru")
    page = new_page(width=800, height=1000)
    login(page, live_url, user.username, TEST_PASSWORD)
    assert page.locator("html").get_attribute("lang") == "ru"
    page.click(".user-menu summary")
    page.select_option("#language-select", "uk")
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    assert "Вийти" in page.text_content("#logout")
    page.click(".user-menu summary")
    page.select_option("#language-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert "Log out" in page.text_content("#logout")
    user.refresh_from_db()
    assert user.language == "en"
    screenshot(page, "home-manager-english-tablet")


def test_wrong_password_shows_the_message_in_russian(make_user, live_url, new_page):
    make_user("operator", username="typo")
    page = new_page()
    page.goto(f"{live_url}/accounts/login/")
    page.fill("#id_username", "typo")
    page.fill("#id_password", "wrong-password")
    page.click("#login-form button[type=submit]")
    assert page.locator(".form-errors").is_visible()
    screenshot(page, "login-error")
