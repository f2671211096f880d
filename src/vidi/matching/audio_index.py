"""Audio links through an inverted index of Chromaprint codes, not a scan of every track.

Why: comparing a new sound track with every stored one costs a full table read per
track; with millions of videos that is the slowest part of matching. Each Chromaprint
item (32 bits per ~0.12 s) is cut to its top 20 bits (:data:`CODE_SHIFT`), a *code*; a
track's distinct codes go into ``audio_code`` (code, media, first offset). Two
recordings of the same sound (re-encoded, cut) share many codes — at a bit error rate
of 0.05 about 36 % of aligned items keep their top 20 bits — while unrelated tracks
share few. A new track asks for the tracks that share at least :data:`MIN_SHARED_CODES`
codes (and one in a hundred of its codes) with it (one indexed query), and only those are
compared in full with
:func:`~vidi.fingerprints.audio.audio_similarity`, the same test the scan used.

Limit: a pair so degraded that fewer than :data:`MIN_SHARED_CODES` codes survive is not
linked even though the full comparison might have passed (the scan's similarity bar is
0.6, a bit error rate of 0.2); tests/matching/test_audio_index.py holds that the links
equal the scan's on generated prints.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session

from vidi.fingerprints.audio import CODE_SHIFT, audio_codes, is_informative
from vidi.store.inserts import insert_ignoring_conflicts
from vidi.store.models import AudioCode, AudioFingerprint
from vidi.store.queries import in_chunks

MIN_SHARED_CODES = 2
"""Distinct codes two tracks must share to be compared in full, and at least one in
:data:`SHARED_FRACTION` of the track's codes, so long tracks are not compared by chance."""
SHARED_FRACTION = 100
MAX_CODE_TRACKS = 10_000
"""A code held by more tracks than this says nothing (a common tone) and is not asked."""


__all__ = ["CODE_SHIFT", "audio_codes", "candidate_tracks", "index_tracks", "store_track_codes"]
ROWS_PER_INSERT = 5000


def index_tracks(session: Session, sha256s: Sequence[str]) -> None:
    """Put these media's sound tracks into ``audio_code`` (again: replaces their codes).

    Ingest writes a new track's codes with its print (:func:`store_track_codes`);
    this rewrites them, e.g. after :data:`CODE_SHIFT` changed.
    """
    prints = session.execute(
        select(AudioFingerprint.media_sha256, AudioFingerprint.fingerprint).where(
            AudioFingerprint.media_sha256.in_(sha256s)
        )
    ).all()
    if not prints:
        return
    session.execute(delete(AudioCode).where(AudioCode.media_sha256.in_([s for s, _ in prints])))
    rows = [
        {"code": code, "media_sha256": sha, "offset": offset}
        for sha, fingerprint in prints
        for code, offset in audio_codes(fingerprint or []).items()
    ]
    for start in range(0, len(rows), 5000):
        insert_ignoring_conflicts(session, AudioCode, rows[start : start + ROWS_PER_INSERT])


def store_track_codes(session: Session, sha256s: Sequence[str]) -> int:
    """Write the codes of these media's sound tracks that have none yet; returns the tracks.

    The ingest writer's batch calls this with its new tracks, in the batch's transaction,
    so the codes are there as soon as the prints are; idempotent like every insert of
    that batch (a track with codes is skipped, a code row is never written twice).
    Matching calls it too, for tracks stored without codes by an older version.
    """
    tracks = 0
    for part in in_chunks(sha256s):
        prints = session.execute(
            select(AudioFingerprint.media_sha256, AudioFingerprint.fingerprint).where(
                AudioFingerprint.media_sha256.in_(part),
                ~exists().where(AudioCode.media_sha256 == AudioFingerprint.media_sha256),
            )
        ).all()
        rows = [
            {"code": code, "media_sha256": sha, "offset": offset}
            for sha, fingerprint in prints
            for code, offset in audio_codes(fingerprint or []).items()
        ]
        for start in range(0, len(rows), ROWS_PER_INSERT):
            insert_ignoring_conflicts(session, AudioCode, rows[start : start + ROWS_PER_INSERT])
        tracks += len(prints)
    return tracks


def candidate_tracks(session: Session, sha256: str, fingerprint: Sequence[int]) -> list[str]:
    """Other media whose tracks share at least MIN_SHARED_CODES codes with this print."""
    if not is_informative(list(fingerprint)):
        return []
    codes = sorted(audio_codes(fingerprint))
    common = (
        select(AudioCode.code)
        .where(AudioCode.code.in_(codes))
        .group_by(AudioCode.code)
        .having(func.count() > MAX_CODE_TRACKS)
    )
    shared = func.count().label("shared")
    query = (
        select(AudioCode.media_sha256)
        .where(
            AudioCode.code.in_(codes),
            AudioCode.code.not_in(common),
            AudioCode.media_sha256 != sha256,
        )
        .group_by(AudioCode.media_sha256)
        .having(shared >= max(MIN_SHARED_CODES, len(codes) // SHARED_FRACTION))
        .order_by(AudioCode.media_sha256)
    )
    return list(session.scalars(query))
