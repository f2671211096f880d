"""Every clue kind, one line each: what it means, and how it moves countries (if it does).

``likelihood`` turns one clue of the kind into P(clue | country) (see
:mod:`vidi.places.likelihoods`); None means the clue is shown to investigators but not
fused. ``weight`` is how much one clue of the kind counts before its confidence, and
``floor`` its ε where it differs from :data:`FLOOR` (products travel, clocks are wrong).
The extractors in ``vidi.clues`` and the fusion in :mod:`vidi.places.fusion` both read
this table; a new kind is one line here (docs/extending.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from vidi.places.clue import ClueEvidence
from vidi.places.likelihoods import (
    Likelihood,
    country_likelihood,
    gs1_likelihood,
    language_likelihood,
    mains_50hz_likelihood,
    mains_60hz_likelihood,
    tz_likelihood,
)

FLOOR = 0.05
"""Default ε: the chance that a clue has nothing to do with where the media was made."""


@dataclass(frozen=True)
class ClueKind:
    """One kind of clue: its name, a description, and its place in the fusion."""

    name: str
    description: str
    likelihood: Callable[[ClueEvidence], Likelihood | str] | None = None
    weight: float = 1.0
    floor: float = FLOOR


_shown = ClueKind  # a kind with no likelihood: shown, not fused

# fmt: off
# Weights of language, barcode/GS1, GPS, time zone and hum are fitted by
# bench/places_calibrate.py on the even half of 240 bench/places.py series (local barcodes
# re-issued abroad at IMPORTED_SHARE; bound so that Dutch text on a German EAN still ranks
# the Netherlands first and a GPS position outweighs one language clue, cases the bench
# cannot show) and checked on the odd half; docs/places.md has the figures and caveats.
# The other weights are not fitted.
# A reference-gallery object (a shop's bag, a uniform logo) says where it is sold; objects
# travel, so it counts like a near-duplicate's case and keeps a wide floor.
KINDS: tuple[ClueKind, ...] = (
    _shown("camera_make", "camera maker from EXIF"),
    _shown("camera_model", "camera model from EXIF"),
    _shown("camera_serial", "camera or lens serial number from EXIF/maker notes"),
    _shown("software", "software that wrote the file"),
    _shown("capture_time", "capture time (ISO 8601, as written in the file)"),
    ClueKind("tz_offset", "time-zone offset at capture (+HH:MM), from OffsetTime* tags", tz_likelihood, 2.0, 0.1),  # noqa: E501
    _shown("gps", "GPS position 'lat,lon' (decimal degrees)"),
    ClueKind("gps_country", "ISO country code of the GPS position (offline gazetteer)", country_likelihood, 1.2, 0.02),  # noqa: E501
    _shown("exif_thumbnail_differs", "embedded EXIF thumbnail differs from the picture (PDQ distance)"),  # noqa: E501
    _shown("exif_warning", "EXIF/XMP metadata could not be read in full (the reason is the value)"),  # noqa: E501
    _shown("text", "recognised text (OCR) of one line or block"),
    ClueKind("language", "language of recognised text (ISO 639-1)", language_likelihood, 1.2),
    ClueKind("barcode", "a 1D barcode's payload (type in detail)", gs1_likelihood, 0.7, 0.4),
    ClueKind("gs1_country", "country of the GS1 member organisation that issued an EAN/UPC prefix", gs1_likelihood, 0.7, 0.4),  # noqa: E501
    _shown("qr_text", "a QR code's payload"),
    ClueKind("enf_50hz", "mains hum at 50 Hz", mains_50hz_likelihood, 1.5, 0.1),
    ClueKind("enf_60hz", "mains hum at 60 Hz", mains_60hz_likelihood, 1.5, 0.1),
    _shown("speech", "speech or voice present in a time span"),
    ClueKind("near_duplicate_country", "a near-duplicate was placed in this country by an earlier case", country_likelihood, 0.8, 0.2),  # noqa: E501
    _shown("investigator", "a fact an investigator recognised (free text; kind in detail)"),
    _shown("object_seen", "an object an investigator recognised in the picture (free text)"),
    _shown("logo", "a logo or brand an investigator recognised (free text)"),
    _shown("place", "a place an investigator recognised (free text)"),
    ClueKind("language_heard", "a language an investigator heard (ISO 639-1)", language_likelihood, 0.8),  # noqa: E501
    ClueKind("country", "a country an investigator has reason to suspect (ISO 3166-1 alpha-2)", country_likelihood, 1.0, 0.3),  # noqa: E501
    # Stored value: the gallery item's label; vidi.estimates hands the fusion its country.
    ClueKind("object_match", "the picture shows a reference-gallery item (its label; country in detail)", country_likelihood, 0.8, 0.2),  # noqa: E501
)
# fmt: on

_BY_NAME: Mapping[str, ClueKind] = {kind.name: kind for kind in KINDS}

CLUE_KINDS: Mapping[str, str] = {kind.name: kind.description for kind in KINDS}
"""Every kind an extractor or an investigator may record, with its description."""

EVIDENCE_KINDS: frozenset[str] = frozenset(k.name for k in KINDS if k.likelihood is not None)
"""Every kind the fusion reads; other clue kinds carry no country evidence."""

COUNTRY_KINDS: frozenset[str] = frozenset(
    k.name for k in KINDS if k.likelihood is country_likelihood
)
"""Kinds that name a country outright."""

DEFAULT_WEIGHTS: Mapping[str, float] = {k.name: k.weight for k in KINDS if k.likelihood is not None}
"""Weight per clue kind: how much one clue of that kind counts, before its confidence."""

KIND_FLOORS: Mapping[str, float] = {k.name: k.floor for k in KINDS if k.floor != FLOOR}
"""ε per kind where it differs from :data:`FLOOR`."""


def clue_kind(name: str) -> ClueKind | None:
    """The kind called ``name``; None when Vidi does not know it."""
    return _BY_NAME.get(name)


def clue_likelihood(clue: ClueEvidence) -> Likelihood | str:
    """The clue's likelihood table, or a sentence saying why it gives no country evidence."""
    kind = _BY_NAME.get(clue.kind)
    if kind is None or kind.likelihood is None:
        return f"a {clue.kind!r} clue carries no country evidence"
    return kind.likelihood(clue)
