"""Calibration of the fusion on cases drawn from its own evidence tables.

Each simulated case has a true country and clues drawn as the model assumes: with
probability 1 − ε from the true country's table, otherwise from a random country's
(ε = the kind's floor). If the fusion's arithmetic is right, a stated 80% must come
true about 80% of the time. This checks the arithmetic, not the tables: only labelled
real cases can check those (see docs/places.md).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache

from vidi.places import FLOOR, KIND_FLOORS, ClueEvidence, country_codes, estimate_countries
from vidi.places.clue import Clue
from vidi.places.gs1 import gs1_countries, served_by
from vidi.places.languages import known_languages, language_shares
from vidi.places.mains import share_50hz
from vidi.places.timezones import country_offsets, format_offset

CASES = 400


@cache
def _languages_of(country: str) -> tuple[tuple[str, float], ...]:
    shares = ((lang, language_shares(lang).get(country, 0.0)) for lang in sorted(known_languages()))
    return tuple((lang, p) for lang, p in shares if p > 0)


def _language(rng: random.Random, country: str) -> str | None:
    r = rng.random()
    for language, share in _languages_of(country):
        r -= share
        if r < 0:
            return language
    return None  # a language CLDR does not list there: no clue


def _mains(rng: random.Random, country: str) -> str | None:
    share = share_50hz().get(country)
    if share is None:
        return None
    return "enf_50hz" if rng.random() < share else "enf_60hz"


def _gs1(rng: random.Random, country: str) -> str | None:
    issuers = sorted(i for i in gs1_countries() if country in served_by(i))
    return issuers[0] if issuers else None


def _draw(
    rng: random.Random, kind: str, truth: str, sample: Callable[[random.Random, str], str | None]
) -> str | None:
    epsilon = KIND_FLOORS.get(kind, FLOOR)
    source = rng.choice(country_codes()) if rng.random() < epsilon else truth
    return sample(rng, source)


def simulate_case(rng: random.Random) -> tuple[str, list[ClueEvidence]]:
    truth = rng.choice(country_codes())
    at = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(hours=rng.randrange(5 * 365 * 24))
    clues: list[ClueEvidence] = []
    for kind in rng.sample(["language", "mains", "gs1_country", "tz_offset"], rng.randint(1, 3)):
        if kind == "language":
            value = _draw(rng, "language", truth, _language)
            if value:
                clues.append(ClueEvidence(Clue("language", value, 1.0), "sim"))
        elif kind == "mains":
            enf = _draw(rng, "enf_50hz", truth, _mains)
            if enf:
                clues.append(ClueEvidence(Clue(enf, "", 1.0), "sim"))
        elif kind == "gs1_country":
            issuer = _draw(rng, "gs1_country", truth, _gs1)
            if issuer:
                clues.append(ClueEvidence(Clue("gs1_country", issuer, 1.0), "sim"))
        else:
            offsets = country_offsets(at)
            source = (
                truth if rng.random() >= KIND_FLOORS["tz_offset"] else rng.choice(country_codes())
            )
            if offsets.get(source):
                offset = rng.choice(sorted(offsets[source]))
                clues.append(ClueEvidence(Clue("tz_offset", format_offset(offset), 1.0), "sim", at))
    return truth, clues


def reliability(cases: int, seed: int) -> list[tuple[float, float, int]]:
    """(mean stated top-1 probability, share correct, count) per probability band."""
    rng = random.Random(seed)
    bands: dict[int, list[tuple[float, bool]]] = {}
    for _ in range(cases):
        truth, clues = simulate_case(rng)
        estimate = estimate_countries(clues)
        if not estimate.informative:
            continue
        best = estimate.ranked[0]
        bands.setdefault(min(int(best.probability * 5), 4), []).append(
            (best.probability, best.country == truth)
        )
    return [
        (sum(p for p, _ in rows) / len(rows), sum(ok for _, ok in rows) / len(rows), len(rows))
        for _, rows in sorted(bands.items())
    ]


def test_stated_probabilities_come_true_as_often_as_stated() -> None:
    table = reliability(CASES, seed=7)
    total = sum(n for _, _, n in table)
    assert total > CASES // 2
    expected_error = sum(abs(stated - observed) * n for stated, observed, n in table) / total
    assert expected_error < 0.08, table
    confident = [row for row in table if row[0] > 0.8]
    assert confident and all(observed > 0.7 for _, observed, _ in confident), table
