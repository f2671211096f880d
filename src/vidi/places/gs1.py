"""Which country's GS1 member organisation issued a product barcode.

A GTIN's first three digits (its GS1 prefix) say which national GS1 organisation
allocated the company prefix: that is where the brand owner *registered*, not where
the product was made or sold. Restricted, coupon, ISSN and ISBN ranges name no country.
The prefix ranges are in ``data/gs1_prefixes.csv`` (GTIN-13, and UPC-A as a GTIN-13
with a leading 0) and ``data/gs1_8_prefixes.csv`` (the GS1-8 ranges that differ).
"""

from __future__ import annotations

import csv
import importlib.resources
import io
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Gs1Prefix:
    """One row of a prefix table: the range, the issuing organisation and its country."""

    start: int
    end: int
    country: str | None
    issuer: str
    use: str  # member | restricted | reserved | coupon | issn | isbn | global_office


def _read_table(name: str) -> tuple[Gs1Prefix, ...]:
    text = (importlib.resources.files("vidi.places") / "data" / name).read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text))
    return tuple(
        Gs1Prefix(int(r["start"]), int(r["end"]), r["country"] or None, r["issuer"], r["use"])
        for r in rows
    )


@cache
def gtin13_prefixes() -> tuple[Gs1Prefix, ...]:
    """The GTIN-13 / UPC-A prefix table."""
    return _read_table("gs1_prefixes.csv")


@cache
def gtin8_prefixes() -> tuple[Gs1Prefix, ...]:
    """The GS1-8 ranges that differ from the GTIN-13 table."""
    return _read_table("gs1_8_prefixes.csv")


def check_digit_ok(code: str) -> bool:
    """Whether a GTIN (8, 12, 13 or 14 digits) ends in its correct mod-10 check digit."""
    if not code.isdigit() or len(code) not in (8, 12, 13, 14):
        return False
    body = [int(d) for d in reversed(code[:-1])]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(body))
    return (10 - total % 10) % 10 == int(code[-1])


def upce_to_upca(code: str) -> str | None:
    """Expand an 8-digit UPC-E (number system 0 or 1) to its 12-digit UPC-A, else ``None``."""
    if len(code) != 8 or not code.isdigit() or code[0] not in "01":
        return None
    ns, d, check = code[0], code[1:7], code[7]
    last = d[5]
    if last in "012":
        body = d[0:2] + last + "0000" + d[2:5]
    elif last == "3":
        body = d[0:3] + "00000" + d[3:5]
    elif last == "4":
        body = d[0:4] + "00000" + d[4]
    else:
        body = d[0:5] + "0000" + last
    return ns + body + check


def _lookup(prefix: int, table: tuple[Gs1Prefix, ...]) -> Gs1Prefix | None:
    return next((row for row in table if row.start <= prefix <= row.end), None)


def gs1_prefix(code: str, symbology: str | None = None) -> Gs1Prefix | None:
    """The prefix row of a valid GTIN, or ``None`` if the code is invalid or unlisted.

    12 digits are UPC-A (prefix ``0`` + first two digits); 8 digits are EAN-8 unless
    ``symbology`` says UPC-E; 14 digits are a GTIN-14 whose first digit is the packaging
    indicator. The check digit must be right: a misread barcode gives no evidence.
    """
    code = code.strip().replace(" ", "").replace("-", "")
    kind = (symbology or "").upper().replace("-", "").replace("_", "")
    if len(code) == 8 and kind == "UPCE":
        expanded = upce_to_upca(code)
        if expanded is None:
            return None
        code = expanded
    if not check_digit_ok(code):
        return None
    if len(code) == 8:
        prefix = int(code[:3])
        return _lookup(prefix, gtin8_prefixes()) or _lookup(prefix, gtin13_prefixes())
    gtin13 = {12: "0" + code, 13: code, 14: code[1:]}[len(code)]
    return _lookup(int(gtin13[:3]), gtin13_prefixes())


def gs1_country(code: str, symbology: str | None = None) -> str | None:
    """ISO country of the GS1 organisation that issued the barcode's prefix, if any.

    ``None`` for invalid check digits, restricted/internal ranges, coupons, ISSN and
    ISBN, and prefixes not allocated to a member organisation.
    """
    row = gs1_prefix(code, symbology)
    return row.country if row is not None else None


@cache
def gs1_countries() -> frozenset[str]:
    """Every country that has a GS1 member organisation in the table."""
    rows = gtin13_prefixes() + gtin8_prefixes()
    return frozenset(r.country for r in rows if r.country)


MEMBER_TERRITORIES: dict[str, frozenset[str]] = {
    "US": frozenset({"US", "PR", "GU", "VI", "AS", "MP", "UM"}),
    "FR": frozenset({"FR", "MC", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF"}),
    "GB": frozenset({"GB", "GG", "JE", "IM"}),
    "BE": frozenset({"BE", "LU"}),
    "DK": frozenset({"DK", "FO", "GL"}),
    "CH": frozenset({"CH", "LI"}),
    "IT": frozenset({"IT", "SM", "VA"}),
    "ES": frozenset({"ES", "AD"}),
}
"""Countries a GS1 member organisation also serves (its own country is always included)."""


def served_by(country: str) -> frozenset[str]:
    """The countries whose companies get prefixes from ``country``'s GS1 organisation."""
    return MEMBER_TERRITORIES.get(country, frozenset({country}))


IMPORTED_SHARE = 0.5
"""Share of the barcoded products in a home that were registered abroad (imports, brands
registered in another country): a prefix says where the brand owner registered, not
where the product was sold."""

EXPORT_SHARE: dict[str, float] = {
    "CN": 0.144, "US": 0.083, "DE": 0.066, "NL": 0.039, "JP": 0.030, "KR": 0.027,
    "IT": 0.026, "BE": 0.026, "FR": 0.025, "HK": 0.024, "CA": 0.024, "MX": 0.023,
    "GB": 0.021, "SG": 0.021, "TW": 0.019, "IN": 0.018, "CH": 0.018, "ES": 0.017,
    "AU": 0.016, "VN": 0.015, "PL": 0.014, "MY": 0.014, "TH": 0.012, "CZ": 0.010,
    "TR": 0.010, "AT": 0.009, "SE": 0.008, "IE": 0.008, "BR": 0.013, "ID": 0.012,
}  # fmt: skip
"""An imported product's chance of carrying each issuer's prefix: the issuer's share of
world merchandise exports (WTO World Trade Statistical Review 2023, 2022 figures,
rounded). Members not listed count :data:`OTHER_EXPORT_SHARE`."""

OTHER_EXPORT_SHARE = 0.001


def barcode_shares(issuer: str) -> dict[str, float]:
    """{country: P(a product found there carries a prefix of ``issuer``)} for every country.

    Local products carry the local prefix; imported ones carry their exporter's, so a
    German, Chinese or US prefix is common everywhere and says less than a Polish one.
    """
    from vidi.places.countries import country_codes

    imported = IMPORTED_SHARE * EXPORT_SHARE.get(issuer, OTHER_EXPORT_SHARE)
    table = dict.fromkeys(country_codes(), imported)
    for country in served_by(issuer):
        if country in table:
            table[country] += 1.0 - IMPORTED_SHARE
    return table
