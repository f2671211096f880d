"""The descriptor index at 100,000 pictures: opening it in a new process, and a query.

``vidi find`` from the command line is a new process at every call: before round 9 it
read every segment of the descriptor index whole and checked its SHA-256 (1.6-2.0 s at
10,120 pictures; this bench measured 33-41 s at 100,000). Segments are now
memory-mapped and their checksums checked once (:mod:`vidi.index.descriptors`). This
bench fills a saved index to ``--pictures`` pictures and times, each in a fresh process,
interleaved ``--repeats`` times, the ways named by ``--modes`` (ratios against the
first):

- ``mapped``: :meth:`DescriptorIndex.open` as the library opens it, then the queries;
- ``whole`` (the baseline, the earlier way): every segment file read whole, its SHA-256
  checked and the index deserialised into memory, then the same queries;
- ``unchecked``: the library's open after ``checked.json`` is removed (every file's
  checksum checked again once, as after a copy to another disk).

Each process also opens the object index of the same pictures (their visual words, as
the stage indexes them) and asks it the same boxes, as ``vidi find`` does before the
votes: its open and search are printed beside, as what else a one-off query pays.

The pictures: ``--real`` generated rooms (bench/objects.py's distractors) are described,
a vocabulary is trained on them as the stage trains one, and every filled picture is
one of them with 4 random bits of each descriptor flipped (so lists are as long as real
pictures' and no two pictures are the same). The queries are boxes (the middle half) of
``--queries`` real pictures, both sides, as the region query asks; the bench checks that
both ways rank alike and that each box's own picture gets votes.

    .venv/bin/python bench/descriptor_scale.py --folder EMPTY_OR_BUILT_DIR --pictures 100000
    .venv/bin/python bench/descriptor_scale.py --folder BUILT_DIR --modes mapped --probes 4

Building 100,000 pictures takes ~25 minutes and 8 GB of disk; the folder is reused when
it holds an index of the same ``--pictures`` and ``--real``. ``--probes`` asks each query
point in that many words' lists (the library's :data:`~vidi.index.descriptors.PROBES`
otherwise).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import faiss
import numpy as np

from objects import quick_room  # bench/objects.py, beside this script
from vidi.demo.objects import recompress
from vidi.fingerprints.local_features import extract_features, query_features
from vidi.index import descriptors as descriptors_module
from vidi.index.descriptors import DescriptorIndex, _Segment
from vidi.index.objects import MANIFEST as OBJECTS_MANIFEST
from vidi.index.objects import ObjectIndex
from vidi.index.storage import CHECKED
from vidi.index.vocabulary import Vocabulary, train_vocabulary
from vidi.objects import search
from vidi.objects.stage import SAVE_EVERY

EXTRACTOR = "bench"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folder", required=True)
    parser.add_argument("--pictures", type=int, default=100_000)
    parser.add_argument("--real", type=int, default=800)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch", type=int, default=12_500, help="pictures a save")
    parser.add_argument(
        "--probes",
        type=int,
        default=descriptors_module.PROBES,
        help="words whose lists a query point is compared in (the library's otherwise)",
    )
    parser.add_argument("--modes", default="whole,mapped,unchecked")
    parser.add_argument("--child", choices=["mapped", "whole", "unchecked"], default="")
    args = parser.parse_args()
    folder = Path(args.folder)
    descriptors_module.PROBES = args.probes
    if args.child:
        print(json.dumps(_child(folder, args.child)))
        return
    _build(folder, args)
    rows: dict[str, list[dict[str, float]]] = {m: [] for m in args.modes.split(",")}
    for _ in range(args.repeats):
        for mode in rows:
            done = subprocess.run(
                [sys.executable, __file__, "--folder", str(folder), "--child", mode]
                + ["--probes", str(args.probes)],
                check=True,
                capture_output=True,
                text=True,
            )
            rows[mode].append(json.loads(done.stdout.splitlines()[-1]))
    ranked = {tuple(map(tuple, r["ranked"])) for mode in rows for r in rows[mode]}  # type: ignore[call-overload]
    manifest = json.loads((folder / descriptors_module.MANIFEST).read_text())
    size = sum(p.stat().st_size for p in folder.glob("d*"))
    print(
        f"{args.pictures:,} pictures in {len(manifest['segments'])} segments, "
        f"{size / 1e9:.1f} GB on disk; {args.queries} boxes, both sides; every way ranked "
        f"{'alike' if len(ranked) == 1 else 'DIFFERENTLY'}; own picture voted for: "
        f"{next(iter(rows.values()))[0]['own']:.0f} of {args.queries}; vote probes "
        f"{args.probes}"
    )
    every = [r for mode in rows for r in rows[mode]]
    print(
        f"  the object index (visual words; postings mapped, checked once): open "
        f"{min(r['words_open'] for r in every):.2f}-{max(r['words_open'] for r in every):.2f} s, "
        f"a search (both sides) {statistics.median(r['words_search'] for r in every) * 1000:.0f}"
        " ms (median)"
    )
    base = statistics.median(r["open"] for r in next(iter(rows.values())))
    for mode, label in (
        ("whole", "read whole, checked, deserialised (before)"),
        ("mapped", "memory-mapped, checked once (as built)"),
        ("unchecked", "memory-mapped, checksums checked again"),
    ):
        if mode not in rows:
            continue
        opened = [r["open"] for r in rows[mode]]
        first = [r["first"] for r in rows[mode]]
        later = [r["later"] for r in rows[mode]]
        print(
            f"  {label:<44} open {min(opened):6.2f}-{max(opened):6.2f} s "
            f"({statistics.median(opened) / base:5.3f}x)  first query "
            f"{min(first) * 1000:5.0f}-{max(first) * 1000:5.0f} ms  later queries (median) "
            f"{min(later) * 1000:4.0f}-{max(later) * 1000:4.0f} ms"
        )


def _build(folder: Path, args: argparse.Namespace) -> None:
    """Describe the real pictures and train the vocabulary, then fill and save the
    descriptor index and the object index (each skipped when already built)."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = folder / "bench.json"
    wanted = {"pictures": args.pictures, "real": args.real, "queries": args.queries}
    if not (stamp.exists() and json.loads(stamp.read_text()) == wanted):
        for stale in [*folder.glob("d*"), *folder.glob("*.npz"), *folder.glob("*.json")]:
            stale.unlink()
        shutil.rmtree(folder / "objects", ignore_errors=True)
    started = time.perf_counter()
    if not (folder / "real.npz").exists():
        np.savez(
            folder / "real.npz",
            *[
                extract_features(recompress(quick_room(100_000 + j), 85)).descriptors
                for j in range(args.real)
            ],
        )
    real = list(np.load(folder / "real.npz").values())
    if not (folder / "vocabulary.npz").exists():
        vocabulary = train_vocabulary(np.concatenate(real))
        np.savez(folder / "vocabulary.npz", centres=vocabulary.centres, coarse=vocabulary.coarse)
        print(
            f"{args.real} real pictures described and a vocabulary of {len(vocabulary):,} "
            f"words trained in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    if not (folder / "queries.npz").exists():
        queries = [
            query_features(picture, (160, 120, 320, 240), mirror=mirror).search_descriptors()
            for j in range(args.queries)
            for picture in [recompress(quick_room(100_000 + j), 85)]
            for mirror in (False, True)
        ]
        np.savez(folder / "queries.npz", *queries)
    saved = np.load(folder / "vocabulary.npz")
    vocabulary = Vocabulary(saved["centres"], saved["coarse"])
    if not stamp.exists():
        started = time.perf_counter()
        with DescriptorIndex.open(folder) as index:
            index.use(vocabulary, EXTRACTOR)
            batch: list[tuple[int, np.ndarray]] = []
            for i, descriptors in _filled(real, args.pictures):
                batch.append((i, descriptors))
                if len(batch) == args.batch or i == args.pictures - 1:
                    index.add(batch)
                    index.save()
                    batch = []
                    print(f"  descriptor index: {i + 1:,} pictures", flush=True)
        print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
        stamp.write_text(json.dumps(wanted))
    if not (folder / "objects" / OBJECTS_MANIFEST).exists():
        started = time.perf_counter()
        with ObjectIndex.open(folder / "objects") as words:
            words.reset(vocabulary, args.real)
            for i, descriptors in _filled(real, args.pictures):
                words.add(i, vocabulary.words(descriptors))
                if (i + 1) % SAVE_EVERY == 0 or i == args.pictures - 1:
                    words.save()  # as the feature stage saves
        print(f"  object index built in {time.perf_counter() - started:.0f} s", flush=True)


def _filled(real: list[np.ndarray], pictures: int) -> Iterator[tuple[int, np.ndarray]]:
    """The filled pictures, the same at every call: picture i is real picture
    i mod len(real), exact for the first copy, with 4 bits of each descriptor flipped
    for the others."""
    rng = np.random.default_rng(5)
    bits = np.left_shift(1, np.arange(8)).astype(np.uint8)
    for i in range(pictures):
        yield i, _flipped(real[i % len(real)], rng, bits, i < len(real))


def _flipped(
    descriptors: np.ndarray, rng: np.random.Generator, bits: np.ndarray, exact: bool
) -> np.ndarray:
    """A real picture's descriptors with 4 random bits of each flipped, or ``exact`` (the
    first copy of each real picture: the queries' own pictures)."""
    if exact:
        return descriptors
    flipped = descriptors.copy()
    rows = np.repeat(np.arange(len(flipped)), 4)
    flipped[rows, rng.integers(0, 32, len(rows))] ^= bits[rng.integers(0, 8, len(rows))]
    return flipped


def _child(folder: Path, mode: str) -> dict[str, object]:
    """One fresh process: open the index one way, then ask every query."""
    saved = np.load(folder / "vocabulary.npz")
    vocabulary = Vocabulary(saved["centres"], saved["coarse"])
    queries = list(np.load(folder / "queries.npz").values())
    if mode == "unchecked":
        (folder / CHECKED).unlink(missing_ok=True)
    started = time.perf_counter()
    words = ObjectIndex.open(folder / "objects")
    words_open = time.perf_counter() - started
    started = time.perf_counter()
    for q in queries:
        words.search(
            vocabulary.words(q, search.FIND_NEAREST_WORDS),
            search.FIND_CANDIDATES,
            None,
            search.FIND_SCORING,
        )
    words_search = (time.perf_counter() - started) / len(queries) * 2
    words.close()
    started = time.perf_counter()
    if mode == "whole":
        index = _read_whole(folder, vocabulary)
    else:
        index = DescriptorIndex.open(folder)
        index.use(vocabulary, EXTRACTOR)
    opened = time.perf_counter() - started
    times, ranked, own = [], [], 0
    for n in range(0, len(queries), 2):
        started = time.perf_counter()
        sides = [
            index.rank(q, search.FIND_VOTED, search.FIND_MIN_VOTES) for q in queries[n : n + 2]
        ]
        times.append(time.perf_counter() - started)
        ranked.append([v.id for side in sides for v in side])
        own += any(v.id == n // 2 for side in sides for v in side)
    index.close()
    return {
        "open": opened,
        "first": times[0],
        "later": statistics.median(times[1:]),
        "ranked": ranked,
        "own": own,
        "words_open": words_open,
        "words_search": words_search,
    }


def _read_whole(folder: Path, vocabulary: Vocabulary) -> DescriptorIndex:
    """The index as it was opened before round 9: each segment file read whole, its
    SHA-256 checked, and deserialised into memory."""
    manifest = json.loads((folder / descriptors_module.MANIFEST).read_text())
    index = DescriptorIndex(folder, None)
    index.use(vocabulary, EXTRACTOR)
    for name in manifest["segments"]:
        data = np.fromfile(folder / f"{name}.faiss", dtype=np.uint8)
        if hashlib.sha256(data.data).hexdigest() != manifest["files"][f"{name}.faiss"][1]:
            raise SystemExit(f"{name}.faiss failed its checksum")
        read = faiss.deserialize_index_binary(data)
        segment = faiss.downcast_IndexBinary(read)
        read.this.disown()
        segment.this.acquire()
        sets = np.load(folder / f"{name}.sets.npy")
        index._segments.append(_Segment(segment, {int(s) for s in sets}, name))
    return index


if __name__ == "__main__":
    main()
