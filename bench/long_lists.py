"""Skipping the longest lists: what the region query's two searches would save and lose.

A stop list (the most frequent visual words left out) is the usual way to make an
inverted file cheaper. This bench measures it on a home built by bench/find_scale.py
(100,000 pictures, 60 boxes drawn around objects pasted into new rooms): for the
descriptor index's vote search, each cap on a list's length (descriptors) with the
share of comparisons kept, the time a box side (2 threads) and the originals voted among
the first 20; for the object index's word search, each cap on a word's pictures with
the postings kept, the time a side and the originals among the first 100. The
baseline printed first is each search as the library asks it (no cap), same run, asked
twice (the first pass reads what the page cache lost from disk).

    .venv/bin/python bench/long_lists.py --home DIR_BUILT_BY_FIND_SCALE
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from PIL import Image
from sqlalchemy import select

from vidi import Workbench
from vidi.fingerprints.local_features import query_features
from vidi.objects.features import open_descriptor_index, open_object_index
from vidi.objects.search import FIND_CANDIDATES, FIND_SCORING, FIND_THREADS, FIND_VOTED
from vidi.store.models import LocalFeatureSet

PROBES = 3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", required=True)
    parser.add_argument("--list-caps", default="100000,50000,25000")
    parser.add_argument("--word-caps", default="30000,20000,10000")
    args = parser.parse_args()
    home = Path(args.home)
    asked = json.loads((home / "queries.json").read_text())
    with (
        Workbench.open(home) as wb,
        open_object_index(wb.settings) as index,
        open_descriptor_index(wb.settings) as points,
    ):
        vocabulary = index.vocabulary
        assert vocabulary is not None, "run bench/find_scale.py on this home first"
        points.use(vocabulary, points.extractor)
        with wb.db.session() as session:
            originals: dict[str | None, int] = dict(
                session.execute(select(LocalFeatureSet.media_sha256, LocalFeatureSet.id)).all()
            )
        boxes = []
        for query in asked:
            picture = np.asarray(Image.open(home / "evidence" / query["file"]).convert("RGB"))
            side = query_features(picture, tuple(query["box"])).search_descriptors()
            boxes.append((originals[query["original"]], side))
        # Each search asked once first without a cap, not timed: the first pass reads the
        # lists from disk where the page cache lost them.
        _votes(points, boxes, [0, 0] + [int(c) for c in args.list_caps.split(",") if c])
        _words(index, boxes, [0, 0] + [int(c) for c in args.word_caps.split(",") if c])


def _votes(points, boxes, caps) -> None:  # type: ignore[no-untyped-def]
    vocabulary = points.vocabulary
    sizes = np.zeros(len(vocabulary), np.int64)
    for segment in points._segments:  # noqa: SLF001 - a bench reads the lists' lengths
        lists = segment.index.invlists
        sizes += np.array([lists.list_size(i) for i in range(len(vocabulary))])
    print(
        f"descriptor index: {sizes.sum():,} descriptors in {len(sizes):,} lists; length "
        f"median {np.median(sizes):,.0f}, mean {sizes.mean():,.0f}, largest {sizes.max():,}"
    )
    every = np.concatenate([side for _, side in boxes])
    probed = sizes[vocabulary.words(every, PROBES).reshape(-1, PROBES)]
    print(f"  a box's point is compared with {probed.sum() / len(every):,.0f} descriptors")
    for cap in caps:
        kept = np.where(probed > cap, 0, probed).sum() / probed.sum() if cap else 1.0
        started = time.perf_counter()
        voted = 0
        for original, side in boxes:
            ids = [v.id for v in _capped_rank(points, side, cap, sizes)]
            voted += original in ids
        spent = (time.perf_counter() - started) / len(boxes)
        print(
            f"  {'no cap (the library)' if not cap else f'lists over {cap:,} skipped'}: "
            f"comparisons {kept:.0%}, {spent * 1000:.0f} ms a box side, originals among "
            f"the first {FIND_VOTED} by votes {voted} of {len(boxes)}"
        )


def _capped_rank(points, side, cap, sizes):  # type: ignore[no-untyped-def]
    """DescriptorIndex.rank with the lists longer than ``cap`` left out (their words
    given as -1, which FAISS skips)."""
    if not cap:
        return points.rank(side, FIND_VOTED, 1, None, threads=FIND_THREADS)
    real = points.vocabulary.words

    def words(descriptors, probes=1):  # type: ignore[no-untyped-def]
        found = real(descriptors, probes).astype(np.int64)
        found[sizes[found] > cap] = -1
        return found

    points.vocabulary.words = words
    try:
        return points.rank(side, FIND_VOTED, 1, None, threads=FIND_THREADS)
    finally:
        del points.vocabulary.words


def _words(index, boxes, caps) -> None:  # type: ignore[no-untyped-def]
    df = index._df  # noqa: SLF001 - a bench reads the words' document frequencies
    print(
        f"object index: {len(index):,} pictures; a word's pictures median "
        f"{np.median(df):,.0f}, mean {df.mean():,.0f}, largest {df.max():,}"
    )
    asked = [(original, index.vocabulary.words(side, 1).ravel()) for original, side in boxes]
    total = sum(int(df[np.unique(w)].sum()) for _, w in asked)
    for cap in caps:
        kept = (
            sum(int(df[np.unique(w)][df[np.unique(w)] <= cap].sum()) for _, w in asked) / total
            if cap
            else 1.0
        )
        started = time.perf_counter()
        ranked = 0
        for original, words in asked:
            wanted = words[df[words] <= cap] if cap else words
            found = index.search(wanted, FIND_CANDIDATES, None, FIND_SCORING)
            ranked += original in {c.id for c in found}
        spent = (time.perf_counter() - started) / len(asked)
        what = f"words in over {cap:,} pictures left out" if cap else "no cap (the library)"
        print(
            f"  {what}: "
            f"postings {kept:.0%}, {spent * 1000:.0f} ms a side, originals among the first "
            f"{FIND_CANDIDATES} {ranked} of {len(asked)}"
        )


if __name__ == "__main__":
    main()
