"""Videos in matching: re-encodes and trims linked by vPDQ, stills found inside videos,
shared sound linked by Chromaprint, and ``lookup`` of a video file."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select
from videomedia import Media as VideoSet

from vidi.cases import create_case
from vidi.config import Settings
from vidi.matching.lookup import lookup_file
from vidi.store.db import Database
from vidi.store.models import Match, Media
from vidi.workbench import Workbench


def test_video_links_and_lookup(
    tmp_path: Path, settings: Settings, db: Database, media: VideoSet
) -> None:
    folder = tmp_path / "seizure"
    folder.mkdir()
    for path in (
        media.base,
        media.trimmed,
        media.unrelated,
        media.same_audio,
        media.with_still,
        media.still,
    ):
        shutil.copy(path, folder / path.name)
    with db.session() as session:
        create_case(session, "op-film")
    Workbench(settings, db).ingest("op-film", [folder], clues=False)
    with db.session() as session:
        name_of = {
            m.sha256: p.name
            for p in folder.iterdir()
            for m in session.scalars(select(Media).where(Media.size == p.stat().st_size))
        }
        links = {
            (m.kind, name_of[m.media_sha256], name_of[m.other_sha256 or ""])
            for m in session.scalars(select(Match).where(Match.other_sha256.is_not(None)))
        }
    assert ("vpdq", "base.mp4", "trim.mp4") in links
    assert ("audio", "base.mp4", "same_audio.mkv") in links
    assert ("frame", "still.png", "with_still.mp4") in links
    # other.mp4 has same_audio.mkv's pictures (both mandelbrot) but its own melody
    assert ("vpdq", "other.mp4", "same_audio.mkv") in links
    assert not any(k == "audio" and "other.mp4" in (a, b) for k, a, b in links)
    assert not any({a, b} == {"other.mp4", "base.mp4"} for _k, a, b in links)

    found = lookup_file(db, settings, media.reencoded)
    hits = {name_of.get(h.sha256) for h in found.hits}
    assert "base.mp4" in hits and "other.mp4" not in hits
