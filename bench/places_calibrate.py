"""Fit a weight per clue kind on half of bench/places.py's series; report on the other half.

A kind's weight is an exponent on its likelihood (``weight · ln LR`` in the fusion). The
series saved by ``bench/places.py --save`` are split by index: even ones fit, odd ones are
held out. The weights are fitted by coordinate descent on a grid, minimising the mean
negative log-probability of the true country on the fit half; the held-out half then gets
top-1/top-3, Brier score and expected calibration error, overall, per clue kind read, and
for the series whose misleading clue was a foreign barcode.

Usage: python bench/places.py --series 40 --save ev.pkl
       python bench/places_calibrate.py ev.pkl
"""

from __future__ import annotations

import math
import pickle
import sys
from collections.abc import Mapping
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from vidi.places.fusion import DEFAULT_WEIGHTS, estimate_countries  # noqa: E402
from vidi.places.prior import population_prior  # noqa: E402

GROUPS = {
    "language": ("language",),
    "barcode": ("barcode", "gs1_country"),
    "gps": ("gps_country",),
    "tz": ("tz_offset",),
    "hum": ("enf_50hz", "enf_60hz"),
}
GRID = (0.25, 0.35, 0.5, 0.7, 0.85, 1.0, 1.2, 1.5)
BINS = (0.0, 0.4, 0.6, 0.8, 0.9, 1.0001)


def weights_of(group_weights: Mapping[str, float]) -> dict[str, float]:
    return {kind: w for g, w in group_weights.items() for kind in GROUPS[g]}


def outcome(row: dict, weights: Mapping[str, float]) -> dict:
    estimate = estimate_countries(row["evidence"], weights=weights, prior=population_prior())
    truth = row["plan"].truth.code
    probability = {s.country: s.probability for s in estimate.ranked}
    ranked = [s.country for s in estimate.ranked]
    return {
        "row": row,
        "informative": estimate.informative,
        "p_truth": probability.get(truth, 0.0),
        "p1": estimate.ranked[0].probability if ranked else 0.0,
        "top1": ranked[:1] == [truth],
        "top3": truth in ranked[:3],
        "brier": sum((p - (c == truth)) ** 2 for c, p in probability.items()) if ranked else 1.0,
    }


def log_loss(rows: list[dict], weights: Mapping[str, float]) -> float:
    placed = [o for o in (outcome(r, weights) for r in rows) if o["informative"]]
    return sum(-math.log(max(o["p_truth"], 1e-9)) for o in placed) / max(1, len(placed))


def fit(rows: list[dict], rounds: int = 2) -> dict[str, float]:
    current = {g: DEFAULT_WEIGHTS[GROUPS[g][0]] for g in GROUPS}
    for _ in range(rounds):
        for group in GROUPS:
            losses = {w: log_loss(rows, weights_of({**current, group: w})) for w in GRID}
            current[group] = min(losses, key=lambda w: (losses[w], abs(w - current[group])))
    return current


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


def main() -> None:
    rows = pickle.loads(Path(sys.argv[1]).read_bytes())
    fit_half, held_out = rows[0::2], rows[1::2]
    fitted = fit(fit_half)
    print(f"{len(rows)} series: {len(fit_half)} fit, {len(held_out)} held out")
    print("fitted weight per kind: " + ", ".join(f"{g}={w}" for g, w in fitted.items()))
    defaults = {kind: DEFAULT_WEIGHTS[kind] for kinds in GROUPS.values() for kind in kinds}
    report(held_out, defaults, "held-out half, Vidi's current weights")
    report(held_out, weights_of(fitted), "held-out half, weights fitted on the other half")


if __name__ == "__main__":
    main()
