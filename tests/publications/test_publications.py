"""Proposing, approving, withdrawing and exporting object crops (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from pictures import MARKER, OBJECT_BOX, figure_picture, long_run_shared, metadata_jpeg
from PIL import Image
from publication_fixtures import CASE, Seized

from vidi.bundles import BundleRefused
from vidi.portal.server import load_publication
from vidi.portal.settings import PortalSettings
from vidi.publications.crop import ALLOWED_CHUNKS, CropRefused, png_chunks
from vidi.publications.service import PublicationRefused

BOX = ",".join(str(n) for n in OBJECT_BOX)


def propose(seized: Seized, author: str = "anna", box: str = BOX) -> int:
    item = seized.workbench.propose_publication(
        CASE,
        seized.sha256,
        box,
        "toy",
        "Red toy car",
        "Where is this toy car sold?",
        actor=author,
    )
    return item.id


def test_a_published_crop_has_no_metadata_and_no_run_of_the_original_bytes(
    seized: Seized,
) -> None:
    original = seized.picture.read_bytes()
    assert MARKER in original and b"ICC_PROFILE" in original  # there is something to leak
    number = propose(seized)
    crop = seized.workbench.publication_crop(str(number))

    assert set(png_chunks(crop)) <= ALLOWED_CHUNKS
    image = Image.open(io.BytesIO(crop))
    assert not image.info and not image.getexif()
    assert MARKER not in crop and b"TestCam" not in crop
    assert not long_run_shared(original, crop)
    _, _, width, height = OBJECT_BOX
    assert image.size == (round(width * 0.75), round(height * 0.75))  # reduced resolution


def test_a_crop_larger_than_a_quarter_of_the_picture_is_refused(seized: Seized) -> None:
    with pytest.raises(CropRefused, match="covers 44% of the picture"):
        propose(seized, box="0,0,800,600")
    assert seized.workbench.publications() == []


def test_a_crop_showing_a_person_like_figure_is_refused_and_audited(
    seized: Seized, tmp_path: Path
) -> None:
    wb = seized.workbench
    folder = tmp_path / "second"
    folder.mkdir()
    picture, box = figure_picture()
    (folder / "figure.jpg").write_bytes(metadata_jpeg(picture))
    wb.ingest(CASE, [folder])
    import hashlib

    sha256 = hashlib.sha256((folder / "figure.jpg").read_bytes()).hexdigest()
    with pytest.raises(CropRefused, match="person may be visible.*HOG people detector"):
        wb.propose_publication(CASE, sha256, box, "other", "A figure", "Who?", actor="anna")
    assert wb.publications() == []
    assert wb.audit_verify().ok


def test_the_author_cannot_approve_and_the_approver_must_confirm_no_person(
    seized: Seized,
) -> None:
    wb = seized.workbench
    number = str(propose(seized, author="anna"))
    with pytest.raises(PublicationRefused, match="anna proposed publication .* cannot approve"):
        wb.approve_publication(number, actor="anna", no_person_visible=True)
    with pytest.raises(PublicationRefused, match="confirm that no person is visible"):
        wb.approve_publication(number, actor="ben", no_person_visible=False)
    assert wb.publications(status="proposed")[0].approver is None

    approved = wb.approve_publication(number, actor="ben", no_person_visible=True)
    assert (approved.status, approved.author, approved.approver) == ("approved", "anna", "ben")
    with pytest.raises(PublicationRefused, match="only a proposal is approved"):
        wb.approve_publication(number, actor="carla", no_person_visible=True)


def trusting_portal(wb_home: Path, tmp_path: Path, bundle: Path) -> PortalSettings:
    data = tmp_path / "portal-data"
    (data / "trusted").mkdir(parents=True)
    shutil.copy(wb_home / "publication.pub", data / "trusted" / "publication.pub")
    return PortalSettings.create(bundle, data)


def test_the_export_is_accepted_by_the_portal_and_a_tampered_one_is_refused(
    seized: Seized, tmp_path: Path
) -> None:
    wb = seized.workbench
    number = str(propose(seized))
    not_approved = propose(seized, box="100,100,200,150")
    approved = wb.approve_publication(number, actor="ben", no_person_visible=True)

    out = tmp_path / "bundle"
    exported = wb.export_publications(out, actor="ben")
    assert exported.public_ids == (approved.public_id,)
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == [
        f"crops/{approved.public_id}.png",
        "manifest.json",
        "manifest.sig",
        "objects.json",
    ]
    everything = b"".join((out / name).read_bytes() for name in files)
    for private in (seized.sha256.encode(), CASE.encode(), b"anna", b"ben", MARKER):
        assert private not in everything
    [waiting] = [p for p in wb.publications() if p.id == not_approved]
    assert waiting.public_id.encode() not in everything

    publication = load_publication(trusting_portal(wb.settings.home, tmp_path, out))
    [published] = publication.objects
    assert (published.id, published.object_type.value) == (approved.public_id, "toy")
    assert published.text("en").question == "Where is this toy car sold?"
    assert published.crop_png == wb.publication_crop(number)

    crop = out / "crops" / f"{approved.public_id}.png"
    crop.write_bytes(crop.read_bytes()[:-12] + b"\x00" * 12)
    with pytest.raises(BundleRefused, match="does not match its SHA-256"):
        load_publication(trusting_portal(wb.settings.home, tmp_path / "again", out))


def test_a_withdrawn_object_is_left_out_of_the_next_export(seized: Seized, tmp_path: Path) -> None:
    wb = seized.workbench
    first = wb.approve_publication(str(propose(seized)), actor="ben", no_person_visible=True)
    second_number = propose(seized, box="100,100,200,150")
    second = wb.approve_publication(str(second_number), actor="ben", no_person_visible=True)
    assert set(wb.export_publications(tmp_path / "one", actor="ben").public_ids) == {
        first.public_id,
        second.public_id,
    }
    withdrawn = wb.withdraw_publication(first.public_id, actor="anna", reason="tip-off risk")
    assert (withdrawn.status, withdrawn.withdrawn_by) == ("withdrawn", "anna")
    assert wb.export_publications(tmp_path / "two", actor="ben").public_ids == (second.public_id,)
    objects = json.loads((tmp_path / "two" / "objects.json").read_bytes())
    assert [o["id"] for o in objects] == [second.public_id]
    with pytest.raises(PublicationRefused, match="already withdrawn"):
        wb.withdraw_publication(str(first.id), actor="ben")
    with pytest.raises(PublicationRefused, match="is withdrawn; only a proposal"):
        wb.approve_publication(str(first.id), actor="carla", no_person_visible=True)


def test_an_export_refuses_a_crop_changed_in_the_home(seized: Seized, tmp_path: Path) -> None:
    wb = seized.workbench
    number = str(propose(seized))
    wb.approve_publication(number, actor="ben", no_person_visible=True)
    [blob] = (wb.settings.blob_dir / "crops").rglob("*.png")
    blob.chmod(0o644)
    blob.write_bytes(blob.read_bytes() + b"x")
    with pytest.raises(PublicationRefused, match="has changed since it was approved"):
        wb.export_publications(tmp_path / "out", actor="ben")
    assert not (tmp_path / "out" / "manifest.json").exists()
