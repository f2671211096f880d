"""VICS as other tools write and read it: PDQ in AlternativeHashes, exports that re-import."""

from __future__ import annotations

import json
import logging
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from matching_helpers import (
    described,
    ingest_folder,
    new_case,
    pictures,
    robust_copies,
    write_folder,
)
from sqlalchemy import select

from vidi.config import Settings
from vidi.matching import export_case, import_hashlist
from vidi.notices import LOGGER as NOTICE_LOGGER
from vidi.report import build_report
from vidi.store.db import Database
from vidi.store.models import HashListEntry, Match, Media

CONTEXT_20 = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Cases"


@pytest.fixture(params=["sqlite", "postgres"])
def store(
    request: pytest.FixtureRequest, settings: Settings
) -> Iterator[tuple[Database, Settings]]:
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        settings = settings.with_changes(database_url=url)
    database = Database(settings.database_url)
    yield database, settings
    database.close()


def vics_file(path: Path, media: list[dict[str, Any]]) -> Path:
    doc = {"@odata.context": CONTEXT_20, "value": [{"CaseID": "partner-7", "Media": media}]}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_pdq_in_alternative_hashes_finds_transformed_copies(
    store: tuple[Database, Settings], tmp_path: Path
) -> None:
    db, settings = store
    originals = pictures(41, 10)
    listed = write_folder(tmp_path / "listed", {f"p{i}": im for i, im in enumerate(originals)})
    facts = described(settings, listed.values())
    media = [
        {
            "MediaID": number,
            "Category": 1,
            "MD5": fact["md5"].upper(),
            "AlternativeHashes": [
                {"HashName": "PDQ" if number % 2 else "pdq", "HashValue": fact["pdq"]}
            ],
        }
        for number, fact in enumerate(facts)
    ]
    result = import_hashlist(db, settings, vics_file(tmp_path / "l.json", media), "partner")
    assert (result.entries, result.indexed, result.warnings) == (10, 10, ())

    edits = ("resize_50", "jpeg_q30")
    copies = {f"c{i}": robust_copies(im)[edits[i % 2]] for i, im in enumerate(originals)}
    write_folder(tmp_path / "seized", copies)
    new_case(db, "seized")
    ingest_folder(db, settings, "seized", tmp_path / "seized")

    with db.session() as session:
        found = session.scalars(
            select(Match.hashlist_entry_id).where(Match.kind == "pdq").distinct()
        ).all()
        known = build_report(session, "seized").to_dict()["sections"]["known"]
    assert len(found) == 10
    assert known["near_known"] == 10 and known["new"] == 0


def test_a_list_without_perceptual_hashes_is_imported_with_a_warning(
    db: Database, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    media = [{"MD5": f"{n:032x}", "Category": 1} for n in range(3)]
    with caplog.at_level(logging.WARNING, logger=NOTICE_LOGGER):
        result = import_hashlist(db, settings, vics_file(tmp_path / "l.json", media), "md5s")
    assert result.entries == 3 and result.indexed == 0
    [warning] = result.warnings
    assert "no perceptual (PDQ) hashes" in warning and "'md5s'" in warning
    assert warning in caplog.messages


def test_an_export_reimports_with_every_hash_and_every_file(
    store: tuple[Database, Settings], tmp_path: Path
) -> None:
    db, settings = store
    first, second = pictures(43, 2)
    seized = tmp_path / "seized"
    paths = write_folder(seized, {"a": first, "b": second})
    (seized / "x").mkdir()
    with zipfile.ZipFile(seized / "x" / "b.zip", "w") as archive:
        archive.writestr("inner/a-copy.jpg", paths["a"].read_bytes())
    new_case(db, "op")
    ingest_folder(db, settings, "op", seized)

    out1, out2 = tmp_path / "e1.json", tmp_path / "e2.json"
    assert export_case(db, "op", "vics", out1) == 2
    assert export_case(db, "op", "vics", out2) == 2
    doc1, doc2 = (json.loads(p.read_text(encoding="utf-8")) for p in (out1, out2))
    case_id = doc1["value"][0]["CaseID"]
    assert case_id and case_id == doc2["value"][0]["CaseID"]

    [fact_a] = described(settings, [paths["a"]])
    by_md5 = {m["MD5"].lower(): m for m in doc1["value"][0]["Media"]}
    record = by_md5[fact_a["md5"]]
    assert sorted(f["RelativeFilePath"] for f in record["MediaFiles"]) == [
        "a.jpg",
        "x/b.zip/inner/a-copy.jpg",
    ]
    assert {f["FileName"] for f in record["MediaFiles"]} == {"a.jpg", "a-copy.jpg"}
    assert record["RelativeFilePath"] in ("a.jpg", "x/b.zip/inner/a-copy.jpg")

    result = import_hashlist(db, settings, out1, "re-import")
    assert (result.entries, result.indexed) == (2, 2)
    with db.session() as session:
        stored = {(m.md5, m.sha1, m.sha256, m.pdq) for m in session.scalars(select(Media))}
        entries = {(e.md5, e.sha1, e.sha256, e.pdq) for e in session.scalars(select(HashListEntry))}
    assert all(None not in hashes for hashes in stored)
    assert entries == stored
