"""How well Vidi places a series, on benign ground truth with planted clues.

For each series a country is drawn, then one to four clue kinds, planted in generated
media: a shop sign on the wall of a room or a product label in the country's language
(Noto fonts; read by tesseract with one fixed language set, language by lingua), an
EAN-13 with the country's GS1 prefix on the back of the product (read by zbar), EXIF
with a GPS position near the capital or the local time-zone offset (read by the EXIF
extractor), and a short video whose sound carries the country's mains hum under noise
and speech-like babble (ffmpeg, read by the hum detector). Some series also get a clue
planted so badly that it is likely missed (a far sign, a tiny barcode, faint hum), and
some a misleading clue from another country (an imported product, a label in another
language, a picture from elsewhere). Every picture and video goes through the real
extractors (``vidi.clues.runner.run_extractors``); their clues go to the fusion.

Prints top-1/top-3 accuracy per clue mix, calibration (reliability table and expected
calibration error), OCR + language identification per script, and the effect of a
barcode in the same picture as text.

Usage: python bench/places.py [--series 100] [--jobs 2] [--seed 3] [--quick]
       [--weights KIND=W,...] [--floors KIND=EPS,...]   (compare fusion constants)
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import random
import sys
import tempfile
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from places_report import accuracy_table, calibration_table, parse_overrides  # noqa: E402
from places_scenes import Planted, camera_exif, hum_video, scene_file  # noqa: E402
from places_scripts import interference_table, script_table  # noqa: E402
from places_world import COUNTRIES, LABELS, OCR_LANGUAGES, Country  # noqa: E402
from vidi.clues.barcode import BarcodeExtractor  # noqa: E402
from vidi.clues.base import Extractor  # noqa: E402
from vidi.clues.exif import ExifExtractor  # noqa: E402
from vidi.clues.hum import MainsHumExtractor  # noqa: E402
from vidi.clues.runner import run_extractors  # noqa: E402
from vidi.clues.text import TextExtractor  # noqa: E402
from vidi.config import Settings, load_settings  # noqa: E402
from vidi.places.clue import Clue  # noqa: E402
from vidi.places.evidence import EVIDENCE_KINDS, ClueEvidence  # noqa: E402
from vidi.places.fusion import estimate_countries  # noqa: E402
from vidi.places.mains import mains_shares  # noqa: E402
from vidi.places.prior import population_prior  # noqa: E402

KINDS = ("text", "barcode", "gps", "tz", "hum")
MISLEADING_KINDS = ("barcode", "barcode", "label", "gps")  # imported products are the usual
DEGRADABLE = ("text", "barcode", "hum")


@dataclass(frozen=True)
class Plan:
    """One series: the true country, the clue kinds planted, and what goes wrong."""

    truth: Country
    kinds: tuple[str, ...]
    missing: str | None  # a kind planted so badly that it is probably not read
    misleading: tuple[str, Country] | None
    taken: datetime
    text_on: str  # "sign" or "label": where the text clue is
    seed: int


def plan_series(seed: int, index: int, missing: float, misleading: float) -> Plan:
    rng = random.Random(f"{seed}-{index}")
    truth = rng.choice(COUNTRIES)
    kinds = tuple(rng.sample(KINDS, rng.randint(1, 4)))
    spare = [k for k in DEGRADABLE if k not in kinds]
    lost = rng.choice(spare) if spare and rng.random() < missing else None
    wrong = None
    if rng.random() < misleading:
        other = rng.choice([c for c in COUNTRIES if c.code != truth.code])
        wrong = (rng.choice(MISLEADING_KINDS), other)
    taken = datetime(2024, rng.randint(1, 12), rng.randint(1, 28), rng.randint(8, 20), 15)
    text_on = rng.choice(("sign", "label"))
    return Plan(truth, kinds, lost, wrong, taken, text_on, rng.randrange(1 << 30))


def _exif(plan: Plan, rng: random.Random) -> bytes | None:
    """The room photo's EXIF: GPS near the capital and/or the local offset, as planted."""
    c, position, taken = plan.truth, None, None
    if "gps" in plan.kinds:
        position = (c.lat + rng.uniform(-0.15, 0.15), c.lon + rng.uniform(-0.15, 0.15))
    if "tz" in plan.kinds:
        offset = plan.taken.replace(tzinfo=ZoneInfo(c.zone)).strftime("%z")
        taken = (plan.taken.strftime("%Y:%m:%d %H:%M:%S"), f"{offset[:3]}:{offset[3:]}")
    return camera_exif(position, taken) if position or taken else None


def _ean(country: Country, rng: random.Random) -> str:
    return country.gs1 + "".join(str(rng.randrange(10)) for _ in range(12 - len(country.gs1)))


def pictures(plan: Plan, rng: random.Random, folder: Path) -> list[tuple[str, Path]]:
    """The series' media: a room shot, product front and back, a video, as planted."""
    c, media = plan.truth, []
    sign = plan.text_on == "sign" and "text" in plan.kinds
    far = plan.missing == "text"
    room = Planted(
        sign=(c.sign, c.language) if sign or far else None, small_text=far, exif=_exif(plan, rng)
    )
    media.append(("image", scene_file(room, rng, folder / "room.jpg")))
    if "text" in plan.kinds and not sign:
        front = Planted(label=(LABELS[c.language], c.language))
        media.append(("image", scene_file(front, rng, folder / "front.jpg")))
    if "barcode" in plan.kinds or plan.missing == "barcode":
        back = Planted(ean=_ean(c, rng), small_barcode=plan.missing == "barcode")
        media.append(("image", scene_file(back, rng, folder / "back.jpg")))
    if "hum" in plan.kinds or plan.missing == "hum":
        hz = 50 if rng.random() < mains_shares(50).get(c.code, 0.0) else 60
        snr = rng.uniform(-35, -30) if plan.missing == "hum" else rng.uniform(-20, 0)
        media.append(("video", hum_video(hz, snr, rng, folder / "video.mp4")))
    if plan.misleading is not None:
        media.append(_misleading(*plan.misleading, rng, folder))
    return media


def _misleading(kind: str, other: Country, rng: random.Random, folder: Path) -> tuple[str, Path]:
    if kind == "barcode":
        planted = Planted(ean=_ean(other, rng))
    elif kind == "label":
        planted = Planted(label=(LABELS[other.language], other.language))
    else:
        planted = Planted(exif=camera_exif((other.lat, other.lon)))
    return "image", scene_file(planted, rng, folder / "misleading.jpg")


def evidence_of(
    media: list[tuple[str, Path]], extractors: list[Extractor], settings: Settings
) -> list[ClueEvidence]:
    """Run the extractors on every media item, as ingest does; keep the country evidence."""
    evidence = []
    for media_type, path in media:
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        for outcome in run_extractors(extractors, sha, media_type, path, settings):
            if outcome.error:
                print(f"  {outcome.extractor} failed on {path.name}: {outcome.error}")
            for clue in outcome.clues:
                if clue.kind not in EVIDENCE_KINDS:
                    continue
                date = clue.detail.get("date")
                at = datetime.fromisoformat(str(date)[:10]) if date else None
                label = f"{clue.kind} {clue.value} ({path.name})"
                evidence.append(ClueEvidence(clue, label, at))
    return evidence


def run_series(plan: Plan, extractors: list[Extractor], settings: Settings, folder: Path) -> dict:
    rng = random.Random(plan.seed)
    sub = folder / f"s{plan.seed}"
    sub.mkdir()
    evidence = evidence_of(pictures(plan, rng, sub), extractors, settings)
    for path in sub.iterdir():
        path.unlink()
    sub.rmdir()
    return {"plan": plan, "evidence": evidence}


_worker: tuple[list[Extractor], Settings, Path] | None = None


def _init_worker(folder: Path) -> None:
    global _worker
    extractors: list[Extractor] = [
        TextExtractor(languages=OCR_LANGUAGES),
        BarcodeExtractor(),
        ExifExtractor(),
        MainsHumExtractor(),
    ]
    _worker = (extractors, load_settings(folder / "home", env={}), folder)


def _run(plan: Plan) -> dict:
    assert _worker is not None
    return run_series(plan, *_worker)


def run_all(plans: list[Plan], folder: Path, jobs: int, save: Path | None = None) -> list[dict]:
    """Every series through the extractors, in ``jobs`` processes; results in plan order.

    With ``save``, the series done so far are written there every 10 series: a run stopped
    early leaves the first n series, the same as a run of ``--series n``.
    """
    rows: list[dict] = []

    def keep(row: dict) -> None:
        rows.append(row)
        if save is not None and (len(rows) % 10 == 0 or len(rows) == len(plans)):
            save_rows(rows, save)

    if jobs <= 1:
        _init_worker(folder)
        for plan in plans:
            keep(_run(plan))
        return rows
    with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(folder,)) as pool:
        for row in pool.map(_run, plans):
            keep(row)
    return rows


def save_rows(rows: list[dict], path: Path) -> None:
    """Each series' plan and evidence, the clues as plain (kind, value, confidence, label,
    at) tuples: the file stays readable when the clue classes change."""
    plain = [
        {
            "plan": row["plan"],
            "evidence": [(e.kind, e.value, e.confidence, e.label, e.at) for e in row["evidence"]],
        }
        for row in rows
    ]
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(pickle.dumps(plain))
    partial.replace(path)


class _Unpickler(pickle.Unpickler):
    """``Plan`` is pickled as ``__main__.Plan`` when this file runs as a script."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "__main__" and name == "Plan":
            return Plan
        return super().find_class(module, name)


def load_rows(path: Path) -> list[dict]:
    """Series saved by :func:`save_rows`, their clues as evidence again."""
    with path.open("rb") as f:
        plain: list[dict] = _Unpickler(f).load()
    return [
        {
            "plan": row["plan"],
            "evidence": [
                ClueEvidence(Clue(kind, value, confidence), label, at)
                for kind, value, confidence, label, at in row["evidence"]
            ],
        }
        for row in plain
    ]


def score(
    rows: list[dict],
    weights: Mapping[str, float] | None = None,
    floors: Mapping[str, float] | None = None,
) -> list[dict]:
    """Fuse each series' evidence (cheap: can be redone with other constants)."""
    prior = population_prior()
    scored = []
    for row in rows:
        plan, evidence = row["plan"], row["evidence"]
        estimate = estimate_countries(evidence, weights=weights, floors=floors, prior=prior)
        ranked = [s.country for s in estimate.ranked]
        truth = plan.truth.code
        scored.append(
            {
                **row,
                "truth": truth,
                "informative": estimate.informative,
                "ranked": ranked[:3],
                "top1": ranked[:1] == [truth],
                "top3": truth in ranked[:3],
                "p1": estimate.ranked[0].probability if estimate.ranked else 0.0,
            }
        )
    return scored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--series", type=int, default=100)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--missing", type=float, default=0.25, help="share with a lost clue")
    parser.add_argument("--misleading", type=float, default=0.25)
    parser.add_argument("--quick", action="store_true", help="20 series, 2 texts per script")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--weights", default="", help="e.g. barcode=0.7,language=1.2")
    parser.add_argument("--floors", default="", help="e.g. barcode=0.5,tz_offset=0.2")
    parser.add_argument(
        "--save", type=Path, help="keep the extracted evidence in this file (every 10 series)"
    )
    parser.add_argument("--load", type=Path, help="re-fuse evidence saved by --save (fast)")
    parser.add_argument(
        "--no-scripts", action="store_true", help="skip the per-script OCR and barcode tables"
    )
    args = parser.parse_args()
    series = 20 if args.quick else args.series
    started = time.perf_counter()
    if args.load:
        report(load_rows(args.load), args)
        return
    with tempfile.TemporaryDirectory(prefix="vidi-places-") as scratch:
        folder = Path(scratch)
        plans = [plan_series(args.seed, i, args.missing, args.misleading) for i in range(series)]
        rows = run_all(plans, folder, args.jobs, args.save)
        print(
            f"{series} series over {len(COUNTRIES)} countries, seed {args.seed}; "
            f"{args.missing:.0%} with a lost clue, {args.misleading:.0%} with a misleading one; "
            f"OCR languages {OCR_LANGUAGES}"
        )
        report(rows, args)
        if not args.no_scripts:
            script_table(folder, 2 if args.quick else None)
        if not (args.quick or args.no_scripts):
            interference_table(folder, 6)
    print(f"\n{time.perf_counter() - started:.0f} s")


def report(rows: list[dict], args: argparse.Namespace) -> None:
    scored = score(rows)
    accuracy_table(scored, "default constants, population prior")
    calibration_table(scored)
    weights, floors = parse_overrides(args.weights), parse_overrides(args.floors)
    if weights or floors:
        tried = score(rows, weights, floors)
        accuracy_table(tried, f"with weights {weights} floors {floors}")
        calibration_table(tried)
    if args.show_misses:
        print("\nseries with >= 2 planted clues whose truth is not in the top 3")
        for r in scored:
            if len(r["plan"].kinds) >= 2 and not r["top3"]:
                clues = sorted({f"{e.kind}={e.value[:14]}" for e in r["evidence"]})
                print(f"  {r['truth']} planted {r['plan'].kinds} read {clues} -> {r['ranked']}")


if __name__ == "__main__":
    main()
