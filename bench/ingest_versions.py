"""Ingest speed of this tree against another version of Vidi, alternated in one run.

A refactoring should not slow ingest down. This script generates one folder of
photo-like JPEGs (as ``bench/ingest.py`` does), then runs ``vidi ingest --no-clues
--workers N`` into a fresh home, alternating the baseline version (its ``src`` folder,
e.g. from ``git archive COMMIT | tar -x``) and this tree, ``--rounds`` times each. Each
run is its own process; its CPU time (user + system, the workers' included) is less
sensitive than wall time to other work on a shared machine. Prints both per run and the
ratios of the medians (this tree / baseline: below 1 is faster).

``--this-src`` measures another ``src`` in place of this tree's (a ``git archive`` of a
commit, so that work in progress in the tree is left out). Both run with the feature
stage off (``VIDI_FEATURES=0``), which older versions lack: ingest is store + match.

Usage: python bench/ingest_versions.py --baseline-src /path/to/old/src [--this-src DIR]
       [--images 100] [--rounds 5] [--workers 1] [--out bench/out/ingest_versions]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE_SRC = Path(__file__).resolve().parent.parent / "src"


def make_photos(folder: Path, count: int) -> None:
    """The photos of bench/ingest.py (made with this tree's code, once, for both)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from ingest import make_images  # bench/ingest.py

    if folder.exists():
        shutil.rmtree(folder)
    make_images(folder, count)


def run_once(src: Path, folder: Path, workers: int) -> tuple[float, float]:
    """CPU seconds (user + sys of the command and its workers) and wall seconds."""
    home = Path(tempfile.mkdtemp(prefix="vidi-bench-home-"))
    env = {**os.environ, "PYTHONPATH": str(src), "VIDI_HOME": str(home), "VIDI_FEATURES": "0"}
    vidi = [sys.executable, "-m", "vidi"]
    try:
        subprocess.run([*vidi, "case", "create", "bench"], env=env, check=True, capture_output=True)
        command = [*vidi, "ingest", "--case", "bench", "--no-clues", "-q"]
        command += ["--workers", str(workers), str(folder)]
        start = time.perf_counter()
        child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        _pid, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed with {child.returncode} ({src})")
        # wait4's usage holds the child and every descendant it waited for (the pool).
        return usage.ru_utime + usage.ru_stime, wall
    finally:
        shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline-src", type=Path, required=True)
    parser.add_argument("--this-src", type=Path, default=HERE_SRC)
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("bench/out/ingest_versions"))
    args = parser.parse_args()
    folder = args.out / "photos"
    make_photos(folder, args.images)
    for path in folder.iterdir():  # warm the page cache
        path.read_bytes()
    versions = {"baseline": args.baseline_src.resolve(), "this tree": args.this_src.resolve()}
    cpu: dict[str, list[float]] = {name: [] for name in versions}
    wall: dict[str, list[float]] = {name: [] for name in versions}
    run_once(versions["this tree"], folder, args.workers)  # warm-up, not counted
    print(f"{args.images} photos, {args.workers} worker(s), {args.rounds} rounds, alternating")
    for round_ in range(args.rounds):
        order = list(versions) if round_ % 2 == 0 else list(reversed(versions))
        for name in order:
            c, w = run_once(versions[name], folder, args.workers)
            cpu[name].append(c)
            wall[name].append(w)
            print(f"  round {round_ + 1} {name:<9} cpu {c:7.2f} s  wall {w:7.2f} s", flush=True)
    print()
    for name in versions:
        print(
            f"  {name:<9} median cpu {statistics.median(cpu[name]):7.2f} s  "
            f"wall {statistics.median(wall[name]):7.2f} s"
        )
    ratio_cpu = statistics.median(cpu["this tree"]) / statistics.median(cpu["baseline"])
    ratio_wall = statistics.median(wall["this tree"]) / statistics.median(wall["baseline"])
    print(f"  this tree / baseline: cpu {ratio_cpu:.3f}x, wall {ratio_wall:.3f}x (below 1: faster)")


if __name__ == "__main__":
    main()
