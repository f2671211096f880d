"""Ingest speed, per core, against two baselines measured in the same run.

(a) digest only: read each file and feed MD5, SHA-1, SHA-256 — the floor;
(a') digest + least decode: (a) plus decoding every JPEG at 1/8 scale (DCT scaling,
    grey) and nothing else — the least any tool that looks at the pixels must do, since
    a baseline JPEG's entropy-coded data has to be read to its end at any scale;
(b) naive: Pillow full decode + ``pdqhash.compute`` + hashlib, one file at a time;
(c) ``vidi ingest`` (database writes, thumbnails and all), with one worker process
    (per core) and with every core; local features off, as before the feature stage;
(d) (c) with local features extracted from the same decode, and (e) (d) followed by
    the feature stage (vocabulary, object index, same-scene links).

Prints images per second per core for each and the ratios (c)/(b) and (c)/(a).
Usage: python bench/ingest.py [--images 400] [--out bench/out/ingest]
       [--features-only [--workers N] [--gallery N]]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pdqhash
from PIL import Image

from vidi.cases import create_case
from vidi.config import load_settings
from vidi.demo import draw_scene
from vidi.demo.objects import textured_object
from vidi.fingerprints.local_features import (
    DECODE_SIDE,
    MAX_POINTS,
    WORK_SIDE,
    _work_picture,
    extract_features,
)
from vidi.ingest.pipeline import ingest
from vidi.objects import features as object_features
from vidi.objects import stage
from vidi.objects.gallery import import_gallery
from vidi.objects.stage import run_feature_stage
from vidi.store.db import Database

SIZES = [(1024, 768), (1600, 1200), (2048, 1536), (4032, 3024)]
"""From old cameras to a 12-megapixel phone."""


def with_grain(picture: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Sensor noise, as real photos have: it gives them their real file sizes."""
    pixels = np.asarray(picture).astype(np.int16)
    pixels += rng.integers(-4, 5, pixels.shape, dtype=np.int16)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def make_images(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(11)
    paths = []
    for i in range(count):
        width, height = SIZES[i % len(SIZES)]
        out = io.BytesIO()
        with_grain(draw_scene(rng, width, height), rng).save(out, "JPEG", quality=92)
        path = folder / f"photo{i:05d}.jpg"
        path.write_bytes(out.getvalue())
        paths.append(path)
    return paths


def make_gallery(folder: Path, count: int) -> Path:
    """A gallery folder of ``count`` generated items (printed boxes and bags) and its CSV."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["file,label,country,note"]
    for n in range(count):
        name = f"item{n}.png"
        if not (folder / name).exists():
            Image.fromarray(textured_object(700_000 + n)).save(folder / name)
        lines.append(f"{name},Item {n},PT,")
    (folder / "gallery.csv").write_text("\n".join(lines) + "\n")
    return folder


def read_and_digest(path: Path) -> bytes:
    """Read a file and feed MD5, SHA-1, SHA-256: what every contender does first."""
    data = path.read_bytes()
    hashlib.md5(data).digest()
    hashlib.sha1(data).digest()
    hashlib.sha256(data).digest()
    return data


def digest_only(paths: list[Path]) -> None:
    for path in paths:
        read_and_digest(path)


def digest_and_least_decode(paths: list[Path]) -> None:
    for path in paths:
        with Image.open(io.BytesIO(read_and_digest(path))) as image:
            image.draft("L", (image.width // 8, image.height // 8))
            image.load()


def naive(paths: list[Path]) -> None:
    for path in paths:
        with Image.open(io.BytesIO(read_and_digest(path))) as image:
            pdqhash.compute(np.asarray(image.convert("RGB")))


TRAINING: list[float] = []
"""Seconds each vocabulary training in a timed stage took (see :func:`_timed_training`)."""


def _timed_training(descriptors: np.ndarray, seed: int = 1234):  # type: ignore[no-untyped-def]
    """The library's vocabulary training, timed: a stage trains once for a new collection,
    so a small bench collection pays for it on every picture (a large one retrains at
    fourfold growth until 50,000 pictures)."""
    started = time.perf_counter()
    vocabulary = _train_vocabulary(descriptors, seed)
    TRAINING.append(time.perf_counter() - started)
    return vocabulary


_train_vocabulary = object_features.train_vocabulary
object_features.train_vocabulary = _timed_training


def vidi_ingest(
    paths: list[Path], workers: int, features: str = "off", gallery: Path | None = None
) -> float:
    """Seconds ``vidi ingest`` took. ``features``: "off" (ingest as before the feature
    stage), "extract" (ingest that also extracts local features from its one decode),
    "stage" (that, then the feature stage: vocabulary, index, same-scene links, as ``vidi
    ingest`` runs it), "stage-1" (the stage verifying its links on one thread instead of
    :data:`vidi.objects.stage.THREADS`), "gallery" ("stage" with ``gallery`` imported
    first, untimed: each picture is also asked of its items)."""
    start = time.perf_counter()
    home = Path(tempfile.mkdtemp(prefix="vidi-bench-"))
    try:
        settings = load_settings(home, env={}).with_changes(
            workers=workers, features=features != "off"
        )
        db = Database(settings.database_url)
        with db.session() as session:
            case_id = create_case(session, "bench").id
        if features == "gallery" and gallery is not None:
            importing = time.perf_counter()
            import_gallery(db, settings, gallery, "bench")
            start += time.perf_counter() - importing  # not counted
        ingest(db, settings, "bench", [paths[0].parent])
        if features.startswith("stage") or features == "gallery":
            threads = stage.THREADS
            stage.THREADS = 1 if features == "stage-1" else threads
            try:
                run_feature_stage(db, settings, case_id)
            finally:
                stage.THREADS = threads
        db.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return time.perf_counter() - start


def timed(label: str, fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(f"  {label:<34} {median:8.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times)})")
    return median


def features_cost(paths: list[Path], repeats: int, workers: int, gallery: Path | None) -> None:
    """(c), (d), (e) only, interleaved run by run so a changing load hits all alike; (e)
    with the stage verifying on one thread and on :data:`vidi.objects.stage.THREADS`, and
    with a gallery of generated items (``gallery``: none of them in these photos)."""
    n = len(paths)
    modes = ["off", "extract", "stage-1"] + (["stage"] if stage.THREADS > 1 else [])
    modes += ["gallery"] if gallery is not None else []
    runs: dict[str, list[float]] = {mode: [] for mode in modes}
    training: list[float] = []
    for _ in range(repeats):
        for mode in modes:
            TRAINING.clear()
            runs[mode].append(vidi_ingest(paths, workers, mode, gallery))
            if mode.startswith("stage"):
                training.append(sum(TRAINING))
    median = {mode: statistics.median(times) for mode, times in runs.items()}
    off = median["off"]
    for mode, times in runs.items():
        print(
            f"  vidi ingest, {workers} worker(s), features {mode:<8} "
            f"{', '.join(f'{t:.1f}' for t in times)} s"
        )
    print(
        f"local features per picture: ingest {off / n * 1000:.0f} ms without them; extraction "
        f"adds {(median['extract'] - off) / n * 1000:.0f} ms ({median['extract'] / off:.2f}x)"
    )
    trained = statistics.median(training)
    for mode in modes[2:]:
        threads = 1 if mode == "stage-1" else stage.THREADS
        galleried = (
            f", asked of a {len(list(gallery.glob('*.png')))}-item gallery"
            if (mode == "gallery" and gallery is not None)
            else ""
        )
        print(
            f"  extraction + stage (links verified on {threads} thread(s){galleried}) add "
            f"{(median[mode] - off) / n * 1000:.0f} ms ({median[mode] / off:.2f}x; target <= 1.5); "
            f"without the vocabulary's training {(median[mode] - trained) / off:.2f}x"
        )
    print(
        f"  the vocabulary's training (once for a new collection) took {trained:.2f} s, "
        f"{trained / n * 1000:.1f} ms a picture of these {n}"
    )
    detection = detection_floor(paths, repeats)
    print(
        f"the floor: one ORB detection ({MAX_POINTS:,} points of a picture already decoded, "
        f"grey and reduced to {WORK_SIDE} px) takes {detection / n * 1000:.1f} ms a picture, "
        f"so ingest + that alone would be {(off + detection / workers) / off:.2f}x"
    )


def detection_floor(paths: list[Path], repeats: int) -> float:
    """Seconds one ORB detection of every picture takes, nothing else (median of runs): the
    least the stored side of local features costs, whatever the decode and the stage do."""
    works = []
    for path in paths:
        with Image.open(path) as image:
            image.draft("L", (DECODE_SIDE, DECODE_SIDE))
            grey = np.asarray(image.convert("L"))
        works.append(_work_picture(grey, None)[0])  # reduced as the library reduces it
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for work in works:
            extract_features(work, MAX_POINTS)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench/out/ingest"))
    parser.add_argument(
        "--features-only",
        action="store_true",
        help="Time only (c), (d) and (e): what local features add to a whole ingest.",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="ingest workers for --features-only (1: the cost per core; every core: the "
        "stage's threads then use the cores ingest used)",
    )
    parser.add_argument(
        "--gallery",
        type=int,
        default=0,
        help="with --features-only, also time the stage with a gallery of this many "
        "generated items (none of them in the photos: the common case)",
    )
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    paths = make_images(args.out / "photos", args.images)
    n = len(paths)
    print(
        f"{n} JPEG photos-like images ({', '.join(f'{w}x{h}' for w, h in SIZES)}), "
        f"{cores} cores, Python {sys.version.split()[0]}"
    )
    digest_only(paths)  # warm the page cache: every contender reads from memory
    if args.features_only:
        gallery = make_gallery(args.out / "gallery", args.gallery) if args.gallery else None
        features_cost(paths, args.repeats, args.workers, gallery)
        return
    t_digest = timed("(a) digest only, 1 process", lambda: digest_only(paths), args.repeats)
    t_least = timed(
        "(a') digest + least decode, 1 proc", lambda: digest_and_least_decode(paths), args.repeats
    )
    t_naive = timed("(b) naive decode+PDQ, 1 process", lambda: naive(paths), args.repeats)
    t_vidi1 = timed("(c) vidi ingest, 1 worker", lambda: vidi_ingest(paths, 1), args.repeats)
    t_extract = timed(
        "(d) vidi ingest + features, 1 worker",
        lambda: vidi_ingest(paths, 1, "extract"),
        args.repeats,
    )
    t_stage = timed(
        "(e) (d) + feature stage, 1 worker",
        lambda: vidi_ingest(paths, 1, "stage"),
        args.repeats,
    )
    t_vidin = timed(
        f"(c') vidi ingest, {cores} workers", lambda: vidi_ingest(paths, cores), args.repeats
    )
    per_core = {
        "digest": n / t_digest,
        "least": n / t_least,
        "naive": n / t_naive,
        "vidi": n / t_vidi1,
        "vidi_all": n / t_vidin / cores,
    }
    print("\nimages per second per core")
    for key, value in per_core.items():
        print(f"  {key:<10} {value:8.1f}")
    print("\nratios (higher is better for the first, lower is better for the second)")
    print(
        f"  vidi / naive            = {per_core['vidi'] / per_core['naive']:.2f}x faster "
        "(target >= 4)"
    )
    print(
        f"  digest floor / vidi     = {per_core['digest'] / per_core['vidi']:.2f}x slower "
        "(target <= 3)"
    )
    print(
        f"  digest floor / least decode = {per_core['digest'] / per_core['least']:.2f}x slower "
        "(what decoding alone costs)"
    )
    print(f"  least decode / vidi     = {per_core['least'] / per_core['vidi']:.2f}x slower")
    print(f"  vidi all cores / 1 core = {n / t_vidin / per_core['vidi']:.2f}x throughput")
    print(
        f"\nlocal features (object search), per picture: ingest {t_vidi1 / n * 1000:.1f} ms "
        f"without them; extraction adds {(t_extract - t_vidi1) / n * 1000:.1f} ms "
        f"({t_extract / t_vidi1:.2f}x), extraction + stage add "
        f"{(t_stage - t_vidi1) / n * 1000:.1f} ms ({t_stage / t_vidi1:.2f}x; target <= 1.5)"
    )


if __name__ == "__main__":
    main()
