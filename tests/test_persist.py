import json

import numpy as np
import pytest

from themes.errors import ModelFormatError
from themes.name import simple_phrases
from themes.persist import FORMAT_VERSION, load_model, save_model
from themes.pipeline import extract
from themes.segment import regex_splitter


@pytest.fixture
def model_dir(tiny_frame, fake_embedder, fast_settings, tmp_path):
    res = extract(tiny_frame, text="answer", id="id", by=["role"], settings=fast_settings, embedder=fake_embedder,
                  splitter=regex_splitter, phrases=simple_phrases, n_themes=3)
    save_model(res.model, tmp_path / "model")
    return tmp_path / "model"


def test_round_trip(model_dir, fake_embedder):
    m = load_model(model_dir, embedder=fake_embedder)
    assert len(m.theme_set) == 3 and m.by == ("role",)
    manifest = json.loads((model_dir / "manifest.json").read_text())
    assert manifest["format_version"] == FORMAT_VERSION and manifest["embedder"]["name"] == "fake-bow"


def test_tampered_array_refused(model_dir):
    arr = np.load(model_dir / "centroids.npy")
    arr[0, 0] += 1
    np.save(model_dir / "centroids.npy", arr)
    with pytest.raises(ModelFormatError, match="checksum"):
        load_model(model_dir)


def test_newer_format_refused(model_dir):
    m = json.loads((model_dir / "manifest.json").read_text())
    m["format_version"] = 99
    (model_dir / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(ModelFormatError, match="newer"):
        load_model(model_dir)


def test_other_embedder_refused(model_dir):
    class Other:
        name, dimension = "another-model", 64

    with pytest.raises(ModelFormatError, match="fitted with embedder 'fake-bow'"):
        load_model(model_dir, embedder=Other())
