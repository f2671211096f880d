"""A tip bundle carries the tips and nothing else, and verifies against the portal's key."""

from __future__ import annotations

from pathlib import Path

import pytest

from vidi.bundles import (
    BundleRefused,
    SigningKey,
    Tip,
    load_trusted_key,
    read_tips_bundle,
    write_tips_bundle,
)

TIP = Tip(
    id="a" * 32,
    object_id="mug-001",
    received_at="2026-11-30T10:00:00+00:00",
    language="nl",
    what="<b>Seen</b> in a shop",
    where="Gent",
    contact="",
    consent=True,
)


def test_tips_read_back_as_written(tmp_path: Path) -> None:
    key = SigningKey.load_or_create(tmp_path / "portal", "tips-signing")
    manifest = write_tips_bundle(tmp_path / "tips", [TIP], key)
    assert manifest["tips"] == 1
    assert read_tips_bundle(tmp_path / "tips", load_trusted_key(key.public_path)) == [TIP]


def test_an_edited_tip_is_refused(tmp_path: Path) -> None:
    key = SigningKey.load_or_create(tmp_path / "portal", "tips-signing")
    write_tips_bundle(tmp_path / "tips", [TIP], key)
    tips = tmp_path / "tips" / "tips.json"
    tips.write_bytes(tips.read_bytes().replace(b"Gent", b"Gant"))
    with pytest.raises(BundleRefused, match="tips.json does not match its SHA-256"):
        read_tips_bundle(tmp_path / "tips", load_trusted_key(key.public_path))


def test_tips_signed_by_another_portal_are_refused(tmp_path: Path) -> None:
    ours = SigningKey.load_or_create(tmp_path / "portal", "tips-signing")
    theirs = SigningKey.load_or_create(tmp_path / "other", "tips-signing")
    write_tips_bundle(tmp_path / "tips", [TIP], theirs)
    with pytest.raises(BundleRefused, match="signed by unknown key"):
        read_tips_bundle(tmp_path / "tips", load_trusted_key(ours.public_path))


def test_a_publication_bundle_is_not_taken_for_a_tip_bundle(tmp_path: Path) -> None:
    from vidi.bundles import write_publication_bundle
    from vidi.portal.sample import sample_objects

    key = SigningKey.load_or_create(tmp_path / "k", "same")
    write_publication_bundle(tmp_path / "pub", sample_objects(1), key)
    with pytest.raises(BundleRefused, match="expected 'vidi-tips'"):
        read_tips_bundle(tmp_path / "pub", load_trusted_key(key.public_path))
