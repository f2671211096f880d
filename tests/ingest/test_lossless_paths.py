"""Files whose names look alike (a newline and its escape spelled out) are all stored, once."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from vidi.cases import create_case
from vidi.config import Settings
from vidi.ingest.pipeline import ingest
from vidi.report import build_report
from vidi.sources.locate import Place
from vidi.sources.names import decode_name
from vidi.store.db import Database
from vidi.store.models import IngestError, Media, Occurrence, Source
from vidi_testing import jpeg_bytes, scene

FOLDER_NAMES = [b"a\nb.img", b"a\\x0ab.img", b"c\x80d", b"c\\x80d"]
ZIP_NAMES = [b"caf\x82.jpg", b"caf\xc3\xa9.jpg", b"caf\\x82.jpg", b"e\nf.jpg", b"e\\x0af.jpg"]
TAR_NAMES = [b"g\x01h.jpg", b"g\\x01h.jpg", b"i\\\\j.jpg", b"i\\j.jpg"]


@pytest.fixture(params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, settings: Settings
) -> Iterator[tuple[Database, Settings]]:
    if request.param == "postgresql":
        settings = settings.with_changes(database_url=request.getfixturevalue("postgres_url"))
    db = Database(settings.database_url)
    with db.session() as session:
        create_case(session, "names")
    yield db, settings
    db.close()


def _zip_with_raw_names(names: dict[bytes, bytes]) -> bytes:
    """A ZIP whose member names are these exact bytes, without the UTF-8 flag."""
    placeholders = {bytes([ord("G") + number]) * len(raw): raw for number, raw in enumerate(names)}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for placeholder, raw in placeholders.items():
            archive.writestr(placeholder.decode(), names[raw])
    data = buffer.getvalue()
    for placeholder, raw in placeholders.items():
        data = data.replace(placeholder, raw)
    return data


def _tar(names: dict[bytes, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for raw, data in names.items():
            info = tarfile.TarInfo(os.fsdecode(raw))
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _seizure(root: Path) -> Path:
    """Look-alike names in a folder, a ZIP and a TAR; every file a different picture."""
    root.mkdir()
    pictures = (jpeg_bytes(scene(number)) for number in range(100))
    for name in FOLDER_NAMES:
        with open(os.path.join(os.fsencode(root), name), "wb") as out:
            out.write(next(pictures))
    (root / "album.zip").write_bytes(_zip_with_raw_names({n: next(pictures) for n in ZIP_NAMES}))
    (root / "names.tar").write_bytes(_tar({n: next(pictures) for n in TAR_NAMES}))
    return root


def _count(db: Database, model: type) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_look_alike_names_are_all_stored_once_counted_and_give_back_their_bytes(
    tmp_path: Path, database: tuple[Database, Settings]
) -> None:
    db, settings = database
    seizure = _seizure(tmp_path / "seizure")
    files = len(FOLDER_NAMES) + len(ZIP_NAMES) + len(TAR_NAMES) + 2  # and the two archives
    first = ingest(db, settings, "names", [seizure])
    assert first.files_seen == files and first.errors == 0
    assert _count(db, Occurrence) == files
    assert _count(db, IngestError) == 0
    with db.session() as session:
        report = build_report(session, "names")
        orphans = session.scalar(
            select(func.count())
            .select_from(Media)
            .where(~Media.sha256.in_(select(Occurrence.media_sha256)))
        )
    assert report.files == files and report.unique_media == files - 2
    assert orphans == 0
    again = ingest(db, settings, "names", [seizure])
    assert again.files_seen == 0 and again.files_skipped == files
    assert _count(db, Occurrence) == files
    _assert_raw_names_come_back(db)


def _assert_raw_names_come_back(db: Database) -> None:
    with db.session() as session:
        rows = session.execute(
            select(Occurrence.path, Occurrence.archive_chain, Occurrence.sha256, Source.uri).join(
                Source
            )
        ).all()
    by_chain: dict[tuple[str, ...], set[bytes]] = {}
    for path, chain, _sha256, _uri in rows:
        raw = decode_name(path).encode("utf-8", "surrogateescape")
        by_chain.setdefault(tuple(chain), set()).add(raw)
    assert by_chain[()] == {*FOLDER_NAMES, b"album.zip", b"names.tar"}
    assert by_chain[("album.zip",)] == set(ZIP_NAMES)
    assert by_chain[("names.tar",)] == set(TAR_NAMES)
    for path, chain, sha256, uri in rows:
        if not chain:
            direct = Place(sha256, uri, "folder", path, ()).direct_path()
            assert direct is not None and direct.is_file()
