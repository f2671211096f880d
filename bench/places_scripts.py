"""OCR + language identification per script for bench/places.py, on rendered signs.

Each text is a framed sign on the wall of a generated room photo (grain, JPEG), read by
the real text extractor with the benchmark's one fixed OCR language set. "Language
right" is lingua's answer against the language written; "characters right" is
1 − edit distance / length on the text with spaces removed (Tesseract puts spaces
between Thai and CJK characters, which those scripts do not use).
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from pathlib import Path

from places_scenes import Planted, scene_file
from places_world import COUNTRIES, EXTRA_TEXTS, LABELS, OCR_LANGUAGES, SCRIPT_OF_LANGUAGE
from vidi.clues.base import Clue, MediaInput
from vidi.clues.text import TextExtractor

SCRIPTS = ("Latin", "Cyrillic", "Greek", "Arabic", "Thai", "CJK")


def texts_by_script() -> dict[str, list[tuple[str, str]]]:
    """(language, text) per script: every country's sign, every label, the extra signs."""
    seen: set[str] = set()
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    pairs = [(c.language, c.sign) for c in COUNTRIES] + [(k, v) for k, v in LABELS.items()]
    for language, text in pairs + EXTRA_TEXTS:
        if text not in seen:
            seen.add(text)
            out[SCRIPT_OF_LANGUAGE.get(language, "Latin")].append((language, text))
    return out


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def char_accuracy(read: str, truth: str) -> float:
    a, b = "".join(read.split()), "".join(truth.split())
    return max(0.0, 1.0 - edit_distance(a, b) / max(1, len(b)))


def read_sign(
    language: str, text: str, path: Path, rng: random.Random, ean: str | None = None
) -> list[Clue]:
    planted = Planted(sign=(text, language), ean=ean)
    scene_file(planted, rng, path)
    return TextExtractor(languages=OCR_LANGUAGES).extract(MediaInput("x", "image", path))


def script_table(folder: Path, per_script: int | None = None) -> None:
    print(f"\nOCR + language identification per script (signs in a room photo, {OCR_LANGUAGES})")
    print(
        f"  {'script':<10}{'texts':>6}{'read':>6}{'language right':>16}"
        f"{'characters right':>18}{'wrong language':>16}{'s per picture':>15}"
    )
    rng = random.Random(11)
    for script in SCRIPTS:
        texts = texts_by_script()[script][:per_script]
        read = right = wrong = 0
        accuracy = seconds = 0.0
        for k, (language, text) in enumerate(texts):
            started = time.perf_counter()
            found = read_sign(language, text, folder / f"script-{script}-{k}.jpg", rng)
            seconds += time.perf_counter() - started
            wrong += any(c.kind == "language" and c.value != language for c in found)
            line = " ".join(c.value for c in found if c.kind == "text")
            read += bool(line)
            accuracy += char_accuracy(line, text)
            right += any(c.kind == "language" and c.value == language for c in found)
        n = len(texts)
        print(
            f"  {script:<10}{n:>6}{read:>6}{right / n:>16.0%}{accuracy / n:>18.0%}"
            f"{wrong / n:>16.0%}{seconds / n:>15.1f}"
        )


def interference_table(folder: Path, count: int) -> None:
    """Signs read with and without a product barcode elsewhere in the same picture."""
    print("\nthe same sign with and without a barcoded product in the picture")
    print(f"  {'picture':<28}{'signs':>6}{'read':>6}{'language right':>16}")
    latin = texts_by_script()["Latin"][:count]
    for name, ean in (("sign only", None), ("sign + product barcode", "590123412345")):
        rng = random.Random(5)
        read = right = 0
        for k, (language, text) in enumerate(latin):
            found = read_sign(language, text, folder / f"interference-{k}.jpg", rng, ean)
            read += any(c.kind == "text" and char_accuracy(c.value, text) > 0.5 for c in found)
            right += any(c.kind == "language" and c.value == language for c in found)
        print(f"  {name:<28}{len(latin):>6}{read:>6}{right / len(latin):>16.0%}")
