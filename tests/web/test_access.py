"""Who sees what: a member of case A reaches nothing of case B by any route.

The routes come from the app itself, so a new route is tried here without anyone
adding it to a list.
"""

from __future__ import annotations

import re

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from webapp import Web

GUESSED_SHA = "ab" * 32


def concrete_paths(web: Web, case_id: int, sha256: str) -> list[tuple[str, str, bool]]:
    """(method, path, names a media item) for every app route with a case in its path."""
    found = []
    for route in web.client.app.routes:  # type: ignore[attr-defined]
        if not isinstance(route, APIRoute) or "{case_id}" not in route.path:
            continue
        path = route.path.replace("{case_id}", str(case_id)).replace("{sha256}", sha256)
        # A series of the case only when both the case and the media are case A's own.
        own = case_id == web.case_a and sha256 in web.media_a
        path = path.replace("{series_id}", str(web.series_a if own else web.series_b))
        path = path.replace(
            "{publication_id}", str(web.publication_a if own else web.publication_b)
        )
        path = path.replace("{tip_id}", str(web.tip_a if own else web.tip_b))
        assert not re.search(r"{\w+}", path), f"a path parameter this test cannot fill: {path}"
        names_media = "{sha256}" in route.path
        found.extend((method, path, names_media) for method in sorted(route.methods))
    assert found, "the app has no case routes?"
    return found


def answer(client: TestClient, method: str, path: str, csrf: str) -> int:
    headers = {"x-csrf-token": csrf}
    return client.request(method, path, headers=headers, follow_redirects=False).status_code


def test_a_member_of_case_a_reaches_nothing_of_case_b_by_any_route(web: Web) -> None:
    alice = web.sign_in("alice")
    csrf = web.csrf(alice)
    targets = [
        (web.case_b, web.media_b[0]),  # case B, its own media
        (web.case_a, web.media_b[0]),  # case B's media through case A
        (web.case_b, web.media_a[0]),  # case A's media through case B
        (web.case_a, GUESSED_SHA),  # a hash that exists nowhere
        (web.case_b + 1000, web.media_a[0]),  # a case that does not exist
    ]
    for case_id, sha in targets:
        for method, path, names_media in concrete_paths(web, case_id, sha):
            if case_id == web.case_a and not names_media:
                continue  # case A's own pages are hers
            status = answer(alice, method, path, csrf)
            # A change sent without its body stops at validation (422), which reads nothing
            # and answers the same for any hash; tests/web/test_series_web.py sends bodies.
            refused = (403, 404, 422) if method != "GET" and case_id == web.case_a else (403, 404)
            assert status in refused, (method, path, status)


def test_case_b_and_an_unknown_case_answer_alike(web: Web) -> None:
    alice = web.sign_in("alice")
    other = alice.get(f"/api/cases/{web.case_b}")
    missing = alice.get(f"/api/cases/{web.case_b + 1000}")
    assert (other.status_code, other.json()) == (missing.status_code, missing.json())
    beyond_any_id = alice.get(f"/api/cases/{2**31}")  # past PostgreSQL's integer
    assert (beyond_any_id.status_code, beyond_any_id.json()) == (404, missing.json())


def test_the_case_list_holds_only_member_cases(web: Web) -> None:
    alice = web.sign_in("alice")
    assert [c["name"] for c in alice.get("/api/cases").json()] == ["case-a"]
    page = alice.get("/cases").text
    assert "case-a" in page and "case-b" not in page
    bob = web.sign_in("bob")
    assert [c["name"] for c in bob.get("/api/cases").json()] == ["case-b"]


def test_a_member_reaches_their_case_pages_thumbnails_and_reveal(web: Web) -> None:
    alice = web.sign_in("alice")
    csrf = web.csrf(alice)
    root = web.sign_in("root")  # an admin member: the case's audit trail is for admins
    root_csrf = web.csrf(root)
    sha = web.media_a[0]
    for method, path, _ in concrete_paths(web, web.case_a, sha):
        if path.endswith("/audit"):
            assert answer(alice, method, path, csrf) == 403, path
            status = answer(root, method, path, root_csrf)
        else:
            status = answer(alice, method, path, csrf)
        # A change sent without its body gets past the rules and fails validation.
        assert status == 200 or (method != "GET" and status == 422), (method, path, status)


def test_a_viewer_sees_blurred_pictures_but_cannot_reveal(web: Web) -> None:
    vera = web.sign_in("vera")
    csrf = web.csrf(vera)
    base = f"/cases/{web.case_a}/media/{web.media_a[0]}"
    assert vera.get(f"{base}/thumbnail").status_code == 200
    for prefix in ("", "/api"):
        refused = vera.post(f"{prefix}{base}/reveal", headers={"x-csrf-token": csrf})
        assert refused.status_code == 403
    assert 'data-reveal="' not in vera.get(f"/cases/{web.case_a}").text


def test_without_a_session_no_route_but_the_public_ones_answers(web: Web) -> None:
    stranger = web.browser()
    public = {"/", "/sign-in", "/openapi.json", "/api/sign-in"}
    for route in stranger.app.routes:  # type: ignore[attr-defined]
        if not isinstance(route, APIRoute) or route.path in public:
            continue
        path = route.path.replace("{case_id}", str(web.case_a)).replace("{sha256}", web.media_a[0])
        for method in route.methods:
            status = stranger.request(method, path, follow_redirects=False).status_code
            expected = (401, 403) if path.startswith("/api/") else (303, 401, 403)
            assert status in expected, (method, path, status)
