"""One clue shape from extractor to store to fusion: regions typed, JSON as it was stored."""

from __future__ import annotations

from pathlib import Path

from vidi.clues.runner import Outcome, clue_row
from vidi.estimates import stored_clue
from vidi.places.clue import Clue, ClueEvidence, Region
from vidi.places.kinds import CLUE_KINDS, EVIDENCE_KINDS
from vidi.results import StoredClue
from vidi.store.blobs import BlobStore


def test_a_region_reads_back_in_the_shape_it_was_stored() -> None:
    found = {"x": 10, "y": 20, "width": 30, "height": 40}
    drawn = {"x": 1, "y": 2, "w": 3, "h": 4}
    span = {"start_s": 1.5, "end_s": 3.25}
    for stored in (found, drawn, span):
        region = Region.from_stored(stored)
        assert region is not None and region.to_dict() == stored
    assert Region.from_stored(found) == Region(10, 20, 30, 40)
    assert Region.from_stored(drawn) == Region(1, 2, 3, 4, drawn=True)
    assert Region.from_stored(drawn).box == (1, 2, 3, 4)  # type: ignore[union-attr]
    assert Region.from_stored(span).box is None  # type: ignore[union-attr]
    assert Region.from_stored(None) is None and Region.from_stored({}) is None


def test_a_found_clue_is_stored_and_read_back_as_the_same_clue(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    found = Clue(
        "exif_thumbnail_differs",
        "40",
        0.9,
        Region(x=5, y=6, width=7, height=8),
        {"distance": 40, "thumbnail_size": [160, 120]},
        blob=b"\xff\xd8 a thumbnail",
    )
    row = clue_row("ab" * 32, Outcome("exif", "3"), found, blobs)
    assert row.region == {"x": 5, "y": 6, "width": 7, "height": 8}
    key = row.detail["thumbnail"]  # the bytes went to the blob store, their key to detail
    assert blobs.path(key).read_bytes() == b"\xff\xd8 a thumbnail"
    assert not any(isinstance(v, bytes) for v in row.detail.values())
    again = stored_clue(row)
    assert (again.kind, again.value, again.confidence, again.region) == (
        found.kind,
        found.value,
        found.confidence,
        found.region,
    )
    assert again.detail == {"distance": 40, "thumbnail_size": [160, 120], "thumbnail": key}


def test_a_stored_clue_prints_the_json_it_always_did() -> None:
    clue = Clue("country", "NL", 1.0, Region(1, 2, 3, 4, drawn=True), {"note": "a plug"})
    assert StoredClue(7, "investigator", "1", clue, "alice").to_dict() == {
        "id": 7,
        "extractor": "investigator",
        "version": "1",
        "kind": "country",
        "value": "NL",
        "confidence": 1.0,
        "region": {"x": 1, "y": 2, "w": 3, "h": 4},
        "author": "alice",
        "detail": {"note": "a plug"},
    }
    bare = StoredClue(8, "exif", "3", Clue("camera_make", "Benign Cam"), None).to_dict()
    assert (bare["region"], bare["detail"]) == (None, None)


def test_evidence_is_a_clue_in_a_role_and_every_fused_kind_is_a_clue_kind() -> None:
    evidence = ClueEvidence(Clue("language", "pl", 0.8), "clue #1")
    assert (evidence.kind, evidence.value, evidence.confidence) == ("language", "pl", 0.8)
    assert EVIDENCE_KINDS.issubset(CLUE_KINDS)
