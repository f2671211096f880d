"""Clues from text in a picture: OCR lines (Tesseract) and the language they are in (lingua).

A shop sign, a product label or a school poster can place a picture; its language alone
narrows the countries. Tesseract (Debian's ``tesseract-ocr`` through ``pytesseract``)
reads words with boxes and confidences; words are grouped into lines, one ``text`` clue
per line. The language of the whole text is found with ``lingua`` (built once per
process, low-accuracy mode by default: see docs/clues.md for the measurements).
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

import pytesseract
from PIL import Image, ImageStat

from vidi.clues.base import Clue, ClueDetail, MediaInput, Region, open_picture
from vidi.clues.wordlists import wordlist_hits
from vidi.errors import ConfigError

TEXT_VERSION = "2"

#: ``languages="auto"``: find the script with Tesseract's OSD, then read with that
#: script's packs (see :data:`SCRIPT_PACKS`); Latin text is read twice, see :func:`_latin_packs`.
AUTO = "auto"
#: Packs read when OSD cannot tell the script (too little text) and no list is given.
DEFAULT_OCR_LANGUAGES = "deu+fra+spa+eng+rus"
#: Tesseract packs per OSD script name; a pack not installed is left out.
SCRIPT_PACKS = {
    "Cyrillic": "rus+ukr+bul",
    "Greek": "ell",
    "Arabic": "ara",
    "Han": "chi_sim",
    "Japanese": "jpn",
    "Hangul": "kor",
    "Thai": "tha",
    "Hebrew": "heb",
}
#: Tesseract pack per ISO 639-1 language written in Latin script (the EU's official
#: languages, Turkish, and a few more), for the second reading of Latin text.
LATIN_PACKS = {
    "cs": "ces", "da": "dan", "de": "deu", "en": "eng", "es": "spa", "et": "est",
    "fi": "fin", "fr": "fra", "ga": "gle", "hr": "hrv", "hu": "hun", "it": "ita",
    "lt": "lit", "lv": "lav", "mt": "mlt", "nl": "nld", "pl": "pol", "pt": "por",
    "ro": "ron", "sk": "slk", "sl": "slv", "sv": "swe", "tr": "tur", "nb": "nor",
    "bs": "hrv",
}  # fmt: skip
#: Languages whose text, read without its diacritics, passes for the key's.
LATIN_SIBLINGS = {
    "sl": ("cs", "hr"), "hr": ("sl", "cs"), "bs": ("hr", "sl"), "sk": ("cs", "pl"),
    "cs": ("sk", "pl"), "pl": ("cs",), "ro": ("it",), "it": ("ro",), "sn": ("ro",),
    "ts": ("ro", "pt"), "pt": ("es",), "es": ("pt",), "da": ("nb", "sv"), "nb": ("da",),
    "sv": ("da",), "et": ("fi",), "fi": ("et",), "lv": ("lt",), "lt": ("lv",),
}  # fmt: skip
#: At most this many single-pack readings of Latin text after the first.
MAX_LATIN_READINGS = 3
#: Unicode script of the letters each OSD script name stands for (``unicodedata`` names).
SCRIPT_LETTERS = {
    "Latin": ("LATIN",),
    "Cyrillic": ("CYRILLIC",),
    "Greek": ("GREEK",),
    "Arabic": ("ARABIC",),
    "Han": ("CJK",),
    "Japanese": ("CJK", "HIRAGANA", "KATAKANA"),
    "Hangul": ("HANGUL",),
    "Thai": ("THAI",),
    "Hebrew": ("HEBREW",),
}
#: Share of the letters that must be in the script OSD found for the text to become a
#: language clue: Greek read with Latin packs comes out as Latin junk ("DpÉOKO yúda").
MIN_SCRIPT_SHARE = 0.8
#: Mean word confidence (0..100) below which the text is too doubtful for a language clue.
MIN_LANGUAGE_TEXT_CONFIDENCE = 70.0
#: Share of the text's words (≥ 3 letters) that must be in the language's word list for a
#: language clue; junk read from a picture finds almost none (docs/clues.md).
MIN_WORDLIST_HIT_RATE = 0.5
#: From this share of listed words up, the language clue keeps its full confidence; below
#: it, the confidence is scaled down in proportion.
FULL_WORDLIST_HIT_RATE = 0.8
#: Scripts whose one character is a syllable or a word: fewer are needed for a language.
DENSE_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "THAI")
#: The language is guessed from text with at least this many characters of a dense script.
MIN_DENSE_LETTERS_FOR_LANGUAGE = 4
#: Pictures smaller than this (longest side, px) are upscaled: Tesseract wants ~30 px letters.
UPSCALE_BELOW_PX = 1000
#: Pictures larger than this are downscaled for speed (letters stay big enough).
DOWNSCALE_ABOVE_PX = 2600
#: Words Tesseract is less sure of than this (0..100) are dropped as noise.
MIN_WORD_CONFIDENCE = 45.0
#: Lines whose mean word confidence is below this (0..100) are dropped.
MIN_LINE_CONFIDENCE = 60.0
#: The language is guessed only from text with at least this many letters.
MIN_LETTERS_FOR_LANGUAGE = 10
#: A low-accuracy language guess below this confidence is decided again in high accuracy.
SURE_LANGUAGE_CONFIDENCE = 0.9
#: How many low-accuracy candidates the high-accuracy pass chooses among.
REFINE_CANDIDATES = 4
#: A flat picture (grey-level standard deviation below this) holds no text: OCR is skipped.
MIN_CONTRAST_STDDEV = 4.0
#: Seconds Tesseract may spend on one picture.
OCR_TIMEOUT_S = 60

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OcrWord:
    """One word Tesseract read, with its box in the original picture's pixels."""

    text: str
    confidence: float  # 0..100
    x: int
    y: int
    width: int
    height: int


class TextExtractor:
    """OCR lines → ``text`` clues; their language → one ``language`` clue."""

    name = "text"
    version = TEXT_VERSION
    applies_to = frozenset({"image"})

    def __init__(
        self,
        languages: str = AUTO,
        detect_languages: Sequence[str] | None = None,
        high_accuracy: bool = False,
    ) -> None:
        self.languages = languages
        self.detect_languages = tuple(sorted(detect_languages)) if detect_languages else None
        self.high_accuracy = high_accuracy

    def extract(self, media: MediaInput) -> list[Clue]:
        image = media.image if media.image is not None else open_picture(media, "RGB")
        if image is None:
            return []
        grey, scale = _prepared(image)
        if ImageStat.Stat(grey).stddev[0] < MIN_CONTRAST_STDDEV:
            return []
        script = detect_script(grey) if self.languages == AUTO else None
        clues = self._read(grey, scale, _packs_for(script, self.languages))
        if script == "Latin":
            second = self._second_latin_reading(grey, scale, clues)
            clues = second if second is not None else clues
        whole = "\n".join(c.value for c in clues)
        language = detect_language(whole, self.detect_languages, self.high_accuracy)
        language = plausible_language(language, clues, script)
        return clues + ([language] if language else [])

    def _read(self, grey: Image.Image, scale: float, packs: str) -> list[Clue]:
        lines = [line for line in reading_order(_ocr(grey, scale, packs)) if line]
        clues = [_line_clue(line, packs) for line in lines]
        return [c for c in clues if c.confidence * 100 >= MIN_LINE_CONFIDENCE]

    def _second_latin_reading(
        self, grey: Image.Image, scale: float, first: list[Clue]
    ) -> list[Clue] | None:
        """Latin text read again with the packs of the languages the first reading suggests.

        Each candidate's pack reads alone (a 20-language ``-l`` list takes several times
        as long and still misses háčeks: docs/clues.md); the surest reading is kept.
        """
        whole = "\n".join(c.value for c in first)
        if sum(ch.isalpha() for ch in whole) < MIN_LETTERS_FOR_LANGUAGE:
            return None
        readings = [
            self._read(grey, scale, pack)
            for pack in _latin_packs(whole, self.detect_languages)
            if pack != "eng"
        ]
        return max(readings, key=_mean_word_confidence, default=None)


def _mean_word_confidence(lines: Sequence[Clue]) -> float:
    """Mean Tesseract confidence (0..100) of the words of these lines; 0 without words."""
    words = [
        float(w["conf"])
        for line in lines
        for w in cast(list[dict[str, float]], line.detail.get("words", []))
    ]
    return sum(words) / len(words) if words else 0.0


def _prepared(image: Image.Image) -> tuple[Image.Image, float]:
    """Greyscale, resized for Tesseract; returns the picture and its scale factor."""
    grey = image.convert("L")
    longest = max(grey.size)
    scale = 1.0
    if longest < UPSCALE_BELOW_PX:
        scale = min(3.0, UPSCALE_BELOW_PX * 1.5 / longest)
    elif longest > DOWNSCALE_ABOVE_PX:
        scale = DOWNSCALE_ABOVE_PX / longest
    if scale != 1.0:
        size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
        grey = grey.resize(size, Image.Resampling.LANCZOS)
    return grey, scale


def ocr_words(image: Image.Image, languages: str = DEFAULT_OCR_LANGUAGES) -> list[list[OcrWord]]:
    """Words Tesseract reads, grouped by (block, paragraph, line), boxes in original pixels."""
    grey, scale = _prepared(image)
    if ImageStat.Stat(grey).stddev[0] < MIN_CONTRAST_STDDEV:
        return []
    return _ocr(grey, scale, languages)


def _ocr(grey: Image.Image, scale: float, languages: str) -> list[list[OcrWord]]:
    try:
        data = pytesseract.image_to_data(
            grey, lang=languages, output_type=pytesseract.Output.DICT, timeout=OCR_TIMEOUT_S
        )
    except pytesseract.TesseractNotFoundError as exc:
        raise ConfigError("tesseract is not installed: apt-get install tesseract-ocr") from exc
    except RuntimeError as exc:  # pytesseract's timeout
        log.warning("text: OCR gave up: %s", exc)
        return []
    return _words_by_line(data, scale)


@cache
def installed_packs() -> frozenset[str]:
    """Tesseract language packs installed here (``osd`` included when it is)."""
    try:
        return frozenset(pytesseract.get_languages(config=""))
    except pytesseract.TesseractNotFoundError as exc:
        raise ConfigError("tesseract is not installed: apt-get install tesseract-ocr") from exc


#: Characters OSD must find before it names a script. Tesseract's default, 50, is more
#: than a one-line sign holds: OSD said nothing on nearly every sign of bench/ocr_scripts.py
#: and the picture was read with the fallback packs (docs/performance.md).
OSD_MIN_CHARACTERS = 5


def detect_script(grey: Image.Image) -> str | None:
    """The script Tesseract's OSD sees (``"Latin"``, ``"Greek"``, ``"Han"``…), or None.

    OSD needs :data:`OSD_MIN_CHARACTERS`; on less, or without the ``osd`` pack, it says nothing.
    """
    if "osd" not in installed_packs():
        return None
    config = f"--psm 0 -c min_characters_to_try={OSD_MIN_CHARACTERS}"
    try:
        report = pytesseract.image_to_osd(grey, config=config, timeout=OCR_TIMEOUT_S)
    except (pytesseract.TesseractError, RuntimeError):
        return None  # "Too few characters", or the timeout
    for line in str(report).splitlines():
        if line.startswith("Script:"):
            return line.split(":", 1)[1].strip() or None
    return None


def _only_installed(packs: str) -> str:
    kept = [p for p in packs.split("+") if p in installed_packs()]
    return "+".join(kept)


def _packs_for(script: str | None, configured: str) -> str:
    """The ``-l`` list for a script: its packs, or the configured list when unsure."""
    if configured != AUTO:
        return configured
    if script == "Latin":
        return _only_installed("eng") or DEFAULT_OCR_LANGUAGES
    fallback = _only_installed(DEFAULT_OCR_LANGUAGES) or "eng"
    return _only_installed(SCRIPT_PACKS.get(script or "", "")) or fallback


def _latin_packs(text: str, codes: tuple[str, ...] | None) -> list[str]:
    """Installed packs (at most :data:`MAX_LATIN_READINGS`) of the Latin languages lingua
    finds likeliest for the first reading, and of their close relatives: without its
    diacritics Czech looks like Slovenian ("otevreno kazdy den")."""
    ranked = [code for code, _ in _ranked(text, codes, False)[:2]]
    languages = ranked + [s for code in ranked[:1] for s in LATIN_SIBLINGS.get(code, ())]
    packs = [LATIN_PACKS[code] for code in languages if code in LATIN_PACKS]
    return [p for p in dict.fromkeys(packs) if p in installed_packs()][:MAX_LATIN_READINGS]


def _words_by_line(data: dict[str, list[Any]], scale: float) -> list[list[OcrWord]]:
    lines: dict[tuple[int, int, int], list[OcrWord]] = {}
    for i, text in enumerate(data["text"]):
        word = str(text).strip()
        confidence = float(data["conf"][i])
        if not word or confidence < MIN_WORD_CONFIDENCE or not any(c.isalnum() for c in word):
            continue
        key = (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))
        lines.setdefault(key, []).append(
            OcrWord(
                text=word,
                confidence=confidence,
                x=round(data["left"][i] / scale),
                y=round(data["top"][i] / scale),
                width=max(1, round(data["width"][i] / scale)),
                height=max(1, round(data["height"][i] / scale)),
            )
        )
    return list(lines.values())


def reading_order(words_by_line: list[list[OcrWord]]) -> list[list[OcrWord]]:
    """Lines in reading order (top to bottom, then left to right)."""
    return sorted(words_by_line, key=lambda ws: (min(w.y for w in ws), min(w.x for w in ws)))


def _line_clue(words: list[OcrWord], packs: str = "") -> Clue:
    x0, y0 = min(w.x for w in words), min(w.y for w in words)
    x1 = max(w.x + w.width for w in words)
    y1 = max(w.y + w.height for w in words)
    confidence = sum(w.confidence for w in words) / len(words) / 100.0
    return Clue(
        kind="text",
        value=" ".join(w.text for w in words),
        confidence=round(confidence, 3),
        region=Region(x=x0, y=y0, width=x1 - x0, height=y1 - y0),
        detail={
            "words": [
                {"text": w.text, "conf": w.confidence, "box": [w.x, w.y, w.width, w.height]}
                for w in words
            ],
            "packs": packs,
        },
    )


# --- language --------------------------------------------------------------------------

_detectors: dict[tuple[tuple[str, ...] | None, bool], Any] = {}
_detectors_lock = threading.Lock()
#: Detectors kept per process (one per language set); the models themselves are shared.
_MAX_DETECTORS = 32


def _detector(codes: tuple[str, ...] | None, high_accuracy: bool) -> Any:
    """A lingua detector, built once per process and setting (its models are large)."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    with _detectors_lock:
        key = (codes, high_accuracy)
        if key not in _detectors:
            if len(_detectors) >= _MAX_DETECTORS:
                _detectors.clear()
            if codes:
                iso = [getattr(IsoCode639_1, code.upper()) for code in codes]
                builder = LanguageDetectorBuilder.from_iso_codes_639_1(*iso)
            else:
                builder = LanguageDetectorBuilder.from_all_languages()
            if not high_accuracy:
                builder = builder.with_low_accuracy_mode()
            _detectors[key] = builder.build()
        return _detectors[key]


def _ranked(
    text: str, codes: tuple[str, ...] | None, high_accuracy: bool
) -> list[tuple[str, float]]:
    """(ISO 639-1 code, confidence) pairs, best first, without the zeros."""
    values = _detector(codes, high_accuracy).compute_language_confidence_values(text)
    return [(v.language.iso_code_639_1.name.lower(), v.value) for v in values if v.value > 0.0]


def _letter_script(char: str) -> str:
    """First word of the character's Unicode name (``"LATIN"``, ``"CJK"``, ``"THAI"``…)."""
    return unicodedata.name(char, "?").split(" ", 1)[0]


def enough_letters(text: str) -> bool:
    """Whether ``text`` holds enough to guess a language: 10 letters, or 4 CJK/kana/Thai."""
    scripts = [_letter_script(c) for c in text if c.isalpha()]
    dense = sum(s in DENSE_SCRIPTS for s in scripts)
    return len(scripts) >= MIN_LETTERS_FOR_LANGUAGE or dense >= MIN_DENSE_LETTERS_FOR_LANGUAGE


def script_share(text: str, script: str) -> float:
    """Share of the letters of ``text`` written in the OSD ``script`` (0 without letters)."""
    wanted = SCRIPT_LETTERS.get(script)
    letters = [_letter_script(c) for c in text if c.isalpha()]
    if wanted is None:
        return 1.0  # a script Vidi has no letter table for: no check
    if not letters:
        return 0.0
    return sum(s in wanted for s in letters) / len(letters)


def plausible_language(
    language: Clue | None, lines: Sequence[Clue], script: str | None
) -> Clue | None:
    """The language clue if the text it was guessed from is plausible, its confidence
    scaled by how sure Tesseract was of the words; None for unreadable text.

    Text read with the wrong script's packs is junk in another script: Greek read with
    Latin packs looked like Tsonga at confidence 1.00. The letters must be in the script
    OSD found, Tesseract must have been fairly sure of the words, and where the language
    has a word list (:mod:`vidi.clues.wordlists`) enough of the words must be in it.
    """
    if language is None or not lines:
        return None
    word_confidence = _mean_word_confidence(lines)
    if word_confidence < MIN_LANGUAGE_TEXT_CONFIDENCE:
        return None
    whole = "\n".join(line.value for line in lines)
    share = script_share(whole, script) if script is not None and script in SCRIPT_LETTERS else 1.0
    if share < MIN_SCRIPT_SHARE:
        return None
    hits = wordlist_hits(whole, language.value)
    if hits is not None and hits.rate < MIN_WORDLIST_HIT_RATE:
        return None
    confidence = language.confidence * word_confidence / 100.0
    detail = {**language.detail, "script": script, "word_confidence": round(word_confidence, 1)}
    if hits is not None:
        confidence *= min(1.0, hits.rate / FULL_WORDLIST_HIT_RATE)
        detail["wordlist"] = {"pack": hits.pack, "words": hits.words, "found": hits.found}
    return Clue(
        kind="language", value=language.value, confidence=round(confidence, 3), detail=detail
    )


def detect_language(
    text: str, codes: tuple[str, ...] | None = None, high_accuracy: bool = False
) -> Clue | None:
    """The language of ``text`` as a ``language`` clue (ISO 639-1), or None if too short.

    Low-accuracy mode (trigrams only) is fast and small but unsure on short text, which
    is what signs and labels hold; an unsure answer is decided again in high-accuracy
    mode among the few candidates only, so just their large models are ever loaded.
    """
    letters = sum(c.isalpha() for c in text)
    if not enough_letters(text):
        return None
    ranked = _ranked(text, codes, high_accuracy)
    if not high_accuracy and len(ranked) > 1 and ranked[0][1] < SURE_LANGUAGE_CONFIDENCE:
        candidates = tuple(sorted(code for code, _ in ranked[:REFINE_CANDIDATES]))
        ranked = _ranked(text, candidates, True)
    if not ranked:
        return None
    runners_up: list[ClueDetail] = [
        {"language": code, "confidence": round(v, 3)} for code, v in ranked[1:4]
    ]
    return Clue(
        kind="language",
        value=ranked[0][0],
        confidence=round(ranked[0][1], 3),
        detail={"letters": letters, "runners_up": runners_up},
    )
