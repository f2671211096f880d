"""Is there a person in a crop? Only to stop a publication: never to find or name anyone.

Vidi downloads no model weights. The detector here is what OpenCV ships inside the
``opencv-python-headless`` wheel: the HOG people detector (Dalal–Triggs SVM,
``cv2.HOGDescriptor_getDefaultPeopleDetector``) and the Haar cascades
``haarcascade_frontalface_default`` and ``haarcascade_profileface`` from ``cv2.data``,
used only as "a person is present" signals. They miss people (small, partly hidden,
lying down, seen from behind; faces turned away), so a detector that finds nothing never
approves a crop: the approver must still confirm that no person is visible. They also
fire on some textures; a crop they block can be cut tighter around the object.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from PIL import Image

MAX_DETECT_SIDE = 1600
"""Larger regions are scaled down before detection (time stays bounded)."""
HOG_WINDOW = (64, 128)
MARGIN = 32


class PersonDetector(Protocol):
    """Looks at a picture and says whether it shows a person (a sentence) or not (None)."""

    name: str

    def find_person(self, picture: Image.Image) -> str | None: ...


class NoDetector:
    """Where OpenCV is not installed: nothing is checked, the approver's word is all."""

    name = "none (OpenCV not installed): only the approver's confirmation"

    def find_person(self, picture: Image.Image) -> str | None:
        return None


class OpenCvPersonDetector:
    """OpenCV's packaged HOG people detector and Haar face cascades (no downloads)."""

    name = (
        "opencv {version}: HOG default people detector (upright and turned 90°), "
        "Haar frontalface_default and profileface"
    )

    def __init__(self) -> None:
        import cv2

        self._cv2 = cv2
        self.name = self.name.format(version=cv2.__version__)
        self._hog = cv2.HOGDescriptor()
        self._hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())  # type: ignore[attr-defined]
        self._faces = [
            cv2.CascadeClassifier(cv2.data.haarcascades + name)  # type: ignore[attr-defined]
            for name in ("haarcascade_frontalface_default.xml", "haarcascade_profileface.xml")
        ]
        if any(cascade.empty() for cascade in self._faces):
            raise RuntimeError("OpenCV's packaged Haar cascades could not be loaded")

    def find_person(self, picture: Image.Image) -> str | None:
        grey = _detection_size(np.asarray(picture.convert("L")))
        for turned, image in ((False, grey), (True, np.ascontiguousarray(np.rot90(grey)))):
            found = self._people(image)
            if found:
                where = " (turned 90°)" if turned else ""
                return f"the HOG people detector found {found} person-like region(s){where}"
        for cascade in self._faces:
            faces = cascade.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=3)
            if len(faces):
                return f"a Haar face cascade found {len(faces)} face-like region(s)"
        return None

    def _people(self, grey: np.ndarray) -> int:
        # The detector was trained on people with a margin around them; a crop cut close
        # around a person gets that margin back (its edges repeated).
        cv2 = self._cv2
        grey = cv2.copyMakeBorder(grey, *([MARGIN] * 4), borderType=cv2.BORDER_REPLICATE)
        height, width = grey.shape
        # The detector's window is 64×128 with a person about 96 pixels tall in it: a small
        # region is scaled up so that a person filling it would fill a window.
        grow = max(1.0, 2 * HOG_WINDOW[0] / width, 2 * HOG_WINDOW[1] / height)
        if grow > 1.0:
            size = (round(width * grow), round(height * grow))
            grey = self._cv2.resize(grey, size, interpolation=self._cv2.INTER_LINEAR)
        rects, _ = self._hog.detectMultiScale(grey, winStride=(8, 8), padding=(8, 8), scale=1.05)
        return len(rects)


def _detection_size(grey: np.ndarray) -> np.ndarray:
    height, width = grey.shape
    longest = max(height, width)
    if longest <= MAX_DETECT_SIDE:
        return grey
    step = longest / MAX_DETECT_SIDE
    picture = Image.fromarray(grey).resize((round(width / step), round(height / step)))
    return np.asarray(picture)


def packaged_detector() -> PersonDetector:
    """OpenCV's packaged detector, or :class:`NoDetector` where OpenCV is not installed."""
    try:
        return OpenCvPersonDetector()
    except ImportError:
        return NoDetector()
