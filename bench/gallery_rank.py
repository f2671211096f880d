"""Gallery items found by the feature stage in a large generated collection.

``--objects`` generated objects (``textured_object(i)``) are imported as gallery items,
each also as its mirror image (``--extra-items`` adds unrelated ones). Each is asked
with the picture from ``bench/objects.py`` that shows it (filling ~4 % of it), and with
that picture mirrored, as the stage asks (:func:`vidi.objects.matching.gallery_hits`:
each of the picture's points votes for the entry holding its clearly nearest
descriptor; the entries with most votes are verified). "found" counts the pictures
whose item became a hit (mirrored for the mirrored picture); "wrong" the hits on an
item a picture does not show, asked of the same pictures, of each original's room seen
again with another object in it, and of ``--negatives`` distractor rooms. The cost is
the gallery search and its verifications a picture, on one thread, against one ORB
detection of a picture measured in the same run.

``--before`` also ranks each item among everything in an object index of the
``--cache`` pictures, as the stage's link candidates are ranked (round 6's only way to
a gallery clue); ``--find`` also asks a box around each object of the gallery's items,
as ``vidi find --scope gallery:NAME`` does for a gallery of more than 100 items.
``--sides-cache FILE`` keeps the asked pictures' features between
runs; ``--probes``, ``--ratio``, ``--max-distance``, ``--train-iterations``,
``--candidates`` and ``--min-votes`` change the library's settings, and
``--picture-points N`` asks with only a picture's first (strongest) N points.

    .venv/bin/python bench/objects.py --objects 60 --distractors 3000 --cache FILE
    .venv/bin/python bench/gallery_rank.py --cache FILE --negatives 300 --sides-cache F2 \
        [--extra-items 940] [--before] [--find]
"""

from __future__ import annotations

import argparse
import pickle
import time
from pathlib import Path

import cv2
import numpy as np

from objects import (  # bench/objects.py, beside this
    cache_arguments,
    cached_features,
    quick_room,
    word_index,
)
from vidi.demo.objects import crop_area, paste, recompress, room, rotate, textured_object
from vidi.fingerprints.local_features import (
    MAX_POINTS,
    LocalFeatures,
    extract_features,
    extract_with_mirror,
    query_features,
)
from vidi.index import gallery_index
from vidi.index.gallery_index import GalleryEntry, GalleryIndex
from vidi.index.geometry import verify_many
from vidi.objects import matching, search
from vidi.objects.matching import LINK_CANDIDATES, best_hits, gallery_hits


def main() -> None:
    parser = argparse.ArgumentParser()
    cache_arguments(parser)
    parser.add_argument("--negatives", type=int, default=1000)
    parser.add_argument("--extra-items", type=int, default=0, help="more unrelated items")
    parser.add_argument("--probes", type=int, default=gallery_index.PROBES)
    parser.add_argument("--ratio", type=float, default=gallery_index.RATIO)
    parser.add_argument("--train-iterations", type=int, default=gallery_index.TRAIN_ITERATIONS)
    parser.add_argument("--max-distance", type=int, default=gallery_index.MAX_DISTANCE)
    parser.add_argument("--before", action="store_true", help="also rank among everything")
    parser.add_argument("--find", action="store_true", help="also ask boxes of the gallery")
    parser.add_argument("--sides-cache", help="keep the asked pictures' features here")
    parser.add_argument("--candidates", type=int, default=matching.GALLERY_CANDIDATES)
    parser.add_argument("--min-votes", type=int, default=matching.GALLERY_MIN_VOTES)
    parser.add_argument("--picture-points", type=int, default=0, help="ask only the first N")
    args = parser.parse_args()
    gallery_index.PROBES = args.probes  # read by the library when it runs
    gallery_index.RATIO = args.ratio
    gallery_index.TRAIN_ITERATIONS = args.train_iterations
    gallery_index.MAX_DISTANCE = args.max_distance
    matching.GALLERY_CANDIDATES = args.candidates
    matching.GALLERY_MIN_VOTES = args.min_votes
    n = args.objects
    features = cached_features(args)

    item_pictures = [textured_object(i) for i in range(n)]
    item_pictures += [textured_object(500_000 + i) for i in range(args.extra_items)]
    items = [extract_features(p) for p in item_pictures]
    flipped = [extract_features(np.ascontiguousarray(p[:, ::-1])) for p in item_pictures]
    started = time.perf_counter()
    gallery = GalleryIndex(
        [GalleryEntry(i, False, f) for i, f in enumerate(items)]
        + [GalleryEntry(i, True, f) for i, f in enumerate(flipped)]
    )
    build_s = time.perf_counter() - started

    if args.before or args.find:
        print(f"before: {_before(features, items, n, args.seed, args.find)}")
    asked = _asked(args.seed, n, args.negatives, args.sides_cache)

    found = found_mirrored = 0
    wrong: list[tuple[str, int, int]] = []
    seconds: list[float] = []
    true_votes: list[int] = []
    wrong_votes: list[int] = []
    for name, i, sides, mirrored_sides in asked:
        right = i if name == "originals" else -1
        started = time.perf_counter()
        hits = gallery_hits(gallery, _first(sides[0], args.picture_points))
        seconds.append(time.perf_counter() - started)
        mirrored = gallery_hits(gallery, _first(mirrored_sides[0], args.picture_points))
        for r in gallery.rank(sides[0].descriptors, len(gallery), 0):
            right_one = r.entry.id == right and not r.entry.mirrored
            (true_votes if right_one else wrong_votes).append(r.votes)
        found += any(h.id == right and not h.mirrored for h in hits)
        found_mirrored += any(h.id == right and h.mirrored for h in mirrored)
        wrong += [(name, i, h.inliers) for h in hits + mirrored if h.id != right]
    detect = _detect_seconds(args.seed, min(n, 30))
    floor = args.min_votes
    print(
        f"now ({len(items)} items and their mirror images, {len(gallery._owner):,} "
        f"descriptors, index built in "
        f"{build_s * 1000:.0f} ms; {args.probes} probes, ratio {args.ratio}, within "
        f"{args.max_distance} bits, {args.candidates} candidates with {floor} votes or more):\n"
        f"  found {found} of {n} pictures, {found_mirrored} of {n} mirrored\n"
        f"  wrong hits: {len(wrong)} in {2 * len(asked):,} pictures asked "
        f"(most inliers {max((w[2] for w in wrong), default=0)})\n"
        f"  cost: {np.mean(seconds) * 1000:.1f} ms a picture (median "
        f"{np.median(seconds) * 1000:.1f}), {np.mean(seconds) / detect:.2f}x one "
        f"ORB detection of a picture ({detect * 1000:.1f} ms)\n"
        f"  votes: the right item {min(true_votes)}-{max(true_votes)} (median "
        f"{int(np.median(true_votes))}, under {floor} for {sum(v < floor for v in true_votes)}); "
        f"wrong items at most {max(wrong_votes)}, {floor} or more for "
        f"{sum(v >= floor for v in wrong_votes)} of {len(wrong_votes):,}"
    )
    for w in wrong[:10]:
        print("   wrong:", w)


def _before(
    features: list[LocalFeatures], items: list[LocalFeatures], n: int, seed: int, find: bool
) -> str:
    """Each item ranked among everything as the stage ranks link candidates; with ``find``,
    also asked as ``vidi find --scope gallery:NAME`` asks a gallery of more than
    ``FIND_CANDIDATES`` items: a box drawn around the object, ranked among the gallery's
    items by the object index, the first ``FIND_CANDIDATES`` a side verified."""
    vocabulary, index = word_index(features, items)
    first = len(features)
    ranks = []
    for i in range(n):
        ranked = [c.id for c in index.search(vocabulary.words(features[i].descriptors), 1000)]
        ranks.append(ranked.index(first + i) if first + i in ranked else 1000)
    said = (
        f"{first:,} pictures indexed with the items; the item among the stage's "
        f"{LINK_CANDIDATES} link candidates for {sum(r < LINK_CANDIDATES for r in ranks)} of "
        f"{n} (median rank {int(np.median(ranks))})"
    )
    if not find:
        return said
    allowed = np.arange(first, first + len(items))
    originals, boxes, _ = _pictures(seed, n)
    found, started = 0, time.perf_counter()
    for i, (picture, box) in enumerate(zip(originals, boxes, strict=True)):
        queries = [query_features(picture, box), query_features(picture, box, mirror=True)]
        checks = []
        for side, query in enumerate(queries):
            words = vocabulary.words(query.search_descriptors(), search.FIND_NEAREST_WORDS)
            for c in index.search(words, search.FIND_CANDIDATES, allowed, search.FIND_SCORING):
                checks.append((side, c.id))
        results = verify_many(
            [(queries[side], items[id_ - first]) for side, id_ in checks],
            search.FIND_MIN_INLIERS,
            search.FIND_THREADS,
        )
        hits = best_hits(
            ((id_, 0.0, side == 1, r) for (side, id_), r in zip(checks, results, strict=True)),
            search.FIND_MIN_INLIERS,
        )
        found += bool(hits) and hits[0].id == first + i
    seconds = (time.perf_counter() - started) / n
    return (
        f"{said}\n  a box around the object asked of the {len(items)} items (vidi find "
        f"--scope gallery:NAME): the item first for {found} of {n}, {seconds:.2f} s a query"
    )


def _pictures(
    seed: int, n: int
) -> tuple[list[np.ndarray], list[tuple[int, int, int, int]], list[np.ndarray]]:
    """bench/objects.py's originals, the boxes of their objects, and their rooms seen
    again (its random draws, in order)."""
    rng = np.random.default_rng(seed)
    pasted = [paste(room(i), textured_object(i), rng, 0.6) for i in range(n)]
    originals = [recompress(picture, 85) for picture, _ in pasted]
    boxes = [box for _, box in pasted]
    again = []
    for i in range(n):
        other, _ = paste(room(i), textured_object(900_000 + i), rng, 0.5)
        again.append(recompress(crop_area(rotate(other, 8), 0.7, rng), 85))
    return originals, boxes, again


Asked = list[tuple[str, int, list[LocalFeatures], list[LocalFeatures]]]


def _asked(seed: int, n: int, negatives: int, cache: str | None) -> Asked:
    """Each picture asked (kind, number): its sides as the stage has them, and its mirror
    image's. Kept in ``cache`` (a pickle this script wrote) between runs."""
    key = (seed, n, negatives)
    if cache and Path(cache).exists():
        with open(cache, "rb") as f:
            kept_key, asked = pickle.load(f)
        if kept_key == key:
            return asked  # type: ignore[no-any-return]
    originals, _, seen_again = _pictures(seed, n)
    distractors = [recompress(quick_room(100_000 + 2 * n + j), 85) for j in range(negatives)]
    asked = [
        (name, i, list(extract_with_mirror(p)), _mirrored(p))
        for name, pictures in (
            ("originals", originals),
            ("seen again", seen_again),
            ("distractors", distractors),
        )
        for i, p in enumerate(pictures)
    ]
    if cache:
        with open(cache, "wb") as f:
            pickle.dump((key, asked), f)
    return asked


def _detect_seconds(seed: int, n: int) -> float:
    """One ORB detection of a picture, on average (the cost's unit, measured in this run)."""
    pictures, _, _ = _pictures(seed, n)
    started = time.perf_counter()
    for picture in pictures:
        cv2.ORB_create(MAX_POINTS).detect(cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY), None)
    return (time.perf_counter() - started) / n


def _first(features: LocalFeatures, points: int) -> LocalFeatures:
    return features.head(points) if points else features


def _mirrored(picture: np.ndarray) -> list[LocalFeatures]:
    return list(extract_with_mirror(np.ascontiguousarray(picture[:, ::-1])))


if __name__ == "__main__":
    main()
