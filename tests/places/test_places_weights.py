"""Evidence weights that reflect how clues mislead: imported products, zones by population."""

from __future__ import annotations

from datetime import datetime

from vidi.places import ClueEvidence, estimate_countries
from vidi.places.clue import Clue
from vidi.places.gs1 import barcode_shares
from vidi.places.prior import population_prior
from vidi.places.timezones import offset_shares

JULY = datetime(2024, 7, 15, 12)


def clue(kind: str, value: str = "", at: datetime | None = None) -> ClueEvidence:
    return ClueEvidence(Clue(kind, value, 1.0), f"clue ({kind} {value})", at)


def test_dutch_label_on_a_german_barcoded_product_places_the_netherlands_first() -> None:
    evidence = [clue("language", "nl"), clue("barcode", "4001234567891")]
    estimate = estimate_countries(evidence, prior=population_prior())
    assert estimate.ranked[0].country == "NL"
    germany = next(s for s in estimate.ranked if s.country == "DE")
    assert germany.probability < 0.5


def test_a_polish_barcode_still_places_poland_on_its_own() -> None:
    estimate = estimate_countries([clue("barcode", "5901234123457")], prior=population_prior())
    assert estimate.ranked[0].country == "PL"


def test_a_german_prefix_says_less_than_a_polish_one() -> None:
    german, polish = barcode_shares("DE"), barcode_shares("PL")
    assert german["DE"] > 0.5 and polish["PL"] > 0.5
    # An imported German product is commoner in France than an imported Polish one.
    assert german["FR"] > 3 * polish["FR"] > 0


def test_us_at_minus_four_in_july_weighs_eastern_time_by_its_people() -> None:
    shares = offset_shares("-04:00", JULY)
    assert 0.4 < shares["US"] < 0.6  # Eastern time: about half of Americans
    assert shares["BR"] < 0.1  # Amazonas and its neighbours, not São Paulo
    assert shares["BO"] == 1.0


def test_russia_at_plus_three_is_most_russians() -> None:
    assert offset_shares("+03:00", JULY)["RU"] > 0.5
    assert offset_shares("+07:00", JULY)["RU"] < 0.15


def test_an_offset_rarely_used_in_a_big_country_points_elsewhere() -> None:
    estimate = estimate_countries([clue("tz_offset", "-04:00", JULY)])
    by_country = {s.country: s.score for s in estimate.ranked}
    assert by_country["US"] > by_country["BR"]
