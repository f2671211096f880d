"""The admin pages: users and case members managed in the browser, by admins only,
with the CSRF token, audited with the admin as actor, and names shown as text."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from webapp import Web

from vidi.store.models import AuditEvent

ADMIN_CHANGES = [
    ("/admin/users", {"name": "nora", "role": "viewer"}),
    ("/admin/users/password", {"name": "vera"}),
    ("/admin/members", {"case": "case-b", "user": "vera"}),
    ("/admin/members/remove", {"case": "case-a", "user": "vera"}),
]


def form_token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)


def events(web: Web, action: str) -> list[AuditEvent]:
    with web.workbench.db.session() as session:
        return list(session.query(AuditEvent).filter(AuditEvent.action == action))


def one_time_password(page: str) -> str:
    found = re.search(r'<code id="one-time-password">([^<]+)</code>', page)
    assert found, page
    return found.group(1)


def test_only_an_admin_reaches_the_admin_pages(web: Web) -> None:
    for name in ("alice", "vera"):
        other = web.sign_in(name)
        assert other.get("/admin").status_code == 403
        assert 'href="/admin"' not in other.get("/cases").text
        token = web.csrf(other)
        for path, fields in ADMIN_CHANGES:
            refused = other.post(path, data={**fields, "csrf_token": token})
            assert refused.status_code == 403, (name, path)
    assert web.browser().get("/admin", follow_redirects=False).status_code in (303, 401)
    assert [u.name for u in web.workbench.users()].count("nora") == 0
    members = {c.case: c.members for c in web.workbench.case_members()}
    assert "vera" in members["case-a"] and "vera" not in members["case-b"]


def test_every_admin_change_needs_the_csrf_token(web: Web) -> None:
    root = web.sign_in("root")
    for path, fields in ADMIN_CHANGES:
        assert root.post(path, data=fields).status_code == 403, path
        assert root.post(path, data={**fields, "csrf_token": "wrong"}).status_code == 403
    assert not events(web, "member-remove")


def test_an_admin_adds_a_user_shown_their_password_once_and_makes_them_a_member(
    web: Web,
) -> None:
    root = web.sign_in("root")
    page = root.get("/admin").text
    assert 'href="/admin"' in page  # the bar links the page for admins
    token = form_token(page)
    made = root.post("/admin/users", data={"name": "nora", "role": "viewer", "csrf_token": token})
    assert made.status_code == 200
    assert made.headers["cache-control"] == "no-store"
    password = one_time_password(made.text)
    assert password not in root.get("/admin").text  # shown once, on the answer only
    added = root.post(
        "/admin/members",
        data={"case": "case-a", "user": "nora", "csrf_token": token},
        follow_redirects=False,
    )
    assert added.status_code == 303
    nora = web.browser()
    signed = nora.post("/api/sign-in", json={"name": "nora", "password": password})
    assert signed.status_code == 200 and signed.json()["stage"] == "password"
    assert [e.actor for e in events(web, "user-add") if e.subject == "user:nora"] == ["root"]
    assert [e.actor for e in events(web, "member-add") if e.detail == {"user": "nora"}] == ["root"]


def test_an_admin_resets_a_password_and_removes_a_member(web: Web) -> None:
    root = web.sign_in("root")
    vera = web.sign_in("vera")
    assert vera.get(f"/cases/{web.case_a}").status_code == 200
    token = form_token(root.get("/admin").text)
    removed = root.post(
        "/admin/members/remove",
        data={"case": "case-a", "user": "vera", "csrf_token": token},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    assert vera.get(f"/cases/{web.case_a}").status_code == 404  # from the next request on
    (event,) = events(web, "member-remove")
    assert (event.actor, event.detail) == ("root", {"user": "vera"})
    reset = root.post("/admin/users/password", data={"name": "vera", "csrf_token": token})
    password = one_time_password(reset.text)
    assert vera.get("/cases", follow_redirects=False).status_code == 303  # sessions ended
    fresh = TestClient(web.client.app, base_url="http://127.0.0.1")
    assert fresh.post("/api/sign-in", json={"name": "vera", "password": password}).is_success
    resets = [e.actor for e in events(web, "password-reset") if e.subject == "user:vera"]
    assert resets == ["root"]
    web.workbench.add_member("case-a", "vera")  # as the other tests of the module expect


def test_a_refused_change_is_one_line_and_a_case_name_with_markup_is_text(web: Web) -> None:
    name = "<script>alert(2)</script>"
    web.workbench.create_case(name)
    root = web.sign_in("root")
    page = root.get("/admin").text
    assert "<script>alert(2)" not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    token = form_token(page)
    taken = root.post("/admin/users", data={"name": "alice", "role": "viewer", "csrf_token": token})
    assert taken.status_code == 400 and "exists" in taken.text
    assert "Traceback" not in taken.text
    bad = root.post(
        "/admin/users", data={"name": "<b>x</b>", "role": "viewer", "csrf_token": token}
    )
    assert bad.status_code == 400 and "<b>x</b>" not in bad.text
