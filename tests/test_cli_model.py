"""The saved-model commands through the CLI: edit, codebook export/import, label, train."""

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from themes.cli import app

runner = CliRunner()


def _read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture
def fitted(tmp_path, tiny_frame, fast_stages):
    src = tmp_path / "survey.csv"
    tiny_frame.to_csv(src, index=False)
    out = tmp_path / "out"
    env = {"THEMES_CACHE_DIR": str(tmp_path / "cache")}
    res = runner.invoke(app, ["extract", str(src), "--text", "answer", "--id", "id", "--by", "role", "-o", str(out),
                              "--quiet", "--n-themes", "3", "--min-similarity", "0.1"], env=env)
    assert res.exit_code == 0, res.output
    return src, out, env


def _invoke(args, env):
    res = runner.invoke(app, args, env=env)
    return res


def test_edit_rename_merge_then_label(fitted, tmp_path):
    src, out, env = fitted
    prim = _read(out / "responses.csv").set_index("response_id")["primary_theme_id"]
    a, b = prim["R01"], prim["R07"]
    res = _invoke(["edit", str(out / "model"), "rename", prim["R04"], "Consultancy (renamed)"], env)
    assert res.exit_code == 0, res.output
    res = _invoke(["edit", str(out / "model"), "merge", a, b, "--name", "Scorecard and networks"], env)
    assert res.exit_code == 0, res.output
    manifest = json.loads((out / "model" / "manifest.json").read_text())
    assert [e["op"] for e in manifest["edits"]] == ["rename", "merge"]
    res = _invoke(["label", str(out / "model"), str(src), "--text", "answer", "--id", "id",
                   "-o", str(tmp_path / "lab"), "--quiet"], env)
    assert res.exit_code == 0, res.output
    r = _read(tmp_path / "lab" / "responses.csv").set_index("response_id")
    assert r.at["R04", "primary_theme"] == "Consultancy (renamed)"
    assert r.at["R11", "theme_names"] == "Scorecard and networks"
    assert list(r.columns[:2]) == ["role", "status"]            # --by comes from the model
    assert (tmp_path / "lab" / "new_candidates.csv").exists()
    run = json.loads((tmp_path / "lab" / "run.json").read_text())
    assert run["model"]["edits"] == 2


def test_edit_split_and_delete_messages(fitted):
    _, out, env = fitted
    res = _invoke(["edit", str(out / "model"), "delete", "2"], env)
    assert res.exit_code == 0 and "left unassigned" in res.output
    res = _invoke(["edit", str(out / "model"), "rename", "2", "Back"], env)
    assert res.exit_code == 2 and "no theme 2" in res.output
    res = _invoke(["edit", str(out / "model"), "explode", "1"], env)
    assert res.exit_code == 2 and "Unknown edit 'explode'" in res.output
    res = _invoke(["edit", str(out / "model"), "merge", "1", "x"], env)
    assert res.exit_code == 2 and "whole numbers" in res.output


def test_codebook_export_edit_import(fitted, tmp_path):
    _, out, env = fitted
    path = tmp_path / "codebook.yaml"
    res = _invoke(["codebook", "export", str(out), "-o", str(path)], env)   # the OUTDIR works too
    assert res.exit_code == 0, res.output
    data = yaml.safe_load(path.read_text())
    assert data["format"] == "themes-codebook" and len(data["themes"]) == 3
    assert all(t["examples"] for t in data["themes"]) and all(t["keywords"] for t in data["themes"])
    data["themes"][0]["name"] = "Renamed by hand"
    data["themes"][0]["description"] = "Written by the team."
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    res = _invoke(["codebook", "import", str(path), str(out / "model")], env)
    assert res.exit_code == 0, res.output
    assert "renamed to 'Renamed by hand'" in res.output
    manifest = json.loads((out / "model" / "manifest.json").read_text())
    assert manifest["themes"][0]["name"] == "Renamed by hand"
    assert manifest["themes"][0]["description"] == "Written by the team."
    res = _invoke(["codebook", "export", str(out / "model"), "-o", str(path)], env)
    assert res.exit_code == 2 and "--force" in res.output


def test_label_with_codebook_and_extract_with_codebook(fitted, tmp_path):
    src, out, env = fitted
    path = tmp_path / "codebook.yaml"
    assert _invoke(["codebook", "export", str(out / "model"), "-o", str(path)], env).exit_code == 0
    res = _invoke(["label", str(path), str(src), "--text", "answer", "--id", "id", "-o", str(tmp_path / "zs"),
                   "--quiet"], env)
    assert res.exit_code == 0, res.output
    themes = _read(tmp_path / "zs" / "themes.csv")
    assert len(themes) == 3
    res = _invoke(["extract", str(src), "--text", "answer", "--id", "id", "--codebook", str(path), "-o",
                   str(tmp_path / "seeded"), "--quiet", "--n-themes", "3", "--min-similarity", "0.1"], env)
    assert res.exit_code == 0, res.output
    themes = _read(tmp_path / "seeded" / "themes.csv")
    assert (themes["status"] == "codebook").sum() == 3


def test_bad_codebook_is_exit_2(fitted, tmp_path):
    src, _, env = fitted
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: themes-codebook\nthemes:\n  - descripton: x\n")
    res = _invoke(["label", str(bad), str(src), "--text", "answer", "-o", str(tmp_path / "x"), "--quiet"], env)
    assert res.exit_code == 2 and "Did you mean 'description'" in res.output and "Traceback" not in res.output


def test_tampered_or_newer_model_is_exit_2(fitted, tmp_path):
    src, out, env = fitted
    arr = np.load(out / "model" / "centroids.npy")
    np.save(out / "model" / "centroids.npy", arr[::-1].copy())
    res = _invoke(["label", str(out / "model"), str(src), "-o", str(tmp_path / "x"), "--quiet"], env)
    assert res.exit_code == 2 and "checksum does not match" in res.output
    assert not (tmp_path / "x").exists()


def test_train_then_label(tmp_path, fast_stages):
    rows = [("waited hours for the ambulance", "Waiting"), ("long wait for the ambulance", "Waiting"),
            ("the wait was far too long", "Waiting"), ("staff were kind and caring", "Staff"),
            ("friendly caring staff", "Staff"), ("the staff were kind", "Staff"),
            ("kind staff but a long wait", "Staff;Waiting"), ("", "")]
    src = tmp_path / "labelled.csv"
    pd.DataFrame({"comment": [r[0] for r in rows], "codes": [r[1] for r in rows]}).to_csv(src, index=False)
    env = {"THEMES_CACHE_DIR": str(tmp_path / "cache")}
    res = _invoke(["train", str(src), "--text", "comment", "--labels", "codes", "-o", str(tmp_path / "m")], env)
    assert res.exit_code == 0, res.output
    assert "held-out micro-F1" in res.output
    assert "`--fine-tune` teaches the sentence model" in res.output    # 3-4 examples per label: the hint
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert manifest["kind"] == "classifier" and [c["label"] for c in manifest["classes"]] == ["Staff", "Waiting"]
    new = tmp_path / "new.csv"
    pd.DataFrame({"comment": ["a long wait for the ambulance", "kind caring staff"]}).to_csv(new, index=False)
    res = _invoke(["label", str(tmp_path / "m"), str(new), "--text", "comment", "-o", str(tmp_path / "lab"),
                   "--quiet"], env)
    assert res.exit_code == 0, res.output
    assert _read(tmp_path / "lab" / "responses.csv")["primary_theme"].tolist() == ["Waiting", "Staff"]
    res = _invoke(["train", str(src), "--text", "comment", "--labels", "code", "-o", str(tmp_path / "m2")], env)
    assert res.exit_code == 2 and "codes" in res.output
