"""Matching media against hash lists and earlier cases: exact, near, quality, report."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from matching_helpers import (
    ROBUST,
    csv_list,
    described,
    ingest_folder,
    new_case,
    pictures,
    robust_copies,
    write_folder,
)
from PIL import Image
from sqlalchemy import select

from vidi.config import Settings
from vidi.matching import import_hashlist, match_case
from vidi.report import build_report
from vidi.store.db import Database
from vidi.store.models import HashListEntry, Match, Media


def matches_of(db: Database, sha256: str) -> list[Match]:
    with db.session() as session:
        return list(session.scalars(select(Match).where(Match.media_sha256 == sha256)))


def test_exact_matches_by_md5_sha1_and_sha256(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    images = dict(zip("abcd", pictures(1, 4), strict=True))
    paths = write_folder(tmp_path / "seizure", images)
    a, b, c, _d = described(settings, paths.values())
    csv_list(tmp_path / "l1.csv", [{"md5": a["md5"], "category": "csam"}])
    csv_list(tmp_path / "l2.csv", [{"sha1": b["sha1"], "category": "exploitive"}])
    csv_list(tmp_path / "l3.csv", [{"sha256": c["sha256"], "category": "comparison"}])
    for n in (1, 2, 3):
        import_hashlist(db, settings, tmp_path / f"l{n}.csv", f"list-{n}")
    new_case(db, "kite")
    summary = ingest_folder(db, settings, "kite", tmp_path / "seizure")
    assert summary.match.matches == 3
    for item, kind, category in (
        (a, "md5", "csam"),
        (b, "sha1", "exploitive"),
        (c, "sha256", "comparison"),
    ):
        found = matches_of(db, item["sha256"])
        assert [(m.kind, m.distance, m.category) for m in found] == [(kind, 0.0, category)]
        assert found[0].hashlist_entry_id is not None
    assert matches_of(db, _d["sha256"]) == []


def test_transformed_copies_match_within_radius_and_unrelated_do_not(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    original, *unrelated = pictures(2, 4)
    write_folder(tmp_path / "first", {"original": original})
    copies = write_folder(
        tmp_path / "second",
        {**robust_copies(original), **{f"other{i}": im for i, im in enumerate(unrelated)}},
    )
    new_case(db, "first", "second")
    ingest_folder(db, settings, "first", tmp_path / "first")
    ingest_folder(db, settings, "second", tmp_path / "second")
    [source] = described(settings, [tmp_path / "first" / "original.jpg"])
    by_name = {
        name: d["sha256"]
        for name, d in zip(copies, described(settings, copies.values()), strict=True)
    }
    for name in ROBUST:
        near = {m.other_sha256: m for m in matches_of(db, by_name[name]) if m.kind == "pdq"}
        assert source["sha256"] in near, name
        assert near[source["sha256"]].distance <= settings.match.pdq_radius
    for i in range(3):
        others = {m.other_sha256 for m in matches_of(db, by_name[f"other{i}"])}
        assert source["sha256"] not in others
        assert not others & {by_name[n] for n in ROBUST}
    with db.session() as session:
        report = build_report(session, "second")
    known = report.to_dict()["sections"]["known"]
    assert (known["near_known"], known["new"], known["known"]) == (len(ROBUST), 3, 0)


def flat(shade: int) -> Image.Image:
    return Image.new("RGB", (256, 256), (shade, shade, shade))


def test_low_quality_hashes_are_not_matched(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    paths = write_folder(tmp_path / "s", {"grey": flat(120), "greyer": flat(124)})
    grey, greyer = described(settings, paths.values())
    assert grey["pdq_quality"] < settings.match.pdq_min_quality
    csv_list(tmp_path / "l.csv", [{"pdq": grey["pdq"], "category": "csam"}])
    import_hashlist(db, settings, tmp_path / "l.csv", "l")
    new_case(db, "c")
    ingest_folder(db, settings, "c", tmp_path / "s")
    assert matches_of(db, grey["sha256"]) == [] and matches_of(db, greyer["sha256"]) == []


@pytest.mark.parametrize("unrelated_pdqs", [0, 20])
def test_a_list_imported_later_finds_stored_media_and_match_is_idempotent(
    db: Database, settings: Settings, tmp_path: Path, unrelated_pdqs: int
) -> None:
    """With more list PDQs than stored media the search runs from the media side."""
    original = pictures(3, 1)[0]
    copies = write_folder(tmp_path / "s", {"o": original, **robust_copies(original)})
    items = described(settings, copies.values())
    new_case(db, "c")
    ingest_folder(db, settings, "c", tmp_path / "s")
    csv_list(
        tmp_path / "l.csv",
        [
            {"pdq": items[0]["pdq"], "category": "exploitive"},
            {"md5": items[1]["md5"], "category": "csam"},
            *({"pdq": hashlib.sha256(bytes([n])).hexdigest()} for n in range(unrelated_pdqs)),
        ],
    )
    result = import_hashlist(db, settings, tmp_path / "l.csv", "later")
    assert result.matches >= len(copies) + 1
    with db.session() as session:
        before = sorted(
            (m.media_sha256, m.kind, m.hashlist_entry_id or 0, m.other_sha256 or "", m.distance)
            for m in session.scalars(select(Match))
        )
    match_case(db, settings, "c")
    match_case(db, settings, "c")
    with db.session() as session:
        after = sorted(
            (m.media_sha256, m.kind, m.hashlist_entry_id or 0, m.other_sha256 or "", m.distance)
            for m in session.scalars(select(Match))
        )
        report = build_report(session, "c").to_dict()["sections"]["known"]
    assert after == before
    assert report["known"] == 1 and report["known_by_category"] == {"csam": 1}
    assert report["near_known"] == len(copies) - 1 and report["new"] == 0


def test_media_of_an_earlier_case_are_known_in_a_later_one(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    a, b = pictures(4, 2)
    write_folder(tmp_path / "one", {"a": a, "b": b})
    write_folder(tmp_path / "two", {"a": a, "a-copy": robust_copies(a)["jpeg_q60"]})
    new_case(db, "one", "two")
    ingest_folder(db, settings, "one", tmp_path / "one")
    ingest_folder(db, settings, "two", tmp_path / "two")
    with db.session() as session:
        known = build_report(session, "two").to_dict()["sections"]["known"]
        first_cases = dict(session.execute(select(Media.sha256, Media.first_case_id)).all())
    assert known["known"] == 1 and known["seen_in_earlier_cases"] == 1
    assert known["near_known"] == 1 and known["new"] == 0
    assert sorted(first_cases.values()) == [1, 1, 2]


def test_ignorable_files_and_media_are_counted(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "s"
    paths = write_folder(folder, {"wallpaper": pictures(5, 1)[0]})
    (folder / "readme.txt").write_text("a harmless system file\n")
    (folder / "notes.txt").write_text("something else\n")
    items = described(settings, [paths["wallpaper"], folder / "readme.txt"])
    (tmp_path / "nsrl.txt").write_text("".join(f"{d['sha1']}  x\n" for d in items))
    import_hashlist(db, settings, tmp_path / "nsrl.txt", "nsrl", format="nsrl")
    new_case(db, "c")
    ingest_folder(db, settings, "c", folder)
    with db.session() as session:
        known = build_report(session, "c").to_dict()["sections"]["known"]
        assert session.scalar(select(HashListEntry.category)) == "ignorable"
    assert (known["ignorable_media"], known["ignorable_files"], known["new"]) == (1, 1, 0)
