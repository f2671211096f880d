"""The portal's languages: Babel message catalogs (.po) shipped in the package.

Catalogs are compiled in memory when the portal starts (``babel.messages.mofile``), so
the package ships only the .po files translators edit. The language of a page comes from
``?lang=`` (kept in every link, since the portal sets no cookies), else the browser's
``Accept-Language``, else English.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES: dict[str, str] = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "es": "Español",
    "nl": "Nederlands",
}
DEFAULT_LANGUAGE = "en"


@cache
def translations(language: str) -> Translations:
    """The compiled catalog for ``language`` (English is the source text itself)."""
    if language == DEFAULT_LANGUAGE:
        return Translations()
    po = files("vidi.portal").joinpath("locale", language, "LC_MESSAGES", "portal.po")
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def choose_language(query: str | None, accept_language: str | None) -> str:
    """``?lang=`` if we have it, else the best of Accept-Language, else English."""
    if query in LANGUAGES:
        return query
    best: tuple[float, int, str] | None = None
    for position, part in enumerate((accept_language or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        code = tag.strip().lower()[:2]
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if code in LANGUAGES and quality > 0:
            candidate = (-quality, position, code)
            best = candidate if best is None else min(best, candidate)
    return best[2] if best else DEFAULT_LANGUAGE
