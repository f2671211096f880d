"""A language clue from OCR text only when its words are in the language's word list.

The word lists are the dictionaries inside Debian's Tesseract packs; a test that needs a
pack the machine lacks is skipped and says which package is missing.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from vidi.clues import wordlists
from vidi.clues.base import Clue
from vidi.clues.text import TextExtractor, plausible_language
from vidi.clues.wordlists import text_words, wordlist, wordlist_hits

pytestmark = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract-ocr is not installed"
)

JUNK = "Kradnop vestilum quarnefy plodexin mirtaglo"
"""Made-up words in clean Latin letters: they pass the script and confidence rules."""
DUTCH = "Verse broodjes en melk elke ochtend open"


def need_wordlist(pack: str) -> frozenset[str]:
    words = wordlist(pack)
    if words is None:
        pytest.skip(f"no word list for {pack}: install tesseract-ocr-{pack}")
    return words


def lines_of(text: str, confidence: float = 92.0) -> list[Clue]:
    """One OCR line as the text extractor makes it, every word read at ``confidence``."""
    words = [{"text": w, "conf": confidence, "box": [0, 0, 10, 10]} for w in text.split()]
    return [Clue(kind="text", value=text, confidence=confidence / 100, detail={"words": words})]


def guess(language: str, confidence: float = 0.95) -> Clue:
    return Clue(kind="language", value=language, confidence=confidence, detail={"letters": 40})


def test_real_words_are_found_and_made_up_ones_are_not() -> None:
    need_wordlist("nld")
    real = wordlist_hits(DUTCH, "nl")
    assert real is not None and (real.words, real.found) == (6, 6)  # "en" is too short
    junk = wordlist_hits(JUNK, "nl")
    assert junk is not None and (junk.words, junk.found) == (5, 0)


def test_short_words_digits_and_languages_without_a_list_are_not_judged() -> None:
    assert text_words("de 42 la in A-Z") == []
    assert wordlist_hits("de la in", "nl") is None
    assert wordlist_hits(JUNK, "ts") is None  # Tsonga: Tesseract has no pack for it


def test_junk_that_passes_the_script_and_confidence_rules_gives_no_language() -> None:
    need_wordlist("nld")
    assert plausible_language(guess("nl"), lines_of(JUNK), "Latin") is None


def test_real_text_keeps_its_language_and_partly_listed_text_is_less_sure() -> None:
    need_wordlist("nld")
    full = plausible_language(guess("nl"), lines_of(DUTCH), "Latin")
    assert full is not None and full.value == "nl"
    assert full.confidence == round(0.95 * 0.92, 3)
    assert full.detail["wordlist"] == {"pack": "nld", "words": 6, "found": 6}
    mixed = plausible_language(
        guess("nl"), lines_of("Verse broodjes Kradnop vestilum melk ochtend"), "Latin"
    )
    assert mixed is not None  # 4 of 6 words listed: kept, at 4/6 / 0.8 of the confidence
    assert mixed.confidence == round(0.95 * 0.92 * (4 / 6) / 0.8, 3)


def test_a_language_without_a_word_list_keeps_todays_rules() -> None:
    kept = plausible_language(guess("ts", 0.9), lines_of(JUNK), "Latin")
    assert kept is not None and "wordlist" not in kept.detail
    assert plausible_language(guess("ts", 0.9), lines_of(JUNK, 50.0), "Latin") is None


@pytest.fixture
def fresh_caches() -> Iterator[None]:
    """Word lists and the tool check forgotten before and after the test."""
    wordlists.wordlist.cache_clear()
    wordlists.tools_present.cache_clear()
    yield
    wordlists.wordlist.cache_clear()
    wordlists.tools_present.cache_clear()


def test_without_the_unpacking_tools_one_notice_says_so_and_todays_rule_holds(
    fresh_caches: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(wordlists.shutil, "which", lambda name: None)
    with caplog.at_level(logging.WARNING, logger="vidi.notice"):
        assert wordlist_hits(JUNK, "nl") is None
        assert wordlist_hits(JUNK, "de") is None
        kept = plausible_language(guess("nl"), lines_of(JUNK), "Latin")
    assert kept is not None and "wordlist" not in kept.detail
    notices = [r.getMessage() for r in caplog.records if r.name == "vidi.notice"]
    assert len(notices) == 1 and "combine_tessdata and dawg2wordlist" in notices[0]


def board(text: str, font) -> Image.Image:
    image = Image.new("RGB", (1300, 220), (90, 120, 90))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 30, 1280, 190), fill=(240, 236, 225))
    draw.text((50, 70), text, font=font, fill=(25, 25, 25))
    return image


def read(picture: Image.Image, make_media, folder: Path, **options) -> list[Clue]:
    path = folder / "sign.png"
    picture.save(path)
    return TextExtractor(**options).extract(make_media(path, picture))


def test_a_sign_of_made_up_words_gives_text_but_no_language(load_font, make_media, tmp_path):
    for pack in ("deu", "eng", "fra", "nld"):
        need_wordlist(pack)
    found = read(
        board(JUNK, load_font("DejaVuSans.ttf", 48)),
        make_media,
        tmp_path,
        detect_languages=("de", "en", "fr", "nl"),
    )
    assert [c.value for c in found if c.kind == "text"], "the sign was not read"
    assert [c for c in found if c.kind == "language"] == []


@pytest.mark.parametrize(
    ("language", "pack", "text"),
    [
        ("nl", "nld", DUTCH),
        ("de", "deu", "Frische Brötchen und Milch jeden Morgen geöffnet"),
    ],
)
def test_a_real_sign_still_gives_its_language(
    language, pack, text, load_font, make_media, tmp_path
):
    need_wordlist(pack)
    found = read(board(text, load_font("DejaVuSans.ttf", 48)), make_media, tmp_path)
    languages = [c for c in found if c.kind == "language"]
    assert [c.value for c in languages] == [language]
    hits = languages[0].detail["wordlist"]
    assert isinstance(hits, dict) and hits["found"] == hits["words"]
