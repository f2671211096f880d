"""Turn one clue into P(clue | country) for every country, or say why it tells nothing.

Each clue kind reads its own evidence table (languages, GS1, mains, time zones) or is
a country outright (GPS, an investigator's suspicion, an earlier case). The fusion in
:mod:`vidi.places.fusion` mixes these likelihoods with a floor and adds them up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from vidi.places.countries import country_codes, normalise_country
from vidi.places.gs1 import barcode_shares, check_digit_ok, gs1_prefix
from vidi.places.languages import language_shares, normalise_language
from vidi.places.mains import mains_shares
from vidi.places.timezones import format_offset, offset_shares, parse_offset


@dataclass(frozen=True)
class ClueEvidence:
    """One clue as the fusion sees it; ``kind`` is a word of ``vidi.clues.base.CLUE_KINDS``.

    ``label`` names the clue for a person, e.g. ``"clue #12 (text, media 3fa2…)"``;
    ``at`` is the capture time for ``tz_offset`` clues when it is known.
    """

    kind: str
    value: str
    confidence: float
    label: str
    at: datetime | None = None


@dataclass(frozen=True)
class Likelihood:
    """P(clue | country): ``table`` for countries with data (absent = 0), ``neutral`` for
    countries the table knows nothing about (they are neither favoured nor penalised)."""

    family: str
    key: str
    table: Mapping[str, float]
    neutral: frozenset[str] = field(default_factory=frozenset)


COUNTRY_KINDS = frozenset({"gps_country", "country", "near_duplicate_country"})
"""Kinds whose value is a country code."""

EVIDENCE_KINDS = COUNTRY_KINDS | {
    "language",
    "language_heard",
    "barcode",
    "gs1_country",
    "enf_50hz",
    "enf_60hz",
    "tz_offset",
}
"""Every kind the fusion reads; other clue kinds carry no country evidence."""


def clue_likelihood(clue: ClueEvidence) -> Likelihood | str:
    """The clue's likelihood table, or a sentence saying why it gives no country evidence."""
    if clue.kind not in EVIDENCE_KINDS:
        return f"a {clue.kind!r} clue carries no country evidence"
    if clue.kind in COUNTRY_KINDS:
        return _country_likelihood(clue)
    if clue.kind in ("language", "language_heard"):
        return _language_likelihood(clue)
    if clue.kind in ("barcode", "gs1_country"):
        return _gs1_likelihood(clue)
    if clue.kind in ("enf_50hz", "enf_60hz"):
        hz = 50 if clue.kind == "enf_50hz" else 60
        shares = mains_shares(hz)
        return Likelihood("mains", f"{hz} Hz", shares, _without(shares))
    return _tz_likelihood(clue)


def _without(table: Mapping[str, float]) -> frozenset[str]:
    return frozenset(country_codes()) - set(table)


def _country_likelihood(clue: ClueEvidence) -> Likelihood | str:
    code = normalise_country(clue.value)
    if code is None:
        return f"{clue.value!r} is not an ISO 3166-1 country code"
    return Likelihood(clue.kind, code, {code: 1.0})


def _language_likelihood(clue: ClueEvidence) -> Likelihood | str:
    language = normalise_language(clue.value)
    shares = language_shares(language)
    if not shares:
        return f"language {clue.value!r} is not listed for any country in CLDR"
    return Likelihood(clue.kind, language, shares)


def _gs1_likelihood(clue: ClueEvidence) -> Likelihood | str:
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


def _tz_likelihood(clue: ClueEvidence) -> Likelihood | str:
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
