"""Memory and time on a seizure of many small files: is memory flat as the count grows?

Writes N small files (distinct text notes, 1,000 per folder), then runs the real
``vidi ingest --no-clues`` command on them in a fresh home, twice: the first ingest
and the same source again. It does this for a small and a large N and prints, for each,
files per second, the peak resident memory of the largest process the command waited
for, and the second run's time as a share of the first. Memory is flat when the large
run's peak is about the small run's.

Usage: python bench/many_files.py [--small 100000] [--large 1000000] [--out bench/out/many]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PER_FOLDER = 1000

MEASURE = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:]).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(code)
"""
"""Runs the command and prints the largest peak RSS (KiB) among the processes it waited for."""


def make_files(folder: Path, count: int) -> Path:
    """Distinct notes, so each file is its own content; reused when already written."""
    marker = folder / f".complete-{count}"
    if marker.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    for start in range(0, count, PER_FOLDER):
        sub = folder / f"d{start // PER_FOLDER:05d}"
        sub.mkdir(parents=True)
        for i in range(start, min(count, start + PER_FOLDER)):
            (sub / f"note{i:07d}.txt").write_text(f"note {i}\n")
    marker.touch()
    return folder


def run_ingest(home: Path, folder: Path) -> tuple[float, int]:
    """Seconds and peak RSS (MiB) of one ``vidi ingest`` run."""
    vidi = [sys.executable, "-m", "vidi", "--home", str(home)]
    command = [*vidi, "ingest", "--case", "bench", "--quiet", "--no-clues", str(folder)]
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, check=True
    )
    seconds = time.perf_counter() - start
    return seconds, int(done.stdout.strip().splitlines()[-1]) // 1024


def measure(out: Path, count: int) -> dict[str, float]:
    folder = make_files(out / f"files-{count}", count)
    home = Path(tempfile.mkdtemp(prefix="vidi-many-"))
    try:
        subprocess.run(
            [sys.executable, "-m", "vidi", "--home", str(home), "case", "create", "bench"],
            check=True,
            capture_output=True,
        )
        first, first_rss = run_ingest(home, folder)
        again, again_rss = run_ingest(home, folder)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print(
        f"  {count:>9,} files: first {first:7.1f} s ({count / first:6.0f} files/s, "
        f"peak {first_rss} MiB); again {again:6.1f} s = {again / first:.0%} of the first "
        f"(peak {again_rss} MiB)",
        flush=True,
    )
    return {"first": first, "rss": first_rss, "again": again}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("bench/out/many"))
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, default workers")
    small = measure(args.out, args.small)
    large = measure(args.out, args.large)
    print(
        f"\n  large / small: {args.large / args.small:.0f}x the files, "
        f"{large['first'] / small['first']:.1f}x the time, "
        f"{large['rss'] / small['rss']:.2f}x the peak memory"
    )


if __name__ == "__main__":
    main()
