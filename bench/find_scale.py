"""``vidi find`` end to end at 100,000 pictures: the library's region query, as a user asks it.

bench/objects.py times the search and the verification on arrays in memory; this bench
times :meth:`vidi.Workbench.find_object` itself on a home of ``--pictures`` pictures in
one case (embedded SQLite): the box's picture re-read from its file, both indexes opened
(memory-mapped) and synced with the database, the scope's ids, the word and vote
searches, the stored candidates read from the database and verified, the hits described.

The home: ``--objects`` rooms each holding a textured object (the originals), the same
objects pasted into new rooms (the queries: box drawn around the object, as
bench/objects.py's "pasted, box drawn"), and ``--real`` cheap generated rooms, written as
files and ingested with the feature stage on; then filler pictures up to ``--pictures``:
database rows (media, occurrence, stored features) copied from the ingested cheap rooms,
each feature set with 4 random bits of every descriptor flipped (so no two are the same
and the lists are as long as real pictures'). A first query adds the fillers to both
indexes (the library's own catch-up, the vocabulary trained again for the larger
collection), timed apart. Then each query runs in a fresh process (``--per-process``
queries each, the first of each process apart: it also maps the indexes), and, last,
``--cli`` queries as ``vidi find --json`` commands (a new Python process each, start-up
included). Recall@10 counts the original among the first ten hits. ``--vote-probes``
sets the words' lists a box's point is compared in (the library's
:data:`~vidi.index.descriptors.PROBES` otherwise; not for the command-line queries).

    .venv/bin/python bench/find_scale.py --home EMPTY_OR_BUILT_DIR --pictures 100000

The baseline printed beside (same run, same home): the word search alone for the same
boxes, the part that grows with the collection in bench/objects.py's extrapolation.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image
from sqlalchemy import func, insert, select

from descriptor_scale import _flipped  # bench/descriptor_scale.py, beside this script
from objects import quick_room  # bench/objects.py, beside this script
from vidi import Workbench
from vidi.demo.objects import in_a_new_room, paste, recompress, room, textured_object
from vidi.fingerprints.local_features import LocalFeatures, decode, encode, query_features
from vidi.index import descriptors as descriptors_module
from vidi.objects.features import open_object_index
from vidi.objects.search import FIND_CANDIDATES, FIND_NEAREST_WORDS, FIND_SCORING
from vidi.store.models import LocalFeatureSet, Media, Occurrence

CASE = "bench"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", required=True)
    parser.add_argument("--pictures", type=int, default=100_000)
    parser.add_argument("--objects", type=int, default=60)
    parser.add_argument("--real", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-process", type=int, default=20)
    parser.add_argument("--cli", type=int, default=5)
    parser.add_argument(
        "--vote-probes",
        type=int,
        default=descriptors_module.PROBES,
        help="words' lists a box's point is compared in (the library's otherwise)",
    )
    parser.add_argument("--child", default="", help="(internal) first,count of the queries")
    args = parser.parse_args()
    home = Path(args.home)
    descriptors_module.PROBES = args.vote_probes
    if args.child:
        first, count = (int(part) for part in args.child.split(","))
        print(json.dumps(_child(home, first, count)))
        return
    _build(home, args)
    asked = json.loads((home / "queries.json").read_text())
    rows = []
    for first in range(0, len(asked), args.per_process):
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--home",
                str(home),
                "--child",
                f"{first},{args.per_process}",
                "--vote-probes",
                str(args.vote_probes),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        rows.append(json.loads(done.stdout.splitlines()[-1]))
    firsts = [r["times"][0] for r in rows]
    later = [t for r in rows for t in r["times"][1:]]
    found = sum(r["found"] for r in rows)
    words = [t for r in rows for t in r["words"]]
    ranked = sum(r["ranked"] for r in rows)
    print(
        f"{args.pictures:,} pictures in one case; {len(asked)} boxes (objects pasted into new "
        f"rooms), {len(rows)} fresh processes; vote probes {args.vote_probes}"
    )
    print(
        f"  Workbench.find_object: recall@10 {found}/{len(asked)} ({found / len(asked):.0%}); "
        f"first query of a process {min(firsts):.2f}-{max(firsts):.2f} s; later queries "
        f"median {statistics.median(later):.2f} s, mean {statistics.mean(later):.2f} s, "
        f"max {max(later):.2f} s; over 1 s: {sum(t > 1 for t in later)} of {len(later)}"
    )
    print(
        f"  baseline, the word search alone (both sides): median "
        f"{statistics.median(words) * 1000:.0f} ms; find / word search "
        f"{statistics.median(later) / statistics.median(words):.1f}x; it ranks the "
        f"original among its first {FIND_CANDIDATES} (either side) for {ranked} of {len(asked)}"
    )
    walls = []
    for query in asked[: args.cli]:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "vidi", "find", "--case", CASE, "--media", query["media"]]
            + ["--box", ",".join(map(str, query["box"])), "--json"],
            check=True,
            capture_output=True,
            env={**os.environ, "VIDI_HOME": str(home)},
        )
        walls.append(time.perf_counter() - started)
    if walls:
        print(
            f"  'vidi find --json' as a command (Python start-up included): "
            f"{min(walls):.2f}-{max(walls):.2f} s wall, median {statistics.median(walls):.2f} s"
        )


def _build(home: Path, args: argparse.Namespace) -> None:
    """Ingest the real pictures, add the fillers' rows, then let a first query add them to
    the indexes; skipped when ``home`` already holds this build."""
    stamp = home / "bench.json"
    wanted = {k: getattr(args, k) for k in ("pictures", "objects", "real", "seed")}
    if stamp.exists() and json.loads(stamp.read_text()) == wanted:
        return
    if not (home / "rows.json").exists():
        if home.exists() and any(home.iterdir()):
            raise SystemExit(f"{home} holds something else: give an empty or missing folder")
        _ingest_and_fill(home, args)
        (home / "rows.json").write_text(json.dumps(wanted))
    elif json.loads((home / "rows.json").read_text()) != wanted:
        raise SystemExit(f"{home} was built with other settings: give an empty folder")
    started = time.perf_counter()
    _child(home, 0, 1)
    print(
        f"  a first query added the fillers to both indexes in "
        f"{time.perf_counter() - started:.0f} s"
    )
    stamp.write_text(json.dumps(wanted))


def _ingest_and_fill(home: Path, args: argparse.Namespace) -> None:
    """The pictures as files, ingested with the feature stage on; the queries; the
    fillers' rows."""
    folder = home / "evidence"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(args.seed)
    queries = []
    for i in range(args.objects):
        original = recompress(paste(room(i), textured_object(i), rng, 0.6)[0], 85)
        Image.fromarray(original).save(folder / f"original-{i:03}.png")
        pasted, box = in_a_new_room(i, rng)  # already recompressed (JPEG 70)
        Image.fromarray(pasted).save(folder / f"pasted-{i:03}.png")
        queries.append(
            {
                "original": _sha(original),
                "media": _sha(pasted),
                "box": list(box),
                "file": f"pasted-{i:03}.png",
            }
        )
    for j in range(args.real):
        Image.fromarray(recompress(quick_room(200_000 + j), 85)).save(folder / f"room-{j:04}.png")
    started = time.perf_counter()
    with Workbench.open(home) as wb:
        wb.create_case(CASE)
        wb.ingest(CASE, [folder], clues=False)
        print(
            f"  {len(list(folder.iterdir()))} files ingested in "
            f"{time.perf_counter() - started:.0f} s"
        )
        _add_fillers(wb, args.pictures)
    shas = _file_shas(home)
    named = [{**q, "original": shas[q["original"]], "media": shas[q["media"]]} for q in queries]
    (home / "queries.json").write_text(json.dumps(named))


def _sha(picture: np.ndarray) -> str:
    """A stand-in key until the files are ingested (the PNG's pixels)."""
    return hashlib.sha256(picture.tobytes()).hexdigest()


def _file_shas(home: Path) -> dict[str, str]:
    """Each evidence file's media SHA-256 (of the file as ingested), by its stand-in key."""
    return {
        _sha(np.asarray(Image.open(path).convert("RGB"))): hashlib.sha256(
            path.read_bytes()
        ).hexdigest()
        for path in (home / "evidence").iterdir()
    }


def _add_fillers(wb: Workbench, pictures: int) -> None:
    """Rows for the pictures past those ingested: copies of the cheap rooms' media,
    occurrence and stored features (descriptors with 4 bits flipped), 2,000 a commit."""
    bits = np.left_shift(1, np.arange(8)).astype(np.uint8)
    rng = np.random.default_rng(5)
    with wb.db.session() as session:
        rooms = session.execute(
            select(Media, Occurrence, LocalFeatureSet)
            .join(Occurrence, Occurrence.media_sha256 == Media.sha256)
            .join(LocalFeatureSet, LocalFeatureSet.media_sha256 == Media.sha256)
            .where(Occurrence.path.like("%room-%"))
        ).all()
        held = session.scalar(select(func.count()).select_from(LocalFeatureSet)) or 0
        templates = [
            (_columns(m, "sha256"), _columns(o, "id"), _columns(f, "id"), decode(f.data))
            for m, o, f in rooms
        ]
    started = time.perf_counter()
    for start in range(held, pictures, 2_000):
        media, occurrences, sets = [], [], []
        for k in range(start, min(pictures, start + 2_000)):
            m, o, f, features = templates[k % len(templates)]
            sha = hashlib.sha256(f"filler {k}".encode()).hexdigest()
            descriptors = _flipped(features.descriptors, rng, bits, False)
            copy = LocalFeatures(features.points, descriptors, features.width, features.height)
            stored = encode(copy)
            media.append({**m, "sha256": sha})
            occurrences.append(
                {**o, "media_sha256": sha, "sha256": sha, "path": f"filler/{k}", "path_key": sha}
            )
            sets.append({**f, "media_sha256": sha, "data": stored})
        with wb.db.session() as session:
            session.execute(insert(Media), media)
            session.execute(insert(Occurrence), occurrences)
            session.execute(insert(LocalFeatureSet), sets)
            session.commit()
        if (start // 2_000) % 10 == 0:
            print(f"  {start + len(sets):,} rows", flush=True)
    print(f"  filler rows written in {time.perf_counter() - started:.0f} s", flush=True)


def _columns(row: object, *left_out: str) -> dict[str, object]:
    table = row.__table__  # type: ignore[attr-defined]
    return {c.key: getattr(row, c.key) for c in table.columns if c.key not in left_out}


def _child(home: Path, first: int, count: int) -> dict[str, object]:
    """One fresh process: ``count`` queries from the ``first``, each timed; then the
    baseline, the word search alone for the same boxes."""
    asked = json.loads((home / "queries.json").read_text())[first : first + count]
    times, words, found, ranked = [], [], 0, 0
    with Workbench.open(home) as wb:
        with wb.db.session() as session:
            originals: dict[str | None, int] = dict(
                session.execute(
                    select(LocalFeatureSet.media_sha256, LocalFeatureSet.id).where(
                        LocalFeatureSet.media_sha256.in_([q["original"] for q in asked])
                    )
                ).all()
            )
        for query in asked:
            started = time.perf_counter()
            result = wb.find_object(CASE, query["media"], tuple(query["box"]))
            times.append(time.perf_counter() - started)
            found += query["original"] in [h.media_sha256 for h in result.hits[:10]]
        with open_object_index(wb.settings) as index:
            assert index.vocabulary is not None
            for query in asked:
                picture = np.asarray(Image.open(home / "evidence" / query["file"]).convert("RGB"))
                box = tuple(query["box"])
                sides = [query_features(picture, box, mirror=m) for m in (False, True)]
                started = time.perf_counter()
                candidates = set()
                for side in sides:
                    asks = index.vocabulary.words(side.search_descriptors(), FIND_NEAREST_WORDS)
                    found_by_words = index.search(asks, FIND_CANDIDATES, None, FIND_SCORING)
                    candidates.update(c.id for c in found_by_words)
                words.append(time.perf_counter() - started)
                ranked += originals.get(query["original"]) in candidates
    return {"times": times, "found": found, "words": words, "ranked": ranked}


if __name__ == "__main__":
    main()
