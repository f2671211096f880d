"""The tip form's own abuse tick box ("about another child being harmed, not the object"):
shown in every language, kept with the tip, carried in the signed tip bundle; a bundle
written before the field existed still reads (the tick then reads as not ticked)."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from portal_fixtures import PortalSetup, tip_form

from vidi.bundles import SigningKey, load_trusted_key, read_tips_bundle
from vidi.bundles.signing import canonical_json, write_signed_bundle
from vidi.bundles.tips import TIPS_FILE, TIPS_FORMAT
from vidi.portal.i18n import LANGUAGES, translations
from vidi.portal.server import export_tips
from vidi.portal.tipstore import TipStore

TICK = "This is about another child being harmed or abused, not about the object."


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_tick_box_is_labelled_in_every_language(client: TestClient, language: str) -> None:
    page = client.get(f"/objects/mug-001?lang={language}").text
    label = translations(language).ugettext(TICK)
    assert 'type="checkbox" id="other_abuse" name="other_abuse" value="yes"' in page
    assert f'<label for="other_abuse">{label}</label>'.replace("'", "&#39;") in page
    assert (label == TICK) == (language == "en")


def test_a_ticked_tip_is_kept_and_carried_in_the_signed_bundle(
    client: TestClient,
    portal_setup: PortalSetup,
    tmp_path: Path,
) -> None:
    for what, ticked in [("Ticked", "yes"), ("Not ticked", None)]:
        fields = {"what": what} | ({"other_abuse": ticked} if ticked else {})
        answer = client.post(
            "/objects/mug-001/tips", data=tip_form(client, **fields), follow_redirects=False
        )
        assert answer.status_code == 303, answer.text
    export = export_tips(portal_setup.data, tmp_path / "tips", everything=False)
    tips = read_tips_bundle(tmp_path / "tips", load_trusted_key(export.public_key))
    assert {(t.what, t.other_abuse) for t in tips} == {("Ticked", True), ("Not ticked", False)}


def test_a_refused_form_keeps_the_tick(client: TestClient) -> None:
    refused = client.post(
        "/objects/mug-001/tips",
        data=tip_form(client, what="", other_abuse="yes"),
    )
    assert refused.status_code == 400
    assert 'name="other_abuse" value="yes" aria-describedby="other-abuse-hint" checked' in (
        refused.text
    )


def test_a_bundle_written_before_the_tick_box_still_reads(tmp_path: Path) -> None:
    key = SigningKey.load_or_create(tmp_path / "portal", "tips-signing")
    old = {
        "id": "b" * 32,
        "object_id": "mug-001",
        "received_at": "2026-11-01T10:00:00+00:00",
        "language": "de",
        "what": "Gesehen",
        "where": "Köln",
        "contact": "",
        "consent": True,
    }
    write_signed_bundle(
        tmp_path / "tips", TIPS_FORMAT, {TIPS_FILE: canonical_json([old])}, key, {"tips": 1}
    )
    (tip,) = read_tips_bundle(tmp_path / "tips", load_trusted_key(key.public_path))
    assert asdict(tip) == old | {"other_abuse": False}


def test_a_tick_that_is_not_true_or_false_refuses_the_bundle(tmp_path: Path) -> None:
    from vidi.bundles import BundleRefused

    key = SigningKey.load_or_create(tmp_path / "portal", "tips-signing")
    record = {
        "id": "c" * 32,
        "object_id": "mug-001",
        "received_at": "2026-11-01T10:00:00+00:00",
        "language": "en",
        "what": "x",
        "where": "",
        "contact": "",
        "consent": True,
        "other_abuse": "yes",
    }
    write_signed_bundle(
        tmp_path / "tips", TIPS_FORMAT, {TIPS_FILE: canonical_json([record])}, key, {"tips": 1}
    )
    with pytest.raises(BundleRefused, match="malformed field"):
        read_tips_bundle(tmp_path / "tips", load_trusted_key(key.public_path))


def test_a_tip_file_from_before_the_tick_box_gets_the_column(tmp_path: Path) -> None:
    path = tmp_path / "tips.sqlite3"
    with sqlite3.connect(path) as old:
        old.execute(
            "CREATE TABLE tips (id TEXT PRIMARY KEY, object_id TEXT NOT NULL, received_at TEXT"
            " NOT NULL, language TEXT NOT NULL, what TEXT NOT NULL, where_seen TEXT NOT NULL,"
            " contact TEXT NOT NULL, consent INTEGER NOT NULL, exported_at TEXT)"
        )
        old.execute(
            "INSERT INTO tips VALUES ('d', 'mug-001', '2026-11-01T10:00:00+00:00', 'en', 'old',"
            " '', '', 1, NULL)"
        )
    old.close()
    store = TipStore(path)
    store.add("mug-001", "en", "new", "", "", consent=True, other_abuse=True)
    assert {(t.what, t.other_abuse) for t in store.tips(only_new=True)} == {
        ("old", False),
        ("new", True),
    }
    store.close()
