"""Generated benign media for tests (importable from any test module: tests/ is on the path)."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

PG_ADMIN_URL = os.environ.get(
    "VIDI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
"""The PostgreSQL server tests use (fresh databases are made in it and dropped)."""


def scene(seed: int, width: int = 640, height: int = 480) -> Image.Image:
    """A benign, textured picture (shapes on a gradient) with high PDQ quality."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:height, 0:width]
    base = np.stack(
        [
            (xs * rng.uniform(0.1, 0.5) + ys * rng.uniform(0.1, 0.5) + rng.uniform(0, 255)) % 256
            for _ in range(3)
        ],
        axis=-1,
    )
    noise = rng.normal(0, 8, (height, width, 3))
    image = Image.fromarray(np.uint8(np.clip(base + noise, 0, 255)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x0, y0 = int(rng.integers(0, max(1, width - 8))), int(rng.integers(0, max(1, height - 8)))
        x1 = x0 + int(rng.integers(4, max(5, width // 3)))
        y1 = y0 + int(rng.integers(4, max(5, height // 3)))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        if rng.random() < 0.5:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        else:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
    return image


def jpeg_bytes(image: Image.Image, quality: int = 90, **save_args: object) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, **save_args)
    return out.getvalue()


def native_thread_counts() -> tuple[list[int], str | None]:
    """Run in a pool worker: threads per native library, and the OpenMP limit for programs."""
    import os

    import numpy as np
    from threadpoolctl import threadpool_info

    np.ones((64, 64)) @ np.ones((64, 64))  # make sure BLAS is loaded
    return [pool["num_threads"] for pool in threadpool_info()], os.environ.get("OMP_THREAD_LIMIT")


def clip_with_sound(out: Path) -> Path:
    """A two-second H.264 clip with a 50 Hz AAC track, so video and sound readers both open it."""
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-t", "2"]
        + ["-i", "testsrc2=size=160x120:rate=10", "-f", "lavfi", "-t", "2"]
        + ["-i", "sine=frequency=50:sample_rate=16000", "-c:v", "libx264"]
        + ["-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(out)],
        check=True,
        timeout=60,
    )
    return out


def person_like_figure(width: int = 200, height: int = 400) -> Image.Image:
    """A flat grey silhouette of a standing figure on a light background (drawn shapes):
    the packaged HOG people detector fires on it."""
    image = Image.new("RGB", (width, height), (225, 225, 225))
    draw = ImageDraw.Draw(image)
    cx, ink = width // 2, (40, 40, 40)
    draw.ellipse((cx - 22, 40, cx + 22, 92), fill=ink)
    draw.rectangle((cx - 10, 88, cx + 10, 102), fill=ink)
    draw.polygon([(cx - 45, 105), (cx + 45, 105), (cx + 38, 230), (cx - 38, 230)], fill=ink)
    draw.polygon([(cx - 45, 108), (cx - 62, 230), (cx - 50, 232), (cx - 33, 120)], fill=ink)
    draw.polygon([(cx + 45, 108), (cx + 62, 230), (cx + 50, 232), (cx + 33, 120)], fill=ink)
    draw.polygon([(cx - 38, 228), (cx - 2, 228), (cx - 8, 360), (cx - 32, 360)], fill=ink)
    draw.polygon([(cx + 2, 228), (cx + 38, 228), (cx + 32, 360), (cx + 8, 360)], fill=ink)
    return image
