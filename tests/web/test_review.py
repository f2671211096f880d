"""The review grid, a media item's page, the full-size view, the report and audit pages."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pyotp
import pytest
from PIL import Image
from sqlalchemy import select
from webapp import Web, csrf_from

from vidi.store.models import AuditEvent, Clue, Source
from vidi_testing import jpeg_bytes, scene

EXTRA_SEEDS = [31, 32, 33, 34, 35]


@dataclass(frozen=True)
class Review:
    web: Web
    known: str
    """Case A's item on the hash list 'seized-2025' (category comparison)."""
    extra: list[str]
    """The items of case A's second source."""
    extra_source: int
    region_clue: str
    """The item with a barcode clue at (10, 20) 30×40 and an investigator's country PL."""


@pytest.fixture(scope="module")
def review(web: Web, tmp_path_factory: pytest.TempPathFactory) -> Review:
    folder = tmp_path_factory.mktemp("review")
    workbench = web.workbench
    known = web.media_a[0]
    (folder / "list.csv").write_text(f"sha256,category\n{known},comparison\n")
    workbench.import_hashlist(folder / "list.csv", "seized-2025", "csv")
    extra_folder = folder / "second"
    extra_folder.mkdir()
    for seed in EXTRA_SEEDS:
        (extra_folder / f"q{seed}.jpg").write_bytes(jpeg_bytes(scene(seed)))
    workbench.ingest("case-a", [extra_folder])
    workbench.match("case-a")
    before = set(web.media_a)
    extra = sorted(m.sha256 for m in workbench.review_order("case-a") if m.sha256 not in before)
    target = extra[0]
    with workbench.db.session() as session:
        source = session.scalars(
            select(Source.id).where(Source.uri.like(f"%{extra_folder.name}%"))
        ).one()
        session.add(
            Clue(
                media_sha256=target,
                kind="barcode",
                value="5901234123457",
                region={"x": 10, "y": 20, "width": 30, "height": 40},
                extractor="barcode",
                extractor_version="1",
            )
        )
    workbench.add_clue(target, "country", "PL", author="alice")
    return Review(web, known, extra, source, target)


def grid(web: Web, client: object, **params: object) -> list[dict[str, object]]:
    """Every item the grid shows with PARAMS, following the cursors page by page."""
    items: list[dict[str, object]] = []
    after = None
    for _ in range(50):
        query = {**params, **({"after": after} if after else {})}
        answer = client.get(f"/api/cases/{web.case_a}/grid", params=query)  # type: ignore[attr-defined]
        assert answer.status_code == 200, answer.text
        page = answer.json()
        items += page["items"]
        after = page["next_cursor"]
        if after is None:
            return items
    raise AssertionError("the grid never ended")


def test_the_grid_shows_new_before_known_and_pages_by_cursor(review: Review) -> None:
    web = review.web
    alice = web.sign_in("alice")
    items = grid(web, alice, limit=2)
    shas = [i["sha256"] for i in items]
    assert len(shas) == len(set(shas)) == 2 + len(EXTRA_SEEDS)
    assert [i["status"] for i in items] == ["new"] * (len(shas) - 1) + ["known"]
    assert items[-1]["sha256"] == review.known and items[-1]["category"] == "comparison"
    new = [s for s in shas if s != review.known]
    assert new == sorted(new)


def test_the_grid_filters_by_status_category_type_clue_country_and_source(
    review: Review,
) -> None:
    web = review.web
    alice = web.sign_in("alice")

    def shas(**params: object) -> list[object]:
        return [i["sha256"] for i in grid(web, alice, **params)]

    assert shas(status="known") == [review.known]
    assert shas(category="comparison") == [review.known]
    assert shas(category="csam") == []
    assert len(shas(status="new")) == 1 + len(EXTRA_SEEDS)
    assert shas(type="video") == []
    assert shas(clue="barcode") == [review.region_clue]
    assert shas(country="pl") == [review.region_clue]
    assert shas(country="DE") == []
    assert shas(source=review.extra_source) == review.extra


def test_a_wrong_cursor_or_status_is_one_clear_line(review: Review) -> None:
    web = review.web
    alice = web.sign_in("alice")
    bad_cursor = alice.get(f"/api/cases/{web.case_a}/grid", params={"after": "new:zz"})
    assert bad_cursor.status_code == 400 and "cursor" in bad_cursor.json()["detail"]
    bad_status = alice.get(f"/api/cases/{web.case_a}/grid", params={"status": "lost"})
    assert bad_status.status_code == 400 and "status" in bad_status.json()["detail"]
    page = alice.get(f"/cases/{web.case_a}", params={"status": "lost"})
    assert page.status_code == 400 and "unknown status" in page.text


def test_the_grid_page_is_blurred_and_links_the_next_page(review: Review) -> None:
    web = review.web
    alice = web.sign_in("alice")
    page = alice.get(f"/cases/{web.case_a}", params={"status": "new", "type": "image"}).text
    assert page.count("/thumbnail?s=") == 1 + len(EXTRA_SEEDS)
    assert 'id="next-page"' not in page and "<video" not in page
    assert 'id="exposure"' in page and "revealed" in page


def test_the_grid_of_another_case_is_not_found(review: Review) -> None:
    web = review.web
    bob = web.sign_in("bob")
    assert bob.get(f"/api/cases/{web.case_a}/grid").status_code == 404
    assert bob.get(f"/cases/{web.case_a}/media/{review.known}").status_code == 404
    assert bob.get(f"/api/cases/{web.case_a}/media/{review.known}").status_code == 404


def test_the_media_page_shows_places_matches_clues_regions_and_estimate(review: Review) -> None:
    web = review.web
    alice = web.sign_in("alice")
    page = alice.get(f"/cases/{web.case_a}/media/{review.region_clue}").text
    assert '<rect class="region" x="10" y="20" width="30" height="40"' in page
    assert "5901234123457" in page and "second" in page
    assert "Poland (PL)" in page
    assert f"/media/{review.region_clue}/thumbnail?s=" in page
    assert f'data-reveal="/cases/{web.case_a}/media/{review.region_clue}/full"' in page
    known = alice.get(f"/api/cases/{web.case_a}/media/{review.known}").json()
    assert [(m["kind"], m["hashlist"], m["category"]) for m in known["matches"]] == [
        ("sha256", "seized-2025", "comparison")
    ]
    assert known["found"][0]["path"].endswith(".jpg")
    detail = alice.get(f"/api/cases/{web.case_a}/media/{review.region_clue}").json()
    assert detail["estimate"]["ranked"][0]["country"] == "PL"
    boxes = {c["kind"]: c["box"] for c in detail["clues"]}
    assert boxes == {"barcode": [10, 20, 30, 40], "country": None}


def test_the_full_size_view_is_audited_and_counted_like_a_reveal(review: Review) -> None:
    web = review.web
    alice = web.sign_in("alice")
    csrf = web.csrf(alice)
    path = f"/cases/{web.case_a}/media/{review.extra[1]}/full"
    assert alice.post(path).status_code == 403  # no CSRF token
    before = alice.get("/api/account/exposure").json()["session_reveals"]
    answer = alice.post(path, headers={"x-csrf-token": csrf})
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    assert Image.open(io.BytesIO(answer.content)).size == (640, 480)
    assert alice.get("/api/account/exposure").json()["session_reveals"] == before + 1
    with web.workbench.db.session() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert last is not None
        assert (last.actor, last.action, last.subject) == (
            "alice",
            "view-full",
            f"media:{review.extra[1]}",
        )
    vera = web.sign_in("vera")
    assert vera.post(path, headers={"x-csrf-token": web.csrf(vera)}).status_code == 403
    assert web.workbench.audit_verify().ok


def test_the_case_audit_page_is_for_the_cases_admins(review: Review) -> None:
    web = review.web
    alice = web.sign_in("alice")
    alice.post(
        f"/cases/{web.case_a}/media/{review.extra[2]}/reveal",
        headers={"x-csrf-token": web.csrf(alice)},
    )
    root = web.sign_in("root")
    events = root.get(f"/api/cases/{web.case_a}/audit").json()
    reveals = [e for e in events if e["action"] == "reveal"]
    assert reveals and reveals[0]["subject"] == f"media:{review.extra[2]}"
    assert {"case.create", "member-add"} <= {e["action"] for e in events}
    assert all("case-b" not in str(e) and str(web.case_b) != str(e["detail"]) for e in events)
    page = root.get(f"/cases/{web.case_a}/audit").text
    assert f"media:{review.extra[2]}" in page
    assert alice.get(f"/cases/{web.case_a}/audit").status_code == 403
    assert root.get(f"/cases/{web.case_b}/audit").status_code == 404


def test_the_report_page_shows_counts_failures_runs_lists_and_series(review: Review) -> None:
    web = review.web
    vera = web.sign_in("vera")
    page = vera.get(f"/cases/{web.case_a}/report").text
    assert 'id="runs"' in page and 'id="hashlists"' in page
    assert "seized-2025" in page and "Where the series point" in page
    report = vera.get(f"/api/cases/{web.case_a}").json()["report"]
    assert f"<dt>Unique media</dt><dd>{report['unique_media']}</dd>" in page


def test_totp_is_enrolled_then_asked_at_sign_in(review: Review) -> None:
    web = review.web
    workbench = web.workbench
    once = workbench.add_user("tess", "investigator").password
    web.passwords["tess"] = once
    client = web.browser()
    page = client.get("/sign-in")
    client.post(
        "/sign-in",
        data={"name": "tess", "password": once, "csrf_token": csrf_from(page.text)},
    )
    password = "a long enough passphrase"
    token = csrf_from(client.get("/sign-in/password").text)
    client.post(
        "/sign-in/password",
        data={"current": once, "new": password, "repeat": password, "csrf_token": token},
    )
    web.passwords["tess"] = password
    csrf = web.csrf(client)
    assert client.post("/account/totp", data={"csrf_token": csrf}).status_code == 200
    who = workbench.identify(client.cookies["vidi_session"], now=web.clock())
    setup = workbench.pending_totp(who)
    assert setup is not None and "<svg" in client.get("/account/totp/qr.svg").text
    wrong = client.post("/account/totp/confirm", data={"code": "000000", "csrf_token": csrf})
    assert wrong.status_code == 400
    code = pyotp.TOTP(setup.secret).at(web.clock())
    assert client.post("/account/totp/confirm", data={"code": code, "csrf_token": csrf}).is_success
    again = web.browser()
    form = csrf_from(again.get("/sign-in").text)
    answer = again.post(
        "/sign-in",
        data={"name": "tess", "password": password, "csrf_token": form},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/sign-in/totp"
    assert again.get("/cases", follow_redirects=False).status_code == 303  # owes the code
    step = csrf_from(again.get("/sign-in/totp").text)
    refused = again.post("/sign-in/totp", data={"code": "123456", "csrf_token": step})
    assert refused.status_code == 200 and "wrong" in refused.text.lower()
    step = csrf_from(again.get("/sign-in/totp").text)
    done = again.post(
        "/sign-in/totp",
        data={"code": pyotp.TOTP(setup.secret).at(web.clock()), "csrf_token": step},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/cases"
    assert again.get("/cases").status_code == 200


def test_the_grid_filters_by_series_and_by_grade(review: Review) -> None:
    web = review.web
    alice = web.sign_in("alice")
    who = web.workbench.identify(alice.cookies["vidi_session"], now=web.clock())
    series = web.workbench.create_series(web.case_a, "kitchen", who)
    web.workbench.add_to_series(web.case_a, series.id, review.extra[:3], who)
    web.workbench.grade(web.case_a, [review.extra[0]], "1", who)

    def shas(**params: object) -> list[object]:
        return [i["sha256"] for i in grid(web, alice, **params)]

    assert shas(series=series.id) == review.extra[:3]
    assert shas(graded="me") == [review.extra[0]]
    assert review.extra[0] not in shas(graded="no")
    assert len(shas(graded="no")) == 2 + len(EXTRA_SEEDS) - 1
    assert shas(graded="me", series=series.id, status="new") == [review.extra[0]]
    root = web.sign_in("root")
    assert [i["sha256"] for i in grid(web, root, graded="me")] == []
    page = alice.get(f"/cases/{web.case_a}").text
    assert f'<option value="{series.id}"' in page and "kitchen (3)" in page


def test_the_media_page_shows_the_grading_history(review: Review) -> None:
    web = review.web
    alice = web.sign_in("alice")
    who = web.workbench.identify(alice.cookies["vidi_session"], now=web.clock())
    web.workbench.grade(web.case_a, [review.extra[4]], "1", who)
    web.workbench.grade(web.case_a, [review.extra[4]], "2", who)
    grades = alice.get(f"/api/cases/{web.case_a}/media/{review.extra[4]}").json()["grades"]
    assert [(g["grader"], g["current"]) for g in grades] == [("alice", True), ("alice", False)]
    assert grades[0]["category"] != grades[1]["category"]
    assert 'id="grades"' in alice.get(f"/cases/{web.case_a}/media/{review.extra[4]}").text
