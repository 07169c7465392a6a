"""`themes train --fine-tune`: the pair plan, the encoder kept in the model folder and checked on
load, and (slow) the real fine-tune through the CLI, deterministic for a seed."""

import hashlib
import json
import random
import shutil

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from themes.cli import app
from themes.config import Settings
from themes.embed.finetune import ENCODER, WEIGHTS, FineTunedEmbedder, fine_tune, steps
from themes.errors import ConfigError, ModelFormatError
from themes.model.persist import load_model, save_model
from themes.model.theme_model import ThemeModel
from themes.progress import Reporter
from themes.types import ThemeSet, theme_table

runner = CliRunner()


def _groups():
    groups = {"wait": ["long wait", "waited hours", "slow ambulance"], "staff": ["kind staff", "caring nurse"],
              "food": ["cold food", "tasty meal", "no menu"], "alone": ["one text only"],
              "both": ["kind staff but a long wait", "caring nurse"]}
    codes_of = {}
    for code, texts in groups.items():
        for t in texts:
            codes_of.setdefault(t, set()).add(code)
    return groups, codes_of


def test_steps_pair_texts_of_one_code_and_keep_codes_apart_within_a_step():
    groups, codes_of = _groups()
    plan = steps(groups, random.Random(3), per_code=4, size=3)
    pairs = [p for step in plan for p in step]
    for a, b in pairs:
        assert a != b and codes_of[a] & codes_of[b]          # two different texts of one code
    for step in plan:
        assert 2 <= len(step) <= 3
        seen = [codes_of[a] | codes_of[b] for a, b in step]
        assert all(not (x & y) for i, x in enumerate(seen) for y in seen[i + 1:])
    assert not any("one text only" in p for p in pairs)    # a code of one text takes no pairs
    assert len(pairs) <= 4 * 4 and len(pairs) >= 12
    assert plan == steps(groups, random.Random(3), per_code=4, size=3)
    assert plan != steps(groups, random.Random(4), per_code=4, size=3)


def test_fine_tune_needs_the_sentence_transformers_backend(fake_embedder):
    groups, _ = _groups()
    with pytest.raises(ConfigError, match="--backend torch"):
        fine_tune(fake_embedder, groups, 1, 0, Reporter(True))


def test_settings_check_the_epochs():
    with pytest.raises(ConfigError, match="fine_tune"):
        Settings(fine_tune=-1)
    assert Settings(fine_tune=2).fine_tune == 2


def _model_with_encoder(files):
    table = theme_table(ids=[1], names=["Waiting"], keywords=[["wait"]], descriptions=[""], questions=[""],
                        statuses=["discovered"], examples=[[]], merged_into=[0])
    enc = FineTunedEmbedder("all-MiniLM-L6-v2", dimension=4, files=files)
    centre = np.array([[1.0, 0.0, 0.0, 0.0]], dtype=np.float32)
    return ThemeModel(theme_set=ThemeSet(table=table, centroids=centre, threshold=0.2),
                      embedder={"name": enc.name, "version": enc.version, "dimension": 4}, encoder=enc)


def test_the_encoder_is_saved_with_checksums_and_checked_on_load(tmp_path):
    files = {WEIGHTS: b"weights-bytes", "config.json": b"{}", "1_Pooling/config.json": b"{\"a\": 1}"}
    save_model(_model_with_encoder(files), tmp_path / "m")
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert manifest["embedder"]["name"] == "all-MiniLM-L6-v2+fine-tuned"
    assert manifest["encoder"]["files"]["1_Pooling/config.json"]["sha256"] == hashlib.sha256(b"{\"a\": 1}").hexdigest()
    loaded = load_model(tmp_path / "m")
    assert loaded.encoder.name == "all-MiniLM-L6-v2+fine-tuned"
    assert loaded.encoder.version == hashlib.sha256(b"weights-bytes").hexdigest()[:16]
    assert loaded.encoder.files() == files
    # a saved-again model (e.g. after `themes edit`) carries the encoder along
    save_model(loaded, tmp_path / "again")
    assert (tmp_path / "again" / ENCODER / WEIGHTS).read_bytes() == b"weights-bytes"

    (tmp_path / "m" / ENCODER / WEIGHTS).write_bytes(b"other-weights")
    with pytest.raises(ModelFormatError, match="checksum does not match"):
        load_model(tmp_path / "m")
    (tmp_path / "again" / ENCODER / "config.json").unlink()
    with pytest.raises(ModelFormatError, match="missing"):
        load_model(tmp_path / "again")


@pytest.mark.parametrize("name", ["../outside.json", "pytorch_model.bin", "code.py"])
def test_an_encoder_lists_only_data_files_inside_its_folder(tmp_path, name):
    save_model(_model_with_encoder({WEIGHTS: b"w", "config.json": b"{}"}), tmp_path / "m")
    mpath = tmp_path / "m" / "manifest.json"
    manifest = json.loads(mpath.read_text())
    manifest["encoder"]["files"][name] = {"sha256": "0" * 64, "bytes": 1}
    mpath.write_text(json.dumps(manifest))
    with pytest.raises(ModelFormatError, match="an encoder holds only"):
        load_model(tmp_path / "m")


ROWS = [("waited hours for the ambulance to arrive", "Waiting"), ("a very long wait in the emergency department", "Waiting"),
        ("the wait for an appointment was far too long", "Waiting"), ("we were kept waiting on the phone", "Waiting"),
        ("the staff were kind and caring", "Staff"), ("friendly nurses who looked after me", "Staff"),
        ("the doctor listened and explained everything", "Staff"), ("reception staff were polite", "Staff"),
        ("the food was cold and tasteless", "Food"), ("lovely hot meals on the ward", "Food"),
        ("no vegetarian option at lunch", "Food"), ("the sandwiches were stale", "Food")]


@pytest.mark.slow
def test_train_fine_tune_then_label_with_the_real_model(tmp_path):
    src = tmp_path / "labelled.csv"
    pd.DataFrame({"comment": [r[0] for r in ROWS], "codes": [r[1] for r in ROWS]}).to_csv(src, index=False)
    env = {"THEMES_CACHE_DIR": str(tmp_path / "cache")}
    for out in ("m", "m2"):
        res = runner.invoke(app, ["train", str(src), "--text", "comment", "--labels", "codes", "--fine-tune",
                                  "-o", str(tmp_path / out)], env=env)
        assert res.exit_code == 0, res.output
    assert "optimistic" in res.output and "teaches the sentence model" not in res.output
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert manifest["embedder"]["name"] == "all-MiniLM-L6-v2+fine-tuned" and manifest["info"]["fine_tune"]["epochs"] == 2
    weights = (tmp_path / "m" / ENCODER / WEIGHTS).read_bytes()
    assert weights == (tmp_path / "m2" / ENCODER / WEIGHTS).read_bytes()      # same rows and seed: same weights
    base = FineTunedEmbedder("x", 384, folder=tmp_path / "m" / ENCODER, version="probe")
    from themes.embed.models import SentenceTransformerEmbedder

    v_ft = base.embed(["a long wait"])
    v_base = SentenceTransformerEmbedder().embed(["a long wait"])
    assert float((v_ft @ v_base.T)[0, 0]) < 0.9999        # the weights changed
    new = tmp_path / "new.csv"
    pd.DataFrame({"comment": ["we waited a long time", "the nurses were caring", "cold food"]}).to_csv(new, index=False)
    moved = tmp_path / "moved"
    shutil.copytree(tmp_path / "m", moved)         # the folder carries its encoder: no --model needed anywhere
    import os
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "themes.cli", "label", str(moved), str(new), "--text", "comment",
                           "-o", str(tmp_path / "lab"), "--quiet"], capture_output=True, text=True,
                          env={**os.environ, **env})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == proc.stderr == ""       # --quiet: nothing, not even transformers' bar loading the encoder
    got = pd.read_csv(tmp_path / "lab" / "responses.csv", dtype=str, keep_default_na=False)
    assert got["primary_theme"].tolist() == ["Waiting", "Staff", "Food"]


def test_cli_fine_tune_with_another_embedder_is_refused_before_writing(tmp_path, fast_stages):
    src = tmp_path / "labelled.csv"
    pd.DataFrame({"comment": [r[0] for r in ROWS], "codes": [r[1] for r in ROWS]}).to_csv(src, index=False)
    res = runner.invoke(app, ["train", str(src), "--text", "comment", "--labels", "codes", "--fine-tune",
                              "-o", str(tmp_path / "m")], env={"THEMES_CACHE_DIR": str(tmp_path / "cache")})
    assert res.exit_code == 2 and "--backend torch" in res.output
    assert not (tmp_path / "m").exists()
