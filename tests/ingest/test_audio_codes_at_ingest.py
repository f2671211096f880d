"""A video's audio codes (the audio-link index) are written by ingest, with its print."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select
from test_video_ingest import make_video

from vidi.cases import create_case
from vidi.config import Settings
from vidi.fingerprints.audio import audio_codes
from vidi.ingest.pipeline import ingest
from vidi.matching import match_case
from vidi.store.db import Database
from vidi.store.models import AudioCode, AudioFingerprint

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")


def code_rows(db: Database) -> list[tuple[str, int, int]]:
    with db.session() as session:
        return sorted(
            (c.media_sha256, c.code, c.offset) for c in session.scalars(select(AudioCode))
        )


def test_ingest_writes_each_tracks_codes_and_a_second_ingest_doubles_nothing(
    tmp_path: Path, settings: Settings, db: Database
) -> None:
    folder = tmp_path / "videos"
    folder.mkdir()
    make_video(folder / "low.mp4", tone=330)
    make_video(folder / "high.mp4", source="mandelbrot", tone=880)
    with db.session() as session:
        create_case(session, "op-reel")
        create_case(session, "op-copy")
    ingest(db, settings, "op-reel", [folder])  # the storing stage only: no matching yet

    with db.session() as session:
        prints = session.execute(
            select(AudioFingerprint.media_sha256, AudioFingerprint.fingerprint)
        ).all()
    assert len(prints) == 2
    expected = sorted(
        (sha, code, offset)
        for sha, fingerprint in prints
        for code, offset in audio_codes(fingerprint).items()
    )
    assert expected and code_rows(db) == expected

    ingest(db, settings, "op-reel", [folder])  # the same places again
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    ingest(db, settings, "op-copy", [copy])  # the same media from another source
    match_case(db, settings, "op-copy")  # matching reads the codes, writes none again
    assert code_rows(db) == expected
