"""--backend onnx: the packaged model exported locally to ONNX gives the torch vectors."""

import sys

import numpy as np
import pytest

from themes.config import Settings
from themes.errors import ConfigError

SENTENCES = ["The ambulance crew were kind and quick.", "Waiting times were far too long.",
             "Parking at the hospital is expensive", "Staff explained everything clearly, thank you.",
             "I could not get through on the phone for hours and nobody called me back."]


def test_unknown_backend_refused():
    with pytest.raises(ConfigError, match="backend"):
        Settings(backend="tensorrt")


def test_missing_onnxruntime_names_the_extra(monkeypatch):
    from themes.embed.onnx import require_onnxruntime

    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ConfigError, match=r"themes\[onnx\]"):
        require_onnxruntime()


@pytest.mark.slow
def test_onnx_vectors_match_torch(tmp_path):
    from themes.embed.models import SentenceTransformerEmbedder
    from themes.embed.onnx import OnnxEmbedder

    onnx = OnnxEmbedder(cache_dir=tmp_path, quantize=False)
    a = onnx.embed(SENTENCES)
    b = SentenceTransformerEmbedder().embed(SENTENCES)
    assert a.shape == b.shape == (len(SENTENCES), 384)
    assert np.min(np.sum(a * b, axis=1)) > 0.9999
    assert list((tmp_path / "onnx").glob("*/model.onnx"))  # exported once, under the cache folder
    assert onnx.version.endswith("+onnx-fp32") and onnx.name == "all-MiniLM-L6-v2"
