"""OCR language per script: Vidi's per-script reading against the old fixed five packs.

Texts of bench/places_world.py (shop signs and product labels), one per language first
(Latin: cs, ro, pl, de, nl, hu; Russian and Ukrainian; Greek; Arabic; Thai; Chinese and
Japanese; ``--per-script`` texts each), are rendered as benign signs (Noto / WenQuanYi
fonts, raqm shaping) in two ways: a close-up photo of the sign, and the sign on the wall
of a generated room photo (bench/places_scenes.py). Each picture is read by the real text
extractor twice, one right after the other:

- ``auto``: Vidi's default (Tesseract OSD finds the script, that script's packs read;
  Latin text read again with the likely languages' packs), then the plausibility check;
- ``old five``: the fixed list ``deu+fra+spa+eng+rus`` that was the default before
  (``TextExtractor(languages="deu+fra+spa+eng+rus")``; today's plausibility check
  still applies, so "unchecked wrong" also shows what lingua says on the raw text, as
  the old extractor reported it).

Per script: the share of pictures whose language clue is right, the share with no
language clue, the share with a wrong one, the share a language clue would have been
wrong without the plausibility check ("unchecked wrong"), and OCR seconds per picture
(OSD, both readings and lingua included), with the ratio auto / old five. Reading both
ways on the same picture one after the other keeps the ratio fair on a loaded machine.

Usage: OMP_THREAD_LIMIT=1 python bench/ocr_scripts.py [--per-script N] [--scene both]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vidi.clues.text as text_module  # noqa: E402
from places_scenes import Planted, _draw_text, _fitted, scene_file  # noqa: E402
from places_scripts import SCRIPTS, char_accuracy, texts_by_script  # noqa: E402
from vidi.clues.base import Clue, MediaInput  # noqa: E402
from vidi.clues.text import TextExtractor, detect_language  # noqa: E402

OLD_FIVE = "deu+fra+spa+eng+rus"
"""The extractor's fixed default before the per-script reading."""

BASELINE = "old five"


def osd_with_fewer_characters(minimum: int) -> Callable[[Any], str | None]:
    """Vidi's ``detect_script`` with another ``min_characters_to_try`` (Vidi uses
    ``OSD_MIN_CHARACTERS``; Tesseract's own default, 50, names no script on a one-line sign)."""

    def detect(grey: Any) -> str | None:
        try:
            report = text_module.pytesseract.image_to_osd(
                grey, config=f"--psm 0 -c min_characters_to_try={minimum}", timeout=60
            )
        except (text_module.pytesseract.TesseractError, RuntimeError):
            return None
        for line in str(report).splitlines():
            if line.startswith("Script:"):
                return line.split(":", 1)[1].strip() or None
        return None

    return detect


@contextmanager
def script_detector(detect: Callable[[Any], str | None] | None) -> Iterator[None]:
    if detect is None:
        yield
        return
    original = text_module.detect_script
    text_module.detect_script = detect  # type: ignore[assignment]
    try:
        yield
    finally:
        text_module.detect_script = original


FIRST = ("cs", "ro", "pl", "de", "nl", "hu", "tr", "fr")
"""Latin languages read first: those the old packs mangled (háčeks, Romanian), then more."""


def spread(pairs: list[tuple[str, str]], count: int | None) -> list[tuple[str, str]]:
    """Up to ``count`` texts, one per language first (those in :data:`FIRST` before others)."""
    seen: dict[str, int] = defaultdict(int)
    order = []
    for k, (language, text) in enumerate(pairs):
        rank = FIRST.index(language) if language in FIRST else len(FIRST)
        order.append((seen[language], rank, k, language, text))
        seen[language] += 1
    return [(language, text) for *_, language, text in sorted(order)][:count]


@dataclass
class Tally:
    pictures: int = 0
    right: int = 0
    none: int = 0
    wrong: int = 0
    unchecked_wrong: int = 0
    characters: float = 0.0
    seconds: float = 0.0

    def add(self, language: str, text: str, found: list[Clue], seconds: float) -> None:
        self.seconds += seconds
        said = [c.value for c in found if c.kind == "language"]
        read = "\n".join(c.value for c in found if c.kind == "text")
        raw = detect_language(read)
        self.pictures += 1
        self.right += said == [language]
        self.none += not said
        self.wrong += bool(said) and said != [language]
        self.unchecked_wrong += raw is not None and raw.value != language
        self.characters += char_accuracy(read.replace("\n", " "), text)


def close_up(text: str, language: str, rng: random.Random, path: Path) -> Path:
    """A sign photographed from a metre: board on a wall, slight blur, grain, JPEG."""
    font = _fitted(text, language, rng.choice((44, 50, 56)), 900)
    width, height = int(font.getlength(text)) + 70, 150
    wall = tuple(rng.randint(170, 235) for _ in range(3))
    image = Image.new("RGB", (width + 120, height + 100), wall)  # type: ignore[arg-type]
    board = Image.new("RGB", (width, height), rng.choice([(250, 246, 232), (255, 255, 255)]))
    draw = ImageDraw.Draw(board)
    draw.rectangle((0, 0, width - 1, height - 1), outline=(70, 45, 30), width=6)
    _draw_text(draw, (35, 40), text, language, font, (25, 25, 35))
    image.paste(board, (60, 50))
    pixels = np.asarray(image.filter(ImageFilter.GaussianBlur(0.6)), dtype=np.float32)
    noise = np.random.default_rng(rng.randrange(1 << 30)).normal(0.0, 3.0, pixels.shape)
    Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8), "RGB").save(
        path, "JPEG", quality=88
    )
    return path


def room_photo(text: str, language: str, rng: random.Random, path: Path) -> Path:
    return scene_file(Planted(sign=(text, language)), rng, path)


SCENES = {"close-up": close_up, "room": room_photo}


def readers(osd_min: int | None) -> dict[str, tuple[TextExtractor, Any]]:
    """Name → (extractor, script detector to use instead of Vidi's, or None)."""
    out: dict[str, tuple[TextExtractor, Any]] = {
        "auto": (TextExtractor(), None),
        BASELINE: (TextExtractor(languages=OLD_FIVE), None),
    }
    if osd_min is not None:
        out[f"osd>={osd_min}"] = (TextExtractor(), osd_with_fewer_characters(osd_min))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-script", type=int, default=6, help="texts per script")
    parser.add_argument("--scene", choices=(*SCENES, "both"), default="both")
    parser.add_argument("--by-language", action="store_true", help="also one row per language")
    parser.add_argument(
        "--osd-min-chars",
        type=int,
        default=None,
        help="also read with OSD's min_characters_to_try lowered to N (bench only)",
    )
    args = parser.parse_args()
    scenes = list(SCENES) if args.scene == "both" else [args.scene]
    texts = {s: spread(texts_by_script()[s], args.per_script) for s in SCRIPTS}
    reading = readers(args.osd_min_chars)
    started = time.perf_counter()
    warm = Path(tempfile.mkdtemp(prefix="vidi-ocr-")) / "warm.jpg"
    close_up("Warm up the language models", "en", random.Random(0), warm)
    for reader, _ in reading.values():
        reader.extract(MediaInput("x", "image", warm))  # loads lingua's models
    tallies: dict[tuple[str, str, str], Tally] = defaultdict(Tally)
    by_language: dict[tuple[str, str, str], Tally] = defaultdict(Tally)
    with tempfile.TemporaryDirectory(prefix="vidi-ocr-") as scratch:
        for scene in scenes:
            rng = random.Random(11)
            for script, pairs in texts.items():
                for k, (language, text) in enumerate(pairs):
                    path = SCENES[scene](text, language, rng, Path(scratch) / f"{k}.jpg")
                    for name, (reader, detect) in reading.items():
                        with script_detector(detect):
                            began = time.perf_counter()
                            found = reader.extract(MediaInput("x", "image", path))
                            seconds = time.perf_counter() - began
                        tallies[scene, script, name].add(language, text, found, seconds)
                        by_language[scene, language, name].add(language, text, found, seconds)
    print(f"OCR language per script: Vidi's per-script reading ('auto') vs {OLD_FIVE}")
    print(f"texts: {', '.join(f'{s} {len(t)}' for s, t in texts.items())}")
    for scene in scenes:
        print(f"\n{scene}")
        print(
            f"  {'script':<10}{'texts':>6} {'reading':<9}{'right':>7}{'none':>7}{'wrong':>7}"
            f"{'unchecked wrong':>17}{'chars':>7}{'s/picture':>11}{'ratio':>7}"
        )
        for script in SCRIPTS:
            base = tallies[scene, script, BASELINE]
            for name in reading:
                t = tallies[scene, script, name]
                n = max(1, t.pictures)
                ratio = f"{t.seconds / base.seconds:>7.2f}" if name != BASELINE else ""
                print(
                    f"  {script:<10}{t.pictures:>6} {name:<9}{t.right / n:>7.0%}{t.none / n:>7.0%}"
                    f"{t.wrong / n:>7.0%}{t.unchecked_wrong / n:>17.0%}{t.characters / n:>7.0%}"
                    f"{t.seconds / n:>11.2f}{ratio}"
                )
        if args.by_language:
            print(f"  per language ({scene}): right/none/wrong of n, per reading")
            languages = sorted({lang for (sc, lang, _) in by_language if sc == scene})
            for lang in languages:
                cells = []
                for name in reading:
                    t = by_language[scene, lang, name]
                    cells.append(f"{name} {t.right}/{t.none}/{t.wrong} of {t.pictures}")
                print(f"    {lang}: " + "; ".join(cells))
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
