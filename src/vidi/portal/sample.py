"""Benign sample objects drawn in code, for tests, the benchmark and screenshots.

They stand in for approved crops when no workbench is at hand: a mug, a T-shirt, a
backpack… drawn with Pillow as simple shapes, with public texts in the five languages.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from vidi.bundles.publication import ObjectText, ObjectType, PublishedObject

SAMPLES: list[tuple[ObjectType, str, dict[str, str]]] = [
    (ObjectType.HOUSEHOLD, "mug", {"en": "Blue mug with a star", "de": "Blaue Tasse mit Stern",
     "fr": "Tasse bleue avec une étoile", "es": "Taza azul con una estrella",
     "nl": "Blauwe mok met een ster"}),
    (ObjectType.CLOTHING, "shirt", {"en": "Green T-shirt with a stripe",
     "de": "Grünes T-Shirt mit Streifen", "fr": "T-shirt vert à rayure",
     "es": "Camiseta verde con una raya", "nl": "Groen T-shirt met een streep"}),
    (ObjectType.BAG_OR_PACKAGING, "bag", {"en": "Orange backpack", "de": "Oranger Rucksack",
     "fr": "Sac à dos orange", "es": "Mochila naranja", "nl": "Oranje rugzak"}),
    (ObjectType.TOY, "toy", {"en": "Red toy car", "de": "Rotes Spielzeugauto",
     "fr": "Petite voiture rouge", "es": "Coche de juguete rojo",
     "nl": "Rode speelgoedauto"}),
]  # fmt: skip
QUESTIONS = {
    "en": "Do you know where this object is sold, or where it comes from?",
    "de": "Wissen Sie, wo dieser Gegenstand verkauft wird oder woher er stammt?",
    "fr": "Savez-vous où cet objet est vendu ou d'où il vient ?",
    "es": "¿Sabe dónde se vende este objeto o de dónde procede?",
    "nl": "Weet u waar dit voorwerp wordt verkocht of waar het vandaan komt?",
}
COLOURS = {
    "mug": (40, 90, 200),
    "shirt": (40, 150, 70),
    "bag": (235, 130, 20),
    "toy": (200, 30, 40),
}


def sample_objects(count: int = 4) -> list[PublishedObject]:
    """``count`` objects, cycling through the samples with numbered ids."""
    objects = []
    for number in range(count):
        kind, name, titles = SAMPLES[number % len(SAMPLES)]
        suffix = "" if number < len(SAMPLES) else f" #{number + 1}"
        objects.append(
            PublishedObject(
                id=f"{name}-{number + 1:03d}",
                object_type=kind,
                crop_png=_drawing(name, number),
                texts={
                    language: ObjectText(title=title + suffix, question=QUESTIONS[language])
                    for language, title in titles.items()
                },
            )
        )
    return objects


def _drawing(name: str, number: int) -> bytes:
    image = Image.new("RGB", (320, 240), (245, 243, 238))
    draw = ImageDraw.Draw(image)
    colour = COLOURS[name]
    if name == "mug":
        draw.rounded_rectangle((100, 60, 200, 190), 12, fill=colour)
        draw.ellipse((195, 90, 245, 150), outline=colour, width=12)
        draw.regular_polygon((150, 120, 25), 5, fill=(250, 220, 60))
    elif name == "shirt":
        draw.polygon([(110, 50), (210, 50), (260, 100), (230, 125), (215, 110), (215, 200),
                      (105, 200), (105, 110), (90, 125), (60, 100)], fill=colour)  # fmt: skip
        draw.rectangle((105, 120, 215, 135), fill=(250, 250, 250))
    elif name == "bag":
        draw.rounded_rectangle((100, 60, 220, 210), 30, fill=colour)
        draw.rounded_rectangle((125, 130, 195, 190), 10, fill=(200, 100, 10))
        draw.arc((130, 30, 190, 90), 180, 360, fill=colour, width=10)
    else:
        draw.rounded_rectangle((70, 110, 250, 160), 14, fill=colour)
        draw.polygon([(110, 110), (135, 80), (195, 80), (215, 110)], fill=colour)
        for x in (110, 210):
            draw.ellipse((x - 20, 145, x + 20, 185), fill=(30, 30, 30))
    draw.text((8, 220), f"#{number + 1}", fill=(90, 90, 90))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
