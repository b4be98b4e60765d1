"""A real browser on the chat page: headless Chromium (Debian package, driven by Playwright) opens the page, asks a
question, waits for the chart image to load and saves a screenshot under the test's temp dir.

Skipped when /usr/bin/chromium or Playwright is missing, unless SHOPLENS_REQUIRE_BROWSER=1 (CI), which makes that
a failure instead.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 60_000


def _need(reason: str) -> None:
    if os.environ.get("SHOPLENS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (SHOPLENS_REQUIRE_BROWSER=1 makes the browser test mandatory)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    from shoplens.agent.config import Settings
    from shoplens.agent.frontends.server import BackgroundServer, build_app

    folder = tmp_path_factory.mktemp("browser-ui")
    s = Settings.load(env={}, home=folder / "home", db=demo_db, charts_dir=folder / "charts")
    with BackgroundServer(build_app(s)) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        _need(f"Chromium is not installed at {CHROMIUM} (Debian package 'chromium')")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need("the Playwright Python package is not installed")
    profile = tmp_path_factory.mktemp("chromium-profile")  # a new, empty user-data-dir
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")),
            args=ARGS,
            headless=True,
            viewport={"width": 1440, "height": 1000},
        )
        yield context
        context.close()


@pytest.fixture()
def page(browser, server):  # noqa: ANN001
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.url, wait_until="domcontentloaded")
    page.wait_for_selector("#question textarea", timeout=WAIT_MS)
    yield page
    page.close()
    assert not errors, f"JavaScript errors on the page: {errors[:3]}"


def _ask(page, question: str, images_before: int) -> None:  # noqa: ANN001
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_function(  # a new chart image, fully loaded
        """n => { const imgs = [...document.querySelectorAll('#chat img')];
                  return imgs.length > n && imgs.slice(n).every(i => i.complete && i.naturalWidth > 0); }""",
        arg=images_before,
        timeout=WAIT_MS,
    )


def test_ask_in_the_browser_and_see_the_chart(page, tmp_path: Path) -> None:  # noqa: ANN001
    page.wait_for_selector("#status-light:has-text('Offline planner')", timeout=WAIT_MS)
    assert "orders" in page.inner_text("#data-panel")
    _ask(page, "revenue by category last month", 0)
    chat = page.locator("#chat")
    assert chat.get_by_text("Ran SQL", exact=False).count() >= 1
    assert chat.locator("table").filter(has_text="Electronics").count() == 1
    size = page.evaluate(
        "() => { const i = document.querySelector('#chat img'); return [i.naturalWidth, i.naturalHeight]; }"
    )
    assert size[0] >= 600 and size[1] >= 300  # the chart PNG itself, not an icon
    assert page.input_value("#question textarea") == ""
    shot = tmp_path / "chat.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000

    _ask(page, "stacked bars of monthly revenue by channel for 2025", 1)  # a second answer in the same chat
    assert chat.get_by_text("Drew a chart · stacked bars", exact=False).count() == 1
    page.screenshot(path=str(tmp_path / "chat-2.png"), full_page=True)


def test_a_clarifying_question_offers_its_choices_as_buttons(page) -> None:  # noqa: ANN001
    page.fill("#question textarea", "top 2025 products")
    page.click("#ask")
    choice = page.locator("#chat button").filter(has_text="the year 2025")
    choice.wait_for(timeout=WAIT_MS)
    choice.click()
    page.wait_for_selector("#chat :text('Top 10 products')", timeout=WAIT_MS)


def test_example_and_new_conversation(page) -> None:  # noqa: ANN001
    page.locator("#examples").get_by_text("revenue by channel in 2025", exact=True).click()
    page.wait_for_selector("#chat :text('Revenue by sales channel')", timeout=WAIT_MS)
    page.click("#new-conversation")
    page.wait_for_function(
        "() => !document.querySelector('#chat').innerText.includes('Revenue by sales channel')",
        timeout=WAIT_MS,
    )


TOKEN = "tok-0b7e3f9a1c5d2e8f4a6b0c9d3e7f1a5b"


@pytest.fixture(scope="module")
def guarded(demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """The server as it runs beyond loopback: an API token, so every route needs sign-in."""
    from shoplens.agent.config import Settings
    from shoplens.agent.frontends.server import BackgroundServer, build_app

    folder = tmp_path_factory.mktemp("browser-guarded")
    s = Settings.load(env={}, home=folder / "home", db=demo_db, charts_dir=folder / "charts", api_token=TOKEN)
    with BackgroundServer(build_app(s)) as srv:
        yield srv


def test_sign_in_then_ask_with_the_session_cookie(browser, guarded, tmp_path: Path) -> None:  # noqa: ANN001
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    requested: list[str] = []
    page.on("request", lambda req: requested.append(req.url))
    page.goto(guarded.url, wait_until="domcontentloaded")
    assert "/login" in page.url and page.title().startswith("Sign in")
    page.screenshot(path=str(tmp_path / "login.png"))
    page.fill("#token", "not-the-token")
    page.click("button[type=submit]")
    page.wait_for_selector(".error", timeout=WAIT_MS)
    page.fill("#token", TOKEN)
    page.click("button[type=submit]")
    page.wait_for_selector("#question textarea", timeout=WAIT_MS)  # the chat page, through the gate
    _ask(page, "revenue by category last month", 0)  # its API calls and chart files pass with the cookie
    page.screenshot(path=str(tmp_path / "signed-in.png"), full_page=True)
    assert not any(TOKEN in url for url in requested)  # the token never appears in a URL
    assert all("/tmp/" not in url for url in requested)  # nor a server folder
    page.close()
    assert not errors, f"JavaScript errors on the page: {errors[:3]}"
