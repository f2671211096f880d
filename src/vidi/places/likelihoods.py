"""P(clue | country) for each family of clue: a country outright, a language, a GS1
prefix, mains hum, a time-zone offset; or a sentence saying why a clue tells nothing.

Each function reads its own evidence table (languages, GS1, mains, time zones). Which
clue kind uses which function is one line per kind in :mod:`vidi.places.kinds`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from vidi.places.clue import ClueEvidence
from vidi.places.countries import country_codes, normalise_country
from vidi.places.gs1 import barcode_shares, check_digit_ok, gs1_prefix
from vidi.places.languages import language_shares, normalise_language
from vidi.places.mains import mains_shares
from vidi.places.timezones import format_offset, offset_shares, parse_offset


@dataclass(frozen=True)
class Likelihood:
    """P(clue | country): ``table`` for countries with data (absent = 0), ``neutral`` for
    countries the table knows nothing about (they are neither favoured nor penalised)."""

    family: str
    key: str
    table: Mapping[str, float]
    neutral: frozenset[str] = field(default_factory=frozenset)


def _without(table: Mapping[str, float]) -> frozenset[str]:
    return frozenset(country_codes()) - set(table)


def country_likelihood(clue: ClueEvidence) -> Likelihood | str:
    code = normalise_country(clue.value)
    if code is None:
        return f"{clue.value!r} is not an ISO 3166-1 country code"
    return Likelihood(clue.kind, code, {code: 1.0})


def language_likelihood(clue: ClueEvidence) -> Likelihood | str:
    language = normalise_language(clue.value)
    shares = language_shares(language)
    if not shares:
        return f"language {clue.value!r} is not listed for any country in CLDR"
    return Likelihood(clue.kind, language, shares)


def mains_50hz_likelihood(clue: ClueEvidence) -> Likelihood:
    shares = mains_shares(50)
    return Likelihood("mains", "50 Hz", shares, _without(shares))


def mains_60hz_likelihood(clue: ClueEvidence) -> Likelihood:
    shares = mains_shares(60)
    return Likelihood("mains", "60 Hz", shares, _without(shares))


def gs1_likelihood(clue: ClueEvidence) -> Likelihood | str:
    if clue.kind == "gs1_country":
        issuer = normalise_country(clue.value)
        if issuer is None:
            return f"{clue.value!r} is not an ISO 3166-1 country code"
    else:
        digits = clue.value.strip()
        row = gs1_prefix(digits)
        if row is None:
            valid = check_digit_ok(digits)
            return "prefix is not allocated" if valid else "not a GTIN with a valid check digit"
        if row.country is None:
            return f"prefix {digits[:3]}… is {row.issuer}: no country"
        issuer = row.country
    return Likelihood("gs1", issuer, barcode_shares(issuer))


def _reference_times(at: datetime | None) -> list[datetime]:
    if at is not None:
        return [at]
    # No capture date: accept the offsets of both halves of the year (DST or not).
    year = datetime.now(UTC).year
    return [datetime(year, 1, 15, 12, tzinfo=UTC), datetime(year, 7, 15, 12, tzinfo=UTC)]


def tz_likelihood(clue: ClueEvidence) -> Likelihood | str:
    try:
        offset = parse_offset(clue.value)
    except ValueError as exc:
        return str(exc)
    table: dict[str, float] = {}
    # Undated: the offset may be either half's; a country counts its larger share.
    for at in _reference_times(clue.at):
        for country, share in offset_shares(offset, at).items():
            table[country] = max(table.get(country, 0.0), share)
    if not table:
        return f"no country used UTC{format_offset(offset)} at that date"
    # Countries without a zone (uninhabited islands) cannot have used the offset: no neutral.
    return Likelihood("tz", format_offset(offset), table)
