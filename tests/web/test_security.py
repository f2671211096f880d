"""Sign-in security: CSRF, session fixation, sign-out, expiry, throttling, headers, escaping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from webapp import Web, csrf_from

from vidi.store.models import AuditEvent
from vidi.web.rules import SESSION_COOKIE


@pytest.fixture
def clock_back(web: Web):  # type: ignore[no-untyped-def]
    saved = web.clock.now
    yield web.clock
    web.clock.now = saved


def audit_actions(web: Web, actor: str) -> list[str]:
    with web.workbench.db.session() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.actor == actor))
        return [e.action for e in rows]


def test_a_state_change_without_the_csrf_token_is_refused(web: Web) -> None:
    alice = web.sign_in("alice")
    reveal = f"/cases/{web.case_a}/media/{web.media_a[0]}/reveal"
    assert alice.post(reveal).status_code == 403
    assert alice.post(f"/api{reveal}", headers={"x-csrf-token": "wrong"}).status_code == 403
    assert alice.put("/api/account/exposure", json={}).status_code == 403
    assert alice.post("/sign-out").status_code == 403
    assert alice.get("/api/cases").status_code == 200  # still signed in


def test_the_sign_in_form_without_its_token_is_refused(web: Web) -> None:
    browser = web.browser()
    form = {"name": "alice", "password": web.passwords["alice"]}
    assert browser.post("/sign-in", data=form).status_code == 403
    browser.get("/sign-in")
    assert browser.post("/sign-in", data={**form, "csrf_token": "guess"}).status_code == 403


def test_a_session_id_planted_before_sign_in_is_replaced_and_worthless(web: Web) -> None:
    browser = web.browser()
    browser.cookies.set(SESSION_COOKIE, "planted-by-someone-else", domain="127.0.0.1", path="/")
    web.sign_in("alice", browser)
    assert browser.cookies.get(SESSION_COOKIE) not in (None, "planted-by-someone-else")
    attacker = web.browser()
    attacker.cookies.set(SESSION_COOKIE, "planted-by-someone-else", domain="127.0.0.1", path="/")
    assert attacker.get("/api/cases").status_code == 401


def test_each_sign_in_gets_a_new_session(web: Web) -> None:
    first = web.sign_in("alice").cookies.get(SESSION_COOKIE)
    second = web.sign_in("alice").cookies.get(SESSION_COOKIE)
    assert first and second and first != second


def test_signing_out_ends_the_session_on_the_server(web: Web) -> None:
    alice = web.sign_in("alice")
    token = alice.cookies.get(SESSION_COOKIE)
    csrf = web.csrf(alice)
    assert alice.post("/api/sign-out", headers={"x-csrf-token": csrf}).status_code == 200
    replay = web.browser()
    replay.cookies.set(SESSION_COOKIE, token, domain="127.0.0.1", path="/")
    assert replay.get("/api/cases").status_code == 401
    assert "sign-out" in audit_actions(web, "alice")


def test_an_idle_session_ends(web: Web, clock_back) -> None:  # type: ignore[no-untyped-def]
    alice = web.sign_in("alice")
    clock_back.advance(minutes=29)
    assert alice.get("/api/cases").status_code == 200
    clock_back.advance(minutes=29)  # active 29 minutes ago: still within the idle limit
    assert alice.get("/api/cases").status_code == 200
    clock_back.advance(minutes=31)
    assert alice.get("/api/cases").status_code == 401
    assert alice.get("/cases", follow_redirects=False).headers["location"] == "/sign-in"


def test_a_busy_session_still_ends_at_its_absolute_limit(web: Web, clock_back) -> None:  # type: ignore[no-untyped-def]
    alice = web.sign_in("alice")
    absolute = web.workbench.account_policy.absolute
    for _ in range(int(absolute / timedelta(minutes=20))):
        clock_back.advance(minutes=20)
        assert alice.get("/api/cases").status_code == 200
    clock_back.advance(minutes=21)
    assert alice.get("/api/cases").status_code == 401


def test_sign_in_is_throttled_after_repeated_failures(web: Web, clock_back) -> None:  # type: ignore[no-untyped-def]
    browser = web.browser()
    token = csrf_from(browser.get("/sign-in").text)
    wrong = {"name": "root", "password": "not it", "csrf_token": token}
    limit = web.workbench.account_policy.failures_per_user
    for _ in range(limit):
        page = browser.post("/sign-in", data=wrong)
        assert page.status_code == 400 and "wrong user name or password" in page.text
    right = {**wrong, "password": web.passwords["root"]}
    throttled = browser.post("/sign-in", data=right, follow_redirects=False)
    assert throttled.status_code == 400 and "too many failed sign-ins" in throttled.text
    assert audit_actions(web, "root").count("sign-in-failed") >= limit
    clock_back.advance(minutes=16)
    assert browser.post("/sign-in", data=right, follow_redirects=False).status_code == 303


def test_the_security_headers_are_on_every_answer(web: Web) -> None:
    alice = web.sign_in("alice")
    for path in ("/sign-in", "/cases", "/api/cases", "/static/vidi.js", "/no-such-page"):
        headers = alice.get(path).headers
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"


def test_the_session_cookie_is_http_only_strict_and_secure_off_loopback(web: Web) -> None:
    local = web.browser().get("/sign-in")
    assert "samesite=strict" in local.headers["set-cookie"].lower()
    assert "httponly" in local.headers["set-cookie"].lower()
    assert "secure" not in local.headers["set-cookie"].lower()  # plain HTTP to 127.0.0.1
    remote = type(web.client)(web.client.app, base_url="https://vidi.example")
    assert "secure" in remote.get("/sign-in").headers["set-cookie"].lower()


def test_a_case_name_with_markup_is_shown_as_text(web: Web) -> None:
    name = "<script>alert(1)</script>"
    created = web.workbench.create_case(name)
    web.workbench.add_member(name, "alice")
    alice = web.sign_in("alice")
    for page in (alice.get("/cases").text, alice.get(f"/cases/{created.id}").text):
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
