"""Place: evidence tables (languages, GS1 prefixes, mains, time zones) and their fusion
into a ranked list of likely countries. Pure: reads packaged data, never the store."""

from vidi.places.clue import Clue, Region
from vidi.places.countries import country_codes, country_name, normalise_country
from vidi.places.evidence import ClueEvidence, clue_likelihood
from vidi.places.fusion import (
    DEFAULT_WEIGHTS,
    DUPLICATE_DECAY,
    FLOOR,
    KIND_FLOORS,
    MODEL_DOUBT,
    CountryScore,
    Estimate,
    IgnoredClue,
    Reason,
    combine,
    estimate_countries,
)
from vidi.places.gs1 import check_digit_ok, gs1_country, gs1_prefix
from vidi.places.languages import language_shares
from vidi.places.mains import mains_shares
from vidi.places.timezones import countries_with_offset, parse_offset

__all__ = [
    "DEFAULT_WEIGHTS",
    "DUPLICATE_DECAY",
    "FLOOR",
    "KIND_FLOORS",
    "MODEL_DOUBT",
    "Clue",
    "ClueEvidence",
    "CountryScore",
    "Estimate",
    "IgnoredClue",
    "Reason",
    "Region",
    "check_digit_ok",
    "clue_likelihood",
    "combine",
    "countries_with_offset",
    "country_codes",
    "country_name",
    "estimate_countries",
    "gs1_country",
    "gs1_prefix",
    "language_shares",
    "mains_shares",
    "normalise_country",
    "parse_offset",
]
