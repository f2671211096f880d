"""A publication bundle verifies whole or is refused whole, with one line saying why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vidi.bundles import (
    BundleRefused,
    ObjectText,
    ObjectType,
    PublishedObject,
    SigningKey,
    load_trusted_key,
    read_publication_bundle,
    write_publication_bundle,
)
from vidi.errors import ConfigError, InvalidInput
from vidi.portal.sample import sample_objects


@pytest.fixture
def key(tmp_path: Path) -> SigningKey:
    return SigningKey.load_or_create(tmp_path / "home", "publication")


@pytest.fixture
def bundle(tmp_path: Path, key: SigningKey) -> Path:
    write_publication_bundle(tmp_path / "bundle", sample_objects(3), key)
    return tmp_path / "bundle"


def test_a_written_bundle_reads_back_with_its_objects(bundle: Path, key: SigningKey) -> None:
    publication = read_publication_bundle(bundle, load_trusted_key(key.public_path))
    assert [item.id for item in publication.objects] == ["mug-001", "shirt-002", "bag-003"]
    assert publication.objects[0].crop_png == sample_objects(1)[0].crop_png
    assert publication.objects[1].text("de").title == "Grünes T-Shirt mit Streifen"
    assert publication.signer == key.fingerprint
    listed = json.loads((bundle / "manifest.json").read_bytes())["files"]
    assert sorted(listed) == [
        "crops/bag-003.png",
        "crops/mug-001.png",
        "crops/shirt-002.png",
        "objects.json",
    ]


def test_the_private_key_is_readable_only_by_its_owner(key: SigningKey, tmp_path: Path) -> None:
    assert (tmp_path / "home" / "publication.key").stat().st_mode & 0o077 == 0
    again = SigningKey.load_or_create(tmp_path / "home", "publication")
    assert again.fingerprint == key.fingerprint


def refused(bundle: Path, key: SigningKey) -> str:
    with pytest.raises(BundleRefused) as caught:
        read_publication_bundle(bundle, load_trusted_key(key.public_path))
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_one_changed_byte_in_a_crop_is_refused(bundle: Path, key: SigningKey) -> None:
    crop = bundle / "crops" / "shirt-002.png"
    data = bytearray(crop.read_bytes())
    data[100] ^= 1
    crop.write_bytes(bytes(data))
    assert "crops/shirt-002.png does not match its SHA-256" in refused(bundle, key)


def test_an_edited_public_text_is_refused(bundle: Path, key: SigningKey) -> None:
    objects = bundle / "objects.json"
    objects.write_bytes(objects.read_bytes().replace(b"Blue mug", b"Blue jug"))
    assert "objects.json does not match its SHA-256" in refused(bundle, key)


def test_a_manifest_re_hashed_by_a_tamperer_fails_its_signature(
    bundle: Path, key: SigningKey
) -> None:
    objects = bundle / "objects.json"
    objects.write_bytes(objects.read_bytes().replace(b"Blue mug", b"Blue jug"))
    manifest = json.loads((bundle / "manifest.json").read_bytes())
    from vidi.bundles.signing import canonical_json, sha256_hex

    manifest["files"]["objects.json"] = sha256_hex(objects.read_bytes())
    (bundle / "manifest.json").write_bytes(canonical_json(manifest))
    assert "the manifest signature is invalid" in refused(bundle, key)


def test_a_bundle_signed_by_another_key_is_refused(tmp_path: Path, key: SigningKey) -> None:
    stranger = SigningKey.load_or_create(tmp_path / "elsewhere", "publication")
    write_publication_bundle(tmp_path / "other", sample_objects(1), stranger)
    message = refused(tmp_path / "other", key)
    assert f"signed by unknown key {stranger.fingerprint[:16]}" in message


def test_a_file_added_to_a_bundle_is_refused(bundle: Path, key: SigningKey) -> None:
    (bundle / "crops" / "extra.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    assert "crops/extra.png is not in the manifest" in refused(bundle, key)


def test_a_file_removed_from_a_bundle_is_refused(bundle: Path, key: SigningKey) -> None:
    (bundle / "crops" / "bag-003.png").unlink()
    assert "crops/bag-003.png is missing" in refused(bundle, key)


def test_a_missing_signature_is_refused(bundle: Path, key: SigningKey) -> None:
    (bundle / "manifest.sig").unlink()
    assert "manifest.sig missing" in refused(bundle, key)


def test_a_missing_trusted_key_is_a_settings_error(bundle: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no trusted public key"):
        load_trusted_key(tmp_path / "nowhere.pub")


def test_an_object_that_is_not_a_png_is_not_written(tmp_path: Path, key: SigningKey) -> None:
    bad = PublishedObject("jpeg-1", ObjectType.TOY, b"\xff\xd8\xff", {"en": ObjectText("t", "q")})
    with pytest.raises(InvalidInput, match="not a PNG"):
        write_publication_bundle(tmp_path / "out", [bad], key)
    assert not (tmp_path / "out").exists()


def test_a_bundle_is_never_written_over_another(bundle: Path, key: SigningKey) -> None:
    with pytest.raises(ConfigError, match="not empty"):
        write_publication_bundle(bundle, sample_objects(1), key)
