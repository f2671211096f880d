"""The whole public flow in Debian's chromium: gallery, object, tip with the real
proof-of-work widget, thank-you page, language switch; and no request leaves the machine.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from portal_fixtures import LivePortal, make_portal_setup, running_portal

from vidi.portal.settings import TIPS_DATABASE

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS_TO = "VIDI_PORTAL_SCREENSHOTS"
"""Set to docs/img to refresh the documentation's screenshots; else they go to tmp_path."""
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def live_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePortal]:
    """One portal for this module's browser tests (starting one costs seconds)."""
    folder = tmp_path_factory.mktemp("browser-portal")
    with running_portal(make_portal_setup(folder), folder / "portal.log") as portal:
        yield portal


@pytest.fixture
def browser_page(live_portal: LivePortal) -> Iterator[tuple[object, list[str], list[str]]]:
    """A page whose every request is recorded; any request not to the portal is aborted."""
    if shutil.which(CHROMIUM) is None:
        pytest.skip("chromium is not installed (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    portal_host = urlsplit(live_portal.url).netloc
    outside: list[str] = []
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        context = browser.new_context(locale="en-GB", viewport={"width": 1100, "height": 900})

        def route(request_route) -> None:  # type: ignore[no-untyped-def]
            url = urlsplit(request_route.request.url)
            if url.scheme in ("http", "https", "ws", "wss") and url.netloc != portal_host:
                outside.append(request_route.request.url)
                request_route.abort()
            else:
                request_route.continue_()

        context.route("**/*", route)
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        yield page, outside, problems
        context.close()
        browser.close()


@pytest.mark.slow
def test_a_visitor_browses_sends_a_tip_with_proof_of_work_and_switches_language(
    live_portal, browser_page, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page, outside, problems = browser_page
    screenshots = Path(os.environ.get(SCREENSHOTS_TO) or tmp_path)
    screenshots.mkdir(parents=True, exist_ok=True)

    page.goto(live_portal.url + "/")
    assert page.locator("h1").inner_text() == "Do you recognise one of these objects?"
    assert page.locator("ul.gallery li").count() == 4
    page.screenshot(path=str(screenshots / "portal-gallery.png"), full_page=True)

    page.get_by_role("link", name="Blue mug with a star").click()
    assert page.locator("h1").inner_text() == "Blue mug with a star"
    page.get_by_label("What do you know about this object?").fill("Sold in a market")
    page.get_by_label("Where have you seen it? (shop, town, country)").fill("Ghent")
    page.locator("#consent").check()
    # The real widget fetches a challenge and solves it; started from the keyboard.
    page.locator("altcha-widget input[type=checkbox]").focus()
    page.keyboard.press("Space")
    payload = page.locator("altcha-widget input[name=altcha]")
    expect(payload).not_to_have_value("", timeout=60_000)
    page.screenshot(path=str(screenshots / "portal-object.png"), full_page=True)
    page.get_by_role("button", name="Send tip").click()
    page.wait_for_url("**/thanks?lang=en")
    assert page.locator("h1").inner_text() == "Thank you"
    page.screenshot(path=str(screenshots / "portal-thanks.png"), full_page=True)

    with sqlite3.connect(live_portal.data / TIPS_DATABASE) as db:
        assert db.execute("SELECT what, where_seen FROM tips").fetchall() == [
            ("Sold in a market", "Ghent")
        ]

    page.goto(live_portal.url + "/objects/mug-001")
    page.get_by_role("link", name="Deutsch").click()
    assert page.locator("h1").inner_text() == "Blaue Tasse mit Stern"
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_label("Was wissen Sie über diesen Gegenstand?").count() == 1
    page.screenshot(path=str(screenshots / "portal-object-de.png"), full_page=True)

    assert outside == []
    assert [p for p in problems if "Content Security Policy" in p] == []
    assert page.context.cookies() == []


@pytest.mark.slow
def test_every_page_loads_with_the_network_blocked(live_portal, browser_page) -> None:
    page, outside, problems = browser_page
    for path in ("/", "/?type=toy&lang=fr", "/objects/toy-004?lang=es", "/objects/x"):
        page.goto(live_portal.url + path)
        page.wait_for_load_state("networkidle")
    assert outside == []
    assert problems == [] or all("404" in p for p in problems)
