"""Tables for bench/places.py: accuracy per clue mix and calibration of the top-1."""

from __future__ import annotations

from collections import defaultdict

BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0001)
FAMILY = {"enf_50hz": "hum", "enf_60hz": "hum", "gps_country": "gps", "barcode": "gs1"}


def truthful_read(row: dict) -> int:
    """Distinct kinds of evidence read from the series' own (not misleading) media."""
    return len({FAMILY.get(e.kind, e.kind) for e in row["evidence"] if "misleading" not in e.label})


def _groups(rows: list[dict]) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        plan = row["plan"]
        n = len(plan.kinds)
        groups[f"{n} planted"].append(row)
        if plan.misleading is None and plan.missing is None:
            groups[f"{n} planted, clean"].append(row)
        if plan.missing is not None:
            groups[f"{n} planted + lost clue"].append(row)
        if plan.misleading is not None:
            groups[f"{n} planted + misleading"].append(row)
            groups[f"misleading {plan.misleading[0]} (any mix)"].append(row)
        if n >= 2:
            groups["all >= 2 planted"].append(row)
            if plan.misleading is not None:
                groups["all >= 2 planted + misleading"].append(row)
        read = truthful_read(row)
        groups[f"read {min(read, 2)}{'+' if read >= 2 else ''} true kinds"].append(row)
    return groups


def accuracy_table(rows: list[dict], title: str) -> None:
    print(f"\ntop-1 / top-3 accuracy per clue mix ({title})")
    print(f"  {'mix':<32}{'series':>7}{'placed':>8}{'top-1':>8}{'top-3':>8}{'stated p1':>11}")
    for name, g in sorted(_groups(rows).items()):
        placed = sum(r["informative"] for r in g)
        top1 = sum(r["top1"] for r in g) / len(g)
        top3 = sum(r["top3"] for r in g) / len(g)
        stated = sum(r["p1"] for r in g) / len(g)
        print(f"  {name:<32}{len(g):>7}{placed:>8}{top1:>8.0%}{top3:>8.0%}{stated:>11.0%}")


def calibration_table(rows: list[dict]) -> float:
    """Reliability of the stated top-1 probability; returns the ECE (0..1)."""
    placed = [r for r in rows if r["informative"]]
    if not placed:
        print("\nno series was placed: no calibration")
        return 0.0
    print("\ncalibration: stated top-1 probability vs how often the top-1 was right")
    print(f"  {'stated':<12}{'series':>7}{'mean stated':>13}{'right':>8}")
    ece = 0.0
    for lo, hi in zip(BINS, BINS[1:], strict=False):
        b = [r for r in placed if lo <= r["p1"] < hi]
        if not b:
            continue
        stated = sum(r["p1"] for r in b) / len(b)
        right = sum(r["top1"] for r in b) / len(b)
        ece += len(b) / len(placed) * abs(stated - right)
        print(f"  {lo:.1f}-{min(hi, 1.0):.1f}{'':<5}{len(b):>7}{stated:>13.0%}{right:>8.0%}")
    stated = sum(r["p1"] for r in placed) / len(placed)
    right = sum(r["top1"] for r in placed) / len(placed)
    print(f"  all{'':<9}{len(placed):>7}{stated:>13.0%}{right:>8.0%}")
    print(f"  expected calibration error: {ece * 100:.1f} points (target < 10)")
    return ece


def parse_overrides(text: str) -> dict[str, float]:
    """'barcode=0.7,language=1.2' → {'barcode': 0.7, 'language': 1.2}."""
    out = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        kind, _, value = part.partition("=")
        out[kind.strip()] = float(value)
    return out
