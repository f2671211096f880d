"""Whole-video and sound-track links, on top of the frame-by-frame PDQ matches.

Frame matches (kind ``frame``) come from the PDQ index like picture matches. Two videos
that share frames are then compared the way vPDQ does it — the share of each video's
distinct frames found in the other — and linked as ``vpdq`` when either share reaches
``settings.match.vpdq_match_percent``; a re-encoded, resized or trimmed copy is found
so. Videos whose Chromaprint fingerprints agree are linked as ``audio`` even when their
pictures differ (the same room's television, the same recording); the tracks to compare
come from an inverted index of Chromaprint codes (:mod:`vidi.matching.audio_index`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vidi.config import MatchSettings
from vidi.fingerprints.audio import audio_similarity
from vidi.fingerprints.vpdq import FrameHash, vpdq_similarity
from vidi.matching.audio_index import candidate_tracks, store_track_codes
from vidi.matching.rows import match_row
from vidi.store.models import AudioFingerprint, Match, Media, VideoFrame

AUDIO_MATCH_SIMILARITY = 0.6
"""Chromaprint similarity from which two sound tracks count as the same recording."""


def _frames(session: Session, sha256: str) -> list[FrameHash]:
    rows = session.execute(
        select(VideoFrame.frame_number, VideoFrame.timestamp_s, VideoFrame.pdq, VideoFrame.quality)
        .where(VideoFrame.media_sha256 == sha256)
        .order_by(VideoFrame.frame_number)
    )
    return [FrameHash(n, t, pdq, q) for n, t, pdq, q in rows]


def _videos(session: Session, sha256s: Sequence[str]) -> list[str]:
    return list(
        session.scalars(
            select(Media.sha256).where(Media.sha256.in_(sha256s), Media.media_type == "video")
        )
    )


def _pair_rows(
    me: str, other: str, kind: str, distance: float, there: dict[str, Any], back: dict[str, Any]
) -> list[dict[str, Any]]:
    return [
        match_row(me, kind, distance, other=other, detail=there),
        match_row(other, kind, distance, other=me, detail=back),
    ]


def vpdq_rows(
    session: Session, sha256s: Sequence[str], match: MatchSettings
) -> list[dict[str, Any]]:
    """``vpdq`` links between these videos and the videos they share frames with."""
    rows: list[dict[str, Any]] = []
    for video in _videos(session, sha256s):
        candidates = session.scalars(
            select(Match.other_sha256)
            .join(Media, Media.sha256 == Match.other_sha256)
            .where(Match.media_sha256 == video, Match.kind == "frame", Media.media_type == "video")
            .distinct()
        ).all()
        if not candidates:
            continue
        mine = _frames(session, video)
        for other in candidates:
            assert other is not None
            mine_in_other, other_in_mine = vpdq_similarity(
                mine, _frames(session, other), match.vpdq_frame_radius, match.pdq_min_quality
            )
            best = max(mine_in_other, other_in_mine)
            if best < match.vpdq_match_percent:
                continue
            there = {
                "percent_in_other": round(mine_in_other, 1),
                "percent_of_other": round(other_in_mine, 1),
            }
            back = {
                "percent_in_other": round(other_in_mine, 1),
                "percent_of_other": round(mine_in_other, 1),
            }
            rows.extend(_pair_rows(video, other, "vpdq", 100.0 - best, there, back))
    return rows


def audio_rows(session: Session, sha256s: Sequence[str]) -> list[dict[str, Any]]:
    """``audio`` links between these media and the stored sound tracks that sound alike.

    Ingest put the tracks' codes into the inverted code table; a track stored without
    them (by an older version) gets them here. Only the tracks that share codes with
    each one are compared in full (:mod:`vidi.matching.audio_index`).
    """
    store_track_codes(session, sha256s)
    mine = session.execute(
        select(AudioFingerprint.media_sha256, AudioFingerprint.fingerprint).where(
            AudioFingerprint.media_sha256.in_(sha256s)
        )
    ).all()
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for sha, print_ in mine:
        candidates = [
            other
            for other in candidate_tracks(session, sha, print_)
            if (min(sha, other), max(sha, other)) not in seen
        ]
        if not candidates:
            continue
        others = session.execute(
            select(AudioFingerprint.media_sha256, AudioFingerprint.fingerprint).where(
                AudioFingerprint.media_sha256.in_(candidates)
            )
        )
        for other, other_print in others:
            seen.add((min(sha, other), max(sha, other)))
            similarity = audio_similarity(print_, other_print)
            if similarity >= AUDIO_MATCH_SIMILARITY:
                detail = {"similarity": round(similarity, 3)}
                rows.extend(_pair_rows(sha, other, "audio", 1.0 - similarity, detail, detail))
    return rows
