"""The population prior breaks ties between countries that share a clue, and no more."""

from __future__ import annotations

from vidi.places.clue import Clue
from vidi.places.evidence import ClueEvidence
from vidi.places.fusion import estimate_countries
from vidi.places.prior import population_prior


def clue(kind: str, value: str) -> ClueEvidence:
    return ClueEvidence(Clue(kind, value, 1.0), f"{kind} {value}")


def test_german_text_alone_ranks_germany_first_with_the_prior() -> None:
    uniform = estimate_countries([clue("language", "de")])
    weighted = estimate_countries([clue("language", "de")], prior=population_prior())
    assert weighted.ranked[0].country == "DE"
    assert uniform.ranked[0].country != "DE"  # Liechtenstein wins a uniform tie


def test_the_prior_does_not_overrule_a_gps_clue_for_a_small_country() -> None:
    estimate = estimate_countries(
        [clue("gps_country", "LI"), clue("language", "de")], prior=population_prior()
    )
    assert estimate.ranked[0].country == "LI"


def test_every_country_has_a_positive_weight() -> None:
    prior = population_prior()
    assert len(prior) > 200 and min(prior.values()) > 0
    assert prior["US"] > prior["DE"] > prior["LI"]
