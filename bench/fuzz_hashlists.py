"""Long fuzz runs of the hash-list readers, beyond the few hundred cases of ``make test``.

Generates valid VICS, CSV and NSRL lists with Vidi's own writers, mutates them (the
generators of tests/hashlists/hashlist_fuzzing.py) and reads each one in this process,
under a 1 GiB address-space limit. Every list must be read or refused with one
``HashListError`` line; anything else stops the run with the input saved for replay.
Prints the counts, the share refused, the slowest case relative to the median, and
the peak memory.

    python bench/fuzz_hashlists.py                  # 5,000 cases
    python bench/fuzz_hashlists.py --examples 100000 --seed 7
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "hashlists"))

from hashlist_fuzzing import hostile_lists  # noqa: E402
from hypothesis import HealthCheck, given, seed, settings  # noqa: E402

from vidi.errors import HashListError  # noqa: E402
from vidi.hashlists import read_hashlist  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    scratch = Path(tempfile.mkdtemp(prefix="vidi-fuzz-"))
    times: list[float] = []
    counts = {"read": 0, "refused": 0, "entries": 0}

    @seed(args.seed)
    @settings(
        max_examples=args.examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(hostile_lists())
    def one(case: tuple[str, bytes]) -> None:
        format, content = case
        path = scratch / "list"
        path.write_bytes(content)
        started = time.perf_counter()
        try:
            counts["entries"] += sum(1 for _ in read_hashlist(path, format))
            counts["read"] += 1
        except HashListError as error:
            assert "\n" not in str(error), str(error)
            counts["refused"] += 1
        except BaseException:
            (scratch / "failing-input").write_bytes(content)
            print(f"failing input kept at {scratch / 'failing-input'} ({format})")
            raise
        times.append(time.perf_counter() - started)

    started = time.perf_counter()
    one()
    total = counts["read"] + counts["refused"]
    median = statistics.median(times) if times else 0.0
    report = {
        "cases": total,
        "read": counts["read"],
        "refused": counts["refused"],
        "refused_share": round(counts["refused"] / total, 3) if total else 0,
        "entries_read": counts["entries"],
        "slowest_vs_median": round(max(times) / median, 1) if median else 0,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
