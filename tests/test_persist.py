import json

import numpy as np
import pytest

from themes.errors import ModelFormatError
from themes.model.persist import FORMAT_VERSION, load_model, save_model
from themes.pipeline import extract
from themes.text.phrases import simple_phrases
from themes.text.segment import regex_splitter


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


def test_version_1_model_still_loads(model_dir, fake_embedder):
    m = json.loads((model_dir / "manifest.json").read_text())
    m["format_version"] = 1
    for key in ("kind",):
        m.pop(key)
    for t in m["themes"]:
        t.pop("examples")
    m["files"] = {"centroids.npy": m["files"]["centroids.npy"]}
    (model_dir / "manifest.json").write_text(json.dumps(m))
    back = load_model(model_dir, embedder=fake_embedder)
    assert back.kind == "centroid" and back.sub is None and len(back.theme_set) == 3


def test_pickled_array_refused_without_running_it(model_dir, tmp_path):
    import hashlib

    flag = tmp_path / "ran"
    payload = np.array([Boom(str(flag))], dtype=object)
    np.save(model_dir / "centroids.npy", payload, allow_pickle=True)
    m = json.loads((model_dir / "manifest.json").read_text())
    data = (model_dir / "centroids.npy").read_bytes()
    m["files"]["centroids.npy"] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    (model_dir / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(ModelFormatError, match="not a plain numeric array"):
        load_model(model_dir)
    assert not flag.exists()


class Boom:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.mark.parametrize("name", ["../escape.npy", "notes.txt"])
def test_manifest_cannot_point_outside_the_folder(model_dir, name):
    m = json.loads((model_dir / "manifest.json").read_text())
    m["files"][name] = {"sha256": "0" * 64, "bytes": 1}
    (model_dir / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(ModelFormatError, match="only .npy files beside it"):
        load_model(model_dir)


def test_inconsistent_shapes_and_statuses_refused(model_dir):
    m = json.loads((model_dir / "manifest.json").read_text())
    m["themes"][0]["status"] = "archived"
    (model_dir / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(ModelFormatError, match="unknown theme status 'archived'"):
        load_model(model_dir)
    m["themes"][0]["status"] = "discovered"
    m["themes"] = m["themes"][:2]
    (model_dir / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(ModelFormatError, match="2 themes in the manifest but centroids has shape"):
        load_model(model_dir)


def test_outdir_is_accepted_for_its_model(model_dir):
    assert model_dir.name == "model"
    assert len(load_model(model_dir.parent).theme_set) == 3   # the OUTDIR holding model/
