"""The optional "same kind of object" provider: an ONNX image model from a local path.

Local features find the *same* object; finding objects of the same *kind* (any red
school bag) needs a learned embedding. Vidi ships no model and downloads none: a team
that has one points ``VIDI_EMBEDDING_MODEL`` (or the ``model_path`` argument) at an
ONNX file taking a (1, 3, H, W) float picture and giving one vector. Off by default;
without ``onnxruntime`` (the ``[embeddings]`` extra) it says so in one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from vidi.errors import ConfigError


class EmbeddingUnavailable(ConfigError):
    """The provider cannot run: no model configured, the file is missing, or no runtime."""


@dataclass(frozen=True)
class EmbeddingModel:
    """A loaded model: its input size and the function that embeds a picture."""

    path: Path
    input_side: int
    session: Any

    def embed(self, picture: np.ndarray) -> np.ndarray:
        """The picture's L2-normalised embedding (float32 vector)."""
        image = Image.fromarray(picture).convert("RGB")
        image = image.resize((self.input_side, self.input_side), Image.Resampling.BILINEAR)
        batch = (np.asarray(image, np.float32) / 255.0).transpose(2, 0, 1)[None]
        name = self.session.get_inputs()[0].name
        (vector,) = self.session.run(None, {name: batch})[:1]
        flat = np.asarray(vector, np.float32).reshape(-1)
        norm = float(np.linalg.norm(flat)) or 1.0
        return flat / norm


def load_embedding_model(model_path: Path | None) -> EmbeddingModel:
    """Load the ONNX model at ``model_path``; :class:`EmbeddingUnavailable` says why not."""
    if model_path is None:
        raise EmbeddingUnavailable(
            "no embedding model is configured; set VIDI_EMBEDDING_MODEL to a local .onnx file"
        )
    if not model_path.is_file():
        raise EmbeddingUnavailable(f"the embedding model {model_path} does not exist")
    try:
        import onnxruntime
    except ImportError:
        raise EmbeddingUnavailable(
            "onnxruntime is not installed; install Vidi with the [embeddings] extra"
        ) from None
    try:
        session = onnxruntime.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001 - any load failure is one clear line
        raise EmbeddingUnavailable(f"{model_path} is not a usable ONNX model ({exc})") from None
    shape = session.get_inputs()[0].shape
    if len(shape) != 4 or shape[1] != 3 or not isinstance(shape[2], int) or shape[2] != shape[3]:
        raise EmbeddingUnavailable(
            f"{model_path} takes input {shape}; the provider needs (1, 3, N, N) pictures"
        )
    return EmbeddingModel(model_path, int(shape[2]), session)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Similarity of two embeddings from :meth:`EmbeddingModel.embed` (1 = same direction)."""
    return float(np.dot(a, b))
