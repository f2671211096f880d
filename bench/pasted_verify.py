"""Objects pasted into new rooms, verified pairwise against their originals: query-side variants.

Where the region query's votes leave pasted objects unfound, the ranking is no longer
the loss (bench/pasted_votes.py): the verification is. This verifies each pasted box
directly against its original, and the first 20 boxes against every 33rd other picture
of the cache (about 300 each), under variants of the query's description, of the
matches' ratio test and of the transform fitted (homography alone, or an affine where
it is not a camera's). Printed per variant: originals reaching 12 and 10 inliers with the
box's points as drawn, 18 with the whole query (simulated tilts included) on either
side, both together, and the most inliers an unrelated picture reached.

    .venv/bin/python bench/objects.py --objects 60 --distractors 10000 --cache FILE
    .venv/bin/python bench/pasted_verify.py --cache FILE --distractors 10000 --variants library,homo
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from objects import cache_arguments, cached_features  # bench/objects.py, beside this script
from vidi.demo.objects import in_a_new_room
from vidi.fingerprints import local_features
from vidi.fingerprints.local_features import query_features
from vidi.index import geometry
from vidi.index.geometry import RATIO, verify_many

VARIANTS: dict[str, dict[str, float]] = {
    "library": {},
    "homography only (before round 10)": {"AFFINE_FALLBACK": 0},
    "query points 1,500": {"QUERY_POINTS": 1500},
    "second scale below 640 px": {"UPSCALE_BELOW": 640},
    "second scale 2x": {"UPSCALE": 2.0},
    "ratio test 0.85": {"ratio": 0.85},
    "ratio test 0.85, second scale 2x": {"ratio": 0.85, "UPSCALE": 2.0},
}


def main() -> None:
    parser = argparse.ArgumentParser()
    cache_arguments(parser)
    parser.add_argument("--queries-seed", type=int, default=99)
    parser.add_argument(
        "--variants", default="", help="comma-separated names' beginnings (all otherwise)"
    )
    args = parser.parse_args()
    n = args.objects
    features = cached_features(args)
    rng = np.random.default_rng(args.queries_seed)
    scenes = [in_a_new_room(i, rng) for i in range(n)]
    others = features[2 * n :: 33]
    library = {k: getattr(local_features, k) for k in ("QUERY_POINTS", "UPSCALE_BELOW", "UPSCALE")}
    fallback = geometry.AFFINE_FALLBACK
    wanted = [w for w in args.variants.split(",") if w]
    print(f"{n} pasted boxes against their originals; the first 20 against {len(others)} others")
    for name, change in VARIANTS.items():
        if wanted and not any(name.startswith(w) for w in wanted):
            continue
        for key, value in library.items():
            setattr(local_features, key, change.get(key, value))
        geometry.AFFINE_FALLBACK = bool(change.get("AFFINE_FALLBACK", fallback))
        ratio = change.get("ratio", RATIO)
        started = time.perf_counter()
        drawn_inliers, whole_inliers, wrong = [], [], []
        for i, (picture, box) in enumerate(scenes):
            sides = [query_features(picture, box), query_features(picture, box, mirror=True)]
            drawn = sides[0].head(sides[0].searched or len(sides[0]))
            drawn_inliers.append(verify_many([(drawn, features[i])], 5, 1, ratio, True)[0].inliers)
            whole = verify_many([(side, features[i]) for side in sides], 18)
            whole_inliers.append(max(v.inliers for v in whole))
            if i < 20:
                checked = verify_many([(drawn, other) for other in others], 5, 2, ratio, True)
                wrong += [v.inliers for v in checked]
        drawn_at, whole_at, worst = np.array(drawn_inliers), np.array(whole_inliers), max(wrong)
        print(
            f"  {name:34} drawn >= 12: {(drawn_at >= 12).sum():>2}, >= 10: "
            f"{(drawn_at >= 10).sum():>2}; whole >= 18: {(whole_at >= 18).sum():>2}; either: "
            f"{((drawn_at >= 12) | (whole_at >= 18)).sum():>2}; unrelated: the most {worst}, "
            f"{sum(w >= 8 for w in wrong)} of {len(wrong)} at 8 or more "
            f"({time.perf_counter() - started:.0f} s)"
        )


if __name__ == "__main__":
    main()
