"""Audio links through the inverted code table: the scan's links, from candidate rows only."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sqlalchemy import select

from vidi.fingerprints.audio import audio_similarity
from vidi.matching.audio_index import candidate_tracks
from vidi.matching.videomatch import AUDIO_MATCH_SIMILARITY, audio_rows
from vidi.store.db import Database
from vidi.store.models import AudioCode, AudioFingerprint, Media


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, settings) -> Database:  # type: ignore[no-untyped-def]
    url = (
        request.getfixturevalue("postgres_url")
        if request.param == "postgresql"
        else settings.database_url
    )
    db = Database(url)
    request.addfinalizer(db.close)
    return db


def noisy(print_: np.ndarray, bit_error_rate: float, rng: np.random.Generator) -> np.ndarray:
    flips = rng.random((len(print_), 32)) < bit_error_rate
    masks = (flips * (1 << np.arange(32, dtype=np.uint64))).sum(axis=1).astype(np.uint32)
    return print_ ^ masks


def generated_prints() -> dict[str, list[int]]:
    """Ten unrelated tracks; re-encoded (noisy) and cut copies of four; one steady tone."""
    rng = np.random.default_rng(21)
    prints: dict[str, np.ndarray] = {}
    for i in range(10):
        prints[f"track{i}"] = rng.integers(0, 2**32, 240, dtype=np.uint32)
    for i, ber in zip(range(4), (0.02, 0.05, 0.08, 0.12), strict=True):
        prints[f"copy{i}"] = noisy(prints[f"track{i}"][30 + i * 10 :], ber, rng)
    prints["copy0b"] = noisy(prints["track0"][:120], 0.05, rng)
    prints["tone"] = np.full(200, 0x5A5A5A5A, dtype=np.uint32)
    return {name: [int(v) for v in p] for name, p in prints.items()}


def sha_of(name: str) -> str:
    return name.encode().hex().ljust(64, "0")


def store(db: Database, prints: dict[str, list[int]]) -> None:
    with db.session() as session:
        for name, fingerprint in prints.items():
            sha = sha_of(name)
            session.add(
                Media(
                    sha256=sha,
                    md5="0" * 32,
                    sha1="0" * 40,
                    media_type="video",
                    format="mp4",
                    size=1,
                )
            )
            session.flush()
            session.add(
                AudioFingerprint(
                    media_sha256=sha,
                    duration_s=30.0,
                    fingerprint=fingerprint,
                    fingerprinter="test",
                )
            )


def scanned_links(prints: dict[str, list[int]]) -> set[frozenset[str]]:
    """What the linear scan linked: every pair compared in full."""
    return {
        frozenset((sha_of(a), sha_of(b)))
        for (a, pa), (b, pb) in itertools.combinations(prints.items(), 2)
        if audio_similarity(pa, pb) >= AUDIO_MATCH_SIMILARITY
    }


def test_indexed_audio_links_equal_the_scans(database: Database) -> None:
    prints = generated_prints()
    store(database, prints)
    expected = scanned_links(prints)
    assert len(expected) >= 5  # four copies and the cut copy, at least
    with database.session() as session:
        rows = audio_rows(session, [sha_of(name) for name in prints])
    linked = {frozenset((r["media_sha256"], r["other_sha256"])) for r in rows}
    assert linked == expected


def test_a_track_is_compared_only_with_tracks_sharing_its_codes(database: Database) -> None:
    prints = generated_prints()
    store(database, prints)
    with database.session() as session:
        audio_rows(session, [sha_of(name) for name in prints])
        assert session.scalar(select(AudioCode.code).limit(1)) is not None
        found = candidate_tracks(session, sha_of("track0"), prints["track0"])
        assert set(found) == {sha_of("copy0"), sha_of("copy0b")}
        assert candidate_tracks(session, sha_of("track5"), prints["track5"]) == []
        assert candidate_tracks(session, sha_of("tone"), prints["tone"]) == []
