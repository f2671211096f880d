"""Fuse clue evidence into a ranked list of likely countries, every rank with its reasons.

The model is naive Bayes on likelihood ratios, in natural logarithms (nats):

- each clue gives P(clue | country) from an evidence table; it is mixed with a floor,
  ``LR(c) = (1 - ε) · P(clue | c) / P̄ + ε``, where ``P̄`` is the average over countries,
  so a clue can lower a country's odds by a factor ``ε`` at most and an average country
  is unchanged (``LR = 1``);
- a clue adds ``weight[kind] · confidence · decay · ln LR(c)`` to each country's score;
  repeats of the same clue (same kind family and value) count with a geometric
  ``decay`` (1, ½, ¼, …) so 500 copies of one sign count at most twice;
- the prior over countries is uniform; probabilities are the softmax of the scores,
  mixed with :data:`MODEL_DOUBT` so no country is ever at zero.

docs/places.md explains the choices and how an investigator can challenge them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from vidi.places.clue import ClueEvidence
from vidi.places.countries import country_codes, country_name
from vidi.places.kinds import DEFAULT_WEIGHTS, FLOOR, KIND_FLOORS, clue_likelihood
from vidi.places.likelihoods import Likelihood

DUPLICATE_DECAY = 0.5
"""The k-th repeat of the same clue counts ``DUPLICATE_DECAY ** (k - 1)``."""

MODEL_DOUBT = 1e-4
"""Probability mass spread evenly over all countries: the chance the model is wrong."""


@dataclass(frozen=True)
class Reason:
    """What one clue (or a group of repeats of it) did to one country's score.

    ``delta`` is the change of the log-likelihood in natural log units (nats): +0.69
    doubles the country's odds, −0.69 halves them, 0 leaves them as for an average country.
    """

    label: str
    kind: str
    value: str
    delta: float
    count: int = 1


@dataclass(frozen=True)
class CountryScore:
    """One country in an estimate; ``score`` is exactly the sum of its reasons' deltas."""

    country: str
    name: str
    probability: float
    score: float
    reasons: list[Reason]


@dataclass(frozen=True)
class IgnoredClue:
    """A clue that did not change any country's score, and why."""

    label: str
    kind: str
    value: str
    why: str


@dataclass(frozen=True)
class Estimate:
    """Ranked countries for a media item, a series or a case."""

    ranked: list[CountryScore]
    informative: bool
    note: str
    clues_used: int
    not_informative: list[IgnoredClue] = field(default_factory=list)

    def top(self, n: int = 5) -> list[CountryScore]:
        return self.ranked[:n]

    def to_dict(self, top: int = 10) -> dict[str, Any]:
        """The one JSON form of an estimate (``vidi place``, ``vidi clues``, the report)."""
        return {
            "informative": self.informative,
            "note": self.note,
            "clues_used": self.clues_used,
            "ranked": [
                {
                    "country": s.country,
                    "name": s.name,
                    "probability": round(s.probability, 4),
                    "score": round(s.score, 3),
                    "reasons": [
                        {
                            "clue": r.label,
                            "kind": r.kind,
                            "value": r.value,
                            "delta": round(r.delta, 3),
                            "count": r.count,
                        }
                        for r in s.reasons
                    ],
                }
                for s in self.ranked[:top]
            ],
            "not_informative": [
                {"clue": c.label, "kind": c.kind, "value": c.value, "why": c.why}
                for c in self.not_informative
            ],
        }


@dataclass(frozen=True)
class _Group:
    """Repeats of one clue: the same evidence family and value."""

    clues: list[tuple[ClueEvidence, Likelihood]]


def combine(*evidence: Iterable[ClueEvidence]) -> list[ClueEvidence]:
    """All clues of several media items (or series) as one list for :func:`estimate_countries`.

    Repeats across media are not removed here: the fusion counts them with decay.
    """
    return [clue for group in evidence for clue in group]


def estimate_countries(
    evidence: Sequence[ClueEvidence],
    weights: Mapping[str, float] | None = None,
    floors: Mapping[str, float] | None = None,
    prior: Mapping[str, float] | None = None,
) -> Estimate:
    """Rank countries by the clues in ``evidence``; refuse to guess when none is informative.

    ``weights`` and ``floors`` override :data:`DEFAULT_WEIGHTS` and :data:`KIND_FLOORS`
    per kind (a weight of 0 ignores a kind). ``prior`` replaces the uniform prior with
    relative weights per country (missing countries count as the smallest given); it
    then shows as a reason of kind ``"prior"``.
    """
    weight = {**DEFAULT_WEIGHTS, **(weights or {})}
    floor = {**KIND_FLOORS, **(floors or {})}
    groups, ignored = _group(evidence, weight)
    scored: list[tuple[Reason, dict[str, float]]] = []
    for group in groups:
        deltas = _group_deltas(group, weight, floor)
        if deltas is None:
            ignored.extend(_ignore(c, "it favours no country over another") for c, _ in group.clues)
            continue
        first = group.clues[0][0]
        label = first.label
        if len(group.clues) > 1:
            label += f" and {len(group.clues) - 1} more with the same value"
        reason = Reason(label, first.kind, group.clues[0][1].key, 0.0, len(group.clues))
        scored.append((reason, deltas))
    used = sum(r.count for r, _ in scored)
    if not scored:
        note = (
            f"No informative clue among {len(evidence)}: Vidi does not guess a country. "
            "Add clues (text, barcodes, audio, EXIF) or an investigator's suspicion."
        )
        return Estimate([], False, note, 0, ignored)
    if prior:
        scored.append((Reason("prior given by the caller", "prior", "", 0.0, 0), _prior(prior)))
    ranked = _rank(scored)
    return Estimate(ranked, True, _note(ranked, used, len(evidence)), used, ignored)


def _prior(prior: Mapping[str, float]) -> dict[str, float]:
    given = {c.upper(): p for c, p in prior.items() if p > 0}
    if not given:
        raise ValueError("a prior needs at least one country with a weight above 0")
    smallest = min(given.values())
    logs = {c: math.log(given.get(c, smallest)) for c in country_codes()}
    mean = math.fsum(logs.values()) / len(logs)
    return {c: v - mean for c, v in logs.items()}


def _ignore(clue: ClueEvidence, why: str) -> IgnoredClue:
    return IgnoredClue(clue.label, clue.kind, clue.value, why)


def _group(
    evidence: Sequence[ClueEvidence], weight: Mapping[str, float]
) -> tuple[list[_Group], list[IgnoredClue]]:
    groups: dict[tuple[str, str], list[tuple[ClueEvidence, Likelihood]]] = {}
    ignored: list[IgnoredClue] = []
    seen: dict[tuple[str, str, object], Likelihood | str] = {}  # a series repeats its clues
    for clue in evidence:
        if weight.get(clue.kind, 0.0) <= 0.0 or not clue.confidence > 0.0:
            ignored.append(_ignore(clue, "its kind has weight 0 or it has no confidence"))
            continue
        memo_key = (clue.kind, clue.value, clue.at if clue.kind == "tz_offset" else None)
        if memo_key not in seen:
            seen[memo_key] = clue_likelihood(clue)
        likelihood = seen[memo_key]
        if isinstance(likelihood, str):
            ignored.append(_ignore(clue, likelihood))
            continue
        groups.setdefault((likelihood.family, likelihood.key), []).append((clue, likelihood))
    ordered = [sorted(g, key=lambda cl: -min(cl[0].confidence, 1.0)) for g in groups.values()]
    return [_Group(g) for g in ordered], ignored


def _log_ratios(likelihood: Likelihood, epsilon: float) -> dict[str, float] | None:
    """ln LR per country (neutral countries 0); None if the clue favours no country."""
    informed = [c for c in country_codes() if c not in likelihood.neutral]
    values = [likelihood.table.get(c, 0.0) for c in informed]
    mean = sum(values) / len(values) if values else 0.0
    if mean <= 0.0 or max(values) - min(values) < 1e-12:
        return None
    ratios = dict.fromkeys(country_codes(), 0.0)
    for country, p in zip(informed, values, strict=True):
        ratios[country] = math.log((1.0 - epsilon) * p / mean + epsilon)
    return ratios


def _group_deltas(
    group: _Group, weight: Mapping[str, float], floor: Mapping[str, float]
) -> dict[str, float] | None:
    # Repeats share one Likelihood object: add up their scales, then the vector once.
    scales: dict[tuple[int, float], float] = {}
    likelihoods: dict[int, Likelihood] = {}
    for k, (clue, likelihood) in enumerate(group.clues):
        key = (id(likelihood), floor.get(clue.kind, FLOOR))
        likelihoods[id(likelihood)] = likelihood
        scale = weight[clue.kind] * min(clue.confidence, 1.0) * DUPLICATE_DECAY**k
        scales[key] = scales.get(key, 0.0) + scale
    total = dict.fromkeys(country_codes(), 0.0)
    informative = False
    for (likelihood_id, epsilon), scale in scales.items():
        ratios = _log_ratios(likelihoods[likelihood_id], epsilon)
        if ratios is None:
            continue
        informative = True
        for country, r in ratios.items():
            total[country] += scale * r
    return total if informative else None


def _rank(scored: list[tuple[Reason, dict[str, float]]]) -> list[CountryScore]:
    codes = country_codes()
    scores = {c: math.fsum(d[c] for _, d in scored) for c in codes}
    top = max(scores.values())
    exp = {c: math.exp(s - top) for c, s in scores.items()}
    total = math.fsum(exp.values())
    doubt = MODEL_DOUBT / len(codes)
    ranked = []
    for c in codes:
        reasons = [
            Reason(r.label, r.kind, r.value, d[c], r.count)
            for r, d in sorted(scored, key=lambda rd: -abs(rd[1][c]))
        ]
        probability = (1.0 - MODEL_DOUBT) * exp[c] / total + doubt
        ranked.append(CountryScore(c, country_name(c), probability, scores[c], reasons))
    ranked.sort(key=lambda cs: (-cs.probability, cs.country))
    return ranked


def _note(ranked: list[CountryScore], used: int, given: int) -> str:
    best = ranked[0]
    ties = [cs for cs in ranked if cs.probability >= best.probability * (1 - 1e-9)]
    head = f"Based on {used} informative clue(s) of {given}. "
    if len(ties) > 1:
        return head + f"{len(ties)} countries are equally likely; the clues do not separate them."
    runner = ranked[1]
    lead = best.probability / runner.probability
    return head + (
        f"Most likely {best.name} ({best.probability:.0%}), "
        f"{lead:.1f}× as likely as {runner.name} ({runner.probability:.0%})."
    )
