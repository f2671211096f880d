"""The public pages, the tip form and its defences, through the ASGI app."""

from __future__ import annotations

import sqlite3

from fastapi.testclient import TestClient
from portal_fixtures import PortalSetup, make_client, solved_payload, tip_form

from vidi.bundles import SigningKey, write_publication_bundle
from vidi.bundles.publication import ObjectText, ObjectType, PublishedObject
from vidi.portal.sample import sample_objects
from vidi.portal.settings import TIPS_DATABASE, TRUSTED_PUBLISHER_KEY, Limits


def stored_tips(setup: PortalSetup) -> list[tuple[str, str, str]]:
    with sqlite3.connect(setup.data / TIPS_DATABASE) as db:
        return db.execute("SELECT object_id, what, language FROM tips ORDER BY what").fetchall()


def test_the_gallery_groups_objects_by_type_and_filters_by_one(client: TestClient) -> None:
    page = client.get("/").text
    assert page.index('id="type-clothing"') < page.index('id="type-toy"')
    assert "Blue mug with a star" in page and "Red toy car" in page
    toys = client.get("/?type=toy").text
    assert "Red toy car" in toys and "Blue mug with a star" not in toys


def test_an_object_page_has_its_question_a_labelled_form_and_a_shareable_link(
    client: TestClient,
) -> None:
    page = client.get("/objects/mug-001").text
    assert "Do you know where this object is sold" in page
    for field in ("what", "where", "contact", "consent"):
        assert f'<label for="{field}">' in page and f'id="{field}"' in page
    assert 'type="file"' not in page
    assert "http://testserver/objects/mug-001" in page
    assert client.get("/crops/mug-001.png").content.startswith(b"\x89PNG")


def test_an_unknown_object_is_a_404_page(client: TestClient) -> None:
    response = client.get("/objects/nothing-here?lang=es")
    assert response.status_code == 404
    assert "Esa página u objeto no existe aquí." in response.text


def test_the_language_comes_from_the_query_then_accept_language(client: TestClient) -> None:
    assert '<html lang="fr">' in client.get("/?lang=fr").text
    browser_dutch = {"Accept-Language": "nl-BE,nl;q=0.9,en;q=0.5"}
    assert "Herkent u een van deze voorwerpen?" in client.get("/", headers=browser_dutch).text
    assert '<html lang="en">' in client.get("/?lang=xx", headers={"Accept-Language": "ja"}).text
    assert "Blaue Tasse mit Stern" in client.get("/objects/mug-001?lang=de").text


def test_a_tip_with_a_solved_challenge_is_stored_and_thanked(
    client: TestClient, portal_setup: PortalSetup
) -> None:
    response = client.post(
        "/objects/mug-001/tips", data=tip_form(client, lang="de"), follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/objects/mug-001/thanks?lang=de"
    assert "Vielen Dank" in client.get(response.headers["location"]).text
    assert stored_tips(portal_setup) == [("mug-001", "I saw this mug in a shop", "de")]


def test_a_tip_without_proof_of_work_is_refused(
    client: TestClient, portal_setup: PortalSetup
) -> None:
    for payload in ("", "bm90IGEgcGF5bG9hZA==", "x" * 5000):
        response = client.post("/objects/mug-001/tips", data=tip_form(client, altcha=payload))
        assert response.status_code == 403
        assert "anti-spam check was missing" in response.text
    assert stored_tips(portal_setup) == []


def test_a_solved_challenge_buys_one_tip_only(
    client: TestClient, portal_setup: PortalSetup
) -> None:
    form = tip_form(client)
    assert (
        client.post("/objects/mug-001/tips", data=form, follow_redirects=False).status_code == 303
    )
    assert client.post("/objects/mug-001/tips", data=form).status_code == 403
    assert len(stored_tips(portal_setup)) == 1


def test_a_challenge_signed_with_another_secret_is_refused(
    client: TestClient, portal_setup: PortalSetup, tmp_path
) -> None:
    other_data = tmp_path / "other-data"
    (other_data / TRUSTED_PUBLISHER_KEY).parent.mkdir(parents=True)
    (other_data / TRUSTED_PUBLISHER_KEY).write_bytes(
        portal_setup.workbench_key.public_path.read_bytes()
    )
    other = make_client(PortalSetup(portal_setup.bundle, other_data, portal_setup.workbench_key))
    response = client.post(
        "/objects/mug-001/tips", data=tip_form(client, altcha=solved_payload(other))
    )
    assert response.status_code == 403


def test_tips_are_rate_limited_per_object_then_globally(portal_setup: PortalSetup) -> None:
    client = make_client(portal_setup, Limits(tips_per_object_per_hour=2, tips_per_minute=3))
    statuses = [
        client.post(f"/objects/{name}/tips", data=tip_form(client)).status_code
        for name in ("mug-001", "mug-001", "mug-001", "toy-004", "bag-003")
    ]
    assert statuses == [200, 200, 429, 200, 429]
    assert len(stored_tips(portal_setup)) == 3


def test_incomplete_or_oversized_fields_are_refused_and_kept_in_the_form(
    client: TestClient, portal_setup: PortalSetup
) -> None:
    no_consent = client.post("/objects/mug-001/tips", data=tip_form(client, consent=""))
    assert no_consent.status_code == 400 and "Please tick the box" in no_consent.text
    assert "I saw this mug in a shop</textarea>" in no_consent.text
    too_long = client.post("/objects/mug-001/tips", data=tip_form(client, where="x" * 1001))
    assert too_long.status_code == 400 and "too long" in too_long.text
    assert stored_tips(portal_setup) == []


def test_a_large_body_or_a_file_upload_is_refused_before_the_form_is_read(
    client: TestClient,
) -> None:
    huge = client.post("/objects/mug-001/tips", data={"what": "x" * 20_000})
    assert huge.status_code == 413
    upload = client.post("/objects/mug-001/tips", files={"what": ("a.txt", b"hello")})
    assert upload.status_code == 415
    as_json = client.post("/objects/mug-001/tips", json={"what": "x"})
    assert as_json.status_code == 415


def test_script_in_a_tip_is_escaped_when_the_form_is_shown_again(client: TestClient) -> None:
    form = tip_form(client, what="<script>alert(1)</script>", consent="")
    page = client.post("/objects/mug-001/tips", data=form).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_script_in_a_bundle_text_is_escaped(portal_setup: PortalSetup, tmp_path) -> None:
    key = portal_setup.workbench_key
    hostile = PublishedObject(
        "odd-1",
        ObjectType.OTHER,
        sample_objects(1)[0].crop_png,
        {"en": ObjectText('<script>alert("t")</script>', "<img src=x>?")},
    )
    write_publication_bundle(tmp_path / "hostile", [hostile], key)
    client = make_client(PortalSetup(tmp_path / "hostile", portal_setup.data, key))
    for path in ("/", "/objects/odd-1"):
        page = client.get(path).text
        assert "<script>alert" not in page and "<img src=x>" not in page
        assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;" in page


def test_every_response_carries_a_strict_policy_and_no_cookie(client: TestClient) -> None:
    for path in ("/", "/objects/mug-001", "/pow/challenge", "/static/portal.js", "/nothing"):
        headers = client.get(path).headers
        policy = headers["content-security-policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert "set-cookie" not in headers
    client.post("/objects/mug-001/tips", data=tip_form(client))
    assert len(client.cookies) == 0


def test_no_api_documentation_pages_that_would_load_a_cdn(client: TestClient) -> None:
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert client.get(path).status_code == 404


def test_the_trusted_key_file_decides_which_bundles_load(
    portal_setup: PortalSetup, tmp_path
) -> None:
    stranger = SigningKey.load_or_create(tmp_path / "stranger", "publication")
    (portal_setup.data / TRUSTED_PUBLISHER_KEY).write_bytes(stranger.public_path.read_bytes())
    import pytest

    from vidi.bundles import BundleRefused

    with pytest.raises(BundleRefused, match="signed by unknown key"):
        make_client(portal_setup)
