"""Object search on generated scenes: recall@10, verified precision, scene links, cost, query time.

Indexed: ``--objects`` rooms each holding a textured object (the "originals"), a second
view of each original's room with another object in it (the same-scene pairs), and
``--distractors`` other rooms with other objects (cheap generated scenes, so 10,000 take
minutes). Queries, per original: crops of 5-50 % of its area, turns of 5-30 degrees, a
mirror image, and the object pasted into a new room (scale 0.3-1.0, rotation up to 30
degrees, perspective, up to 30 % hidden, JPEG 70), asked as the investigator asks it:
with a box drawn around the object (and, for comparison, with the whole picture). A
query is answered as ``vidi find`` does: words → TF-IDF top candidates → early reject by
match count → RANSAC (USAC); recall@10 counts the original among the first ten verified
hits; precision counts verified hits that are right. PDQ (distance ≤ 31) answers the
same queries. Same-scene links are measured as the feature stage makes them: the second
view of each room asks with its whole picture; a link to its room is right, any other
link is wrong.

Where a query is lost: "in cands" counts queries whose original was among the
candidates verified (either side), "verifies" those whose original reaches the inlier
threshold when verified directly (best side), whatever its rank, and "rank" is the
original's median rank by TF-IDF (best side; 1,000 when not among the first 1,000),
"tilts" the share of verifications that went on to the query's simulated tilts, and
"worst" the most inliers a wrong candidate reached (any query of the kind).
A query found by "verifies" but not by "in cands" is lost by the index, not by the
verification.

    .venv/bin/python bench/objects.py --objects 100 --distractors 2000

``--points`` stores fewer or more points a picture (the library's default otherwise),
``--candidates`` verifies that many a side, ``--scoring cosine,overlap`` asks every
query with each candidate scoring, ``--query-min-side`` describes query boxes at least
that large, ``--upscale-below 0`` never at a second scale, ``--kinds crop,pasted``
asks only the queries whose name starts so, and ``--fill 100000`` measures the query
time in an index filled up to that many rows (:func:`_filled_query_time`). Round 2's
settings: ``--points 700 --candidates 20 --scoring cosine --upscale-below 0``.

To compare settings on the same pictures, ``--cache FILE`` keeps the described pictures
(features and PDQs) between runs; ``--max-words``, ``--train-sample`` and ``--probes``
change the vocabulary, ``--nearest`` the words a query descriptor is quantised to,
``--query-points`` and ``--ratio`` the query side and the verification's ratio test,
``--tilts`` the simulated tilts a query is also described with, ``--threads`` the threads
a query's candidates are verified on, ``--deeper`` the candidates verified next when the
first give no hit (0: none). ``--workers`` processes describe the distractors.

Everything is held in memory: 10,000 distractors take ~2 GB; at 100,000 the described
pictures alone took 16 GB of a 23 GB machine before the indexes were built, so the
library is measured there by bench/find_scale.py instead (a home on disk).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import threading
import time
from collections import defaultdict
from collections.abc import Sequence

import cv2
import numpy as np

from vidi.demo.objects import (
    crop_area,
    in_a_new_room,
    paste,
    recompress,
    room,
    rotate,
    textured_object,
)
from vidi.fingerprints import local_features
from vidi.fingerprints.local_features import (
    MAX_POINTS,
    QUERY_POINTS,
    LocalFeatures,
    encode,
    extract_features,
    query_features,
)
from vidi.fingerprints.pdq import pdq_hash_array
from vidi.index import descriptors as descriptors_module
from vidi.index import geometry
from vidi.index import vocabulary as vocabulary_module
from vidi.index.descriptors import DescriptorIndex
from vidi.index.geometry import verify, verify_many
from vidi.index.objects import ObjectIndex
from vidi.index.vocabulary import Vocabulary, train_vocabulary
from vidi.objects.matching import LINK_CANDIDATES, MIN_INLIERS
from vidi.objects.search import (
    FIND_BATCH,
    FIND_CANDIDATES,
    FIND_DEEPER,
    FIND_FIRST,
    FIND_MIN_INLIERS,
    FIND_MIN_VOTES,
    FIND_NEAREST_WORDS,
    FIND_SCORING,
    FIND_THREADS,
    FIND_VOTED,
    FIND_VOTED_MIN_INLIERS,
    FIND_VOTED_RATIO,
    FIND_WHOLE_MIN_VOTES,
)
from vidi.workers import limit_native_threads

RANK_DEPTH = 1_000
LIBRARY_SETTINGS = (
    (
        "--query-min-side",
        local_features,
        "QUERY_MIN_SIDE",
        "describe a query box (or picture) at least this large",
    ),
    (
        "--upscale-below",
        local_features,
        "UPSCALE_BELOW",
        "describe query parts smaller than this at a second, larger scale too (0: never)",
    ),
    (
        "--query-points",
        local_features,
        "QUERY_POINTS",
        "points a query side is described by at each scale",
    ),
    ("--max-words", vocabulary_module, "MAX_WORDS", "the vocabulary's largest size"),
    (
        "--probes",
        vocabulary_module,
        "PROBES",
        "coarse groups a descriptor's word is looked for in",
    ),
    (
        "--train-sample",
        vocabulary_module,
        "TRAIN_SAMPLE",
        "descriptors the vocabulary is trained on at most",
    ),
    ("--ratio", geometry, "RATIO", "Lowe's ratio for the verification's matches"),
    (
        "--affine-fallback",
        geometry,
        "AFFINE_FALLBACK",
        "1: a drawn box's points try an affine transform where the homography is not a "
        "camera's; 0: never",
    ),
)
"""Flags that set a library constant for the run: (flag, module, constant, meaning)."""
THREADS = FIND_THREADS
"""Threads a query's candidates are verified on (``--threads``; the library's otherwise)."""
QUERY_NEAREST = FIND_NEAREST_WORDS
"""Words each query descriptor is quantised to (``--nearest``); stored pictures get one."""
RETRIES = {"drawn": 0, "tilts": 0}
"""Verifications of a query as drawn, and of those, how many went on to its simulated tilts
(counted by :func:`_counted_verify`)."""
LOWEST_THRESHOLD = 8
"""Candidates are verified down to this many matches (not the library's 12), so the
inliers wrong candidates reach are known for thresholds down to 8 (costs a little RANSAC
time on candidates with 8-11 matches)."""


def _pdq(picture: np.ndarray) -> np.ndarray:
    digest = pdq_hash_array(np.ascontiguousarray(picture))
    return np.unpackbits(np.frombuffer(bytes.fromhex(digest.hex), np.uint8))


def quick_room(seed: int, width: int = 640, height: int = 480) -> np.ndarray:
    """A cheap benign scene for distractors: two tiled textures (wall, floor), a few
    boxes, a pasted object, grain; about a tenth of :func:`room`'s cost."""
    rng = np.random.default_rng(seed)
    wall = textured_object(seed * 3 + 1, int(rng.integers(30, 80)), int(rng.integers(30, 80)))
    floor = textured_object(seed * 3 + 2, int(rng.integers(40, 100)), int(rng.integers(30, 60)))
    horizon = int(height * rng.uniform(0.55, 0.8))
    top = np.tile(wall, (horizon // wall.shape[0] + 1, width // wall.shape[1] + 1, 1))
    bottom = np.tile(
        floor, ((height - horizon) // floor.shape[0] + 1, width // floor.shape[1] + 1, 1)
    )
    picture = np.concatenate([top[:horizon, :width], bottom[: height - horizon, :width]])
    picture = np.ascontiguousarray(picture)
    for _ in range(int(rng.integers(1, 4))):
        x0, y0 = int(rng.integers(0, width - 100)), int(rng.integers(0, height - 100))
        colour = tuple(int(c) for c in rng.integers(20, 220, 3))
        size = (int(rng.integers(40, 180)), int(rng.integers(40, 160)))
        cv2.rectangle(picture, (x0, y0), (x0 + size[0], y0 + size[1]), colour, -1)
    thing = textured_object(seed * 3 + 3, int(rng.integers(100, 240)), int(rng.integers(80, 180)))
    picture, _ = paste(picture, thing, rng, rng.uniform(0.4, 0.9), rng.uniform(-20, 20))
    grain = rng.integers(-4, 5, picture.shape, dtype=np.int16)
    return (picture.astype(np.int16) + grain).clip(0, 255).astype(np.uint8)


def _distractor(job: tuple[int, int]) -> tuple[LocalFeatures, np.ndarray, tuple[float, ...]]:
    """Distractor ``j`` made, described and hashed (in a worker process of one native
    thread, as ingest's workers are), with the seconds each took."""
    j, points = job
    started = time.perf_counter()
    picture = recompress(quick_room(100_000 + j), 85)
    made = time.perf_counter()
    feature = extract_features(picture, points)
    described = time.perf_counter()
    pdq = _pdq(picture)
    return feature, pdq, (made - started, described - made, time.perf_counter() - described)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", type=int, default=100)
    parser.add_argument("--distractors", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--points", type=int, default=MAX_POINTS)
    parser.add_argument("--candidates", type=int, default=FIND_CANDIDATES)
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="processes describing distractors"
    )
    parser.add_argument("--kinds", default="", help="comma-separated query-name prefixes")
    parser.add_argument(
        "--scoring",
        default=FIND_SCORING,
        help="candidate scoring(s), comma-separated: each query kind is asked with each",
    )
    parser.add_argument(
        "--min-inliers",
        type=int,
        default=FIND_MIN_INLIERS,
        help="inliers a region query's hit needs (the library's otherwise; links keep theirs)",
    )
    for flag, module, name, meaning in LIBRARY_SETTINGS:
        default = getattr(module, name)
        kind = _yes if isinstance(default, bool) else type(default)
        parser.add_argument(
            flag, type=kind, default=default, help=f"{meaning} (the library's otherwise)"
        )
    parser.add_argument(
        "--first",
        type=int,
        default=FIND_FIRST,
        help="candidates a side verified first, then --batch more while they give hits "
        "(0: all --candidates at once; the library's otherwise)",
    )
    parser.add_argument("--batch", type=int, default=FIND_BATCH)
    parser.add_argument(
        "--deeper",
        type=int,
        default=FIND_DEEPER,
        help="candidates a side verified next when the first give no hit (0: none; the "
        "library's otherwise)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=FIND_THREADS,
        help="threads a query's candidates are verified on (the library's otherwise)",
    )
    parser.add_argument(
        "--tilts",
        default="",
        help="simulated tilts a query is also described with, as width x height squeezes "
        "('0.7x1,1x0.7'; 'none': none; the library's otherwise)",
    )
    parser.add_argument(
        "--nearest",
        type=int,
        default=FIND_NEAREST_WORDS,
        help="words a query descriptor is quantised to (its nearest; the library's otherwise)",
    )
    parser.add_argument(
        "--voted",
        type=int,
        default=FIND_VOTED,
        help="candidates a side verified from the descriptor index's votes (0: none; the "
        "library's otherwise)",
    )
    parser.add_argument("--min-votes", type=int, default=FIND_MIN_VOTES)
    parser.add_argument(
        "--whole-min-votes",
        type=int,
        default=FIND_WHOLE_MIN_VOTES,
        help="votes a candidate needs before the whole query is verified against it",
    )
    parser.add_argument(
        "--voted-ratio",
        type=float,
        default=FIND_VOTED_RATIO,
        help="the ratio test a drawn box's points are matched with against a voted candidate",
    )
    parser.add_argument(
        "--vote-probes",
        type=int,
        default=descriptors_module.PROBES,
        help="words whose lists a query descriptor is compared in (the library's otherwise)",
    )
    parser.add_argument(
        "--voted-min-inliers",
        type=int,
        default=FIND_VOTED_MIN_INLIERS,
        help="inliers a drawn box's points as drawn need against a voted candidate",
    )
    parser.add_argument(
        "--neighbours",
        type=int,
        default=descriptors_module.NEIGHBOURS,
        help="nearest descriptors a point looks at (2: the classic ratio test)",
    )
    parser.add_argument(
        "--cache",
        default="",
        help="a file to keep the indexed pictures' features and PDQs in between runs "
        "(read when it exists and was made with the same --objects, --distractors, "
        "--seed and --points; the extraction time is then not measured)",
    )
    parser.add_argument(
        "--fill",
        type=int,
        default=0,
        help="after the queries, fill an index up to this many rows (see _filled_query_time)",
    )
    args = parser.parse_args()
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    global QUERY_NEAREST, THREADS, VOTED, WHOLE_MIN_VOTES, FIRST, BATCH
    QUERY_NEAREST = args.nearest
    FIRST, BATCH = args.first, args.batch
    WHOLE_MIN_VOTES = args.whole_min_votes
    THREADS = args.threads
    descriptors_module.NEIGHBOURS = args.neighbours
    descriptors_module.PROBES = args.vote_probes
    for flag, module, name, _ in LIBRARY_SETTINGS:  # read by the library when it runs
        setattr(module, name, getattr(args, flag[2:].replace("-", "_")))
    if args.tilts:
        local_features.TILTS = _tilts(args.tilts)
    geometry._verify = _counted_verify
    rng = np.random.default_rng(args.seed)
    n = args.objects

    started = time.perf_counter()
    pictures = [recompress(paste(room(i), textured_object(i), rng, 0.6)[0], 85) for i in range(n)]
    for i in range(n):  # the same room seen again: turned, cropped, another object in it
        other, _ = paste(room(i), textured_object(900_000 + i), rng, 0.5)
        pictures.append(recompress(crop_area(rotate(other, 8), 0.7, rng), 85))
    generate_s = time.perf_counter() - started
    features: list[LocalFeatures] = []
    pdq_rows: list[np.ndarray] = []
    extract_s = pdq_s = 0.0
    cache_key = np.array([n, args.distractors, args.seed, args.points], np.int64)
    cached = _read_cache(args.cache, cache_key) if args.cache else None
    if cached is not None:
        features, pdq_rows = cached
    first = 0 if cached is None else 2 * n + args.distractors
    for j in range(first, 2 * n):
        started = time.perf_counter()
        features.append(extract_features(pictures[j], args.points))
        extract_s += time.perf_counter() - started
        started = time.perf_counter()
        pdq_rows.append(_pdq(pictures[j]))
        pdq_s += time.perf_counter() - started
    wanted = range(max(first, 2 * n), 2 * n + args.distractors)
    with multiprocessing.get_context("fork").Pool(args.workers, limit_native_threads) as pool:
        described = pool.imap(_distractor, [(j, args.points) for j in wanted], chunksize=32)
        for count, (feature, pdq, seconds) in enumerate(described, 1):  # made, described, dropped
            features.append(feature)
            pdq_rows.append(pdq)
            generate_s, extract_s, pdq_s = (
                a + b for a, b in zip((generate_s, extract_s, pdq_s), seconds, strict=True)
            )
            if count % 10_000 == 0:
                print(f"  {count:,} distractors described", flush=True)
    total = len(features)
    if args.cache and cached is None:
        _write_cache(args.cache, cache_key, features, pdq_rows)
    extract_ms = extract_s / total * 1000 if cached is None else float("nan")
    pdq_ms = pdq_s / total * 1000 if cached is None else float("nan")
    stored_bytes = np.mean([len(encode(f)) for f in features])
    pdqs = np.array(pdq_rows)

    started = time.perf_counter()
    vocabulary, index = word_index(features)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    VOTED = (
        (
            descriptor_index(features, vocabulary),
            args.voted,
            args.min_votes,
            args.voted_min_inliers,
            args.voted_ratio,
        )
        if args.voted
        else None
    )
    votes_s = time.perf_counter() - started

    Query = tuple[LocalFeatures, LocalFeatures, np.ndarray, set[int], set[int], bool]
    queries: dict[str, list[Query]] = defaultdict(list)

    def ask(name: str, picture: np.ndarray, box: tuple[int, int, int, int] | None, i: int) -> None:
        """Recall wants original ``i``; a hit on its room's second view is right too when
        the query shows the room (not for an object pasted into a new room)."""
        if kinds and not any(name.startswith(k) for k in kinds):
            return
        part = (
            picture if box is None else picture[box[1] : box[1] + box[3], box[0] : box[0] + box[2]]
        )
        sides = (query_features(picture, box), query_features(picture, box, mirror=True))
        right = {i} if box is not None or name.startswith("pasted") else {i, n + i}
        queries[name].append((*sides, part, {i}, right, box is not None))

    for i in range(n):
        original = pictures[i]
        for fraction in (0.05, 0.1, 0.2, 0.5):
            ask(f"crop {fraction:.0%}", crop_area(original, fraction, rng), None, i)
        for angle in (5, 15, 30):
            ask(f"turn {angle} deg", rotate(original, angle), None, i)
        ask("mirror", np.ascontiguousarray(original[:, ::-1]), None, i)
        new_room, box = in_a_new_room(i, rng)
        ask("pasted, box drawn", new_room, box, i)
        ask("pasted, whole picture", new_room, None, i)

    print(
        f"indexed {total:,} pictures ({n} originals, {n} second views of their rooms, "
        f"{args.distractors} distractors, generated in {generate_s:.0f} s); vocabulary "
        f"{len(vocabulary)} words, built in {build_s:.1f} s; descriptor index "
        f"{'not asked' if VOTED is None else f'built in {votes_s:.1f} s'}"
    )
    print(
        f"ingest cost: features {extract_ms:.1f} ms and {stored_bytes:,.0f} bytes per picture; "
        f"PDQ {pdq_ms:.1f} ms (ratio features/PDQ {extract_ms / pdq_ms:.2f}); the whole "
        "ingest's ratio is bench/ingest.py's"
    )
    print(
        f"stored points a picture: at most {args.points}; candidates verified a side: "
        + (
            f"the first {args.first}, then {args.batch} more while they give a hit, up to "
            f"{args.candidates}"
            if args.first
            else f"{args.candidates}"
        )
    )
    print(
        f"{'query':24} {'recall@10':>9} {'PDQ':>6} {'hits':>6} {'precision':>9} "
        f"{'ms/query':>9} {'search':>7} {'verify':>7} {'in cands':>8} {'verifies':>8} "
        f"{'rank':>5} {'tilts':>5} {'worst':>5}"
    )
    unrelated_best: list[int] = []
    wrong_inliers: list[int] = []
    timing = {"search": 0.0, "verify": 0.0, "queries": 0}
    scorings = [s.strip() for s in args.scoring.split(",") if s.strip()]
    for name, items, scoring in [(n, q, s) for n, q in queries.items() for s in scorings]:
        label = name if len(scorings) == 1 else f"{name} ({scoring})"
        found = pdq_found = hits = right = among = verifies = worst = 0
        spent = 0.0
        ranks = []
        by_votes: list[tuple[int, int]] = []
        for side, flipped, part, wanted, acceptable, boxed in items:
            started = time.perf_counter()
            seen: dict[int, int] = {}
            verified = _answer(
                [side, flipped],
                features,
                index,
                vocabulary,
                timing,
                args.candidates,
                scoring,
                seen,
                args.min_inliers,
                args.deeper,
                boxed,
            )
            wrong_inliers += [v for k, v in seen.items() if k not in acceptable]
            worst = max([worst] + [v for k, v in seen.items() if k not in acceptable])
            spent += time.perf_counter() - started
            rank, inliers = _diagnose([side, flipped], features, index, vocabulary, wanted, scoring)
            ranks.append(rank)
            among += rank < args.candidates
            verifies += inliers >= args.min_inliers
            if boxed and VOTED is not None:
                by_votes.append(_vote_diagnosis([side, flipped], features, wanted))
            ranked = [v[0] for v in verified[:10]]
            found += bool(wanted & set(ranked))
            hits += len(verified)
            right += sum(1 for v in verified if v[0] in acceptable)
            unrelated_best += [v[1] for v in verified if v[0] not in acceptable]
            distance = np.count_nonzero(pdqs[list(wanted)] != _pdq(part), axis=1)
            pdq_found += bool((distance <= 31).any())
        print(
            f"{label:24} {found / len(items):9.0%} {pdq_found / len(items):6.0%} {hits:6} "
            f"{(right / hits if hits else 1):9.1%} {spent / len(items) * 1000:9.0f} "
            f"{timing['search'] / max(1, timing['queries']) * 1000:7.0f} "
            f"{timing['verify'] / max(1, timing['queries']) * 1000:7.0f} "
            f"{among / len(items):8.0%} {verifies / len(items):8.0%} {np.median(ranks):5.0f} "
            f"{RETRIES['tilts'] / max(1, RETRIES['drawn']):5.0%} {worst:5}"
        )
        timing = {"search": 0.0, "verify": 0.0, "queries": 0}
        RETRIES.update(drawn=0, tilts=0)
        if by_votes:
            vote_ranks, drawn = (np.array(column) for column in zip(*by_votes, strict=True))
            first = vote_ranks < VOTED[1]
            verified = drawn >= VOTED[3]
            print(
                f"  {'by votes:':22} original among the first {VOTED[1]} {first.sum()}, "
                f"among 100 {(vote_ranks < 100).sum()}; the box as drawn verifies it (ratio "
                f"{VOTED[4]}) at {VOTED[3]} {verified.sum()}, both {(first & verified).sum()}"
            )
    print(
        f"wrong verified hits: {len(unrelated_best)} (largest inlier count "
        f"{max(unrelated_best, default=0)}; threshold {args.min_inliers}); of "
        f"{len(wrong_inliers):,} wrong candidates verified, the most inliers "
        f"{max(wrong_inliers, default=0)}, "
        + ", ".join(f"{sum(w >= t for w in wrong_inliers)} at >= {t}" for t in (6, 8, 10))
    )
    _scene_links(features, index, vocabulary, n)
    _extrapolate(features, index, vocabulary, total, args.candidates)
    if args.fill > total:
        _filled_query_time(features, vocabulary, args, queries, n, scorings)


_library_verify = geometry._verify
_counting = threading.Lock()


def word_index(
    features: Sequence[LocalFeatures], more: Sequence[LocalFeatures] = ()
) -> tuple[Vocabulary, ObjectIndex]:
    """A vocabulary trained on a sample of ``features`` and an object index of them (ids
    0, 1, ...), then of ``more`` (the ids after), merged: the benches' collection."""
    sample = np.concatenate([f.descriptors for f in features[:: max(1, len(features) // 5000)]])
    vocabulary = train_vocabulary(sample)
    index = ObjectIndex.in_memory(vocabulary)
    for i, f in enumerate([*features, *more]):
        index.add(i, vocabulary.words(f.descriptors))
    index._merge()
    return vocabulary, index


def _counted_verify(  # type: ignore[no-untyped-def]
    query: LocalFeatures,
    other: LocalFeatures,
    min_inliers: int,
    ratio: float = geometry.RATIO,
    affine: bool = False,
):
    """The library's single verification, counted: a query with tilts verified whole."""
    with _counting:
        RETRIES["tilts" if query.searched is not None else "drawn"] += 1
    return _library_verify(query, other, min_inliers, ratio, affine)


def _yes(text: str) -> bool:
    """A flag's 1 or 0 (yes or no)."""
    return text not in ("0", "no")


def _tilts(text: str) -> tuple[tuple[float, float], ...]:
    """``0.7x1,1x0.7`` as ((0.7, 1.0), (1.0, 0.7)); ``none`` as ()."""
    if text == "none":
        return ()
    pairs = [part.split("x") for part in text.split(",")]
    return tuple((float(width), float(height)) for width, height in pairs)


def cache_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments that name a cache this script wrote (for the benches that read one)."""
    parser.add_argument("--objects", type=int, default=60)
    parser.add_argument("--distractors", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cache", required=True, help="bench/objects.py's --cache file")


def cached_features(args: argparse.Namespace) -> list[LocalFeatures]:
    """The described pictures of the cache :func:`cache_arguments` named, or a clear exit."""
    key = np.array([args.objects, args.distractors, args.seed, MAX_POINTS], np.int64)
    cached = _read_cache(args.cache, key)
    if cached is None:
        raise SystemExit(f"{args.cache} is not bench/objects.py's cache for these settings")
    return cached[0]


def _read_cache(path: str, key: np.ndarray) -> tuple[list[LocalFeatures], list[np.ndarray]] | None:
    """Features and PDQ bits from an earlier run's ``--cache`` file, when it matches."""
    try:
        saved = np.load(path)
    except OSError:
        return None
    if not np.array_equal(saved["key"], key):
        print(f"{path} was made with other settings: describing the pictures again")
        return None
    starts, sizes = saved["starts"], saved["sizes"]  # each read of an npz member loads it
    points, descriptors = saved["points"], saved["descriptors"]
    features = [
        LocalFeatures(points[a:b], descriptors[a:b], int(size[0]), int(size[1]))
        for a, b, size in zip(starts[:-1], starts[1:], sizes, strict=True)
    ]
    return features, list(saved["pdqs"])


def _write_cache(
    path: str, key: np.ndarray, features: list[LocalFeatures], pdqs: list[np.ndarray]
) -> None:
    lengths = [len(f) for f in features]
    with open(path, "wb") as out:
        np.savez(
            out,
            key=key,
            starts=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
            sizes=np.array([[f.width, f.height] for f in features], np.int64),
            points=np.concatenate([f.points for f in features]),
            descriptors=np.concatenate([f.descriptors for f in features]),
            pdqs=np.array(pdqs),
        )


def _diagnose(sides, features, index, vocabulary, wanted, scoring):  # type: ignore[no-untyped-def]
    """The original's best TF-IDF rank over the sides (``RANK_DEPTH`` when deeper) and its
    best inlier count when verified directly, whatever its rank."""
    rank, inliers = RANK_DEPTH, 0
    for query in sides:
        words = vocabulary.words(query.search_descriptors(), QUERY_NEAREST)
        words = words if scoring == "overlap" else words.reshape(len(words), -1)[:, 0]
        found = [c.id for c in index.search(words, RANK_DEPTH, scoring=scoring)]
        rank = min([rank] + [found.index(i) for i in wanted if i in found])
        inliers = max([inliers] + [verify(query, features[i], MIN_INLIERS).inliers for i in wanted])
    return rank, inliers


def _vote_diagnosis(sides, features, wanted):  # type: ignore[no-untyped-def]
    """The original's best rank by votes over the sides (100 when deeper) and the inliers
    the box's points as drawn reach against it (the voted candidates' second check)."""
    votes, _, _, _, ratio = VOTED
    rank, inliers = 100, 0
    for query in sides:
        found = [v.id for v in votes.rank(query.search_descriptors(), 100)]
        rank = min([rank] + [found.index(i) for i in wanted if i in found])
        drawn = query.head(query.searched or len(query))
        inliers = max(
            [inliers]
            + [
                v.inliers
                for v in verify_many([(drawn, features[i]) for i in wanted], 5, 1, ratio, True)
            ]
        )
    return rank, inliers


def _answer(  # type: ignore[no-untyped-def]
    sides,
    features,
    index,
    vocabulary,
    timing,
    top,
    scoring="cosine",
    seen=None,
    threshold=MIN_INLIERS,
    deeper=0,
    boxed=False,
    voted=True,
):
    """Verified hits (id, inliers), best first; ``seen`` gets every candidate's inliers.
    The descriptor index's first candidates by votes are verified too (when built:
    ``--voted``; a drawn box's points as drawn at ``--voted-min-inliers``). When the first
    ``top`` candidates of each side give no hit, the next ``deeper`` are verified too, as
    ``vidi find`` does (:data:`vidi.objects.search.FIND_DEEPER`)."""
    best: dict[int, int] = {}
    asked = [
        vocabulary.words(query.search_descriptors(), QUERY_NEAREST if scoring == "overlap" else 1)
        for query in sides
    ]
    ranked = (sides, asked, index, features, timing, scoring, seen, threshold, best)
    start, stop = 0, min(FIRST or top, top)
    while _verify_ranked(*ranked, start, stop - start) and stop < top:
        start, stop = stop, min(top, stop + BATCH)  # the last batch gave a hit
    if voted and VOTED is not None:
        _verify_voted(sides, features, timing, seen, threshold, best, boxed)
    if not best and deeper:
        _verify_ranked(*ranked, stop, top + deeper - stop)
    timing["queries"] += 1
    return sorted(best.items(), key=lambda kv: -kv[1])


def _verify_ranked(  # type: ignore[no-untyped-def]
    sides, asked, index, features, timing, scoring, seen, threshold, best, skip, count
):
    """Each side's candidates ranked ``skip`` to ``skip + count``, verified into ``best``;
    returns how many reached ``threshold``."""
    hits = 0
    for query, words in zip(sides, asked, strict=True):
        started = time.perf_counter()
        candidates = index.search(words, skip + count, scoring=scoring)[skip:]
        timing["search"] += time.perf_counter() - started
        started = time.perf_counter()
        checked = verify_many(
            [(query, features[c.id]) for c in candidates], LOWEST_THRESHOLD, THREADS
        )
        for candidate, inliers in zip(candidates, (v.inliers for v in checked), strict=True):
            if seen is not None:
                seen[candidate.id] = max(seen.get(candidate.id, 0), inliers)
            if inliers >= threshold:
                best[candidate.id] = max(best.get(candidate.id, 0), inliers)
                hits += 1
        timing["verify"] += time.perf_counter() - started
    return hits


WHOLE_MIN_VOTES = FIND_WHOLE_MIN_VOTES
FIRST = FIND_FIRST
"""Candidates a side verified first; then ``BATCH`` more while the last gave a hit, up to
``--candidates`` (``--first``, ``--batch``; 0: all ``--candidates`` at once, round 11)."""
BATCH = FIND_BATCH
"""Votes a candidate needs before the whole query is verified against it (``--whole-min-votes``)."""
VOTED = None
"""The descriptor index and its settings (candidates, least votes, a drawn box's inliers)."""


def descriptor_index(features: Sequence[LocalFeatures], vocabulary: Vocabulary) -> DescriptorIndex:
    """A descriptor index of ``features`` (ids 0, 1, ...), listed under ``vocabulary``'s words."""
    votes = DescriptorIndex.in_memory(vocabulary)
    for start in range(0, len(features), 1_000):
        votes.add(
            (i, features[i].descriptors) for i in range(start, min(len(features), start + 1_000))
        )
    return votes


def _verify_voted(sides, features, timing, seen, threshold, best, boxed):  # type: ignore[no-untyped-def]
    """Each side's first candidates by votes, verified into ``best``: with the whole side
    at ``threshold``, and a drawn box's points as drawn at the voted threshold."""
    votes, count, min_votes, drawn_threshold, ratio = VOTED
    for query in sides:
        started = time.perf_counter()
        voted = votes.rank(query.search_descriptors(), count, min_votes)
        ranked = [v.id for v in voted]
        timing["search"] += time.perf_counter() - started
        started = time.perf_counter()
        checks = [
            (v.id, verify_many([(query, features[v.id])], LOWEST_THRESHOLD)[0])
            for v in voted
            if v.votes >= WHOLE_MIN_VOTES
        ]
        results = [(c, result, threshold) for c, result in checks]
        if boxed:
            drawn = query.head(query.searched or len(query))
            found = verify_many(
                [(drawn, features[c]) for c in ranked], LOWEST_THRESHOLD, THREADS, ratio, True
            )
            results += [
                (c, result, drawn_threshold) for c, result in zip(ranked, found, strict=True)
            ]
        for candidate, result, need in results:
            if seen is not None:
                seen[candidate] = max(seen.get(candidate, 0), result.inliers)
            if result.inliers >= need:
                best[candidate] = max(best.get(candidate, 0), result.inliers)
        timing["verify"] += time.perf_counter() - started


def _scene_links(features, index, vocabulary, n):  # type: ignore[no-untyped-def]
    """Each second view asks as the feature stage does, with its whole picture and
    ``LINK_CANDIDATES`` candidates (the stage's mirror-image side only finds mirrored
    copies; there are none here)."""
    right = wrong = 0
    timing = {"search": 0.0, "verify": 0.0, "queries": 0}
    for i in range(n):
        hits = _answer(
            [features[n + i]], features, index, vocabulary, timing, LINK_CANDIDATES, voted=False
        )
        linked = {h for h, _ in hits if h != n + i}
        right += i in linked
        wrong += len(linked - {i})
    links = right + wrong
    print(
        f"same-scene links: recall {right / n:.0%} ({right} of {n} second views linked to "
        f"their room), precision {(right / links if links else 1):.1%} ({wrong} wrong links)"
    )


def _extrapolate(features, index, vocabulary, size, candidates):  # type: ignore[no-untyped-def]
    """The candidate search grows with the postings (linear in pictures); verification does
    not (a fixed number of candidates). Time both on this index and scale the first."""
    queries = [features[i] for i in range(0, len(features), max(1, len(features) // 50))]
    words = [vocabulary.words(f.descriptors) for f in queries]
    started = time.perf_counter()
    for w in words:
        index.search(w, candidates)
    search_ms = (time.perf_counter() - started) / len(words) * 1000
    started = time.perf_counter()
    for f in queries[:10]:
        query = f.head(QUERY_POINTS)  # a query is described by QUERY_POINTS
        for candidate in index.search(vocabulary.words(query.descriptors), candidates):
            verify(query, features[candidate.id], MIN_INLIERS)
    verify_ms = (time.perf_counter() - started) / min(10, len(queries)) * 1000
    print(
        f"one query side at {size:,} pictures: candidate search {search_ms:.1f} ms, "
        f"verification of {candidates} candidates {verify_ms:.0f} ms; a query asks twice "
        "(picture and mirror image)"
    )
    shard = 1_000_000
    for target in (100_000, 10_000_000, 85_000_000):
        scaled = search_ms * target / size
        sharded = search_ms * min(target, shard) / size
        print(
            f"  at {target:>11,} pictures: {2 * (scaled + verify_ms) / 1000:.2f} s a query in "
            f"one process (search linear in postings); {2 * (sharded + verify_ms) / 1000:.2f} s "
            f"with {max(1, -(-target // shard))} shards of at most {shard:,} searched side by side"
        )


def _filled_query_time(features, vocabulary, args, queries, n, scorings):  # type: ignore[no-untyped-def]
    """Query time at ``--fill`` indexed pictures without describing that many: the index
    holds every real feature set, then word bags resampled from the real distractors'
    (each a random 90 % of one distractor's words; their postings are as long as real
    pictures', so the search reads as much as it would). A filler row among the
    candidates is verified as the distractor it was drawn from. Asked: up to 20 queries
    of each kind."""
    rng = np.random.default_rng(args.seed + 1)
    started = time.perf_counter()
    real = [vocabulary.words(f.descriptors) for f in features]
    source = np.concatenate(
        [np.arange(len(features)), rng.integers(2 * n, len(features), args.fill - len(features))]
    )
    uniques, counts = [], []
    for row, of in enumerate(source):
        words = real[of] if row < len(features) else real[of][rng.random(len(real[of])) < 0.9]
        u, c = np.unique(words, return_counts=True)
        uniques.append(u.astype(np.int32))
        counts.append(c.astype(np.uint16))
    words = np.concatenate(uniques)
    rows = np.repeat(np.arange(len(source), dtype=np.int32), [len(u) for u in uniques])
    order = np.argsort(words, kind="stable")
    index = ObjectIndex.in_memory(vocabulary)
    index._ids = np.arange(len(source), dtype=np.int64)
    index._starts = np.searchsorted(words[order], np.arange(len(vocabulary) + 1)).astype(np.int64)
    index._rows = rows[order]
    index._counts = np.concatenate(counts)[order]
    index._df = np.bincount(words, minlength=len(vocabulary)).astype(np.int64)
    index._known = set(range(len(source)))
    weights = index._counts * index._idf()[words[order]]
    norms = np.sqrt(np.bincount(index._rows, weights**2, minlength=len(source)))
    index._norms = np.where(norms > 0, norms, 1.0).astype(np.float32)
    built = time.perf_counter() - started
    stand_in = [features[int(of)] for of in source]
    print(
        f"filled index: {len(source):,} rows ({len(features):,} real), "
        f"{len(index._rows):,} postings, built in {built:.0f} s"
    )
    for name, items in queries.items():
        for scoring in scorings:
            timing = {"search": 0.0, "verify": 0.0, "queries": 0}
            found = 0
            for side, flipped, _, wanted, _, _ in items[:20]:
                hits = _answer(
                    [side, flipped],
                    stand_in,
                    index,
                    vocabulary,
                    timing,
                    args.candidates,
                    scoring,
                    threshold=args.min_inliers,
                    deeper=args.deeper,
                    voted=False,  # the stand-in rows are not in the descriptor index
                )
                found += bool(wanted & {h for h, _ in hits[:10]})
            asked = timing["queries"]
            print(
                f"  {name:24} ({scoring}) at {len(source):,}: recall@10 {found / asked:4.0%}, "
                f"search {timing['search'] / asked * 1000:.0f} ms, verification "
                f"{timing['verify'] / asked * 1000:.0f} ms a query (both sides)"
            )


if __name__ == "__main__":
    main()
