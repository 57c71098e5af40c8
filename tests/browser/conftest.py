"""Browser tests: Debian's Chromium, driven by Playwright, against the real platform stack."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from infra.platform import StackOptions
from tests.harness.api import ApiClient
from tests.harness.platform import Platform, run_platform

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
STATIC = Path(__file__).resolve().parents[2] / "api" / "web" / "static" / "dist"
# Playwright waits this long for an element, a navigation or an `expect`; the stack is slow on
# 2 cores (completing a task waits for the engine and then for the read model).
TIMEOUT_MS = 20_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def platform(pytestconfig: pytest.Config) -> Iterator[Platform]:
    assert (STATIC / "app.css").is_file(), "build the bundles first: bash infra/frontend.sh"
    yield from run_platform(
        pytestconfig, "browser", StackOptions(test_mode=True, broker_heap="384m")
    )


@pytest.fixture(scope="session")
def base_url(platform: Platform) -> str:
    return f"http://127.0.0.1:{platform.stack.ports.api}"


@pytest.fixture(scope="session")
def browser(platform: Platform) -> Iterator[Browser]:
    # Playwright's sync API keeps an event loop running in this thread: the platform (whose
    # engine client runs its own loop) starts first, and tests set up data through the JSON API.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


LogIn = Callable[[str], Page]


def log_in(page: Page, base_url: str, username: str, password: str = "demo") -> None:
    page.goto(f"{base_url}/log-ind")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(password)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_load_state()


@pytest.fixture
def signed_in(browser: Browser, base_url: str) -> Iterator[LogIn]:
    """`signed_in("caseworker")`: a fresh browser context (own cookies) logged in as that demo
    user, on the page they land on. Several users in one test get separate contexts. Paths are
    relative to the stack: `page.goto("/")`."""
    contexts = []

    def open_as(username: str) -> Page:
        context = browser.new_context(
            locale="da-DK", timezone_id="Europe/Copenhagen", base_url=base_url
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        log_in(page, base_url, username)
        assert "/log-ind" not in page.url, f"{username} could not log in"
        return page

    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture
def anonymous(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="da-DK", timezone_id="Europe/Copenhagen")
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def _api_client(base_url: str, username: str) -> Iterator[ApiClient]:
    client = ApiClient(base_url, username)
    yield client
    client.close()


@pytest.fixture(scope="module")
def caseworker_api(base_url: str) -> Iterator[ApiClient]:
    """The JSON API as the caseworker, to set up cases and tasks the pages then show."""
    yield from _api_client(base_url, "caseworker")


@pytest.fixture(scope="module")
def leader_api(base_url: str) -> Iterator[ApiClient]:
    yield from _api_client(base_url, "leader")
