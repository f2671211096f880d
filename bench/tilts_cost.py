"""What a query's simulated tilts cost in verification: none, gated (the library's), always.

Twenty objects pasted into new rooms (boxes drawn) and twenty 5 % crops (asked whole)
are verified against sixty unrelated generated rooms and against their own originals,
with the query described as drawn only (``TILTS = ()``), with the tilts verified after
``RETRY_INLIERS`` inliers as drawn (the library's), and with the tilts verified for every
candidate. Times are interleaved over three runs and printed as ratios to "none"; the
originals found show what the time buys.

    .venv/bin/python bench/tilts_cost.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from vidi.demo.objects import crop_area, in_a_new_room, paste, recompress, room, textured_object
from vidi.fingerprints import local_features
from vidi.fingerprints.local_features import LocalFeatures, extract_features, query_features
from vidi.index import geometry
from vidi.index.geometry import verify
from vidi.objects.search import FIND_MIN_INLIERS

QUERIES = 20
UNRELATED = 60
RUNS = 3


def main() -> None:
    rng = np.random.default_rng(7)
    originals = [
        recompress(paste(room(i), textured_object(i), rng, 0.6)[0], 85) for i in range(QUERIES)
    ]
    stored = [extract_features(picture) for picture in originals]
    unrelated = [extract_features(recompress(room(700_000 + i), 85)) for i in range(UNRELATED)]
    asked: list[tuple[np.ndarray, tuple[int, int, int, int] | None, int]] = []
    for i in range(QUERIES):
        new_room, box = in_a_new_room(i, rng)
        asked.append((new_room, box, i))
        asked.append((crop_area(originals[i], 0.05, rng), None, i))
    library = (local_features.TILTS, geometry.RETRY_INLIERS)
    modes = {"none": ((), library[1]), "gated": library, "always": (library[0], 0)}
    times: dict[str, list[float]] = {mode: [] for mode in modes}
    found: dict[str, int] = {}
    for _ in range(RUNS):
        for mode, (tilts, retry) in modes.items():
            local_features.TILTS, geometry.RETRY_INLIERS = tilts, retry
            queries = [
                (query_features(picture, box, mirror=side == 1), i)
                for picture, box, i in asked
                for side in (0, 1)
            ]
            started = time.perf_counter()
            found[mode] = _verify_all(queries, stored, unrelated)
            times[mode].append(time.perf_counter() - started)
    local_features.TILTS, geometry.RETRY_INLIERS = library
    base = statistics.median(times["none"])
    checks = len(asked) * 2 * (UNRELATED + 1)
    for mode, runs in times.items():
        median = statistics.median(runs)
        print(
            f"{mode:7} {median / checks * 1000:6.2f} ms a verification ({median / base:.2f}x "
            f"none); originals found {found[mode]} of {len(asked)} queries"
        )


def _verify_all(
    queries: list[tuple[LocalFeatures, int]],
    stored: list[LocalFeatures],
    unrelated: list[LocalFeatures],
) -> int:
    """Verifies every query side against the unrelated rooms and its original; returns
    how many queries found their original (either side)."""
    found: set[int] = set()
    for number, (query, i) in enumerate(queries):
        for other in unrelated:
            verify(query, other, FIND_MIN_INLIERS)
        if verify(query, stored[i], FIND_MIN_INLIERS).inliers >= FIND_MIN_INLIERS:
            found.add(number // 2)
    return len(found)


if __name__ == "__main__":
    main()
