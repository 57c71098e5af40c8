"""Log in and out in the browser: the nav follows the roles; errors are Danish, at the field."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import LogIn, log_in


def nav_links(page: Page) -> list[str]:
    return page.get_by_role("navigation", name="Hovedmenu").get_by_role("link").all_inner_texts()


def test_caseworker_logs_in_and_sees_only_their_nav(signed_in: LogIn, base_url: str) -> None:
    page = signed_in("caseworker")
    expect(page).to_have_url(f"{base_url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mit overblik")
    assert nav_links(page) == ["Mit overblik", "Ny underretning", "Søg"]
    expect(page.get_by_text("Rikke Rådgiver")).to_be_visible()


def test_each_role_sees_its_own_links(signed_in: LogIn) -> None:
    assert nav_links(signed_in("leader")) == [
        "Mit overblik",
        "Ny underretning",
        "Søg",
        "Leder",
        "Budget",
        "Nøgletal",
    ]
    analyst = signed_in("analyst")
    assert nav_links(analyst) == ["Modellering"]
    assert nav_links(signed_in("operator")) == ["Drift"]


def test_wrong_password_shows_a_danish_error_at_the_field(anonymous: Page, base_url: str) -> None:
    log_in(anonymous, base_url, "caseworker", "forkert")
    expect(anonymous).to_have_url(re.compile(r"/log-ind$"))
    field = anonymous.get_by_label("Adgangskode")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(anonymous.locator("#password-error")).to_contain_text(
        "Forkert brugernavn eller adgangskode"
    )
    # The username typed is kept; the password is not.
    expect(anonymous.get_by_label("Brugernavn")).to_have_value("caseworker")
    expect(field).to_have_value("")


def test_pages_need_a_session_and_logout_ends_it(
    anonymous: Page, signed_in: LogIn, base_url: str
) -> None:
    anonymous.goto(f"{base_url}/")
    expect(anonymous).to_have_url(re.compile(r"/log-ind$"))
    page = signed_in("caseworker")
    cookie = next(c for c in page.context.cookies() if c["name"] == "bs_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["expires"] > 0
    page.get_by_role("button", name="Log ud").click()
    expect(page).to_have_url(re.compile(r"/log-ind$"))
    # The old session token no longer works, even if someone kept a copy of the cookie.
    stale = httpx.get(f"{base_url}/", cookies={"bs_session": cookie["value"]})
    assert stale.status_code == 303 and stale.headers["location"] == "/log-ind"


def test_a_form_post_without_the_csrf_token_is_refused(signed_in: LogIn, base_url: str) -> None:
    page = signed_in("caseworker")
    cookie = next(c for c in page.context.cookies() if c["name"] == "bs_session")
    forged = httpx.post(
        f"{base_url}/log-ud",
        cookies={"bs_session": cookie["value"]},
        data={"csrf_token": "0" * 64},
        headers={"accept": "text/html"},
    )
    assert forged.status_code == 403
    assert "Genindlæs siden" in forged.text
    # The session survived the forged logout.
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mit overblik")


def test_keyboard_user_can_skip_to_the_content(signed_in: LogIn) -> None:
    page = signed_in("caseworker")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Gå til indhold")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main#indhold")).to_be_focused()
