"""Generated benign media for tests (importable from any test module: tests/ is on the path)."""

from __future__ import annotations

import io
import os

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
