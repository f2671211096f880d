"""Word lists that tell whether OCR text is plausible in the language it was taken for.

Why: a language model (lingua) names *some* language for any string of letters, and
Latin-script junk from a misread picture becomes a confident wrong language. Real text in
a language is mostly words of that language; junk is not. The share of the recognised
words found in the language's word list is that check.

The lists are the word dictionaries inside Tesseract's own language packs (the
``lstm-word-dawg`` of Debian's ``tesseract-ocr-XXX`` traineddata), so every language Vidi
reads has one, with nothing downloaded: ``combine_tessdata -e`` unpacks the dictionary and
``dawg2wordlist`` spells it out, both from Debian's ``tesseract-ocr``. A list is unpacked
on first use (about half a second) and kept per process for the few languages last used.
The lists are large (the Dutch one holds 478,000 words: names, brands and loan words
included), so they judge text plausible generously and junk rarely.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from vidi.notices import notice

#: Words shorter than this are not looked up: "de", "la", "in" are words in many languages.
MIN_WORD_LENGTH = 3
#: Word lists kept in memory per process (a list is tens of MB as a Python set).
KEPT_LISTS = 3
#: Seconds the unpacking tools may take for one pack.
UNPACK_TIMEOUT_S = 60
#: Tesseract pack whose dictionary stands for each ISO 639-1 language; a pack that is not
#: installed gives no list. Only languages written with spaces between words: Chinese,
#: Japanese and Thai run their words together, so a hit rate over space-separated words
#: means nothing there. The second block are Debian packs Vidi does not install by
#: default (``tesseract-ocr-cym`` gives Welsh, a language lingua often names for junk).
PACK_BY_LANGUAGE = {
    "ar": "ara", "bg": "bul", "cs": "ces", "da": "dan", "de": "deu", "el": "ell",
    "en": "eng", "es": "spa", "et": "est", "fi": "fin", "fr": "fra", "ga": "gle",
    "hr": "hrv", "hu": "hun", "it": "ita", "lt": "lit", "lv": "lav", "mt": "mlt",
    "nl": "nld", "pl": "pol", "pt": "por", "ro": "ron", "ru": "rus", "sk": "slk",
    "sl": "slv", "sv": "swe", "tr": "tur", "uk": "ukr",
    "af": "afr", "az": "aze", "be": "bel", "bs": "bos", "ca": "cat", "cy": "cym",
    "eo": "epo", "eu": "eus", "he": "heb", "id": "ind", "is": "isl", "kk": "kaz",
    "la": "lat", "mk": "mkd", "mn": "mon", "ms": "msa", "nb": "nor", "nn": "nor",
    "sq": "sqi", "sw": "swa",
}  # fmt: skip

_WORD = re.compile(r"[^\W\d_]+")
"""A run of letters: OCR'd punctuation, digits and hyphens split words."""


@dataclass(frozen=True)
class WordlistHits:
    """How many of a text's words (of at least MIN_WORD_LENGTH letters) a word list holds."""

    language: str
    pack: str
    words: int
    found: int

    @property
    def rate(self) -> float:
        return self.found / self.words if self.words else 0.0


def text_words(text: str) -> list[str]:
    """The words of ``text`` worth looking up, lower-cased (letters only, ≥ 3 of them)."""
    return [w.casefold() for w in _WORD.findall(text) if len(w) >= MIN_WORD_LENGTH]


def wordlist_hits(text: str, language: str) -> WordlistHits | None:
    """The share of ``text``'s words in ``language``'s word list; None when there is no
    list for the language (or the tools are missing) or the text has no word to look up."""
    pack = PACK_BY_LANGUAGE.get(language)
    if pack is None:
        return None
    words = text_words(text)
    if not words:
        return None
    known = wordlist(pack)
    if known is None:
        return None
    return WordlistHits(language, pack, len(words), sum(w in known for w in words))


@lru_cache(maxsize=KEPT_LISTS)
def wordlist(pack: str) -> frozenset[str] | None:
    """The words (lower-cased, ≥ 3 letters) of Tesseract pack ``pack``'s dictionary, or
    None when the pack is not installed or has no dictionary, or the tools are missing."""
    folder = tessdata_folder()
    if folder is None or not tools_present():
        return None
    traineddata = folder / f"{pack}.traineddata"
    if not traineddata.is_file():
        return None
    with tempfile.TemporaryDirectory(prefix="vidi-wordlist-") as work:
        dawg, unicharset, words = (
            Path(work) / n for n in ("w.lstm-word-dawg", "w.lstm-unicharset", "w.txt")
        )
        try:
            for command in (
                ["combine_tessdata", "-e", str(traineddata), str(dawg), str(unicharset)],
                ["dawg2wordlist", str(unicharset), str(dawg), str(words)],
            ):
                subprocess.run(command, capture_output=True, timeout=UNPACK_TIMEOUT_S, check=True)
            text = words.read_text(encoding="utf-8", errors="replace")
        except (OSError, subprocess.SubprocessError):
            return None  # a pack without a word dictionary (or a damaged one)
    return frozenset(w.casefold() for w in text.split() if len(w) >= MIN_WORD_LENGTH)


@cache
def tools_present() -> bool:
    """Whether Tesseract's unpacking tools are here; says once, in one line, when not."""
    missing = [t for t in ("combine_tessdata", "dawg2wordlist") if shutil.which(t) is None]
    if missing:
        notice(
            f"{' and '.join(missing)} not found (Debian's tesseract-ocr): language clues "
            "from OCR text are judged without word lists"
        )
    return not missing


@cache
def tessdata_folder() -> Path | None:
    """The folder Tesseract reads its packs from, as Tesseract itself reports it."""
    try:
        done = subprocess.run(
            ["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r'"([^"]+)"', done.stdout + done.stderr)
    return Path(found.group(1)) if found else None
