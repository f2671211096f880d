"""Benign pictures for the publication tests: an object on a table, with metadata to leak.

The picture carries EXIF (a camera, a description, a GPS position), an ICC profile, an
XMP packet and a JPEG comment, each holding a marker string, so a test can show that
none of it (and no run of the file's bytes) reaches a published crop. The person-like
figure is a flat drawn silhouette (head, body, arms, legs), the kind of shape OpenCV's
HOG people detector is trained to fire on.
"""

from __future__ import annotations

import io

import piexif
from PIL import Image, ImageCms

from vidi.portal.sample import sample_objects
from vidi_testing import person_like_figure, scene

MARKER = b"VIDI-SECRET-MARKER"
OBJECT_BOX = (420, 300, 320, 240)
"""Where :func:`table_picture` puts the drawn object: x, y, width, height."""


def metadata_jpeg(picture: Image.Image) -> bytes:
    exif = piexif.dump(
        {
            "0th": {
                piexif.ImageIFD.Make: b"TestCam",
                piexif.ImageIFD.ImageDescription: MARKER + b" exif",
            },
            "GPS": {
                piexif.GPSIFD.GPSLatitudeRef: b"N",
                piexif.GPSIFD.GPSLatitude: ((52, 1), (13, 1), (0, 1)),
                piexif.GPSIFD.GPSLongitudeRef: b"E",
                piexif.GPSIFD.GPSLongitude: ((21, 1), (0, 1), (0, 1)),
            },
        }
    )
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">' + MARKER + b" xmp</x:xmpmeta>"
    out = io.BytesIO()
    picture.save(
        out, "JPEG", quality=92, exif=exif, icc_profile=icc, xmp=xmp, comment=MARKER + b" comment"
    )
    return out.getvalue()


def table_picture(seed: int = 1, kind: int = 3) -> Image.Image:
    """A 1200×900 scene with a drawn object (a toy car by default) at :data:`OBJECT_BOX`."""
    picture = scene(seed, 1200, 900)
    thing = Image.open(io.BytesIO(sample_objects(4)[kind].crop_png)).convert("RGB")
    x, y, width, height = OBJECT_BOX
    picture.paste(thing.resize((width, height)), (x, y))
    return picture


def figure_picture(seed: int = 2) -> tuple[Image.Image, str]:
    """A scene with a person-like figure in it, and a box around the figure."""
    picture = scene(seed, 1200, 900)
    picture.paste(person_like_figure(), (500, 250))
    return picture, "480,230,240,440"


def long_run_shared(original: bytes, crop: bytes, run: int = 64) -> bool:
    """Whether any ``run`` consecutive bytes of ``crop`` appear in ``original``."""
    windows = {original[i : i + run] for i in range(len(original) - run + 1)}
    return any(crop[i : i + run] in windows for i in range(len(crop) - run + 1))
