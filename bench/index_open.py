"""Benchmark: what checking every file of a saved PDQ index costs when it is opened.

Saves an index of random hashes, then opens it repeatedly, alternating: ``PdqIndex.open``
(reads each file once, checks its size and SHA-256 against ``index.json``) and a plain
``np.load`` of the same files (what opening cost before files were checked). Files are
in the page cache in both, so the figure is the CPU cost of the check, not the disk.
Prints medians and their ratio, and SHA-256's speed on this machine.

    python bench/index_open.py --sizes 1000000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from vidi.index import PdqIndex


def plain_load(directory: Path) -> int:
    """Load the current generation's arrays without any check; returns bytes read."""
    number = json.loads((directory / "index.json").read_text())["generation"]
    total = 0
    for path in sorted(directory.glob(f"g{number}.*.npy")):
        total += np.load(path).nbytes
    return total


def checked_open(directory: Path) -> None:
    PdqIndex.open(directory).close()


def median_seconds(action, directory: Path, repeats: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        begin = time.perf_counter()
        action(directory)
        times.append(time.perf_counter() - begin)
    return statistics.median(times)


def run_size(size: int, repeats: int, workdir: Path) -> None:
    rng = np.random.default_rng(1)
    directory = workdir / f"n{size}"
    with PdqIndex.open(directory) as index:
        index.add(np.arange(size), rng.integers(0, 256, (size, 32), dtype=np.uint8))
        index.save()
    on_disk = sum(p.stat().st_size for p in directory.glob("g*.npy"))
    plain_load(directory)  # warm the page cache
    checked, plain = [], []
    for _ in range(repeats):
        checked.append(median_seconds(checked_open, directory, 1))
        plain.append(median_seconds(plain_load, directory, 1))
    checked_s, plain_s = statistics.median(checked), statistics.median(plain)
    print(
        f"{size:>11,} hashes, {on_disk / 2**20:6.1f} MiB on disk: "
        f"checked open {checked_s * 1000:7.1f} ms, plain np.load {plain_s * 1000:7.1f} ms, "
        f"ratio {checked_s / plain_s:4.2f}x (+{(checked_s - plain_s) * 1000:.0f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    block = np.random.default_rng(0).integers(0, 256, 1 << 27, dtype=np.uint8).tobytes()
    begin = time.perf_counter()
    hashlib.sha256(block).digest()
    print(f"SHA-256 here: {len(block) / (time.perf_counter() - begin) / 1e9:.2f} GB/s")
    with tempfile.TemporaryDirectory() as workdir:
        for size in (int(s) for s in args.sizes.split(",")):
            run_size(size, args.repeats, Path(workdir))


if __name__ == "__main__":
    main()
