"""The workbench in a real browser (Debian's chromium): sign in, a blurred grid, an
audited reveal, keyboard grading, a series made of three pictures, a clue with a region,
and the series' estimate that changes with it.

One live server (uvicorn on a free loopback port, SQLite) serves the module; the
database-level behaviour is tested on SQLite and PostgreSQL in the other modules.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select
from webapp import PASSWORD, Web, build_web

from vidi.config import load_settings
from vidi.store.models import AuditEvent, Grade, Media
from vidi.web import create_app
from vidi_testing import jpeg_bytes, scene

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS_TO = "VIDI_WEB_SCREENSHOTS"
"""Set to docs/img to refresh the documentation's screenshots; else they go to tmp_path."""
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MORE_SEEDS = [41, 42, 43, 44, 45, 46]


@dataclass
class Live:
    web: Web
    url: str
    shas: list[str]

    def audit(self, action: str) -> list[AuditEvent]:
        with self.web.workbench.db.session() as session:
            rows = session.scalars(select(AuditEvent).where(AuditEvent.action == action))
            return [r for r in rows]

    def clear_thumbnail(self, sha: str) -> bytes:
        with self.web.workbench.db.session() as session:
            media = session.get(Media, sha)
            assert media is not None and media.thumbnail
            name = media.thumbnail
        return (self.web.workbench.settings.blob_dir / name).read_bytes()


# The scenarios share one signed-in page and run in order: keep them on one worker.
pytestmark = pytest.mark.xdist_group("web-browser")


def _sign_in_if_asked(tab: Any, live: Live) -> None:
    """Sign alice in when the page is not signed in yet (a scenario may run on its own)."""
    tab.goto(live.url + "/cases")
    if tab.url.endswith("/sign-in"):
        tab.fill("input[name=name]", "alice")
        tab.fill("input[name=password]", PASSWORD)
        tab.click("button[type=submit]")
        tab.wait_for_url(live.url + "/cases")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, web_database: str | None) -> Iterator[Live]:
    """A live server over a bench on SQLite, then on PostgreSQL (``web_database``)."""
    if shutil.which(CHROMIUM) is None:
        pytest.skip("chromium is not installed (Debian package chromium)")
    import uvicorn

    folder = tmp_path_factory.mktemp("browser-web")
    settings = load_settings(folder / "home", env={}).with_changes(workers=1, batch_size=50)
    if web_database is not None:
        settings = settings.with_changes(database_url=web_database)
    web = build_web(settings, folder)
    more = folder / "more"
    more.mkdir()
    for seed in MORE_SEEDS:
        (more / f"m{seed}.jpg").write_bytes(jpeg_bytes(scene(seed)))
    web.workbench.ingest("case-a", [more])
    shas = [m.sha256 for m in web.workbench.review_order("case-a")]
    port = _free_port()
    config = uvicorn.Config(
        create_app(web.workbench), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.1)
    yield Live(web, f"http://127.0.0.1:{port}", shas)
    server.should_exit = True
    thread.join(10)
    web.workbench.close()


@pytest.fixture(scope="module")
def tab(live: Live) -> Iterator[Any]:
    """One signed-in browser page for the module's scenarios (they run in order)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        opened = context.new_page()
        problems: list[str] = []
        opened.on("pageerror", lambda error: problems.append(str(error)))
        yield opened
        assert problems == []
        context.close()
        browser.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _detail(data: bytes) -> float:
    grey = np.asarray(Image.open(io.BytesIO(data)).convert("L"), dtype=np.float64)
    return float(np.diff(grey, axis=1).var() + np.diff(grey, axis=0).var())


def _screenshots(tmp_path: Path) -> Path:
    chosen = Path(os.environ.get(SCREENSHOTS_TO) or tmp_path)
    chosen.mkdir(parents=True, exist_ok=True)
    return chosen


@pytest.mark.slow
def test_sign_in_shows_a_blurred_grid_and_a_held_picture_is_revealed_and_audited(
    live: Live, tab: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    tab.context.clear_cookies()  # start signed out, whichever scenario ran before
    tab.goto(live.url + "/cases")
    expect(tab).to_have_url(live.url + "/sign-in")
    tab.fill("input[name=name]", "alice")
    tab.fill("input[name=password]", PASSWORD)
    tab.click("button[type=submit]")
    expect(tab).to_have_url(live.url + "/cases")
    tab.click("text=case-a")
    expect(tab.locator("#grid li[data-sha256]")).to_have_count(len(live.shas))
    for img in tab.locator("#grid img").all():
        src = img.get_attribute("src")
        sha = src.split("/media/")[1].split("/")[0]
        served = tab.request.get(live.url + src).body()
        clear = live.clear_thumbnail(sha)
        assert served != clear and _detail(served) < _detail(clear) / 10
    tab.screenshot(path=str(_screenshots(tmp_path) / "web-grid.png"))

    before = len(live.audit("reveal"))
    first = tab.locator("#grid img").first
    blurred_src = first.get_attribute("src")
    box = first.bounding_box()
    tab.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tab.mouse.down()
    tab.wait_for_function(
        "() => document.querySelector('#grid img').src.startsWith('blob:')", timeout=10_000
    )
    tab.mouse.up()
    tab.wait_for_function(
        "src => document.querySelector('#grid img').src.endsWith(src)",
        arg=blurred_src,
        timeout=10_000,
    )
    reveals = live.audit("reveal")
    assert len(reveals) == before + 1 and reveals[-1].actor == "alice"
    expect(tab.locator("#exposure")).to_contain_text("revealed")


@pytest.mark.slow
def test_keyboard_grading_of_a_page(live: Live, tab: Any) -> None:
    from playwright.sync_api import expect

    case_a = live.web.case_a
    _sign_in_if_asked(tab, live)
    tab.goto(f"{live.url}/cases/{case_a}/grading")
    first = tab.locator("#grid li[data-sha256]").first
    expect(first).to_be_focused()
    sha = first.get_attribute("data-sha256")
    tab.keyboard.press("1")
    expect(tab.locator("#grade-status")).to_contain_text("Graded")
    tab.keyboard.press("n")
    expect(tab.locator("#grade-status")).to_contain_text("Page graded")
    with live.web.workbench.db.session() as session:
        graded = session.scalars(
            select(Grade).where(Grade.case_id == case_a, Grade.current.is_(True))
        ).all()
    assert {g.grader for g in graded} == {"alice"}
    assert len({g.media_sha256 for g in graded}) == tab.locator("#grid li[data-sha256]").count()
    assert sha in {g.media_sha256 for g in graded}


@pytest.mark.slow
def test_a_series_of_three_pictures_gets_a_clue_with_a_region_and_its_estimate_changes(
    live: Live, tab: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    case_a = live.web.case_a
    three = live.shas[:3]
    _sign_in_if_asked(tab, live)
    tab.goto(f"{live.url}/cases/{case_a}/series")
    tab.fill("#series-create input[name=name]", "blue kitchen")
    tab.fill("#series-create textarea[name=media]", "\n".join(three))
    tab.click("#series-create button[type=submit]")
    tab.wait_for_url(f"{live.url}/cases/{case_a}/series/*")
    series_url = tab.url
    expect(tab.locator("#series-media li")).to_have_count(3)
    assert "Poland" not in tab.locator("#series-estimate").inner_text()

    tab.goto(f"{live.url}/cases/{case_a}/media/{three[1]}")
    tab.select_option("#clue-add select[name=kind]", "country")
    tab.fill("#clue-add input[name=value]", "PL")
    for name, value in {"x": "40", "y": "30", "w": "120", "h": "80"}.items():
        tab.fill(f"#clue-add input[name={name}]", value)
    tab.click("#clue-add button[type=submit]")
    region = tab.locator('#picture rect.region[x="40"][y="30"][width="120"][height="80"]')
    expect(region).to_have_count(1)

    tab.goto(series_url)
    expect(tab.locator("#series-estimate li").first).to_contain_text("Poland")
    tab.screenshot(path=str(_screenshots(tmp_path) / "web-series.png"), full_page=True)
