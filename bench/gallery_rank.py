"""Gallery items among the feature stage's link candidates, in a large generated collection.

The stage makes an ``object_match`` clue only for a gallery item among a new picture's
``LINK_CANDIDATES``, ranked against every indexed picture. This asks, for each of
``--objects`` generated objects imported as gallery items (``textured_object(i)``), with
the picture from ``bench/objects.py`` that shows it (filling ~4 % of it): where the item
ranks among everything, where among the gallery's items alone (``--scoring``), and
whether it verifies (700 × 700 points as links do; all points; unrelated items).

    .venv/bin/python bench/objects.py --objects 60 --distractors 3000 --cache FILE
    .venv/bin/python bench/gallery_rank.py --objects 60 --distractors 3000 --cache FILE
"""

from __future__ import annotations

import argparse

import numpy as np

from objects import _read_cache  # bench/objects.py, beside this script (on the path as run)
from vidi.demo.objects import textured_object
from vidi.fingerprints.local_features import MAX_POINTS, extract_features
from vidi.index.geometry import verify
from vidi.index.objects import ObjectIndex
from vidi.index.vocabulary import train_vocabulary
from vidi.objects.matching import LINK_CANDIDATES, LINK_POINTS, MIN_INLIERS


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", type=int, default=60)
    parser.add_argument("--distractors", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cache", required=True, help="bench/objects.py's --cache file")
    parser.add_argument("--scoring", default="overlap", help="cosine or overlap, among items")
    args = parser.parse_args()
    n = args.objects
    key = np.array([n, args.distractors, args.seed, MAX_POINTS], np.int64)
    cached = _read_cache(args.cache, key)
    if cached is None:
        raise SystemExit(f"{args.cache} is not bench/objects.py's cache for these settings")
    features = cached[0]
    sample = np.concatenate([f.descriptors for f in features[:: max(1, len(features) // 5000)]])
    vocabulary = train_vocabulary(sample)
    index = ObjectIndex.in_memory(vocabulary)
    for i, f in enumerate(features):
        index.add(i, vocabulary.words(f.descriptors))
    items = [extract_features(textured_object(i)) for i in range(n)]
    first = len(features)
    for i, f in enumerate(items):
        index.add(first + i, vocabulary.words(f.descriptors))
    index._merge()
    gallery = np.arange(first, first + n)
    everywhere, among_items, links, whole, wrong = [], [], 0, 0, []
    for i in range(n):
        words = vocabulary.words(features[i].descriptors)
        ranked = [c.id for c in index.search(words, 1000)]
        everywhere.append(ranked.index(first + i) if first + i in ranked else 1000)
        ranked = [c.id for c in index.search(words, n, gallery, args.scoring)]
        among_items.append(ranked.index(first + i) if first + i in ranked else n)
        links += verify(features[i].head(LINK_POINTS), items[i].head(LINK_POINTS)).inliers >= (
            MIN_INLIERS
        )
        whole += verify(features[i], items[i]).inliers >= MIN_INLIERS
        wrong += [verify(features[i], items[j]).inliers for j in range(n) if j != i]
    print(
        f"{first:,} pictures and {n} gallery items, each asked with the picture showing it:\n"
        f"  among the stage's {LINK_CANDIDATES} candidates (everything ranked): "
        f"{sum(r < LINK_CANDIDATES for r in everywhere)} of {n} (median rank "
        f"{int(np.median(everywhere))})\n"
        f"  among the first {LINK_CANDIDATES} of the gallery's items alone ({args.scoring}): "
        f"{sum(r < LINK_CANDIDATES for r in among_items)} of {n}\n"
        f"  verified at {MIN_INLIERS} inliers: {links} of {n} with {LINK_POINTS} × "
        f"{LINK_POINTS} points (as links), {whole} with all points; unrelated items: the most "
        f"{max(wrong)} inliers of {len(wrong):,} pairs"
    )


if __name__ == "__main__":
    main()
