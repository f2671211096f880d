"""Objects pasted into new rooms, ranked by visual words and by nearest-descriptor votes.

Where the region query loses a pasted object: the object index ranks its original by
shared visual words; the descriptor index (:class:`vidi.index.descriptors.DescriptorIndex`,
the region query's second ranking) by the votes of the box's points for the pictures
holding their clearly nearest descriptors. Printed: how many originals rank among the
first 10 / 20 / 50 / 100 each way, how many of those a direct verification finds
(``FIND_MIN_INLIERS``), the time a query each way, and the index's size. Then the
first ``FIND_VOTED`` by votes are verified with the box's points as drawn (no simulated
tilts): how many originals reach each inlier count, and how many other pictures do
(the threshold a drawn box's voted candidates need, ``FIND_VOTED_MIN_INLIERS``).

    .venv/bin/python bench/objects.py --objects 60 --distractors 3000 --cache FILE
    .venv/bin/python bench/pasted_votes.py --cache FILE
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from objects import (  # bench/objects.py, beside this script
    cache_arguments,
    cached_features,
    word_index,
)
from vidi.demo.objects import in_a_new_room
from vidi.fingerprints.local_features import LocalFeatures, query_features
from vidi.index import descriptors as descriptors_module
from vidi.index.descriptors import DescriptorIndex
from vidi.index.geometry import verify_many
from vidi.index.vocabulary import Vocabulary
from vidi.objects import search


def main() -> None:
    parser = argparse.ArgumentParser()
    cache_arguments(parser)
    parser.add_argument("--queries-seed", type=int, default=99)
    parser.add_argument(
        "--saved",
        default="",
        help="an empty folder: save the descriptor index there and time its opening (by a "
        "new process, and again by the same one)",
    )
    args = parser.parse_args()
    n = args.objects
    features = cached_features(args)
    started = time.perf_counter()
    vocabulary, index = word_index(features)
    words_s = time.perf_counter() - started
    started = time.perf_counter()
    votes = DescriptorIndex.in_memory(vocabulary)
    votes.add((i, f.descriptors) for i, f in enumerate(features))
    votes_s = time.perf_counter() - started
    descriptors = sum(len(f) for f in features)
    if args.saved:
        _time_saved(votes, vocabulary, Path(args.saved), features)

    rng = np.random.default_rng(args.queries_seed)
    by_words, by_votes, verifiable, words_ms, votes_ms = [], [], [], [], []
    right: list[int] = []
    wrong: list[int] = []
    for i in range(n):
        picture, box = in_a_new_room(i, rng)
        sides = [query_features(picture, box), query_features(picture, box, mirror=True)]
        started = time.perf_counter()
        ranked = [
            [
                c.id
                for c in index.search(
                    vocabulary.words(q.search_descriptors(), search.FIND_NEAREST_WORDS),
                    search.FIND_CANDIDATES,
                    None,
                    search.FIND_SCORING,
                )
            ]
            for q in sides
        ]
        words_ms.append((time.perf_counter() - started) * 1000)
        by_words.append(min((r.index(i) for r in ranked if i in r), default=10**6))
        started = time.perf_counter()
        ranked = [
            [r.id for r in votes.rank(q.search_descriptors(), search.FIND_CANDIDATES, 1)]
            for q in sides
        ]
        votes_ms.append((time.perf_counter() - started) * 1000)
        by_votes.append(min((r.index(i) for r in ranked if i in r), default=10**6))
        direct = verify_many([(q, features[i]) for q in sides], search.FIND_MIN_INLIERS)
        verifiable.append(max(d.inliers for d in direct) >= search.FIND_MIN_INLIERS)
        drawn = sides[0].head(sides[0].searched or len(sides[0]))
        first = [r.id for r in votes.rank(drawn.descriptors, search.FIND_VOTED, 1)]
        checked = verify_many([(drawn, features[c]) for c in first], 5)
        pairs = list(zip(first, checked, strict=True))
        right.append(max([v.inliers for c, v in pairs if c == i], default=0))
        wrong += [v.inliers for c, v in pairs if c != i]
    words, voted, ok = np.array(by_words), np.array(by_votes), np.array(verifiable)
    print(
        f"{len(features):,} pictures, {descriptors:,} descriptors; object index built in "
        f"{words_s:.0f} s, descriptor index in {votes_s:.0f} s ({descriptors * 32 / 1e6:.0f} "
        f"MB of descriptors); {n} objects pasted into new rooms, asked with a box"
    )
    print(
        f"  verified directly against the original ({search.FIND_MIN_INLIERS} inliers): {ok.sum()}"
    )
    for top in (10, 20, 50, 100):
        print(
            f"  original among the first {top:>3}: by words {(words < top).sum():>2} "
            f"({((words < top) & ok).sum()} verifiable), by votes {(voted < top).sum():>2} "
            f"({((voted < top) & ok).sum()} verifiable)"
        )
    got, others = np.array(right), np.array(wrong)
    print(
        f"  the first {search.FIND_VOTED} by votes verified with the box as drawn: "
        f"{len(others)} other pictures"
    )
    for need in (8, 9, 10, 11, 12, 14, 16, 18):
        print(
            f"    at {need:>2} inliers or more: originals {(got >= need).sum():>2}, "
            f"other pictures {(others >= need).sum()}"
        )
    print(
        f"  a query (both sides): by words {np.mean(words_ms):.0f} ms, by votes "
        f"{np.mean(votes_ms):.0f} ms (one thread)"
    )


def _time_saved(
    votes: DescriptorIndex, vocabulary: Vocabulary, folder: Path, features: list[LocalFeatures]
) -> None:
    """Save the index as the library does, then time opening it (memory-mapped, the
    checksums checked when written; bench/descriptor_scale.py times the ways of opening
    at 100,000 pictures) and one vote ranking after it."""
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with DescriptorIndex.open(folder) as saved:
        saved.use(vocabulary, "bench")
        saved.add((i, f.descriptors) for i, f in enumerate(features))
        saved.save()
    saving = time.perf_counter() - started
    size = sum(p.stat().st_size for p in folder.iterdir())
    opened = []
    for _ in range(3):
        if not opened:
            descriptors_module._LOADED.clear()  # the first query of a new process
        started = time.perf_counter()
        with DescriptorIndex.open(folder) as again:
            again.use(vocabulary, "bench")
            opened.append(time.perf_counter() - started)
            started = time.perf_counter()
            again.rank(features[0].descriptors[:700], 20)
            ranking = time.perf_counter() - started
    print(
        f"saved: {size / 1e6:,.0f} MB on disk, written in {saving:.0f} s (added again); "
        f"opened by a new process in {opened[0]:.2f} s (memory-mapped; checksums checked "
        "when written), "
        f"again by the same process in {max(opened[1:]) * 1000:.0f} ms; a ranking of 700 "
        f"points {ranking * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
