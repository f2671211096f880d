"""Trace an Object through the web: propose a crop from a media item, the two-person
approval, withdrawal, the crop served blurred, and the tip queue; a viewer and another
case's member are refused, every change needs the CSRF token and is audited."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import altcha
import numpy as np
from fastapi.testclient import TestClient
from PIL import Image
from publication_bench import BOX, import_portal_tips
from sqlalchemy import select
from webapp import Web

from vidi.portal.app import create_app as create_portal
from vidi.portal.server import export_tips, load_publication
from vidi.portal.settings import TRUSTED_PUBLISHER_KEY, PortalSettings
from vidi.store.models import AuditEvent
from vidi_testing import jpeg_bytes, person_like_figure, scene

X, Y, W, H = (int(n) for n in BOX.split(","))


def events(web: Web, action: str) -> list[AuditEvent]:
    with web.workbench.db.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def form(web: Web, client: TestClient, **fields: object) -> dict[str, str]:
    return {"csrf_token": web.csrf(client), **{k: str(v) for k, v in fields.items()}}


def propose(web: Web, client: TestClient, sha: str, **changes: object) -> tuple[int, str]:
    """Post the propose form for SHA in case A; (status, body or redirect target)."""
    fields: dict[str, object] = {
        "x": X,
        "y": Y,
        "w": W,
        "h": H,
        "object_type": "toy",
        "description": "A small red box",
        "question": "Where is this box sold?",
        "language": "en",
    }
    fields.update(changes)
    answer = client.post(
        f"/cases/{web.case_a}/media/{sha}/publish",
        data=form(web, client, **fields),
        follow_redirects=False,
    )
    return answer.status_code, answer.headers.get("location", answer.text)


def alert(html: str) -> str:
    found = re.search(r'role="alert"[^>]*>([^<]*)<', html)
    assert found, "no one-line message on the page"
    return found.group(1)


def publication_number(location: str) -> int:
    found = re.search(r"#publication-(\d+)$", location)
    assert found, location
    return int(found.group(1))


def test_an_investigator_proposes_from_the_media_page_and_a_second_one_approves(
    web: Web,
) -> None:
    alice, root = web.sign_in("alice"), web.sign_in("root")
    sha = web.media_a[1]
    media_page = alice.get(f"/cases/{web.case_a}/media/{sha}").text
    assert f'href="/cases/{web.case_a}/media/{sha}/publish"' in media_page
    assert 'name="x"' in alice.get(f"/cases/{web.case_a}/media/{sha}/publish").text

    status, location = propose(web, alice, sha)
    assert status == 303, location
    number = publication_number(location)
    item = web.workbench.publications("case-a", "proposed")[-1]
    assert (item.id, item.author, item.media, item.box) == (
        number,
        "alice",
        sha,
        {"x": X, "y": Y, "width": W, "height": H},
    )
    page = alice.get(f"/cases/{web.case_a}/publications").text
    assert f'id="publication-{number}"' in page
    assert "You proposed this object: a second investigator must approve it." in page

    base = f"/cases/{web.case_a}/publications/{number}"
    own = alice.post(
        f"{base}/approve", data=form(web, alice, public_id=item.public_id, no_person_visible="yes")
    )
    assert own.status_code == 400
    assert "alice proposed publication" in alert(own.text) and "cannot approve" in alert(own.text)

    unticked = root.post(f"{base}/approve", data=form(web, root, public_id=item.public_id))
    assert unticked.status_code == 400 and "confirm that no person is visible" in unticked.text
    stale = root.post(
        f"{base}/approve", data=form(web, root, public_id="obj-other", no_person_visible="yes")
    )
    assert stale.status_code == 400 and "reload the page" in alert(stale.text)
    assert [p.status for p in web.workbench.publications("case-a") if p.id == number] == [
        "proposed"
    ]

    approved = root.post(
        f"{base}/approve",
        data=form(web, root, public_id=item.public_id, no_person_visible="yes"),
        follow_redirects=False,
    )
    assert approved.status_code == 303
    done = [p for p in web.workbench.publications("case-a") if p.id == number][0]
    assert (done.status, done.approver) == ("approved", "root")
    listed = alice.get(f"/cases/{web.case_a}/publications?status=approved").text
    assert f'id="publication-{number}" class="publication status-approved"' in listed
    subjects = {(e.actor, e.subject) for e in events(web, "publication.approve")}
    assert ("root", f"publication:{number}") in subjects
    assert ("alice", f"publication:{number}") in {
        (e.actor, e.subject) for e in events(web, "publication.propose")
    }

    withdrawn = alice.post(
        f"{base}/withdraw",
        data=form(web, alice, public_id=item.public_id, reason="tip-off risk"),
        follow_redirects=False,
    )
    assert withdrawn.status_code == 303
    gone = [p for p in web.workbench.publications("case-a") if p.id == number][0]
    assert (gone.status, gone.withdrawn_by, gone.withdraw_reason) == (
        "withdrawn",
        "alice",
        "tip-off risk",
    )
    again = alice.post(f"{base}/withdraw", data=form(web, alice, public_id=item.public_id))
    assert again.status_code == 400 and "already withdrawn by alice" in alert(again.text)


def test_a_crop_too_large_or_showing_a_person_is_refused_in_one_line(
    web: Web, tmp_path: Path
) -> None:
    alice = web.sign_in("alice")
    before = len(web.workbench.publications("case-a"))
    status, body = propose(web, alice, web.media_a[1], x=0, y=0, w=640, h=480)
    assert status == 400
    assert alert(body).startswith("the box covers 100% of the picture")
    assert 'value="640"' in body  # what was typed comes back

    figure = scene(2, 1200, 900)
    figure.paste(person_like_figure(), (500, 250))
    (tmp_path / "seized").mkdir()
    (tmp_path / "seized" / "figure.jpg").write_bytes(jpeg_bytes(figure))
    web.workbench.ingest("case-a", [tmp_path / "seized"])
    sha = [m.sha256 for m in web.workbench.review_order("case-a") if m.sha256 not in web.media_a]
    status, body = propose(web, alice, sha[0], x=480, y=230, w=240, h=440)
    assert status == 400
    assert alert(body).startswith("a person may be visible in the crop (")
    assert len(web.workbench.publications("case-a")) == before
    assert any(e.actor == "alice" for e in events(web, "publication.refused"))


def test_a_viewer_reads_but_cannot_propose_approve_withdraw_or_set_a_tip(web: Web) -> None:
    vera = web.sign_in("vera")
    case, pub, tip = web.case_a, web.publication_a, web.tip_a
    public_id = web.workbench.publications("case-a")[0].public_id
    page = vera.get(f"/cases/{case}/publications")
    assert page.status_code == 200 and f'id="publication-{pub}"' in page.text
    assert "/approve" not in page.text and "/withdraw" not in page.text
    assert "data-reveal" not in page.text
    tips = vera.get(f"/cases/{case}/tips")
    assert tips.status_code == 200 and "/status" not in tips.text
    assert vera.get(f"/cases/{case}/media/{web.media_a[0]}/publish").status_code == 403
    refused = [
        vera.post(
            f"/cases/{case}/media/{web.media_a[0]}/publish",
            data=form(web, vera, x=X, y=Y, w=W, h=H, object_type="toy", description="d")
            | {"question": "q"},
        ),
        vera.post(
            f"/cases/{case}/publications/{pub}/approve",
            data=form(web, vera, public_id=public_id, no_person_visible="yes"),
        ),
        vera.post(
            f"/cases/{case}/publications/{pub}/withdraw", data=form(web, vera, public_id=public_id)
        ),
        vera.post(f"/cases/{case}/publications/{pub}/crop/reveal", data=form(web, vera)),
        vera.post(f"/cases/{case}/tips/{tip}/status", data=form(web, vera, status="useful")),
        vera.post(f"/cases/{case}/tips/{tip}/clue", data=form(web, vera, kind="shop", value="x")),
    ]
    assert [r.status_code for r in refused] == [403] * 6
    assert tip_status(web, web.tip_a) == "new"


def test_another_cases_member_reaches_no_publication_or_tip_by_guessed_ids(web: Web) -> None:
    bob = web.sign_in("bob")
    alice = web.sign_in("alice")
    public_a = [p for p in web.workbench.publications("case-a") if p.id == web.publication_a][0]
    for client, case, pub, tip in [
        (bob, web.case_a, web.publication_a, web.tip_a),  # case A itself
        (bob, web.case_b, web.publication_a, web.tip_a),  # A's ids through bob's own case
        (alice, web.case_a, web.publication_b, web.tip_b),  # B's ids through alice's case
        (alice, web.case_a, 2**31 - 1, 2**31 - 1),  # ids that exist nowhere
    ]:
        posts = {
            f"/cases/{case}/publications/{pub}/approve": {
                "public_id": public_a.public_id,
                "no_person_visible": "yes",
            },
            f"/cases/{case}/publications/{pub}/withdraw": {"public_id": public_a.public_id},
            f"/cases/{case}/publications/{pub}/crop/reveal": {},
            f"/cases/{case}/tips/{tip}/status": {"status": "useful"},
            f"/cases/{case}/tips/{tip}/clue": {"kind": "shop", "value": "x"},
        }
        for path, fields in posts.items():
            status = client.post(path, data=form(web, client, **fields)).status_code
            assert status == 404, (path, status)
        gets = [f"/cases/{case}/publications/{pub}/crop", f"/cases/{case}/tips?publication={pub}"]
        for path in gets:
            assert client.get(path).status_code == 404, path
    assert "A red box" not in bob.get(f"/cases/{web.case_b}/publications").text
    assert "Seen in a shop in Lyon" not in bob.get(f"/cases/{web.case_b}/tips").text
    assert [p.status for p in web.workbench.publications("case-a")][0] == "proposed"


def test_a_change_without_the_csrf_token_is_refused(web: Web) -> None:
    alice = web.sign_in("alice")
    public_id = [p for p in web.workbench.publications("case-a") if p.id == web.publication_a][
        0
    ].public_id
    base, pub, tip = f"/cases/{web.case_a}", web.publication_a, web.tip_a
    attempts = {
        f"{base}/media/{web.media_a[0]}/publish": {
            "x": X,
            "y": Y,
            "w": W,
            "h": H,
            "object_type": "toy",
            "description": "d",
            "question": "q",
        },
        f"{base}/publications/{pub}/approve": {"public_id": public_id, "no_person_visible": "yes"},
        f"{base}/publications/{pub}/withdraw": {"public_id": public_id},
        f"{base}/publications/{pub}/crop/reveal": {},
        f"{base}/tips/{tip}/status": {"status": "useful"},
        f"{base}/tips/{tip}/clue": {"kind": "shop", "value": "x"},
    }
    for path, fields in attempts.items():
        for token in (None, "forged"):
            sent = {k: str(v) for k, v in fields.items()}
            if token:
                sent["csrf_token"] = token
            assert alice.post(path, data=sent).status_code == 403, (path, token)
    assert [p.status for p in web.workbench.publications("case-a") if p.id == pub] == ["proposed"]
    assert tip_status(web, web.tip_a) == "new"


def test_script_in_a_description_and_in_a_tip_is_shown_as_text(web: Web, tmp_path: Path) -> None:
    alice = web.sign_in("alice")
    status, location = propose(web, alice, web.media_a[1], description="<script>alert(1)</script>")
    assert status == 303, location
    item = web.workbench.publications("case-a")[-1]
    import_portal_tips(
        web.workbench,
        tmp_path / "portal",
        tmp_path / "tips",
        [(item.public_id, "<script>alert(2)</script>", "<b>Lyon</b>", False)],
    )
    for page in (
        alice.get(f"/cases/{web.case_a}/publications").text,
        alice.get(f"/cases/{web.case_a}/tips").text,
    ):
        assert "<script>alert" not in page and "<b>Lyon" not in page
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;"
        in alice.get(f"/cases/{web.case_a}/publications").text
    )
    tips = alice.get(f"/cases/{web.case_a}/tips").text
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in tips and "&lt;b&gt;Lyon&lt;/b&gt;" in tips


def test_the_crop_is_served_blurred_and_clear_only_through_the_audited_reveal(web: Web) -> None:
    alice, vera = web.sign_in("alice"), web.sign_in("vera")
    path = f"/cases/{web.case_a}/publications/{web.publication_a}/crop"
    clear = web.workbench.publication_crop(str(web.publication_a))
    for client in (alice, vera):
        blurred = client.get(path)
        assert blurred.status_code == 200 and blurred.headers["content-type"] == "image/jpeg"
        assert blurred.content != clear
        assert blurred.headers["cache-control"] == "private, max-age=300"
        shown = Image.open(io.BytesIO(blurred.content)).convert("L")
        original = Image.open(io.BytesIO(clear)).convert("L").resize(shown.size)
        assert detail(shown) < detail(original) / 10
    assert vera.post(f"{path}/reveal", data=form(web, vera)).status_code == 403
    before = len(events(web, "reveal"))
    revealed = alice.post(f"{path}/reveal", data=form(web, alice))
    assert revealed.status_code == 200 and revealed.content == clear
    assert revealed.headers["cache-control"] == "no-store"
    assert revealed.headers["content-type"] == "image/png"
    after = events(web, "reveal")
    assert len(after) == before + 1
    assert (after[-1].actor, after[-1].subject) == ("alice", f"publication:{web.publication_a}")
    page = alice.get(f"/cases/{web.case_a}/publications").text
    assert f'data-reveal="{path}/reveal"' in page


def test_the_tip_queue_sets_a_status_and_turns_a_useful_tip_into_a_clue(web: Web) -> None:
    alice = web.sign_in("alice")
    base = f"/cases/{web.case_a}/tips/{web.tip_a}"
    early = alice.post(f"{base}/clue", data=form(web, alice, kind="country", value="FR"))
    assert early.status_code == 400 and "mark it useful first" in alert(early.text)
    useful = alice.post(
        f"{base}/status",
        data=form(web, alice, status="useful", note="the shop exists"),
        follow_redirects=False,
    )
    assert useful.status_code == 303
    page = alice.get(f"/cases/{web.case_a}/tips?status=useful").text
    assert f'id="tip-{web.tip_a}" class="tip" data-status="useful"' in page
    assert "the shop exists" in page and 'action="' + base + '/clue"' in page
    assert alice.get(f"/cases/{web.case_a}/tips?status=forwarded").text.count('class="tip') == 0
    wrong = alice.post(f"{base}/status", data=form(web, alice, status="maybe"))
    assert wrong.status_code == 400 and "unknown tip status" in alert(wrong.text)

    clue = alice.post(
        f"{base}/clue", data=form(web, alice, kind="country", value="FR"), follow_redirects=False
    )
    assert clue.status_code == 303
    tip = [t for t in web.workbench.tips("case-a") if t.id == web.tip_a][0]
    assert tip.clue_id is not None
    media = alice.get(f"/api/cases/{web.case_a}/media/{web.media_a[0]}").json()
    assert ("country", "FR", "alice") in {
        (c["kind"], c["value"], c["author"]) for c in media["clues"]
    }
    assert ("alice", f"tip:{web.tip_a}") in {(e.actor, e.subject) for e in events(web, "tip.clue")}
    assert ("alice", f"tip:{web.tip_a}") in {
        (e.actor, e.subject) for e in events(web, "tip.status")
    }
    one_object = alice.get(f"/cases/{web.case_a}/tips?publication={web.publication_a}").text
    assert f'id="tip-{web.tip_a}"' in one_object


def test_a_tip_ticked_as_other_abuse_on_the_portal_is_flagged_in_the_queue(
    web: Web, tmp_path: Path
) -> None:
    """Portal form (the tick) → tips export → tips import → flagged first in the queue."""
    alice, root = web.sign_in("alice"), web.sign_in("root")
    status, location = propose(web, alice, web.media_a[1], description="A green box")
    number = publication_number(location)
    public_id = [p for p in web.workbench.publications("case-a") if p.id == number][0].public_id
    root.post(
        f"/cases/{web.case_a}/publications/{number}/approve",
        data=form(web, root, public_id=public_id, no_person_visible="yes"),
    )
    bundle = tmp_path / "publication"
    web.workbench.export_publications(bundle, actor="root")
    data = tmp_path / "portal-data"
    (data / TRUSTED_PUBLISHER_KEY).parent.mkdir(parents=True)
    shutil.copy(web.workbench.settings.home / "publication.pub", data / TRUSTED_PUBLISHER_KEY)
    settings = PortalSettings.create(bundle, data)
    portal = TestClient(create_portal(load_publication(settings), settings))
    assert 'name="other_abuse"' in portal.get(f"/objects/{public_id}").text
    for what, ticked in [("The same box is in my neighbour's flat", "yes"), ("A shop", "")]:
        sent = {"what": what, "where": "Lille", "consent": "yes", "lang": "fr"}
        if ticked:
            sent["other_abuse"] = ticked
        sent["altcha"] = solved(portal)
        answer = portal.post(f"/objects/{public_id}/tips", data=sent, follow_redirects=False)
        assert answer.status_code == 303, answer.text

    export_tips(data, tmp_path / "tips", everything=False)
    shutil.copy(
        data / "tips-signing.pub", web.workbench.settings.home / "trusted" / "portal-tips.pub"
    )
    imported = web.workbench.import_tips(tmp_path / "tips", actor="alice")
    assert (imported.new, imported.flagged) == (2, 1)

    page = alice.get(f"/cases/{web.case_a}/tips?publication={number}").text
    flagged, _, rest = page.partition("<h2>Queue</h2>")
    assert 'id="flagged-tips"' in flagged
    assert "the same box is in my neighbour&#39;s flat" in flagged.lower()
    assert "the sender ticked: about another child being harmed" in flagged
    assert "A shop" in rest and "A shop" not in flagged


def tip_status(web: Web, number: int) -> str:
    return [t.status for t in web.workbench.tips("case-a") if t.id == number][0]


def solved(portal: TestClient) -> str:
    challenge = altcha.Challenge.from_dict(portal.get("/pow/challenge").json())
    solution = altcha.solve_challenge(challenge)
    assert solution is not None
    return str(altcha.Payload(challenge, solution).to_base64())


def detail(picture: Image.Image) -> float:
    grey = np.asarray(picture, dtype=np.float64)
    return float(np.diff(grey, axis=1).var() + np.diff(grey, axis=0).var())
