"""TextExtractor on pictures with text rendered by Pillow in Debian's fonts."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PIL import Image, ImageDraw

from vidi.clues.text import TextExtractor, detect_language

pytestmark = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract-ocr is not installed"
)

SIGNS = {
    "en": ("Fresh bread and milk", "open every morning"),
    "de": ("Frische Brötchen und Milch", "jeden Morgen geöffnet"),
    "ru": ("Свежий хлеб и молоко", "открыто каждое утро"),
    "fr": ("Pain frais et lait", "ouvert tous les matins"),
}


def _sign(lines: tuple[str, ...], font, at: tuple[int, int] = (40, 50)) -> Image.Image:
    """A shop sign: dark letters on a light board inside a plain scene."""
    image = Image.new("RGB", (820, 300), (90, 120, 90))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 30, 800, 270), fill=(240, 236, 225))
    for i, line in enumerate(lines):
        draw.text((at[0], at[1] + 90 * i), line, font=font, fill=(25, 25, 25))
    return image


@pytest.mark.parametrize("language", sorted(SIGNS))
def test_sign_is_read_and_its_language_found(language, load_font, make_media, tmp_path):
    font = load_font("DejaVuSans.ttf", 40)
    path = tmp_path / f"{language}.png"
    _sign(SIGNS[language], font).save(path)
    clues = TextExtractor().extract(make_media(path))  # image=None: read from the file

    lines = [c for c in clues if c.kind == "text"]
    read = " ".join(c.value for c in lines).lower()
    for word in " ".join(SIGNS[language]).lower().split():
        if len(word) >= 4:
            assert word in read, f"{word!r} not in {read!r}"
    assert all(0.5 < c.confidence <= 1.0 and c.detail["words"] for c in lines)
    assert [c.value for c in clues if c.kind == "language"] == [language]


def test_line_box_is_where_the_line_was_drawn(load_font, make_media, tmp_path):
    font = load_font("DejaVuSans.ttf", 40)
    image = _sign(("Fresh bread and milk",), font, at=(300, 150))
    path = tmp_path / "box.png"
    image.save(path)
    clues = TextExtractor(languages="eng").extract(make_media(path, image))
    (line,) = [c for c in clues if c.kind == "text"]
    assert line.region is not None
    left, top, right, _ = ImageDraw.Draw(image).textbbox((300, 150), "Fresh bread and milk", font)
    assert abs(line.region.x - left) <= 6 and abs(line.region.y - top) <= 12
    assert abs(line.region.x + line.region.width - right) <= 8


def test_noise_and_blank_pictures_give_no_clues(make_media, tmp_path):
    rng = np.random.default_rng(1)
    noise = Image.fromarray(rng.integers(0, 256, (300, 400), dtype=np.uint8)).convert("RGB")
    blank = Image.new("RGB", (400, 300), "white")
    extractor = TextExtractor(languages="eng")
    for name, image in (("noise", noise), ("blank", blank)):
        path = tmp_path / f"{name}.png"
        image.save(path)
        clues = extractor.extract(make_media(path, image))
        assert [c for c in clues if c.kind == "language"] == []
        assert [c.value for c in clues if c.kind == "text"] == []


def test_short_text_gives_no_language_guess():
    assert detect_language("OK 42") is None
    clue = detect_language("Съешь же ещё этих мягких французских булок")
    assert clue is not None and clue.value == "ru" and 0.5 < clue.confidence <= 1.0


def test_language_set_can_be_narrowed():
    text = "Der schnelle braune Fuchs springt über den faulen Hund"
    assert detect_language(text, ("en", "fr")).value in {"en", "fr"}
    assert detect_language(text, ("de", "en")).value == "de"


def test_undecodable_file_gives_no_clues(make_media, tmp_path):
    path = tmp_path / "broken.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    assert TextExtractor().extract(make_media(path)) == []


def _board(text: str, font) -> Image.Image:
    image = Image.new("RGB", (1100, 220), (90, 120, 90))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 30, 1080, 190), fill=(240, 236, 225))
    draw.text((50, 70), text, font=font, fill=(25, 25, 25))
    return image


def test_greek_read_with_latin_packs_gives_no_confident_wrong_language(load_font, make_media):
    picture = _board("Φρέσκο γάλα πλήρες παστεριωμένο", load_font("DejaVuSans.ttf", 56))
    for packs in ("deu+fra+spa+eng+rus", "auto"):
        found = TextExtractor(languages=packs).extract(make_media_of(picture, make_media))
        languages = [c for c in found if c.kind == "language"]
        wrong = [c for c in languages if c.value != "el" and c.confidence > 0.3]
        assert wrong == [], (packs, languages)


def test_greek_is_read_as_greek_when_its_pack_is_installed(load_font, make_media):
    from vidi.clues.text import installed_packs

    if not {"osd", "ell"} <= installed_packs():
        pytest.skip("tesseract-ocr-osd and tesseract-ocr-ell are not installed")
    picture = _board("Φρέσκο γάλα πλήρες παστεριωμένο", load_font("DejaVuSans.ttf", 56))
    found = TextExtractor().extract(make_media_of(picture, make_media))
    assert [c.value for c in found if c.kind == "language"] == ["el"]


def test_a_one_line_sign_still_has_its_script_found(load_font, make_media):
    """OSD's own minimum (50 characters) is more than one line holds: it named no script,
    and the sign was read with the fallback packs as Latin junk."""
    from vidi.clues.text import _prepared, detect_script, installed_packs

    if not {"osd", "ell", "rus"} <= installed_packs():
        pytest.skip("tesseract-ocr-osd, -ell and -rus are not installed")
    font = load_font("DejaVuSans.ttf", 56)
    assert detect_script(_prepared(_board("Аптека работает", font))[0]) == "Cyrillic"
    picture = _board("Αρτοποιείο ανοιχτό κάθε μέρα", font)  # 28 characters
    assert detect_script(_prepared(picture)[0]) == "Greek"
    found = TextExtractor().extract(make_media_of(picture, make_media))
    assert [c.value for c in found if c.kind == "language"] == ["el"]


def test_czech_keeps_its_hacheks_and_is_not_slovak(load_font, make_media):
    from vidi.clues.text import installed_packs

    if not {"osd", "ces"} <= installed_packs():
        pytest.skip("tesseract-ocr-osd and tesseract-ocr-ces are not installed")
    picture = _board("Pekárna otevřeno každý den, čerstvé pečivo", load_font("DejaVuSans.ttf", 48))
    found = TextExtractor().extract(make_media_of(picture, make_media))
    assert "ř" in " ".join(c.value for c in found if c.kind == "text")
    assert [c.value for c in found if c.kind == "language"] == ["cs"]


def test_short_chinese_text_still_gives_a_language():
    clue = detect_language("面包店每天营业")  # 7 characters
    assert clue is not None and clue.value == "zh"
    assert detect_language("営業中") is None  # 3 characters are too few


def make_media_of(picture: Image.Image, make_media):
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "sign.png"
    picture.save(path)
    return make_media(path, picture)
