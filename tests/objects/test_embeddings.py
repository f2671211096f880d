"""The optional embedding provider loads a local ONNX model and embeds pictures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vidi.demo.objects import textured_object
from vidi.objects.embeddings import EmbeddingUnavailable, cosine, load_embedding_model


def _tiny_model(path: Path, side: int = 16) -> Path:
    """A model that averages each colour channel: (1, 3, side, side) -> (1, 3)."""
    try:
        import onnx
        from onnx import TensorProto, helper
    except ImportError:
        pytest.skip("onnx is not installed (dev extra)")
    graph = helper.make_graph(
        [
            helper.make_node("GlobalAveragePool", ["picture"], ["pooled"]),
            helper.make_node("Flatten", ["pooled"], ["vector"]),
        ],
        "mean-colour",
        [helper.make_tensor_value_info("picture", TensorProto.FLOAT, [1, 3, side, side])],
        [helper.make_tensor_value_info("vector", TensorProto.FLOAT, [1, 3])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def test_a_local_onnx_model_embeds_pictures(tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime", reason="onnxruntime is not installed")
    model = load_embedding_model(_tiny_model(tmp_path / "mean.onnx"))
    assert model.input_side == 16
    red = np.zeros((40, 40, 3), np.uint8)
    red[..., 0] = 200
    blue = np.zeros((40, 40, 3), np.uint8)
    blue[..., 2] = 200
    vector = model.embed(red)
    assert vector.shape == (3,)
    assert np.allclose(vector, [1, 0, 0], atol=1e-5)
    assert cosine(vector, model.embed(red.copy())) > 0.999
    assert cosine(vector, model.embed(blue)) < 0.01
    assert model.embed(textured_object(3)).shape == (3,)


def test_the_provider_is_off_until_a_model_is_given(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingUnavailable, match="no embedding model is configured"):
        load_embedding_model(None)
    with pytest.raises(EmbeddingUnavailable, match="does not exist"):
        load_embedding_model(tmp_path / "absent.onnx")
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    with pytest.raises(EmbeddingUnavailable):
        load_embedding_model(broken)
