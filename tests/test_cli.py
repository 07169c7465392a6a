import json

import pandas as pd
from typer.testing import CliRunner

from themes.cli import app

runner = CliRunner()


def _write(tmp_path, frame):
    path = tmp_path / "survey.csv"
    frame.to_csv(path, index=False)
    return path


def test_extract_writes_every_file(tmp_path, tiny_frame, fast_stages):
    src = _write(tmp_path, tiny_frame)
    out = tmp_path / "out"
    res = runner.invoke(app, ["extract", str(src), "--text", "answer", "--id", "id", "--by", "role,trust_type",
                              "-o", str(out), "--quiet", "--n-themes", "3", "--min-similarity", "0.1"],
                        env={"THEMES_CACHE_DIR": str(tmp_path / "cache")})
    assert res.exit_code == 0, res.output
    for name in ("themes.csv", "responses.csv", "segments.csv", "quotes.csv", "quotes.md", "crosstab.csv",
                 "run.json", "model/manifest.json", "model/centroids.npy"):
        assert (out / name).exists(), name
    responses = pd.read_csv(out / "responses.csv", dtype=str, keep_default_na=False)
    assert responses["response_id"].tolist() == tiny_frame["id"].tolist()
    assert list(responses.columns[:3]) == ["response_id", "role", "trust_type"]
    themes = pd.read_csv(out / "themes.csv")
    assert list(themes.columns[:5]) == ["theme_id", "name", "keywords", "n_responses", "share"]
    assert len(themes) == 3
    run = json.loads((out / "run.json").read_text())
    assert run["counts"]["rows"] == 12 and run["seed"] == 42
    assert "NED" in (out / "quotes.md").read_text()


def test_existing_outdir_refused_without_force(tmp_path, tiny_frame, fast_stages):
    src = _write(tmp_path, tiny_frame)
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    res = runner.invoke(app, ["extract", str(src), "--text", "answer", "-o", str(out), "--quiet"])
    assert res.exit_code == 2
    assert "--force" in res.output
    assert (out / "keep.txt").read_text() == "mine"


def test_missing_column_is_exit_2_with_one_line(tmp_path, tiny_frame, fast_stages):
    src = _write(tmp_path, tiny_frame)
    out = tmp_path / "out"
    res = runner.invoke(app, ["extract", str(src), "--text", "anwser", "-o", str(out), "--quiet"])
    assert res.exit_code == 2
    assert "Did you mean 'answer'" in res.output and "Traceback" not in res.output
    assert not out.exists()


def test_formula_text_is_inert_in_csv(tmp_path, tiny_frame, fast_stages):
    frame = tiny_frame.copy()
    frame.loc[0, "answer"] = "=HYPERLINK(\"http://x\") national scorecard accountability regulators"
    src = _write(tmp_path, frame)
    out = tmp_path / "out"
    res = runner.invoke(app, ["extract", str(src), "--text", "answer", "-o", str(out), "--quiet"],
                        env={"THEMES_CACHE_DIR": str(tmp_path / "cache")})
    assert res.exit_code == 0, res.output
    text = pd.read_csv(out / "responses.csv", dtype=str, keep_default_na=False)["text"].iloc[0]
    assert text.startswith("'=HYPERLINK")


def test_help_lists_extract():
    res = runner.invoke(app, ["--help"])
    assert res.exit_code == 0 and "extract" in res.output
