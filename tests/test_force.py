"""`--force` replaces only a folder that a themes command wrote (issue 16, defect 1): never the
folder holding an input, never `.`, `/` or the home folder, and never an unmarked folder."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from themes.cli import app

runner = CliRunner()


def extract(tmp_path, src, out, *extra):
    return runner.invoke(app, ["extract", str(src), "--text", "answer", "-o", str(out), "--quiet", *extra],
                         env={"THEMES_CACHE_DIR": str(tmp_path / "cache")})


def one_line_refusal(res, *words):
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in res.output, res.output
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def survey(tmp_path, tiny_frame):
    victim = tmp_path / "victim"
    victim.mkdir()
    src = victim / "in.csv"
    tiny_frame.to_csv(src, index=False)
    (victim / "notes.txt").write_text("mine")
    return src


def test_force_never_deletes_the_folder_holding_the_input(tmp_path, survey, fast_stages):
    before = {p.name: p.read_bytes() for p in survey.parent.iterdir()}
    res = extract(tmp_path, survey, survey.parent, "--force")
    one_line_refusal(res, str(survey.parent), "holds the input")
    assert {p.name: p.read_bytes() for p in survey.parent.iterdir()} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".victim.")]


def test_force_never_deletes_the_folder_holding_the_model(tmp_path, survey, fast_stages):
    out = tmp_path / "out"
    assert extract(tmp_path, survey, out).exit_code == 0
    res = runner.invoke(app, ["label", str(out / "model"), str(survey), "--text", "answer", "-o", str(out),
                              "--force", "--quiet"], env={"THEMES_CACHE_DIR": str(tmp_path / "cache")})
    one_line_refusal(res, "holds the input")
    assert (out / "model" / "manifest.json").is_file()


def test_force_refuses_a_folder_themes_did_not_write(tmp_path, survey, fast_stages):
    other = tmp_path / "photos"
    other.mkdir()
    (other / "a.jpg").write_bytes(b"\xff\xd8")
    (other / "run.json").write_text('{"command": "something else"}')
    one_line_refusal(extract(tmp_path, survey, other, "--force"), str(other), "not a folder that themes wrote")
    assert (other / "a.jpg").read_bytes() == b"\xff\xd8"


@pytest.mark.parametrize("where", ["cwd", "parent_of_cwd", "home", "root"])
def test_force_never_replaces_cwd_home_or_root(tmp_path, survey, fast_stages, monkeypatch, where):
    home = tmp_path / "home"
    (home / "work").mkdir(parents=True)
    (home / "run.json").write_text(json.dumps({"tool": "themes"}))  # even a marker does not make it replaceable
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(home / "work")
    (home / "work" / "keep.txt").write_text("mine")
    target = {"cwd": ".", "parent_of_cwd": "..", "home": str(home), "root": "/"}[where]
    res = extract(tmp_path, survey, target, "--force")
    one_line_refusal(res, "Choose another -o")
    assert (home / "work" / "keep.txt").read_text() == "mine"
    assert not [p for p in (home.parent.iterdir()) if ".old-" in p.name or ".tmp-" in p.name]


def test_force_replaces_a_themes_output_folder(tmp_path, survey, fast_stages):
    out = tmp_path / "out"
    assert extract(tmp_path, survey, out).exit_code == 0
    assert json.loads((out / "run.json").read_text())["tool"] == "themes"
    (out / "stale.txt").write_text("old")
    assert extract(tmp_path, survey, out, "--force").exit_code == 0
    assert not (out / "stale.txt").exists() and (out / "run.json").is_file()


def test_force_replaces_a_model_folder_from_train(tmp_path, tiny_frame, fast_stages):
    frame = tiny_frame.assign(codes=["a", "b", "c"] * 4)
    src = tmp_path / "train.csv"
    frame.to_csv(src, index=False)
    model = tmp_path / "model"
    args = ["train", str(src), "--labels", "codes", "--text", "answer", "-o", str(model), "--quiet"]
    first = runner.invoke(app, args, env={"THEMES_CACHE_DIR": str(tmp_path / "cache")})
    if first.exit_code != 0:
        pytest.skip(f"train needs more data here: {first.output}")
    assert runner.invoke(app, [*args, "--force"], env={"THEMES_CACHE_DIR": str(tmp_path / "cache")}).exit_code == 0


def test_older_run_json_still_counts_as_themes_output(tmp_path, survey, fast_stages):
    out = tmp_path / "out"
    out.mkdir()
    (out / "run.json").write_text(json.dumps({"command": "extract", "versions": {"themes": "0.1.0"}}))
    assert extract(tmp_path, survey, out, "--force").exit_code == 0


def test_symlinked_outdir_is_checked_at_its_target(tmp_path, survey, fast_stages):
    link = tmp_path / "link"
    os.symlink(survey.parent, link)
    one_line_refusal(extract(tmp_path, survey, link, "--force"), "holds the input")
    assert Path(survey).is_file()
