"""Grading, series and clues through the web: investigators change, viewers read,
nobody reaches another case's series, grades or clues; every change is audited."""

from __future__ import annotations

from webapp import Web

from vidi.store.models import AuditEvent


def last_event(web: Web) -> AuditEvent:
    with web.workbench.db.session() as session:
        event = session.query(AuditEvent).order_by(AuditEvent.seq.desc()).first()
        assert event is not None
        return event


def test_an_investigator_grades_one_item_a_group_and_a_page(web: Web) -> None:
    alice = web.sign_in("alice")
    headers = {"x-csrf-token": web.csrf(alice)}
    base = f"/api/cases/{web.case_a}"
    one = alice.post(
        f"{base}/grades", json={"media": web.media_a[:1], "category": "1"}, headers=headers
    )
    assert one.status_code == 200, one.text
    assert (one.json()["category"], one.json()["grader"]) == ("csam", "alice")
    event = last_event(web)
    assert (event.action, event.actor, event.subject) == (
        "grade",
        "alice",
        f"media:{web.media_a[0]}",
    )

    group = alice.get(f"{base}/media/{web.media_a[0]}/group").json()["media"]
    assert group[0] == web.media_a[0]
    by_group = alice.post(
        f"{base}/media/{web.media_a[0]}/grade-group",
        json={"category": "exploitive"},
        headers=headers,
    )
    assert by_group.json()["media"] == group

    page = alice.post(f"{base}/grades/not-pertinent", json={"media": web.media_a}, headers=headers)
    assert page.json()["category"] == "non-pertinent"
    progress = alice.get(f"{base}/grading").json()["progress"]
    assert progress["unreviewed"] == 0 and progress["by_user"] == {"alice": len(web.media_a)}


def test_a_viewer_reads_progress_but_cannot_grade_and_bob_cannot_touch_case_a(web: Web) -> None:
    vera = web.sign_in("vera")
    base = f"/api/cases/{web.case_a}"
    assert vera.get(f"{base}/grading").status_code == 200
    body = {"media": web.media_a[:1], "category": "0"}
    refused = vera.post(f"{base}/grades", json=body, headers={"x-csrf-token": web.csrf(vera)})
    assert refused.status_code == 403
    bob = web.sign_in("bob")
    hidden = bob.post(f"{base}/grades", json=body, headers={"x-csrf-token": web.csrf(bob)})
    assert hidden.status_code == 404
    through_b = bob.post(
        f"/api/cases/{web.case_b}/grades", json=body, headers={"x-csrf-token": web.csrf(bob)}
    )
    assert through_b.status_code == 404  # case A's media through case B
    no_token = web.sign_in("alice").post(f"{base}/grades", json=body)
    assert no_token.status_code == 403


def test_series_are_built_merged_split_and_proposed_through_the_api(web: Web) -> None:
    alice = web.sign_in("alice")
    headers = {"x-csrf-token": web.csrf(alice)}
    base = f"/api/cases/{web.case_a}/series"
    made = alice.post(base, json={"name": "kitchen", "media": web.media_a[1:]}, headers=headers)
    assert made.status_code == 200, made.text
    kitchen = made.json()["id"]
    assert made.json()["media"] == len(web.media_a) - 1

    proposed = alice.get(f"{base}/{web.series_a}/proposals").json()
    assert {p["media_sha256"] for p in proposed} >= set(web.media_a[1:])  # the same folder
    decided = alice.post(
        f"{base}/{web.series_a}/proposals",
        json={"proposal": proposed[0]["id"], "accept": False},
        headers=headers,
    )
    assert decided.json()["state"] == "rejected"
    assert last_event(web).action == "series.proposal.rejected"

    merged = alice.post(f"{base}/{web.series_a}/merge", json={"other": kitchen}, headers=headers)
    assert merged.status_code == 200, merged.text
    page = alice.get(f"{base}/{web.series_a}").json()
    assert set(page["media"]) == set(web.media_a)
    split = alice.post(
        f"{base}/{web.series_a}/split",
        json={"media": web.media_a[1:], "name": "kitchen again"},
        headers=headers,
    )
    assert split.status_code == 200, split.text
    assert alice.get(f"{base}/{web.series_a}").json()["media"] == web.media_a[:1]
    html = alice.get(f"/cases/{web.case_a}/series/{web.series_a}").text
    assert 'id="series-estimate"' in html and "/static/series.js" in html and "<script>" not in html


def test_no_one_reaches_another_cases_series(web: Web) -> None:
    alice = web.sign_in("alice")
    headers = {"x-csrf-token": web.csrf(alice)}
    for path in (
        f"/api/cases/{web.case_a}/series/{web.series_b}",
        f"/api/cases/{web.case_a}/series/{web.series_b}/proposals",
        f"/cases/{web.case_a}/series/{web.series_b}",
    ):
        assert alice.get(path).status_code == 404, path
    added = alice.post(
        f"/api/cases/{web.case_a}/series/{web.series_b}/media",
        json={"media": web.media_a[:1]},
        headers=headers,
    )
    assert added.status_code == 404
    foreign = alice.post(
        f"/api/cases/{web.case_a}/series/{web.series_a}/media",
        json={"media": web.media_b[:1]},
        headers=headers,
    )
    assert foreign.status_code == 404


def test_a_clue_is_added_with_a_region_rejected_and_named_in_the_estimate(web: Web) -> None:
    alice = web.sign_in("alice")
    headers = {"x-csrf-token": web.csrf(alice)}
    base = f"/api/cases/{web.case_a}"
    sha = web.media_a[0]
    added = alice.post(
        f"{base}/media/{sha}/clues",
        json={"kind": "place", "value": "FR", "region": {"x": 1, "y": 2, "w": 3, "h": 4}},
        headers=headers,
    )
    assert added.status_code == 200, added.text
    assert added.json()["region"] == {"x": 1, "y": 2, "w": 3, "h": 4}
    outside = alice.post(
        f"{base}/media/{sha}/clues",
        json={"kind": "logo", "value": "fox", "region": {"x": 0, "y": 0, "w": 99999, "h": 4}},
        headers=headers,
    )
    assert outside.status_code == 400
    clue = added.json()["id"]
    rejected = alice.post(
        f"{base}/clues/verdict", json={"clue": clue, "verdict": "rejected"}, headers=headers
    )
    assert rejected.status_code == 200, rejected.text
    assert (last_event(web).action, last_event(web).actor) == ("clue.reject", "alice")
    listed = {c["id"]: c for c in alice.get(f"{base}/media/{sha}/clues").json()}
    assert (listed[clue]["verdict"], listed[clue]["reviewer"]) == ("rejected", "alice")
    bob = web.sign_in("bob")
    hidden = bob.post(
        f"/api/cases/{web.case_b}/clues/verdict",
        json={"clue": clue, "verdict": "confirmed"},
        headers={"x-csrf-token": web.csrf(bob)},
    )
    assert hidden.status_code == 404


def test_the_grading_page_carries_the_keys_and_no_inline_script(web: Web) -> None:
    alice = web.sign_in("alice")
    html = alice.get(f"/cases/{web.case_a}/grading").text
    assert 'id="grading"' in html and 'data-key="1" data-category="csam"' in html
    assert 'src="/static/grading.js"' in html and "<script>" not in html
    assert alice.get("/static/grading.js").status_code == 200
    assert alice.get(f"/api/cases/{web.case_a}/search", params={"q": "nothing here"}).json() == []
    assert alice.get(f"/cases/{web.case_a}/search", params={"q": "x"}).status_code == 200


def test_proposals_are_paged_by_the_last_id(web: Web) -> None:
    alice = web.sign_in("alice")
    made = alice.post(
        f"/api/cases/{web.case_a}/series",
        json={"name": "paged", "media": web.media_a[1:2]},
        headers={"x-csrf-token": web.csrf(alice)},
    ).json()
    base = f"/api/cases/{web.case_a}/series/{made['id']}/proposals"
    first = alice.get(base, params={"limit": 1}).json()
    assert len(first) == 1
    assert alice.get(base, params={"after": first[0]["id"]}).json() == []
    assert alice.get(base, params={"limit": 501}).status_code == 422
    page = f"/cases/{web.case_a}/series/{made['id']}"
    assert f'id="proposal-{first[0]["id"]}"' in alice.get(page).text
    after = alice.get(page, params={"proposals_after": first[0]["id"]}).text
    assert "proposal-" not in after and "more-proposals" not in after
