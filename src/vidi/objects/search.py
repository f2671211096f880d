"""The region query: every picture (or gallery item) that shows the object in a box.

The box is cut from the picture as stored in the evidence (re-read, read-only), so a
small object is described at full detail rather than by the few stored points that
happen to fall inside it. Scope ``case`` searches the case's pictures, ``all`` every
picture of every case, ``gallery:NAME`` one reference gallery.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from vidi.cases import get_case
from vidi.clues.runner import places_of
from vidi.config import Settings
from vidi.errors import NotFound, VidiError
from vidi.fingerprints.local_features import LocalFeatures, query_features
from vidi.index.geometry import RATIO, verify_many
from vidi.index.objects import Candidate, ObjectIndex
from vidi.index.pdq_index import IndexLocked
from vidi.media.pictures import decode_full
from vidi.notices import notice
from vidi.objects.features import (
    descriptors_in_step,
    index_in_step,
    load_features,
    open_descriptor_index,
    open_object_index,
)
from vidi.objects.matching import VerifiedHit, best_hits, merged_hits, verified_candidates
from vidi.sources.locate import materialize
from vidi.sources.streams import read_evidence
from vidi.store.db import Database
from vidi.store.models import Gallery, GalleryItem, LocalFeatureSet, Media, Occurrence, Source
from vidi.store.queries import case_media

MAX_HITS = 100
FIND_CANDIDATES = 100
"""Candidates verified per query side at most while hits keep coming (see
:data:`FIND_FIRST`): an investigator asks one query at a time, and a small object's
picture ranks lower by its words than a copy of the whole picture does (an object pasted
into a new room was among 50 candidates for 48 % of boxes, among 100 for 80 %:
docs/performance.md, "Object search, round 4"). A scope of at most this many pictures (a
small case, a gallery) is verified whole, without ranking: in a collection of a few
pictures most words are in every picture and weigh nothing."""
FIND_FIRST = 25
"""Candidates a side verified first by their words; the next :data:`FIND_BATCH` are
verified while the last ones gave a hit, up to :data:`FIND_CANDIDATES`. Why: at 100,000
pictures the words ranked an object pasted into a new room among their first 100 for 12
of 60 boxes (the votes rank it, 58 of 60 among their first 20), and verifying 100 a side
was a third of a 1.5 s query; a copy of the whole scene ranks near the top, and an object
seen in many pictures keeps giving hits, so its later candidates are still verified
(docs/performance.md, "Object search, round 12")."""
FIND_BATCH = 25
"""Candidates a side verified next while the last batch gave a hit."""
FIND_DEEPER = 100
"""Candidates a side verified next when the first :data:`FIND_CANDIDATES` give no hit: only
an empty answer costs twice the time, and objects pasted into new rooms whose originals
rank 100th-200th are found (boxes 55 % -> 62 % at 10,120 generated pictures, 35 % -> 50 %
at 100,000 rows; docs/performance.md, "Object search, round 6"). When the first batches
and the votes give nothing, every candidate from the last one verified to
:data:`FIND_CANDIDATES` + this is verified."""
FIND_SCORING = "overlap"
"""How the index ranks candidates for a region query (:meth:`ObjectIndex.search`)."""
FIND_NEAREST_WORDS = 1
"""Words each of a region query's descriptors is quantised to (its nearest): a few more
let a descriptor meet its match quantised to a neighbouring word of a large vocabulary."""
FIND_THREADS = min(4, os.cpu_count() or 1)
"""Threads a region query verifies its candidates on (an investigator waits for it)."""
FIND_MIN_INLIERS = 18
"""Inliers a region query's hit needs. Its sides (700 points, 1,400 at two scales)
against 2,000 stored points meet more chance inliers than the stage's 700 × 700 links
(which keep :data:`~vidi.objects.matching.MIN_INLIERS`): of 37,827 wrong candidates
verified at 3,120 generated pictures, 12 reached 12 inliers and the most reached 16
(docs/performance.md, "Object search, round 3: recall"); with the simulated tilts, 17 of
90,254 at 10,120 ("round 5"), so it cannot come down."""
FIND_VOTED = 20
"""Candidates a side verified from the descriptor index's votes (its first by votes,
:class:`~vidi.index.descriptors.DescriptorIndex`): an object pasted into another room is a
few per cent of its new picture's words but most of its points' nearest neighbours
(docs/performance.md, "Object search, round 8"). 0: the votes are not asked."""
FIND_MIN_VOTES = 1
"""Votes under which a picture is not verified, not even with a drawn box's own points
(:data:`FIND_WHOLE_MIN_VOTES` for the whole query). A small pasted copy's original can be
second by votes with one or two (a few of its points survive the new room's light and
the recompression): at 3, 4 of 60 such originals were never verified although their box
reached 12-31 inliers against them; at 1 the first 20 are verified whatever their votes
and no wrong candidate's box reached more than 10 (docs/performance.md, "Object search,
round 10")."""
FIND_WHOLE_MIN_VOTES = 3
"""Votes a candidate needs before the whole query (simulated tilts included, the dear
check) is verified against it; a drawn box's own points (cheap) are verified against
every voted candidate. Round 9's floor for both: the whole query checking the candidates
under it too found 2 more whole pictures of 60 on each of two draws for ~0.06-0.08 s more
a query on 2 cores (docs/performance.md, "Object search, round 10")."""
FIND_VOTED_RATIO = 0.85
"""The ratio test a drawn box's points as drawn are matched with against a voted
candidate (:data:`vidi.index.geometry.RATIO` elsewhere): pairwise, 60 pasted boxes reached
12 inliers against their originals 51 times instead of 47, and none of 6,020 unrelated
pictures reached 9 (docs/performance.md, "Object search, round 8")."""
FIND_VOTED_MIN_INLIERS = 12
"""Inliers a drawn box's points as drawn (no simulated tilts) need against one of the
vote ranking's first candidates: the stage's own threshold. Only :data:`FIND_VOTED` of
them are verified, not the hundreds the words propose, so chance inliers are rarer than
:data:`FIND_MIN_INLIERS` allows for (docs/performance.md, "Object search, round 8")."""


@dataclass(frozen=True)
class ObjectHit:
    """A picture or gallery item that shows the queried object."""

    inliers: int
    score: float
    region: tuple[int, int, int, int] | None
    """Where the box's outline lands in the hit: (x, y, width, height) in its pixels."""
    mirrored: bool
    media_sha256: str | None = None
    thumbnail: str | None = None
    gallery: str | None = None
    label: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class FindResult:
    case: str
    media_sha256: str
    box: tuple[int, int, int, int] | None
    scope: str
    query_points: int
    hits: tuple[ObjectHit, ...]


def parse_box(text: str) -> tuple[int, int, int, int]:
    """``"x,y,w,h"`` in pixels → a tuple; a clear error for anything else."""
    parts = text.split(",")
    try:
        x, y, w, h = (int(p.strip()) for p in parts)
    except ValueError:
        raise VidiError(
            f"--box wants x,y,width,height in pixels, e.g. 10,20,200,150; got {text!r}"
        ) from None
    if w <= 0 or h <= 0 or x < 0 or y < 0:
        raise VidiError(f"--box {text!r}: x and y must be at least 0, width and height above 0")
    return x, y, w, h


def find_object(
    db: Database,
    settings: Settings,
    case: str,
    media_sha256: str,
    box: tuple[int, int, int, int] | None = None,
    scope: str = "case",
) -> FindResult:
    """Ranked, geometrically verified hits for the object in ``box`` of a case's picture.

    The scope's ids are read in a thread of their own while the picture is read and
    described and the index brought into step: at 100,000 pictures they take 0.10–0.16 s,
    about half of it in SQLite's own code, which lets the other thread run
    (docs/performance.md, "Object search, round 13")."""
    if scope not in ("case", "all") and not scope.startswith("gallery:"):
        raise _unknown_scope(scope)
    with db.session() as session:
        case_row = get_case(session, case)
        media = session.get(Media, media_sha256)
        if media is None or media.media_type != "image":
            raise NotFound(f"no picture with SHA-256 {media_sha256} (see 'vidi report')")
        in_case = session.scalar(
            case_media(case_row.id).where(Occurrence.media_sha256 == media_sha256).limit(1)
        )
        if in_case is None:
            raise NotFound(f"picture {media_sha256[:12]}… is not in case {case!r}")
        case_id = case_row.id
        places = places_of(session, [media_sha256])
    with ThreadPoolExecutor(1, thread_name_prefix="vidi-scope") as pool:
        scoped = pool.submit(_read_scope, db, case_id, scope)
        picture = _read_picture(settings, places)
        queries = [query_features(picture, box), query_features(picture, box, mirror=True)]
        with open_object_index(settings) as index, db.session() as session:
            index_in_step(session, index)  # a stage killed before it saved, a retraining
            own = session.scalar(
                select(LocalFeatureSet.id).where(LocalFeatureSet.media_sha256 == media_sha256)
            )
            allowed = scoped.result()
            hits = _found(session, settings, index, queries, allowed, own, box, scope)
    return FindResult(case, media_sha256, box, scope, len(queries[0]), hits)


def _found(
    session: Session,
    settings: Settings,
    index: ObjectIndex,
    queries: list[LocalFeatures],
    allowed: np.ndarray,
    own: int | None,
    box: tuple[int, int, int, int] | None,
    scope: str,
) -> tuple[ObjectHit, ...]:
    """The query's hits among ``allowed``, best first, described."""
    if len(allowed) <= FIND_CANDIDATES:
        found = _verified_all(session, queries, allowed, own)
    else:
        ranked = _word_candidates(index, queries, allowed, own)
        found, verified = _verified_in_batches(session, queries, ranked)
        if FIND_VOTED and not scope.startswith("gallery:"):
            voted = _voted_hits(session, settings, index, queries, allowed, own, box is not None)
            found = merged_hits(found, voted)
        if not found and FIND_DEEPER:
            last = FIND_CANDIDATES + FIND_DEEPER
            found = _verified_ranks(session, queries, ranked, verified, last)
    return tuple(_describe(session, found[:MAX_HITS]))


def _word_candidates(
    index: ObjectIndex, queries: list[LocalFeatures], allowed: np.ndarray, own: int | None
) -> list[list[Candidate]]:
    """Each side's candidates by their words, as many as may ever be verified."""
    vocabulary = index.vocabulary
    if vocabulary is None:
        return [[] for _ in queries]
    depth = FIND_CANDIDATES + FIND_DEEPER + 1
    return [
        [
            c
            for c in index.search(
                vocabulary.words(q.search_descriptors(), FIND_NEAREST_WORDS),
                depth,
                allowed,
                FIND_SCORING,
            )
            if c.id != own
        ]
        for q in queries
    ]


def _verified_in_batches(
    session: Session, queries: list[LocalFeatures], ranked: list[list[Candidate]]
) -> tuple[list[VerifiedHit], int]:
    """Hits among each side's first :data:`FIND_FIRST` candidates, then among the next
    :data:`FIND_BATCH` while the last batch gave one, up to :data:`FIND_CANDIDATES`; and
    how many a side were verified."""
    found: list[VerifiedHit] = []
    start, stop = 0, min(FIND_FIRST, FIND_CANDIDATES)
    while True:
        batch = _verified_ranks(session, queries, ranked, start, stop)
        found = merged_hits(found, batch)
        if not batch or stop >= FIND_CANDIDATES:
            return found, stop
        start, stop = stop, min(FIND_CANDIDATES, stop + FIND_BATCH)


def _verified_ranks(
    session: Session,
    queries: list[LocalFeatures],
    ranked: list[list[Candidate]],
    start: int,
    stop: int,
) -> list[VerifiedHit]:
    """Hits among each side's candidates ranked ``start`` to ``stop``."""
    sides = [side[start:stop] for side in ranked]
    return verified_candidates(session, queries, sides, FIND_MIN_INLIERS, threads=FIND_THREADS)


def _voted_hits(
    session: Session,
    settings: Settings,
    index: ObjectIndex,
    queries: list[LocalFeatures],
    allowed: np.ndarray,
    own: int | None,
    boxed: bool,
) -> list[VerifiedHit]:
    """Verified hits among each side's first :data:`FIND_VOTED` pictures by descriptor
    votes: those with :data:`FIND_WHOLE_MIN_VOTES` votes with the whole side (simulated
    tilts included) at :data:`FIND_MIN_INLIERS`, and every one with a drawn box's points
    as drawn at :data:`FIND_VOTED_MIN_INLIERS` (with the affine fallback,
    :data:`vidi.index.geometry.AFFINE_FALLBACK`). The descriptor index lists descriptors
    under the object index's words, and adds what it lacks first."""
    if index.vocabulary is None:
        return []
    try:
        with open_descriptor_index(settings) as points:
            descriptors_in_step(session, points, index.vocabulary)
            ranked = [
                [
                    v
                    for v in points.rank(
                        q.search_descriptors(),
                        FIND_VOTED + 1,
                        FIND_MIN_VOTES,
                        allowed,
                        threads=FIND_THREADS,
                    )
                    if v.id != own
                ][:FIND_VOTED]
                for q in queries
            ]
    except IndexLocked:
        notice(
            "the descriptor index is open in another process (a feature stage saving "
            "it); this answer is from the visual words alone"
        )
        return []
    stored = load_features(session, {v.id for side in ranked for v in side})
    found = [
        (side, v, query)
        for side, (query, voted) in enumerate(zip(queries, ranked, strict=True))
        for v in voted
        if v.id in stored
    ]
    # Each way of checking: (the query side it uses, the votes a candidate needs, inliers
    # needed, ratio test, whether an affine is tried where the homography is no camera's).
    ways = [(lambda query: query, FIND_WHOLE_MIN_VOTES, FIND_MIN_INLIERS, RATIO, False)]
    if boxed:
        drawn = FIND_MIN_VOTES, FIND_VOTED_MIN_INLIERS, FIND_VOTED_RATIO, True
        ways.append((lambda query: query.head(query.searched or len(query)), *drawn))
    hits = []
    for side_of, votes, need, ratio, affine in ways:
        asked = [(side, v, query) for side, v, query in found if v.votes >= votes]
        pairs = [(side_of(query), stored[v.id]) for _, v, query in asked]
        results = verify_many(pairs, need, FIND_THREADS, ratio, affine)
        hits += [
            VerifiedHit(v.id, checked.inliers, 0.0, checked.region, side == 1)
            for (side, v, _), checked in zip(asked, results, strict=True)
            if checked.inliers >= need
        ]
    return merged_hits(hits)


def _verified_all(
    session: Session, queries: list[LocalFeatures], ids: np.ndarray, exclude: int | None
) -> list[VerifiedHit]:
    """Every feature set of a small scope verified against the query (score 0: unranked)."""
    stored = load_features(session, [int(i) for i in ids if i != exclude])
    checks = [(side, id_) for side in range(len(queries)) for id_ in stored]
    results = verify_many(
        [(queries[side], stored[id_]) for side, id_ in checks], FIND_MIN_INLIERS, FIND_THREADS
    )
    return best_hits(
        (
            (id_, 0.0, side == 1, checked)
            for (side, id_), checked in zip(checks, results, strict=True)
        ),
        FIND_MIN_INLIERS,
    )


def _unknown_scope(scope: str) -> VidiError:
    return VidiError(f"--scope is case, all or gallery:NAME, not {scope!r}")


def _read_scope(db: Database, case_id: int, scope: str) -> np.ndarray:
    """:func:`_scope_ids` in a session of its own (for a thread of its own)."""
    with db.session() as session:
        return _scope_ids(session, case_id, scope)


def _scope_ids(session: Session, case_id: int, scope: str) -> np.ndarray:
    """The feature-set ids a query of ``scope`` may find, sorted and each once."""
    if scope == "case":  # joined, not ``IN`` the case's distinct media: no set of
        query = (  # 100,000 SHA-256s built first (0.23 -> 0.14 s at 100,000 pictures)
            select(LocalFeatureSet.id)
            .join(Occurrence, Occurrence.media_sha256 == LocalFeatureSet.media_sha256)
            .join(Source, Source.id == Occurrence.source_id)
            .where(Source.case_id == case_id)
        )
    elif scope == "all":
        query = select(LocalFeatureSet.id).where(LocalFeatureSet.media_sha256.is_not(None))
    elif scope.startswith("gallery:"):
        name = scope.split(":", 1)[1]
        gallery = session.scalar(select(Gallery).where(Gallery.name == name))
        if gallery is None:
            raise NotFound(f"no gallery named {name!r}; see 'vidi gallery list'")
        query = (
            select(LocalFeatureSet.id)
            .join(GalleryItem, GalleryItem.id == LocalFeatureSet.gallery_item_id)
            .where(GalleryItem.gallery_id == gallery.id)
        )
    else:
        raise _unknown_scope(scope)
    # The driver's rows, without the result's processing of each row: 0.10-0.13 s
    # instead of 0.14-0.22 s for 100,000 ids (docs/performance.md, round 13).
    result = session.connection().execute(query)
    try:
        rows = result.cursor.fetchall()
        ids = np.fromiter((id_ for (id_,) in rows), dtype=np.int64, count=len(rows))
    finally:
        result.close()
    return np.unique(ids)


def _read_picture(settings: Settings, places: list) -> np.ndarray:  # type: ignore[type-arg]
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="find-", dir=settings.work_dir))
    try:
        for _, path in materialize(places, settings.archive, scratch):
            return np.asarray(decode_full(read_evidence(path), settings.image))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    raise NotFound("the picture's file cannot be found in its sources any more")


def _describe(session: Session, hits: list) -> list[ObjectHit]:  # type: ignore[type-arg]
    rows = {
        r.id: r
        for r in session.scalars(
            select(LocalFeatureSet).where(LocalFeatureSet.id.in_([h.id for h in hits]))
        )
    }
    described = []
    for hit in hits:
        row = rows.get(hit.id)
        if row is None:
            continue
        common = {
            "inliers": hit.inliers,
            "score": round(hit.score, 4),
            "region": hit.region,
            "mirrored": hit.mirrored,
        }
        if row.media_sha256 is not None:
            media = session.get(Media, row.media_sha256)
            thumbnail = media.thumbnail if media else None
            described.append(
                ObjectHit(media_sha256=row.media_sha256, thumbnail=thumbnail, **common)
            )
        elif row.gallery_item_id is not None:
            item = session.get(GalleryItem, row.gallery_item_id)
            gallery = session.get(Gallery, item.gallery_id) if item else None
            described.append(
                ObjectHit(
                    gallery=gallery.name if gallery else None,
                    label=item.label if item else None,
                    country=item.country if item else None,
                    thumbnail=item.thumbnail if item else None,
                    **common,
                )
            )
    return described
