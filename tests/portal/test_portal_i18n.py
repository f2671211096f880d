"""Every message the portal shows is translated in every catalog it ships."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from vidi.portal.i18n import LANGUAGES, choose_language, translations

PORTAL = Path(__file__).resolve().parents[2] / "src" / "vidi" / "portal"
MESSAGE = re.compile(r"""\b(?:N_|_)\("((?:[^"\\]|\\.)+)\"""")


def messages_in_code() -> set[str]:
    sources = [*PORTAL.glob("templates/*.html"), PORTAL / "app.py"]
    return {m for path in sources for m in MESSAGE.findall(path.read_text())}


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_each_catalog_translates_every_message(language: str) -> None:
    path = PORTAL / "locale" / language / "LC_MESSAGES" / "portal.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id: m.string for m in catalog if m.id and m.string}
    wanted = messages_in_code()
    assert len(wanted) > 40
    assert sorted(wanted - set(translated)) == []
    assert translations(language).ugettext("Send tip") != "Send tip"


def test_the_browser_language_is_chosen_by_quality() -> None:
    assert choose_language(None, "es;q=0.4, nl;q=0.8, de;q=0.6") == "nl"
    assert choose_language("fr", "nl") == "fr"
    assert choose_language(None, "ja, zh;q=0.9") == "en"
    assert choose_language(None, "de;q=bad, fr") == "fr"
