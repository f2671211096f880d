"""The PDQ index as a cache of the database: labels, catching up, rebuilding."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from matching_helpers import ingest_folder, new_case, pictures, robust_copies, write_folder
from sqlalchemy import insert

from vidi.config import Settings
from vidi.matching import KnownIndex, lookup_pdq
from vidi.matching.known_index import STATE_FILE
from vidi.matching.labels import (
    LabelKind,
    decode_label,
    entry_label,
    frame_label,
    media_label,
)
from vidi.store.db import Database
from vidi.store.models import Media


def test_labels_say_where_a_hash_came_from() -> None:
    sha = "ab" * 32
    assert decode_label(media_label(sha)).kind is LabelKind.MEDIA
    assert decode_label(media_label(sha)).sha256_prefix == sha[:15]
    assert decode_label(frame_label(42)) == decode_label(frame_label(42))
    assert decode_label(frame_label(42)).payload == 42
    assert decode_label(entry_label(7)).kind is LabelKind.ENTRY
    assert len({media_label(sha), frame_label(1), entry_label(1)}) == 3


def stored_case(db: Database, settings: Settings, tmp_path: Path) -> dict[str, Path]:
    original = pictures(11, 1)[0]
    paths = write_folder(tmp_path / "s", {"o": original, **robust_copies(original)})
    new_case(db, "c")
    ingest_folder(db, settings, "c", tmp_path / "s")
    return paths


def near_shas(db: Database, settings: Settings, pdq: str) -> set[str]:
    return {h.sha256 for h in lookup_pdq(db, settings, pdq).hits if h.sha256}


def a_pdq(settings: Settings, path: Path) -> str:
    from vidi.media.examine import examine

    facts = examine(path, settings).picture
    assert facts is not None
    return facts.pdq


def test_a_deleted_index_is_rebuilt_from_the_database(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    paths = stored_case(db, settings, tmp_path)
    pdq = a_pdq(settings, paths["o"])
    before = near_shas(db, settings, pdq)
    assert len(before) == len(paths)
    shutil.rmtree(settings.index_dir)
    with KnownIndex.open(db, settings, sync=False) as index:
        assert len(index) == 0
        report = index.sync(db)
        assert report.rebuilt and len(index) == len(paths)
    assert near_shas(db, settings, pdq) == before


def test_an_index_behind_the_database_catches_up_without_a_rebuild(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    paths = stored_case(db, settings, tmp_path)
    pdq = a_pdq(settings, paths["o"])
    with db.session() as session:  # as if an ingest stored media and died before matching
        session.execute(
            insert(Media),
            [
                {
                    "sha256": "f" * 64,
                    "md5": "0" * 32,
                    "sha1": "0" * 40,
                    "media_type": "image",
                    "format": "jpeg",
                    "size": 1,
                    "pdq": pdq,
                    "pdq_quality": 100,
                }
            ],
        )
        from vidi.store.models import IngestRun

        session.execute(insert(IngestRun), [{"case_id": 1, "media_new": 1}])
    with KnownIndex.open(db, settings, sync=False) as index:
        report = index.sync(db)
        assert (report.rebuilt, report.added, len(index)) == (False, 1, len(paths) + 1)
    assert "f" * 64 in near_shas(db, settings, pdq)


def test_media_committed_late_with_an_older_stamp_are_found(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    from datetime import timedelta

    from vidi.store.models import IngestRun, utcnow

    paths = stored_case(db, settings, tmp_path)
    pdq = a_pdq(settings, paths["o"])
    with db.session() as session:  # a concurrent ingest's row, stamped before the last indexed
        session.execute(
            insert(Media),
            [
                {
                    "sha256": "e" * 64,
                    "md5": "0" * 32,
                    "sha1": "0" * 40,
                    "media_type": "image",
                    "format": "jpeg",
                    "size": 1,
                    "pdq": pdq,
                    "pdq_quality": 100,
                    "first_seen_at": utcnow() - timedelta(minutes=2),
                }
            ],
        )
        session.execute(insert(IngestRun), [{"case_id": 1, "media_new": 1}])
    with KnownIndex.open(db, settings, sync=False) as index:
        report = index.sync(db)
        assert (report.rebuilt, len(index)) == (False, len(paths) + 1)
    assert "e" * 64 in near_shas(db, settings, pdq)


def test_a_state_file_that_disagrees_with_the_index_forces_a_rebuild(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    paths = stored_case(db, settings, tmp_path)
    state_path = settings.index_dir / STATE_FILE
    state = json.loads(state_path.read_text())
    state["rows"] -= 1  # a crash between adding to the index and writing the state
    state_path.write_text(json.dumps(state))
    with KnownIndex.open(db, settings, sync=False) as index:
        report = index.sync(db)
        assert report.rebuilt and len(index) == len(paths)
    with KnownIndex.open(db, settings, sync=False) as index:
        assert index.sync(db).rebuilt is False
