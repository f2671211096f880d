"""Migration 0003 rewrites places stored in the old, ambiguous form, so nothing is stored twice."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from vidi.config import Settings
from vidi.ingest.pipeline import ingest
from vidi.sources.base import path_key
from vidi.sources.names import decode_name, encode_name
from vidi.store.db import Database, alembic_config, make_engine

# Raw name -> the text the code before 0003 stored for it.
OLD_TEXTS = {
    b"plain.jpg": "plain.jpg",
    b"a\nb.jpg": "a\\x0ab.jpg",
    b"two\\\\back.jpg": "two\\\\back.jpg",
    b"e\\\x01.jpg": "e\\\\x01.jpg",
    b"drivers\\x64.jpg": "drivers\\x64.jpg",
}

_NOW = datetime.now(UTC)
_case = sa.table("case", sa.column("id"), sa.column("name"), sa.column("created_at"))
_source = sa.table(
    "source",
    *(sa.column(name) for name in ("id", "case_id", "uri", "kind", "added_at")),
)
_place_columns = ("source_id", "path", "path_key", "created_at")
_occurrence = sa.table(
    "occurrence",
    sa.column("archive_chain", sa.JSON),
    *(sa.column(name) for name in (*_place_columns, "size", "md5", "sha1", "sha256", "file_type")),
)
_error = sa.table(
    "ingest_error",
    sa.column("archive_chain", sa.JSON),
    *(sa.column(name) for name in (*_place_columns, "stage", "reason")),
)


def _old_rows(folder: Path) -> tuple[list[dict], list[dict]]:
    occurrences = []
    for raw, text in OLD_TEXTS.items():
        data = (folder / os.fsdecode(raw)).read_bytes()
        occurrences.append(
            {
                "source_id": 1,
                "path": text,
                "archive_chain": [],
                "path_key": path_key(text, ()),
                "created_at": _NOW,
                "size": len(data),
                "md5": hashlib.md5(data).hexdigest(),
                "sha1": hashlib.sha1(data).hexdigest(),
                "sha256": hashlib.sha256(data).hexdigest(),
                "file_type": "other",
            }
        )
    chain = ["x\\\\y.zip"]
    error = {
        "source_id": 1,
        "path": "in\\\\side.jpg",
        "archive_chain": chain,
        "path_key": path_key("in\\\\side.jpg", tuple(chain)),
        "created_at": _NOW,
        "stage": "enumerate",
        "reason": "corrupt-archive",
    }
    return occurrences, [error]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_old_places_are_rewritten_and_a_reingest_adds_nothing(
    request: pytest.FixtureRequest, tmp_path: Path, settings: Settings, backend: str
) -> None:
    if backend == "postgresql":
        settings = settings.with_changes(database_url=request.getfixturevalue("postgres_url"))
    folder = tmp_path / "seizure"
    folder.mkdir()
    for number, raw in enumerate(OLD_TEXTS):
        with open(os.path.join(os.fsencode(folder), raw), "wb") as out:
            out.write(b"not a picture %d" % number)
    engine = make_engine(settings.database_url)
    config = alembic_config(settings.database_url)
    occurrences, errors = _old_rows(folder)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        connection.execute(sa.insert(_case), [{"id": 1, "name": "old", "created_at": _NOW}])
        source = {"id": 1, "case_id": 1, "uri": str(folder.resolve()), "kind": "folder"}
        connection.execute(sa.insert(_source), [{**source, "added_at": _NOW}])
        connection.execute(sa.insert(_occurrence), occurrences)
        connection.execute(sa.insert(_error), errors)
        command.upgrade(config, "0003")
        command.downgrade(config, "0002")
        old = connection.execute(sa.select(_occurrence.c.path, _occurrence.c.path_key)).all()
        command.upgrade(config, "0003")
        stored = connection.execute(sa.select(_occurrence.c.path, _occurrence.c.path_key)).all()
        error = connection.execute(sa.select(_error.c.path, _error.c.archive_chain)).one()
    engine.dispose()
    assert {(row["path"], row["path_key"]) for row in occurrences} == set(old)
    assert {decode_name(path).encode("utf-8", "surrogateescape") for path, _ in stored} == set(
        OLD_TEXTS
    )
    assert all(key == path_key(path, ()) for path, key in stored)
    assert {path for path, _ in stored} == {encode_name(os.fsdecode(raw)) for raw in OLD_TEXTS}
    assert (decode_name(error.path), [decode_name(p) for p in error.archive_chain]) == (
        "in\\\\side.jpg",
        ["x\\\\y.zip"],
    )

    db = Database(settings.database_url)
    again = ingest(db, settings, "old", [folder])
    with db.session() as session:
        count = session.scalar(sa.select(sa.func.count()).select_from(_occurrence))
    db.close()
    assert again.files_seen == 0 and again.files_skipped == len(OLD_TEXTS)
    assert count == len(OLD_TEXTS)
