"""Trace an Object through the JSON API: the same Workbench steps and rules as the pages.

Another case's member reaches no publication or tip by a guessed id, a viewer reads but
changes nothing, the author cannot approve, a change without the CSRF header is
refused, an approval and a tip's new status show in the lists, and no answer carries the
clear crop.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image
from publication_bench import BOX
from sqlalchemy import select
from webapp import Web

from vidi.store.models import AuditEvent

X, Y, W, H = (int(n) for n in BOX.split(","))
PROPOSAL = {
    "box": {"x": X, "y": Y, "w": W, "h": H},
    "object_type": "toy",
    "description": "A small yellow box",
    "question": "Where is this box sold?",
    "language": "en",
}


def send(
    web: Web, client: TestClient, path: str, body: dict[str, Any], csrf: str | None = ""
) -> Any:
    """POST BODY as JSON; CSRF "" sends the client's own token, None sends none."""
    headers = {}
    if csrf is not None:
        headers["x-csrf-token"] = csrf or web.csrf(client)
    return client.post(path, json=body, headers=headers)


def detail(picture: Image.Image) -> float:
    grey = np.asarray(picture, dtype=np.float64)
    return float(np.diff(grey, axis=1).var() + np.diff(grey, axis=0).var())


def public_id(web: Web, number: int) -> str:
    return [p.public_id for p in web.workbench.publications() if p.id == number][0]


def status_of(web: Web, number: int) -> str:
    return [p.status for p in web.workbench.publications() if p.id == number][0]


def tip_status(web: Web, number: int) -> str:
    return [t.status for t in web.workbench.tips() if t.id == number][0]


def changes(web: Web, case: int, pub: int, tip: int, sha: str, shown: str) -> dict[str, Any]:
    """Every state-changing API route of Trace an Object, each with a valid body."""
    base = f"/api/cases/{case}"
    return {
        f"{base}/media/{sha}/publish": PROPOSAL,
        f"{base}/publications/{pub}/approve": {"public_id": shown, "no_person_visible": True},
        f"{base}/publications/{pub}/withdraw": {"public_id": shown, "reason": "test"},
        f"{base}/tips/{tip}/status": {"status": "useful", "note": "n"},
        f"{base}/tips/{tip}/clue": {"kind": "shop", "value": "x"},
    }


def reads(case: int, pub: int) -> list[str]:
    base = f"/api/cases/{case}"
    return [
        f"{base}/publications",
        f"{base}/publications/{pub}",
        f"{base}/publications/{pub}/crop",
        f"{base}/tips",
        f"{base}/tips?publication={pub}",
    ]


def test_another_cases_member_gets_404_on_every_route_by_guessed_ids(web: Web) -> None:
    bob, alice = web.sign_in("bob"), web.sign_in("alice")
    shown = public_id(web, web.publication_a)
    before = (status_of(web, web.publication_a), tip_status(web, web.tip_a))
    count = len(web.workbench.publications())
    for client, case, pub, tip, sha in [
        (bob, web.case_a, web.publication_a, web.tip_a, web.media_a[0]),  # case A itself
        (bob, web.case_b, web.publication_a, web.tip_a, web.media_a[0]),  # A's ids, bob's case
        (alice, web.case_a, web.publication_b, web.tip_b, web.media_b[0]),  # B's, alice's case
        (alice, web.case_a, 2**31 - 1, 2**31 - 1, "ab" * 32),  # ids that exist nowhere
    ]:
        for path in reads(case, pub):
            if path.endswith(("/publications", "/tips")) and case != web.case_a:
                continue  # bob's own case lists are his (checked below)
            if path.endswith(("/publications", "/tips")) and client is alice:
                continue
            assert client.get(path).status_code == 404, path
        for path, body in changes(web, case, pub, tip, sha, shown).items():
            answer = send(web, client, path, body)
            assert answer.status_code == 404, (path, answer.status_code, answer.text)
            assert answer.json()["detail"]
    own = bob.get(f"/api/cases/{web.case_b}/publications").json()
    assert [p["id"] for p in own] == [web.publication_b]
    queue = bob.get(f"/api/cases/{web.case_b}/tips").json()
    assert [t["id"] for t in queue] == [web.tip_b]
    assert "A red box" not in str(own) and "Lyon" not in str(queue)
    assert (status_of(web, web.publication_a), tip_status(web, web.tip_a)) == before
    assert len(web.workbench.publications()) == count


def test_a_viewer_reads_the_lists_but_changes_nothing(web: Web) -> None:
    vera = web.sign_in("vera")
    case, pub, tip = web.case_a, web.publication_a, web.tip_a
    listed = vera.get(f"/api/cases/{case}/publications")
    assert listed.status_code == 200
    mine = [p for p in listed.json() if p["id"] == pub][0]
    assert mine["description"] == "A red box" and mine["tips"] >= 1
    assert mine["crop_url"] == f"/api/cases/{case}/publications/{pub}/crop"
    queue = vera.get(f"/api/cases/{case}/tips?publication={pub}")
    assert queue.status_code == 200 and tip in [t["id"] for t in queue.json()]
    before = (status_of(web, pub), tip_status(web, tip), len(web.workbench.publications()))
    for path, body in changes(web, case, pub, tip, web.media_a[0], public_id(web, pub)).items():
        answer = send(web, vera, path, body)
        assert answer.status_code == 403, (path, answer.status_code)
        assert "investigator" in answer.json()["detail"]
    after = (status_of(web, pub), tip_status(web, tip), len(web.workbench.publications()))
    assert after == before


def test_a_change_without_the_csrf_header_is_refused(web: Web) -> None:
    alice = web.sign_in("alice")
    case, pub, tip = web.case_a, web.publication_a, web.tip_a
    before = (status_of(web, pub), tip_status(web, tip), len(web.workbench.publications()))
    for path, body in changes(web, case, pub, tip, web.media_a[0], public_id(web, pub)).items():
        for token in (None, "forged"):
            answer = send(web, alice, path, body, csrf=token)
            assert answer.status_code == 403, (path, token, answer.status_code)
            assert "CSRF" in answer.json()["detail"]
    after = (status_of(web, pub), tip_status(web, tip), len(web.workbench.publications()))
    assert after == before


def test_the_author_cannot_approve_and_a_second_investigator_approves(web: Web) -> None:
    alice, root = web.sign_in("alice"), web.sign_in("root")
    case = web.case_a
    proposed = send(web, alice, f"/api/cases/{case}/media/{web.media_a[1]}/publish", PROPOSAL)
    assert proposed.status_code == 200, proposed.text
    item = proposed.json()
    number, shown = item["id"], item["public_id"]
    assert (item["status"], item["author"], item["case"]) == ("proposed", "alice", "case-a")
    assert item["crop_url"] == f"/api/cases/{case}/publications/{number}/crop"
    base = f"/api/cases/{case}/publications/{number}"

    own = send(web, alice, f"{base}/approve", {"public_id": shown, "no_person_visible": True})
    assert own.status_code == 400 and own.json()["detail"]
    unticked = send(web, root, f"{base}/approve", {"public_id": shown, "no_person_visible": False})
    assert unticked.status_code == 400 and unticked.json()["detail"]
    stale = send(web, root, f"{base}/approve", {"public_id": "obj-0", "no_person_visible": True})
    assert stale.status_code == 400 and "reload the page" in stale.json()["detail"]
    assert alice.get(base).json()["status"] == "proposed"

    approved = send(web, root, f"{base}/approve", {"public_id": shown, "no_person_visible": True})
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["approver"]) == ("approved", "root")
    assert alice.get(base).json()["status"] == "approved"
    listed = alice.get(f"/api/cases/{case}/publications?status=approved").json()
    assert number in [p["id"] for p in listed]
    assert number not in [
        p["id"] for p in alice.get(f"/api/cases/{case}/publications?status=proposed").json()
    ]
    with web.workbench.db.session() as session:
        approvals = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "publication.approve")
        )
        assert ("root", f"publication:{number}") in {(e.actor, e.subject) for e in approvals}

    withdrawn = send(web, alice, f"{base}/withdraw", {"public_id": shown, "reason": " stale "})
    assert withdrawn.status_code == 200, withdrawn.text
    body = withdrawn.json()
    assert (body["status"], body["withdrawn_by"], body["withdraw_reason"]) == (
        "withdrawn",
        "alice",
        "stale",
    )


def test_a_refused_proposal_is_one_line_and_adds_nothing(web: Web) -> None:
    alice = web.sign_in("alice")
    count = len(web.workbench.publications())
    path = f"/api/cases/{web.case_a}/media/{web.media_a[1]}/publish"
    whole = {**PROPOSAL, "box": {"x": 0, "y": 0, "w": 640, "h": 480}}
    for body in (whole, {**PROPOSAL, "object_type": "spaceship"}):
        answer = send(web, alice, path, body)
        assert answer.status_code == 400, answer.text
        assert "\n" not in answer.json()["detail"]
    assert send(web, alice, path, {**PROPOSAL, "box": {"x": 1}}).status_code == 422
    assert len(web.workbench.publications()) == count


def test_a_tip_status_change_shows_in_the_queue_and_a_useful_tip_becomes_a_clue(
    web: Web,
) -> None:
    alice = web.sign_in("alice")
    case, tip = web.case_a, web.tip_a
    base = f"/api/cases/{case}/tips/{tip}"
    send(web, alice, f"{base}/status", {"status": "new"})
    early = send(web, alice, f"{base}/clue", {"kind": "country", "value": "FR"})
    assert early.status_code == 400 and "mark it useful first" in early.json()["detail"]

    changed = send(web, alice, f"{base}/status", {"status": "useful", "note": " shop exists "})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["status"], changed.json()["note"]) == ("useful", "shop exists")
    useful = alice.get(f"/api/cases/{case}/tips?status=useful").json()
    assert [(t["id"], t["note"]) for t in useful if t["id"] == tip] == [(tip, "shop exists")]
    assert tip not in [t["id"] for t in alice.get(f"/api/cases/{case}/tips?status=new").json()]
    assert send(web, alice, f"{base}/status", {"status": "maybe"}).status_code == 422

    clue = send(web, alice, f"{base}/clue", {"kind": "country", "value": "FR"})
    assert clue.status_code == 200, clue.text
    made = clue.json()
    assert (made["tip"], made["kind"], made["value"]) == (tip, "country", "FR")
    queued = [t for t in alice.get(f"/api/cases/{case}/tips").json() if t["id"] == tip][0]
    assert queued["clue_id"] == made["clue_id"]
    media = alice.get(f"/api/cases/{case}/media/{made['media']}").json()
    assert made["clue_id"] in [c["id"] for c in media["clues"]]


def test_no_api_answer_carries_the_clear_crop(web: Web) -> None:
    alice = web.sign_in("alice")
    case, pub = web.case_a, web.publication_a
    clear = web.workbench.publication_crop(str(pub))
    one = alice.get(f"/api/cases/{case}/publications/{pub}")
    assert one.status_code == 200 and one.headers["content-type"] == "application/json"
    blurred = alice.get(one.json()["crop_url"])
    assert blurred.status_code == 200 and blurred.headers["content-type"] == "image/jpeg"
    assert blurred.content != clear
    shown = Image.open(io.BytesIO(blurred.content)).convert("L")
    original = Image.open(io.BytesIO(clear)).convert("L").resize(shown.size)
    assert detail(shown) < detail(original) / 10
    schema = alice.get("/openapi.json").json()["paths"]
    routes = [p for p in schema if "/publications" in p or "/tips" in p]
    assert not [p for p in routes if p.endswith("/reveal")]
    assert len(routes) == 8
