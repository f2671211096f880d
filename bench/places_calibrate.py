"""Fit a weight per clue kind on half of bench/places.py's series; report on the other half.

A kind's weight is an exponent on its likelihood (``weight · ln LR`` in the fusion). The
series saved by ``bench/places.py --save`` are split by index: even ones fit, odd ones are
held out. The weights are fitted by coordinate descent on a grid, minimising the mean
negative log-probability of the true country on the fit half; the held-out half then gets
top-1/top-3, Brier score and expected calibration error, overall, per clue kind read, and
for the series whose misleading clue was a foreign barcode. Grid values whose loss is
within :data:`TIE` of the best count as ties, and the one nearest the current weight wins:
a small fit half should not move a weight on noise. The odd half is fitted too, to show
how far the weights move from one half to the other.

**Imported products.** In the planted series every product is local unless it is the
misleading clue, so a barcode is right far more often than in a real home, where about
half of the barcoded products were registered abroad (``vidi.places.gs1.IMPORTED_SHARE``).
``--imported SHARE`` (default: that share) gives each local barcode of a series, with
probability SHARE, the prefix of an exporter drawn by its share of world exports
(``EXPORT_SHARE``) instead, as the import model assumes; the barcode was read all the
same, only its prefix changes. Both worlds are reported; ``--imported 0`` is the series
as planted.

Usage: python bench/places.py --series 200 --no-scripts --save ev.pkl
       python bench/places_calibrate.py ev.pkl [--imported 0.5]
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
import sys
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from places import load_rows  # noqa: E402
from vidi.places.clue import Clue, ClueEvidence  # noqa: E402
from vidi.places.fusion import DEFAULT_WEIGHTS, MODEL_DOUBT, estimate_countries  # noqa: E402
from vidi.places.gs1 import (  # noqa: E402
    EXPORT_SHARE,
    IMPORTED_SHARE,
    OTHER_EXPORT_SHARE,
    gs1_country,
    gtin13_prefixes,
    served_by,
)
from vidi.places.prior import population_prior  # noqa: E402

GROUPS = {
    "language": ("language",),
    "barcode": ("barcode", "gs1_country"),
    "gps": ("gps_country",),
    "tz": ("tz_offset",),
    "hum": ("enf_50hz", "enf_60hz"),
}
GRID = (0.25, 0.35, 0.5, 0.7, 0.85, 1.0, 1.2, 1.5, 2.0)
PREVIOUS = {"language": 1.0, "barcode": 0.5, "gps": 1.0, "tz": 1.0, "hum": 1.0}
"""The weights before the first fit (barcode 0.5 chosen by argument); every fit starts here."""
TIE = 0.002
"""Mean log-loss (nats per series) within which two grid values count as equally good."""
BINS = (0.0, 0.4, 0.6, 0.8, 0.9, 1.0001)


def weights_of(group_weights: Mapping[str, float]) -> dict[str, float]:
    return {kind: w for g, w in group_weights.items() for kind in GROUPS[g]}


_KIND_GROUP = {kind: g for g, kinds in GROUPS.items() for kind in kinds}
_UNIT = {kind: 1.0 for kind in _KIND_GROUP}


def _parts(row: dict) -> dict:
    """The series' scores split by clue group, at weight 1 (a weight scales its group's
    deltas linearly: ``score = prior + Σ weight · part``), computed once per series."""
    if "_parts" not in row:
        estimate = estimate_countries(row["evidence"], weights=_UNIT, prior=population_prior())
        codes = sorted(s.country for s in estimate.ranked)
        index = {c: i for i, c in enumerate(codes)}
        vectors = {g: np.zeros(len(codes)) for g in (*GROUPS, "prior")}
        for s in estimate.ranked:
            for r in s.reasons:
                group = "prior" if r.kind == "prior" else _KIND_GROUP[r.kind]
                vectors[group][index[s.country]] += r.delta
        truth = row["plan"].truth.code
        row["_parts"] = {
            "informative": estimate.informative,
            "codes": codes,
            "truth": index.get(truth, -1),
            "vectors": vectors,
        }
    return row["_parts"]


def outcome(row: dict, weights: Mapping[str, float]) -> dict:
    """Top-1/top-3, the truth's probability and the Brier score of the series' estimate
    with these weights (as ``estimate_countries`` with the population prior gives them)."""
    parts = _parts(row)
    if not parts["informative"]:
        return {"row": row, "informative": False, "p_truth": 0.0, "p1": 0.0, "top1": False,
                "top3": False, "brier": 1.0}  # fmt: skip
    v = parts["vectors"]
    scores = v["prior"] + sum(weights[GROUPS[g][0]] * v[g] for g in GROUPS)
    exp = np.exp(scores - scores.max())
    p = (1.0 - MODEL_DOUBT) * exp / exp.sum() + MODEL_DOUBT / len(exp)
    order = np.argsort(-p, kind="stable")  # codes are sorted: ties go alphabetically
    truth = parts["truth"]
    target = np.zeros(len(p))
    if truth >= 0:
        target[truth] = 1.0
    return {
        "row": row,
        "informative": True,
        "p_truth": float(p[truth]) if truth >= 0 else 0.0,
        "p1": float(p[order[0]]),
        "top1": int(order[0]) == truth,
        "top3": truth in order[:3].tolist(),
        "brier": float(((p - target) ** 2).sum()),
    }


def log_loss(rows: list[dict], weights: Mapping[str, float]) -> float:
    placed = [o for o in (outcome(r, weights) for r in rows) if o["informative"]]
    return sum(-math.log(max(o["p_truth"], 1e-9)) for o in placed) / max(1, len(placed))


def dutch_label_german_barcode_ranks_nl_first(group_weights: Mapping[str, float]) -> bool:
    """Issue 10's case: Dutch text on a product with a German EAN-13 is more likely in the
    Netherlands than in Germany (a label's language says where a product was sold; the
    bench's clues are drawn independently and cannot show that)."""
    evidence = [
        ClueEvidence(Clue("language", "nl", 1.0), "Dutch label"),
        ClueEvidence(Clue("barcode", "4001234567891", 1.0), "German EAN-13"),
    ]
    weights = weights_of(group_weights)
    estimate = estimate_countries(evidence, weights=weights, prior=population_prior())
    return estimate.ranked[0].country == "NL"


def gps_outweighs_one_language_clue(group_weights: Mapping[str, float]) -> bool:
    """A picture GPS-tagged in Japan with Polish text on it is placed in Japan: the
    position is the picture's own, the text may be an import (the bench's misleading GPS
    is another picture of the series, so the fit cannot see this case)."""
    evidence = [
        ClueEvidence(Clue("gps_country", "JP", 1.0), "GPS in Japan"),
        ClueEvidence(Clue("language", "pl", 1.0), "Polish text"),
    ]
    estimate = estimate_countries(evidence, weights=weights_of(group_weights))
    return estimate.ranked[0].country == "JP"


def within_bounds(group_weights: Mapping[str, float]) -> bool:
    """Both cases the bench cannot show: see the two functions above."""
    return _within(tuple(sorted(group_weights.items())))


@cache
def _within(items: tuple[tuple[str, float], ...]) -> bool:
    weights = dict(items)
    return dutch_label_german_barcode_ranks_nl_first(weights) and gps_outweighs_one_language_clue(
        weights
    )


def fit(
    rows: list[dict], allowed: Callable[[Mapping[str, float]], bool] | None = None, rounds: int = 3
) -> dict[str, float]:
    """Coordinate descent on the grid; language, barcode and GPS are moved together (on
    the 3-D grid), since ``allowed`` bounds them against each other."""
    current = dict(PREVIOUS)
    steps: list[tuple[str, ...]] = [("language", "barcode", "gps"), ("tz",), ("hum",)]
    for _ in range(rounds):
        for step in steps:
            options = [
                {**current, **dict(zip(step, values, strict=True))}
                for values in itertools.product(GRID, repeat=len(step))
            ]
            options = [o for o in options if allowed is None or allowed(o)]
            losses = [log_loss(rows, weights_of(o)) for o in options]
            best = min(losses)
            ties = [o for o, loss in zip(options, losses, strict=True) if loss <= best + TIE]
            current = min(ties, key=lambda o: sum(abs(o[g] - current[g]) for g in step))
    return current


@cache
def _member_prefixes() -> dict[str, list[int]]:
    """GS1 member prefixes (three digits) per country of the organisation."""
    out: dict[str, list[int]] = {}
    for p in gtin13_prefixes():
        if p.use == "member" and p.country:
            out.setdefault(p.country, []).extend(range(p.start, p.end + 1))
    return out


def _ean_of(country: str, rng: random.Random) -> str:
    body = f"{rng.choice(_member_prefixes()[country]):03d}"
    body += "".join(str(rng.randrange(10)) for _ in range(12 - len(body)))
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _exporter(rng: random.Random, home: str) -> str:
    """An issuer other than ``home``'s, drawn by share of world exports."""
    members = [c for c in _member_prefixes() if c not in served_by(home)]
    shares = [EXPORT_SHARE.get(c, OTHER_EXPORT_SHARE) for c in members]
    return rng.choices(members, shares)[0]


def with_imports(rows: list[dict], share: float, seed: int = 7) -> list[dict]:
    """Each local barcode, with probability ``share``, re-issued by a foreign exporter."""
    if share <= 0:
        return rows
    out = []
    for index, row in enumerate(rows):
        rng = random.Random(f"{seed}-{index}")
        home = row["plan"].truth.code
        swapped: dict[str, str] = {}  # one product, one new prefix, for all its repeats
        evidence = []
        for e in row["evidence"]:
            if e.kind == "barcode" and gs1_country(e.value) in served_by(home):
                if e.value not in swapped:
                    imported = rng.random() < share
                    swapped[e.value] = _ean_of(_exporter(rng, home), rng) if imported else e.value
                e = ClueEvidence(Clue(e.kind, swapped[e.value], e.confidence), e.label, e.at)
            evidence.append(e)
        out.append({"plan": row["plan"], "evidence": evidence})  # no cached parts
    return out


def summary(name: str, outcomes: list[dict]) -> None:
    placed = [o for o in outcomes if o["informative"]]
    if not outcomes:
        return
    n = len(placed) or 1
    ece = 0.0
    for lo, hi in zip(BINS, BINS[1:], strict=False):
        b = [o for o in placed if lo <= o["p1"] < hi]
        if b:
            stated = sum(o["p1"] for o in b) / len(b)
            ece += len(b) / n * abs(stated - sum(o["top1"] for o in b) / len(b))
    print(
        f"  {name:<26}{len(outcomes):>7}{sum(o['top1'] for o in outcomes) / len(outcomes):>8.0%}"
        f"{sum(o['top3'] for o in outcomes) / len(outcomes):>8.0%}"
        f"{sum(o['p1'] for o in placed) / n:>10.0%}{sum(o['brier'] for o in placed) / n:>8.2f}"
        f"{ece * 100:>7.1f}"
    )


def _kinds_read(row: dict) -> set[str]:
    return {g for g, kinds in GROUPS.items() for e in row["evidence"] if e.kind in kinds}


def report(rows: list[dict], weights: Mapping[str, float], title: str) -> None:
    outcomes = [outcome(r, weights) for r in rows]
    print(f"\n{title}")
    print(f"  {'series':<26}{'n':>7}{'top-1':>8}{'top-3':>8}{'stated':>10}{'Brier':>8}{'ECE':>7}")
    summary("all held out", outcomes)
    for group in GROUPS:
        summary(f"with {group}", [o for o in outcomes if group in _kinds_read(o["row"])])
        summary(f"{group} alone", [o for o in outcomes if _kinds_read(o["row"]) == {group}])
    wrong_barcode = [
        o
        for o in outcomes
        if o["row"]["plan"].misleading and o["row"]["plan"].misleading[0] == "barcode"
    ]
    summary("misleading barcode", wrong_barcode)


def calibrate(rows: list[dict], world: str) -> dict[str, float]:
    """Fit on the even half (free, and with issue 10's case as a bound), report the odd."""
    fit_half, held_out = rows[0::2], rows[1::2]
    bound = within_bounds
    free, bounded = fit(fit_half), fit(fit_half, bound)
    print(f"\n=== {world}: {len(rows)} series, {len(fit_half)} fit, {len(held_out)} held out")
    print(f"fitted on the even half:          {_show(free)}")
    print(f"  the same, fitted on the odd half: {_show(fit(held_out))}")
    print(f"fitted on the even half, bounded: {_show(bounded)}")
    print(f"  the same, fitted on the odd half: {_show(fit(held_out, bound))}")
    defaults = {kind: DEFAULT_WEIGHTS[kind] for kinds in GROUPS.values() for kind in kinds}
    report(held_out, weights_of(PREVIOUS), "held-out half, the weights before the fit")
    report(held_out, defaults, "held-out half, Vidi's current weights")
    report(held_out, weights_of(free), "held-out half, weights fitted on the even half")
    report(held_out, weights_of(bounded), "held-out half, fitted on the even half, bounded")
    return bounded


def _show(group_weights: Mapping[str, float]) -> str:
    return ", ".join(f"{g}={w}" for g, w in group_weights.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("evidence", type=Path, help="a file written by bench/places.py --save")
    parser.add_argument("--imported", type=float, default=IMPORTED_SHARE)
    args = parser.parse_args()
    rows = load_rows(args.evidence)
    print(
        "default weights: " + ", ".join(f"{g}={DEFAULT_WEIGHTS[k[0]]}" for g, k in GROUPS.items())
    )
    calibrate(rows, "series as planted (imports only as the misleading clue)")
    if args.imported > 0:
        calibrate(
            with_imports(rows, args.imported),
            f"local barcodes re-issued abroad with probability {args.imported}",
        )


if __name__ == "__main__":
    main()
