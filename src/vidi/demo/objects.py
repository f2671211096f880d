"""Generated, benign scenes for the object search: textured objects pasted into rooms.

Tests and ``bench/objects.py`` need pictures where the same object (a printed box, a
patterned bag) appears in different rooms, under perspective, scale, rotation and
partial occlusion, and pictures of the same room with different objects. Everything
here is drawn with NumPy, Pillow and OpenCV from a seed: nothing is read or fetched.
"""

from __future__ import annotations

import io
import string

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size)
    except TypeError:  # Pillow without a scalable default font
        return ImageFont.load_default()


def textured_object(seed: int, width: int = 220, height: int = 170) -> np.ndarray:
    """An RGB object: a printed box or bag face with stripes, shapes and words."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:height, 0:width]
    base = np.stack(
        [
            (xs * rng.uniform(0.2, 1.5) + ys * rng.uniform(0.2, 1.5) + rng.uniform(0, 255)) % 256
            for _ in range(3)
        ],
        axis=-1,
    )
    image = Image.fromarray(np.uint8(base))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(6, 12))):
        x0, y0 = int(rng.integers(0, width - 10)), int(rng.integers(0, height - 10))
        x1 = x0 + int(rng.integers(8, max(9, width // 2)))
        y1 = y0 + int(rng.integers(8, max(9, height // 2)))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        shape = rng.integers(0, 3)
        if shape == 0:
            draw.rectangle((x0, y0, x1, y1), fill=colour, outline=(0, 0, 0), width=2)
        elif shape == 1:
            draw.ellipse((x0, y0, x1, y1), fill=colour, outline=(255, 255, 255), width=2)
        else:
            draw.polygon([(x0, y1), ((x0 + x1) // 2, y0), (x1, y1)], fill=colour)
    for _ in range(int(rng.integers(2, 5))):
        word = "".join(rng.choice(list(string.ascii_uppercase), int(rng.integers(3, 8))))
        at = (int(rng.integers(0, max(1, width - 60))), int(rng.integers(0, max(1, height - 25))))
        ink = tuple(int(c) for c in rng.integers(0, 80, 3))
        draw.text(at, word, fill=ink, font=_font(int(rng.integers(16, 28))))
    return np.asarray(image)


def room(seed: int, width: int = 640, height: int = 480) -> np.ndarray:
    """An RGB room: patterned wallpaper above a floor, with a few pieces of furniture."""
    rng = np.random.default_rng(seed + 1_000_003)
    tile = textured_object(seed + 7_000_001, int(rng.integers(40, 90)), int(rng.integers(40, 90)))
    reps = (height // tile.shape[0] + 2, width // tile.shape[1] + 2, 1)
    wall = np.tile(tile, reps)[:height, :width].astype(np.float64)
    wall = wall * 0.6 + rng.uniform(40, 120, 3)
    horizon = int(height * rng.uniform(0.6, 0.8))
    # The floor is a patterned carpet of its own: generic stripes would be alike in every room.
    carpet = textured_object(
        seed + 9_000_011, int(rng.integers(60, 120)), int(rng.integers(40, 80))
    )
    reps = ((height - horizon) // carpet.shape[0] + 2, width // carpet.shape[1] + 2, 1)
    floor = np.tile(carpet, reps)[: height - horizon, :width].astype(np.float32) * 0.7
    picture = np.concatenate([wall[:horizon], floor]).clip(0, 255).astype(np.uint8)
    image = Image.fromarray(picture)
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(2, 5))):
        x0 = int(rng.integers(0, width - 120))
        y0 = int(rng.integers(horizon - 200, horizon - 20))
        w, h = int(rng.integers(60, 200)), int(rng.integers(60, 180))
        colour = tuple(int(c) for c in rng.integers(20, 200, 3))
        draw.rectangle((x0, y0, x0 + w, y0 + h), fill=colour, outline=(10, 10, 10), width=3)
        draw.rectangle((x0 + 8, y0 + 8, x0 + w // 2, y0 + h // 3), outline=(230, 230, 230))
    noise = rng.normal(0, 4, picture.shape)
    return np.asarray(image).astype(np.float32).__add__(noise).clip(0, 255).astype(np.uint8)


def paste(
    background: np.ndarray,
    thing: np.ndarray,
    rng: np.random.Generator,
    scale: float = 1.0,
    angle: float = 0.0,
    tilt: float = 0.0,
    occlusion: float = 0.0,
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """``thing`` warped (scale, rotation in degrees, perspective ``tilt``) into ``background``;
    ``occlusion`` hides that fraction of it behind a plain block. Returns the picture and
    the pasted object's box."""
    h, w = thing.shape[:2]
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    squeeze = tilt * w * 0.5
    warped_corners = corners + np.array(
        [[0, squeeze * 0.3], [0, 0], [0, 0], [0, -squeeze * 0.3]], np.float32
    )
    warped_corners[1, 1] += squeeze * 0.3
    warped_corners[2, 1] -= squeeze * 0.3
    warped_corners[1:3, 0] -= squeeze
    centre = warped_corners.mean(axis=0)
    turn = np.deg2rad(angle)
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]], np.float32)
    placed = (warped_corners - centre) @ rotation.T * scale
    bh, bw = background.shape[:2]
    span = placed.max(axis=0) - placed.min(axis=0)
    room_x = rng.uniform(0, max(1.0, bw - span[0])) - placed[:, 0].min()
    room_y = rng.uniform(0, max(1.0, bh - span[1])) - placed[:, 1].min()
    placed += np.array([room_x, room_y], np.float32)
    matrix = cv2.getPerspectiveTransform(corners, placed.astype(np.float32))
    layer = cv2.warpPerspective(thing, matrix, (bw, bh), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), matrix, (bw, bh))
    out = np.where(mask[..., None] > 127, layer, background)
    x0, y0 = placed.min(axis=0).clip(0)
    x1, y1 = np.minimum(placed.max(axis=0), [bw, bh])
    if occlusion > 0:
        ow = int((x1 - x0) * occlusion)
        out[int(y0) : int(y1), int(x1) - ow : int(x1)] = rng.integers(0, 255, 3)
    return out, (int(x0), int(y0), int(x1 - x0), int(y1 - y0))


def in_a_new_room(
    seed: int, rng: np.random.Generator
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Object ``seed`` pasted into a room it was never in, as the benchmarks ask for it:
    scale 0.3-1.0, turned up to 30 degrees, tilted, up to 30 % hidden, saved as JPEG 70.
    Returns the picture and the object's box."""
    picture, box = paste(
        room(500_000 + seed),
        textured_object(seed),
        rng,
        scale=rng.uniform(0.3, 1.0),
        angle=rng.uniform(-30, 30),
        tilt=rng.uniform(0, 0.4),
        occlusion=rng.uniform(0, 0.3),
    )
    return recompress(picture, 70), box


def crop_area(image: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """A crop holding ``fraction`` of the picture's area (same aspect), at a random place."""
    h, w = image.shape[:2]
    side = float(np.sqrt(fraction))
    ch, cw = max(16, int(h * side)), max(16, int(w * side))
    y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
    return image[y : y + ch, x : x + cw]


def rotate(image: np.ndarray, angle: float) -> np.ndarray:
    """The picture turned by ``angle`` degrees about its centre (corners filled black)."""
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(image, matrix, (w, h))


def recompress(image: np.ndarray, quality: int = 70) -> np.ndarray:
    """The picture after a JPEG round trip."""
    out = io.BytesIO()
    Image.fromarray(image).save(out, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(out.getvalue())).convert("RGB"))


def jpeg(image: np.ndarray, quality: int = 90) -> bytes:
    out = io.BytesIO()
    Image.fromarray(image).save(out, "JPEG", quality=quality)
    return out.getvalue()
