"""The two-person publication rule in a real browser (Debian's chromium): investigator
alice draws a box on a media item's page and proposes the crop, investigator ben looks at
the crop (held, audited), ticks "no person visible" and approves it, and both see it
approved. Skipped when chromium is not installed.

``VIDI_WEB_SCREENSHOTS=docs/img`` rewrites docs/img/web-publications.png.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from webapp import PASSWORD, Web, build_web

from vidi.config import load_settings
from vidi.store.models import AuditEvent
from vidi.web import create_app

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS_TO = "VIDI_WEB_SCREENSHOTS"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.xdist_group("web-browser-publications")


@dataclass
class Live:
    web: Web
    url: str

    def audit(self, action: str) -> list[AuditEvent]:
        with self.web.workbench.db.session() as session:
            return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    if shutil.which(CHROMIUM) is None:
        pytest.skip("chromium is not installed (Debian package chromium)")
    import uvicorn

    folder = tmp_path_factory.mktemp("browser-publications")
    settings = load_settings(folder / "home", env={}).with_changes(workers=1, batch_size=50)
    web = build_web(settings, folder)
    wb = web.workbench
    once = wb.add_user("ben", "investigator").password
    wb.add_member("case-a", "ben")
    first = wb.sign_in("ben", once, "setup", now=web.clock())
    wb.change_password(wb.identify(first.token, now=web.clock()), once, PASSWORD, now=web.clock())
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(wb), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.1)
    yield Live(web, f"http://127.0.0.1:{port}")
    server.should_exit = True
    thread.join(10)
    wb.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield launched
        launched.close()


def signed_in(browser: Any, live: Live, name: str, problems: list[str]) -> Any:
    """A page in its own context (its own cookies), signed in as NAME."""
    context = browser.new_context(viewport={"width": 1200, "height": 1000})
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(live.url + "/sign-in")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live.url + "/cases")
    return page


@pytest.mark.slow
def test_alice_proposes_a_crop_from_the_media_page_and_ben_approves_it(
    live: Live, browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    problems: list[str] = []
    case, sha = live.web.case_a, live.web.media_a[1]
    alice = signed_in(browser, live, "alice", problems)
    alice.goto(f"{live.url}/cases/{case}/media/{sha}")
    alice.click("#publish-link")
    alice.wait_for_url(f"{live.url}/cases/{case}/media/{sha}/publish")

    # Shift-drag over the blurred picture draws the box and fills the fields.
    picture = alice.locator("#publish-picture img").bounding_box()
    left, top = picture["x"] + picture["width"] * 0.1, picture["y"] + picture["height"] * 0.1
    alice.keyboard.down("Shift")
    alice.mouse.move(left, top)
    alice.mouse.down()
    alice.mouse.move(left + picture["width"] * 0.2, top + picture["height"] * 0.2, steps=5)
    alice.mouse.up()
    alice.keyboard.up("Shift")
    drawn = {n: int(alice.input_value(f"#publish-form input[name={n}]")) for n in "xywh"}
    assert 50 <= drawn["x"] <= 80 and 40 <= drawn["y"] <= 60, drawn
    assert 110 <= drawn["w"] <= 150 and 80 <= drawn["h"] <= 110, drawn
    expect(alice.locator("#crop-box")).to_have_attribute("width", str(drawn["w"]))

    # Typed numbers move the drawn box too (and are what the no-JavaScript form sends).
    for name, value in {"x": "40", "y": "40", "w": "160", "h": "120"}.items():
        alice.fill(f"#publish-form input[name={name}]", value)
    expect(alice.locator("#crop-box")).to_have_attribute("x", "40")
    expect(alice.locator("#crop-box")).to_have_attribute("height", "120")
    alice.select_option("#publish-form select[name=object_type]", "toy")
    alice.fill("#publish-form input[name=description]", "A small red box")
    alice.fill("#publish-form textarea[name=question]", "Where is this box sold?")
    alice.click("#publish-form button[type=submit]")
    alice.wait_for_url(f"{live.url}/cases/{case}/publications#publication-*")
    number = int(alice.url.rsplit("-", 1)[1])
    mine = alice.locator(f"#publication-{number}")
    expect(mine).to_have_attribute("data-status", "proposed")
    expect(mine).to_contain_text("You proposed this object")
    expect(mine.locator("form.approve")).to_have_count(0)

    ben = signed_in(browser, live, "ben", problems)
    ben.goto(f"{live.url}/cases/{case}/publications")
    item = ben.locator(f"#publication-{number}")
    crop = item.locator("figure.crop img")
    blurred = crop.get_attribute("src")
    before = len(live.audit("reveal"))
    box = crop.bounding_box()
    ben.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    ben.mouse.down()
    ben.wait_for_function(
        "n => document.querySelector(`#publication-${n} figure.crop img`).src.startsWith('blob:')",
        arg=number,
        timeout=10_000,
    )
    ben.mouse.up()
    expect(crop).to_have_attribute("src", live.url + blurred)  # the blurred one is back
    reveals = live.audit("reveal")
    assert len(reveals) == before + 1
    assert (reveals[-1].actor, reveals[-1].subject) == ("ben", f"publication:{number}")

    item.locator("input[name=no_person_visible]").check()
    item.locator("form.approve button[type=submit]").click()
    ben.wait_for_url(f"{live.url}/cases/{case}/publications#publication-{number}")
    approved = ben.locator(f"#publication-{number}")
    expect(approved).to_have_attribute("data-status", "approved")
    expect(approved).to_contain_text("by ben")
    ben.screenshot(path=str(_screenshots(tmp_path) / "web-publications.png"), full_page=True)

    alice.goto(f"{live.url}/cases/{case}/publications?status=approved")
    expect(alice.locator(f"#publication-{number}")).to_have_attribute("data-status", "approved")
    done = [p for p in live.web.workbench.publications("case-a") if p.id == number][0]
    assert (done.author, done.approver, done.box["width"]) == ("alice", "ben", 160)
    assert problems == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _screenshots(tmp_path: Path) -> Path:
    chosen = Path(os.environ.get(SCREENSHOTS_TO) or tmp_path)
    chosen.mkdir(parents=True, exist_ok=True)
    return chosen
