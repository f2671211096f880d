"""Which countries used a given UTC offset at a given date.

A camera that writes ``OffsetTime`` (EXIF) records its UTC offset at capture. The
offsets a country uses come from the IANA time-zone database (``zoneinfo`` with the
``tzdata`` package) and its country → zone list ``zone.tab``; daylight saving time is
taken into account by asking each zone for its offset at the date.

A country with several zones does not use them equally: most Americans live on Eastern
time, most Russians on Moscow time. :func:`offset_shares` weights each zone by the
people who live on it (:data:`ZONE_POPULATION_M`), so a camera at −04:00 in July is far
more likely in New York than in Manaus.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from vidi.places.countries import tzdata_file

EXTRA_ZONES = {"XK": ("Europe/Belgrade",)}
"""Zones for codes in :data:`vidi.places.countries.EXTRA_COUNTRIES` (not in zone.tab)."""

ZONE_POPULATION_M: dict[str, float] = {
    # United States (2020 census by state, split along zone lines)
    "America/New_York": 150.0, "America/Detroit": 10.0, "America/Chicago": 95.0,
    "America/Denver": 14.0, "America/Boise": 1.2, "America/Phoenix": 7.2,
    "America/Los_Angeles": 53.0, "America/Anchorage": 0.7, "Pacific/Honolulu": 1.45,
    # Russia (2021 census by federal subject)
    "Europe/Moscow": 90.0, "Europe/Kaliningrad": 1.0, "Europe/Volgograd": 2.5,
    "Europe/Kirov": 1.2, "Europe/Samara": 3.2, "Europe/Saratov": 2.4, "Europe/Astrakhan": 1.0,
    "Europe/Ulyanovsk": 1.2, "Asia/Yekaterinburg": 21.0, "Asia/Omsk": 1.9,
    "Asia/Novosibirsk": 2.8, "Asia/Barnaul": 2.3, "Asia/Tomsk": 1.1, "Asia/Novokuznetsk": 2.6,
    "Asia/Krasnoyarsk": 3.7, "Asia/Irkutsk": 3.3, "Asia/Chita": 1.0, "Asia/Yakutsk": 1.0,
    "Asia/Vladivostok": 3.5, "Asia/Sakhalin": 0.5, "Asia/Magadan": 0.14,
    "Asia/Kamchatka": 0.3, "Asia/Anadyr": 0.05,
    # Canada (2021 census by province)
    "America/Toronto": 23.0, "America/Vancouver": 5.1, "America/Edmonton": 4.4,
    "America/Winnipeg": 1.35, "America/Regina": 1.1, "America/Halifax": 1.1,
    "America/Moncton": 0.78, "America/St_Johns": 0.5,
    # Mexico (2020 census by state)
    "America/Mexico_City": 95.0, "America/Monterrey": 5.8, "America/Matamoros": 3.5,
    "America/Merida": 4.6, "America/Cancun": 1.9, "America/Chihuahua": 2.3,
    "America/Ciudad_Juarez": 1.5, "America/Mazatlan": 4.3, "America/Hermosillo": 2.9,
    "America/Tijuana": 3.8, "America/Bahia_Banderas": 0.2,
    # Brazil (2022 census by state)
    "America/Sao_Paulo": 150.0, "America/Manaus": 4.0, "America/Cuiaba": 3.7,
    "America/Campo_Grande": 2.8, "America/Porto_Velho": 1.6, "America/Boa_Vista": 0.6,
    "America/Rio_Branco": 0.8, "America/Eirunepe": 0.05, "America/Noronha": 0.003,
    # Australia (2021 census by state)
    "Australia/Sydney": 8.1, "Australia/Melbourne": 6.6, "Australia/Brisbane": 5.2,
    "Australia/Perth": 2.7, "Australia/Adelaide": 1.8, "Australia/Hobart": 0.56,
    "Australia/Darwin": 0.25,
    # Indonesia, Congo (DR), China, Mongolia, Chile, Ecuador, Spain, Portugal, New Zealand
    "Asia/Jakarta": 210.0, "Asia/Pontianak": 8.0, "Asia/Makassar": 40.0, "Asia/Jayapura": 8.0,
    "Africa/Kinshasa": 45.0, "Africa/Lubumbashi": 55.0,
    "Asia/Shanghai": 1385.0, "Asia/Urumqi": 26.0,
    "Asia/Ulaanbaatar": 3.0, "Asia/Hovd": 0.4,
    "America/Santiago": 19.0, "America/Punta_Arenas": 0.17, "Pacific/Easter": 0.008,
    "America/Guayaquil": 17.6, "Pacific/Galapagos": 0.03,
    "Europe/Madrid": 45.0, "Africa/Ceuta": 0.08, "Atlantic/Canary": 2.2,
    "Europe/Lisbon": 10.0, "Atlantic/Madeira": 0.25, "Atlantic/Azores": 0.24,
    "Pacific/Auckland": 5.0, "Pacific/Chatham": 0.0006,
    "Europe/Kyiv": 41.0, "Europe/Simferopol": 2.4,
    "America/Nuuk": 0.05, "America/Scoresbysund": 0.0003,
}  # fmt: skip
"""Approximate millions of people per zone, for countries whose zones use different offsets.

Rounded census figures, split along zone lines; they only need to be right to a few
per cent. A zone of such a country not listed here counts :data:`MINOR_ZONE_M`; a
country with no zone listed splits its weight equally over its zones.
"""

MINOR_ZONE_M = 0.05

_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def parse_offset(value: timedelta | str) -> timedelta:
    """``"+05:30"``, ``"+0530"``, ``"-03"``, ``"UTC+2"``, ``"Z"`` → a timedelta.

    Raises ValueError with the text if it is not an offset.
    """
    if isinstance(value, timedelta):
        return value
    text = value.strip()
    if text.upper() in {"Z", "UTC", "GMT"}:
        return timedelta(0)
    match = _OFFSET.match(text)
    if match is None:
        raise ValueError(f"not a UTC offset: {value!r} (expected e.g. '+02:00')")
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    if hours > 14 or minutes >= 60:
        raise ValueError(f"UTC offset out of range: {value!r}")
    delta = timedelta(hours=hours, minutes=minutes)
    return -delta if sign == "-" else delta


def format_offset(offset: timedelta) -> str:
    """A timedelta as ``+HH:MM``."""
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@cache
def country_zones() -> dict[str, tuple[str, ...]]:
    """{country: zone names} from zone.tab, plus :data:`EXTRA_ZONES`."""
    zones: dict[str, list[str]] = {}
    for line in tzdata_file("zone.tab").splitlines():
        if line and not line.startswith("#"):
            fields = line.split("\t")
            zones.setdefault(fields[0], []).append(fields[2])
    result = {c: tuple(z) for c, z in zones.items()}
    result.update(EXTRA_ZONES)
    return result


def _as_utc(at: datetime) -> datetime:
    # A naive capture time is local; near a DST switch it may be an hour off, which
    # matters only on the night of the switch.
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


@lru_cache(maxsize=512)
def _offsets_at(at_utc: datetime) -> dict[str, frozenset[timedelta]]:
    result: dict[str, frozenset[timedelta]] = {}
    for country, zones in country_zones().items():
        offsets = set()
        for zone in zones:
            offset = at_utc.astimezone(ZoneInfo(zone)).utcoffset()
            if offset is not None:
                offsets.add(offset)
        result[country] = frozenset(offsets)
    return result


def country_offsets(at: datetime) -> dict[str, frozenset[timedelta]]:
    """{country: the distinct UTC offsets its zones used at ``at``}."""
    return _offsets_at(_as_utc(at).replace(minute=0, second=0, microsecond=0))


def _zone_weight(zone: str, listed: bool) -> float:
    return ZONE_POPULATION_M.get(zone, MINOR_ZONE_M) if listed else 1.0


@lru_cache(maxsize=512)
def _shares_at(at_utc: datetime) -> dict[str, dict[timedelta, float]]:
    result: dict[str, dict[timedelta, float]] = {}
    for country, zones in country_zones().items():
        listed = any(zone in ZONE_POPULATION_M for zone in zones)
        weights: dict[timedelta, float] = {}
        for zone in zones:
            offset = at_utc.astimezone(ZoneInfo(zone)).utcoffset()
            if offset is not None:
                weights[offset] = weights.get(offset, 0.0) + _zone_weight(zone, listed)
        total = sum(weights.values())
        result[country] = {offset: w / total for offset, w in weights.items()}
    return result


def offset_shares(offset: timedelta | str, at: datetime) -> dict[str, float]:
    """{country: share of its people whose zone used ``offset`` at ``at``}, zeros left out."""
    wanted = parse_offset(offset)
    moment = _as_utc(at).replace(minute=0, second=0, microsecond=0)
    shares = ((c, by_offset.get(wanted, 0.0)) for c, by_offset in _shares_at(moment).items())
    return {c: share for c, share in shares if share > 0.0}


def countries_with_offset(offset: timedelta | str, at: datetime) -> set[str]:
    """Countries where some zone used ``offset`` at ``at`` (naive ``at`` is read as UTC)."""
    wanted = parse_offset(offset)
    return {c for c, offsets in country_offsets(at).items() if wanted in offsets}
