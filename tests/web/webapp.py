"""The web test bench: two cases of generated pictures, four users, an app, a clock.

Members: alice (investigator, case A), bob (investigator, case B), vera (viewer, case A),
root (admin, case A). Each has chosen a password through the real first sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from publication_bench import add_publications

from vidi import Workbench
from vidi.accounts import AccountPolicy, HashCosts
from vidi.config import Settings
from vidi.web import create_app
from vidi_testing import jpeg_bytes, scene

PASSWORD = "correct horse battery staple"
FAST_HASHING = HashCosts(time_cost=1, memory_kib=1024, parallelism=1)
"""Cheap argon2id for tests; the production costs are AccountPolicy's defaults."""


class Clock:
    """A clock the tests move by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Web:
    workbench: Workbench
    clock: Clock
    client: TestClient
    case_a: int
    case_b: int
    media_a: list[str]
    media_b: list[str]
    passwords: dict[str, str] = field(default_factory=dict)
    series_a: int = 0
    series_b: int = 0
    publication_a: int = 0
    publication_b: int = 0
    tip_a: int = 0
    tip_b: int = 0

    def browser(self) -> TestClient:
        """A fresh client (its own cookies) on the same app."""
        return TestClient(self.client.app, base_url="http://127.0.0.1")

    def sign_in(self, name: str, client: TestClient | None = None) -> TestClient:
        """A client fully signed in as NAME (through the sign-in form)."""
        chosen = client or self.browser()
        page = chosen.get("/sign-in")
        token = csrf_from(page.text)
        answer = chosen.post(
            "/sign-in",
            data={"name": name, "password": self.passwords[name], "csrf_token": token},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        return chosen

    def csrf(self, client: TestClient) -> str:
        answer = client.get("/api/session")
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["csrf_token"]
        return token


def csrf_from(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def _seizure(folder: Path, seeds: list[int]) -> Path:
    folder.mkdir()
    for seed in seeds:
        (folder / f"p{seed}.jpg").write_bytes(jpeg_bytes(scene(seed)))
    return folder


def build_web(settings: Settings, folder: Path) -> Web:
    """A Workbench with cases A and B and the four users, and an app over it."""
    workbench = Workbench(settings.with_changes(extractors=()))
    workbench.account_policy = AccountPolicy(hashing=FAST_HASHING)
    a = workbench.create_case("case-a")
    b = workbench.create_case("case-b")
    workbench.ingest("case-a", [_seizure(folder / "a", [11, 12])])
    workbench.ingest("case-b", [_seizure(folder / "b", [21, 22])])
    clock = Clock()
    app = create_app(workbench, clock=clock)
    web = Web(
        workbench,
        clock,
        TestClient(app, base_url="http://127.0.0.1"),
        a.id,
        b.id,
        [m.sha256 for m in workbench.review_order("case-a")],
        [m.sha256 for m in workbench.review_order("case-b")],
    )
    web.series_a = workbench.create_series("case-a", "set a").id
    web.series_b = workbench.create_series("case-b", "set b").id
    workbench.add_to_series("case-a", web.series_a, web.media_a[:1])
    workbench.add_to_series("case-b", web.series_b, web.media_b[:1])
    for name, role, case in [
        ("alice", "investigator", "case-a"),
        ("bob", "investigator", "case-b"),
        ("vera", "viewer", "case-a"),
        ("root", "admin", "case-a"),
    ]:
        once = workbench.add_user(name, role).password
        workbench.add_member(case, name)
        first = workbench.sign_in(name, once, "setup", now=clock())
        who = workbench.identify(first.token, now=clock())
        workbench.change_password(who, once, PASSWORD, now=clock())
        web.passwords[name] = PASSWORD
    publications = add_publications(workbench, folder, web.media_a[0], web.media_b[0])
    web.publication_a, web.publication_b, web.tip_a, web.tip_b = publications
    return web
