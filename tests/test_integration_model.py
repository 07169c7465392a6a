"""Saved models with the real embedding model: consistency, the edit/export/label round trip
from the CLI and the Python API, codebooks, and the committed example model."""

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import themes
from themes.cli import app

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpora" / "board_survey.csv"
COLS = ["--text", "answer", "--id", "response_id", "--question", "question", "--quiet"]
runner = CliRunner()


def _read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    base = tmp_path_factory.mktemp("model")
    env = {"THEMES_CACHE_DIR": str(base / "cache")}
    res = runner.invoke(app, ["extract", str(CORPUS), *COLS, "--by", "role,trust_type", "-o", str(base / "out")],
                        env=env)
    assert res.exit_code == 0, res.output
    return base, env


def test_label_reproduces_extract_on_the_fitting_responses(fitted):
    base, env = fitted
    res = runner.invoke(app, ["label", str(base / "out" / "model"), str(CORPUS), *COLS, "-o", str(base / "same")],
                        env=env)
    assert res.exit_code == 0, res.output
    a = _read(base / "out" / "responses.csv")
    b = _read(base / "same" / "responses.csv")
    assert a["response_id"].tolist() == b["response_id"].tolist()
    assert (a["primary_theme_id"] == b["primary_theme_id"]).mean() >= 0.98
    assert (a["status"] == b["status"]).all()


def test_edit_export_label_round_trip_cli_and_python(fitted, tmp_path):
    base, env = fitted
    import shutil

    model = tmp_path / "model"
    shutil.copytree(base / "out" / "model", model)
    before = _read(base / "out" / "responses.csv")
    themes_csv = _read(base / "out" / "themes.csv")
    q1 = themes_csv[themes_csv["question"] == themes_csv["question"].iat[0]]
    a, b = q1["theme_id"].iat[0], q1["theme_id"].iat[1]
    for args in (["rename", a, "National accountability"], ["merge", a, b]):
        res = runner.invoke(app, ["edit", str(model), *args], env=env)
        assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["codebook", "export", str(model), "-o", str(tmp_path / "cb.yaml")], env=env)
    assert res.exit_code == 0, res.output
    book = yaml.safe_load((tmp_path / "cb.yaml").read_text())
    names = {t["id"]: t["name"] for t in book["themes"]}
    assert names[int(a)] == "National accountability" and int(b) not in names
    res = runner.invoke(app, ["label", str(model), str(CORPUS), *COLS, "-o", str(tmp_path / "lab")], env=env)
    assert res.exit_code == 0, res.output
    after = _read(tmp_path / "lab" / "responses.csv")
    moved = before["primary_theme_id"].isin([a, b])
    assert (after.loc[moved, "primary_theme"] == "National accountability").mean() >= 0.95
    assert b not in ";".join(after["theme_ids"]).split(";")
    frame = _read(CORPUS).head(40)
    py = themes.label(str(model), frame, text="answer", id="response_id", question="question")
    assert py.responses["primary_theme"].tolist() == after["primary_theme"].head(40).tolist()


def test_codebook_labels_zero_shot_and_seeds_extract(fitted, tmp_path):
    base, env = fitted
    cb = tmp_path / "cb.yaml"
    assert runner.invoke(app, ["codebook", "export", str(base / "out"), "-o", str(cb)], env=env).exit_code == 0
    res = runner.invoke(app, ["label", str(cb), str(CORPUS), *COLS, "-o", str(tmp_path / "zs")], env=env)
    assert res.exit_code == 0, res.output
    a = _read(base / "out" / "responses.csv")
    z = _read(tmp_path / "zs" / "responses.csv")
    assert (a["primary_theme_id"] == z["primary_theme_id"]).mean() >= 0.7   # names, descriptions, 3 quotes each
    res = runner.invoke(app, ["extract", str(CORPUS), *COLS, "--codebook", str(cb), "-o", str(tmp_path / "seeded")],
                        env=env)
    assert res.exit_code == 0, res.output
    t = _read(tmp_path / "seeded" / "themes.csv")
    assert (t["status"] == "codebook").sum() == len(yaml.safe_load(cb.read_text())["themes"])
    assert (t["status"] == "new").sum() <= 5      # its own codebook explains the corpus


def test_committed_example_model_labels(tmp_path):
    env = {"THEMES_CACHE_DIR": str(tmp_path / "cache")}
    new = tmp_path / "new.csv"
    _read(CORPUS).head(30).to_csv(new, index=False)
    res = runner.invoke(app, ["label", str(ROOT / "models" / "board-survey"), str(new), *COLS,
                              "-o", str(tmp_path / "lab")], env=env)
    assert res.exit_code == 0, res.output
    r = _read(tmp_path / "lab" / "responses.csv")
    assert len(r) == 30 and {"role", "trust_type"} <= set(r.columns)
    assert (r["status"] != "unassigned").all()
    manifest = json.loads((ROOT / "models" / "board-survey" / "manifest.json").read_text())
    assert manifest["kind"] == "centroid" and "sub_centroids.npy" in manifest["files"]
