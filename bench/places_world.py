"""Ground truth for bench/places.py: per country, what a benign scene there may show.

Sign texts are short, everyday shop signs written for this benchmark. Coordinates are
capitals; GS1 prefixes are from the GS1 member organisations' ranges; time zones from
the IANA database. Mains frequency comes from Vidi's own table (places/mains.py).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    code: str
    language: str
    sign: str
    lat: float
    lon: float
    zone: str
    gs1: str  # a three-digit GS1 prefix of the member organisation


COUNTRIES = [
    Country("PL", "pl", "Sklep spożywczy czynny codziennie", 52.23, 21.01, "Europe/Warsaw", "590"),
    Country(
        "DE", "de", "Bäckerei geöffnet von Montag bis Samstag", 52.52, 13.40, "Europe/Berlin", "400"
    ),
    Country("AT", "de", "Konditorei täglich geöffnet", 48.21, 16.37, "Europe/Vienna", "900"),
    Country("FR", "fr", "Boulangerie ouverte tous les jours", 48.86, 2.35, "Europe/Paris", "300"),
    Country(
        "BE", "nl", "Bakkerij elke dag open behalve zondag", 50.85, 4.35, "Europe/Brussels", "540"
    ),
    Country("NL", "nl", "Bakkerij elke dag geopend", 52.37, 4.90, "Europe/Amsterdam", "871"),
    Country("ES", "es", "Panadería abierta todos los días", 40.42, -3.70, "Europe/Madrid", "840"),
    Country("MX", "es", "Tienda de abarrotes abierta", 19.43, -99.13, "America/Mexico_City", "750"),
    Country(
        "AR",
        "es",
        "Almacén abierto de lunes a sábado",
        -34.60,
        -58.38,
        "America/Argentina/Buenos_Aires",
        "779",
    ),
    Country("CO", "es", "Panadería y cafetería abierta", 4.71, -74.07, "America/Bogota", "770"),
    Country("IT", "it", "Panetteria aperta tutti i giorni", 41.90, 12.50, "Europe/Rome", "800"),
    Country("PT", "pt", "Padaria aberta todos os dias", 38.72, -9.14, "Europe/Lisbon", "560"),
    Country("BR", "pt", "Padaria e confeitaria aberta", -15.79, -47.88, "America/Sao_Paulo", "789"),
    Country("RU", "ru", "Продукты открыто круглосуточно", 55.75, 37.62, "Europe/Moscow", "460"),
    Country("UA", "uk", "Хліб і молоко щодня свіжі", 50.45, 30.52, "Europe/Kyiv", "482"),
    Country("GR", "el", "Αρτοποιείο ανοιχτό κάθε μέρα", 37.98, 23.73, "Europe/Athens", "520"),
    Country("TR", "tr", "Fırın her gün açık taze ekmek", 39.93, 32.86, "Europe/Istanbul", "869"),
    Country("SE", "sv", "Bageri öppet varje dag", 59.33, 18.07, "Europe/Stockholm", "730"),
    Country("GB", "en", "Corner shop open every day", 51.51, -0.13, "Europe/London", "500"),
    Country("US", "en", "Grocery store open all week", 38.90, -77.04, "America/New_York", "036"),
    Country("AU", "en", "Bakery open seven days", -35.28, 149.13, "Australia/Sydney", "930"),
    Country("IN", "en", "General store open daily", 28.61, 77.21, "Asia/Kolkata", "890"),
    Country("CA", "fr", "Épicerie ouverte tous les jours", 45.42, -75.70, "America/Toronto", "754"),
    Country("JP", "ja", "毎日営業しています", 35.68, 139.69, "Asia/Tokyo", "450"),
    Country("CN", "zh", "面包店每天营业", 39.90, 116.40, "Asia/Shanghai", "690"),
    Country("TH", "th", "ร้านขนมปังเปิดทุกวัน", 13.76, 100.50, "Asia/Bangkok", "885"),
    Country("EG", "ar", "مخبز مفتوح كل يوم", 30.04, 31.24, "Africa/Cairo", "622"),
    Country("SA", "ar", "متجر مفتوح طوال الأسبوع", 24.71, 46.68, "Asia/Riyadh", "628"),
    Country("FI", "fi", "Leipomo avoinna joka päivä", 60.17, 24.94, "Europe/Helsinki", "640"),
    Country("CZ", "cs", "Pekárna otevřeno každý den", 50.08, 14.44, "Europe/Prague", "859"),
    Country("HU", "hu", "Pékség minden nap nyitva", 47.50, 19.04, "Europe/Budapest", "599"),
    Country("RO", "ro", "Brutărie deschisă în fiecare zi", 44.43, 26.10, "Europe/Bucharest", "594"),
]

LABELS = {
    "pl": "Mleko świeże pełne 3,2% tłuszczu",
    "de": "Frische Vollmilch aus der Region",
    "fr": "Lait entier frais de nos fermes",
    "nl": "Verse volle melk uit de streek",
    "es": "Leche entera fresca del campo",
    "it": "Latte intero fresco di montagna",
    "pt": "Leite integral fresco pasteurizado",
    "ru": "Молоко свежее пастеризованное",
    "uk": "Молоко свіже пастеризоване",
    "el": "Φρέσκο γάλα πλήρες παστεριωμένο",
    "tr": "Taze tam yağlı süt günlük",
    "sv": "Färsk standardmjölk från gården",
    "en": "Fresh whole milk from local farms",
    "ja": "新鮮な牛乳をお届けします",
    "zh": "新鲜全脂牛奶每日配送",
    "th": "นมสดพาสเจอร์ไรส์รสจืด",
    "ar": "حليب طازج كامل الدسم",
    "fi": "Tuoretta täysmaitoa lähitiloilta",
    "cs": "Čerstvé plnotučné mléko z farmy",
    "hu": "Friss teljes tej a közeli tanyáról",
    "ro": "Lapte proaspăt integral de la fermă",
}
"""A product label (fresh milk) per language, for the box on the table."""

EXTRA_TEXTS = [
    ("ru", "Аптека работает без выходных"),
    ("uk", "Аптека працює без вихідних"),
    ("el", "Φαρμακείο ανοιχτό όλη τη νύχτα"),
    ("el", "Καφετέρια και ζαχαροπλαστείο"),
    ("ar", "صيدلية مفتوحة ليلا ونهارا"),
    ("ar", "مقهى ومطعم عائلي"),
    ("th", "ร้านกาแฟเปิดบริการทุกวัน"),
    ("th", "ร้านขายยาใกล้บ้าน"),
    ("ja", "薬局は年中無休です"),
    ("zh", "药店全天营业欢迎光临"),
]
"""More signs for the scripts with few countries here, so each script has several texts."""

SCRIPT_OF_LANGUAGE = {
    "ru": "Cyrillic",
    "uk": "Cyrillic",
    "el": "Greek",
    "ar": "Arabic",
    "th": "Thai",
    "ja": "CJK",
    "zh": "CJK",
}
"""Every other language here is written in Latin script."""

OCR_LANGUAGES = "auto"
"""Vidi's default reading (script by OSD, then that script's packs): it is not told the
answer, and reads every picture the same way."""
