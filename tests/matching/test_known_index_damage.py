"""A damaged PDQ index or state file is rebuilt from the database, with one notice.

Each damage below made ``lookup`` miss media it holds at distance 0, or raised on every
command, before the index files carried checksums.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from matching_helpers import ingest_folder, new_case, pictures, robust_copies, write_folder
from sqlalchemy import select

from vidi.config import Settings
from vidi.matching import lookup_pdq
from vidi.matching.known_index import PDQ_DIR, STATE_FILE
from vidi.matching.labels import media_label
from vidi.notices import LOGGER
from vidi.store.db import Database
from vidi.store.models import Match, Media


def only(directory: Path, pattern: str) -> Path:
    [path] = directory.glob(pattern)
    return path


def invert(path: Path, needle: bytes | None = None) -> None:
    """Invert 8 bytes where ``needle`` lies in the file, or its last 8 (a bad sector)."""
    data = bytearray(path.read_bytes())
    at = data.index(needle) if needle else len(data) - 8
    data[at : at + 8] = bytes(b ^ 0xFF for b in data[at : at + 8])
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


Damage = Callable[[Path, str, str], None]
"""(index directory, the media's SHA-256, its PDQ) -> damage done on disk."""

DAMAGES: dict[str, Damage] = {
    "hashes.npy inverted": lambda d, sha, pdq: invert(
        only(d / PDQ_DIR, "g*.hashes.npy"), bytes.fromhex(pdq)
    ),
    "ids.npy inverted": lambda d, sha, pdq: invert(
        only(d / PDQ_DIR, "g*.ids.npy"), np.int64(media_label(sha)).tobytes()
    ),
    "segment table inverted": lambda d, sha, pdq: invert(only(d / PDQ_DIR, "g*.s0.rows.npy")),
    "hashes.npy truncated": lambda d, sha, pdq: truncate(only(d / PDQ_DIR, "g*.hashes.npy")),
    "ids.npy deleted": lambda d, sha, pdq: only(d / PDQ_DIR, "g*.ids.npy").unlink(),
    "index.json garbage": lambda d, sha, pdq: (d / PDQ_DIR / "index.json").write_text("{]x"),
    "sync.json garbage": lambda d, sha, pdq: (d / STATE_FILE).write_bytes(b"\x00garbage"),
}


@pytest.fixture(params=["sqlite", "postgresql"])
def store(
    request: pytest.FixtureRequest, settings: Settings
) -> Iterator[tuple[Database, Settings]]:
    if request.param == "postgresql":
        settings = settings.with_changes(database_url=request.getfixturevalue("postgres_url"))
    database = Database(settings.database_url)
    yield database, settings
    database.close()


def a_stored_picture(db: Database, settings: Settings, folder: Path) -> tuple[str, str]:
    """Ingest one picture and a near copy; returns the picture's SHA-256 and PDQ."""
    original = pictures(23, 1)[0]
    write_folder(folder, {"o": original, "q": robust_copies(original)["jpeg_q60"]})
    new_case(db, "c")
    ingest_folder(db, settings, "c", folder)
    with db.session() as session:
        sha, pdq = session.execute(
            select(Media.sha256, Media.pdq).where(Media.size == (folder / "o.jpg").stat().st_size)
        ).one()
    return sha, pdq


def notices(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_index_is_rebuilt_and_still_finds_the_media_at_distance_0(
    db: Database,
    settings: Settings,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    damage: str,
) -> None:
    sha, pdq = a_stored_picture(db, settings, tmp_path / "s")
    DAMAGES[damage](settings.index_dir, sha, pdq)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        hits = lookup_pdq(db, settings, pdq).hits
    assert (sha, 0) in {(h.sha256, h.distance) for h in hits}
    [line] = notices(caplog)
    assert "rebuilt from the database (2 hashes)" in line and "\n" not in line
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert (sha, 0) in {(h.sha256, h.distance) for h in lookup_pdq(db, settings, pdq).hits}
    assert notices(caplog) == []  # the rebuilt index is trusted again


def test_the_notice_names_the_file_and_what_was_wrong(
    db: Database, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sha, pdq = a_stored_picture(db, settings, tmp_path / "s")
    DAMAGES["hashes.npy inverted"](settings.index_dir, sha, pdq)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        lookup_pdq(db, settings, pdq)
    [line] = notices(caplog)
    assert ".hashes.npy failed its checksum" in line
    assert str(settings.index_dir / PDQ_DIR) in line


def test_an_ingest_after_damage_completes_and_matches_through_the_rebuilt_index(
    store: tuple[Database, Settings], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db, settings = store
    sha, pdq = a_stored_picture(db, settings, tmp_path / "s")
    DAMAGES["hashes.npy inverted"](settings.index_dir, sha, pdq)
    later = write_folder(tmp_path / "later", {"r": robust_copies(pictures(23, 1)[0])["jpeg_q90"]})
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        summary = ingest_folder(db, settings, "c", tmp_path / "later")
    assert summary.ingest.media_new == 1
    assert len(notices(caplog)) == 1
    new = hashlib.sha256(later["r"].read_bytes()).hexdigest()
    with db.session() as session:
        matched = set(session.scalars(select(Match.other_sha256).where(Match.media_sha256 == new)))
    assert sha in matched


def test_the_first_build_of_an_empty_index_is_silent(
    db: Database, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        a_stored_picture(db, settings, tmp_path / "s")
    assert notices(caplog) == []
