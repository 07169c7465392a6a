"""The Spark engine in local mode against the local engine: same data, seed and fitted model."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from themes.cli import app

pytestmark = [pytest.mark.slow, pytest.mark.spark]
ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--text", "answer", "--id", "response_id", "--by", "role,trust_type", "--question", "question", "--quiet"]
N_ROWS = 120


def _read(path: Path) -> pd.DataFrame:
    """A CSV file, or a Spark output folder (parquet or csv part files), as strings."""
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path)
        return frame.astype(object).where(frame.notna(), "").astype(str)
    if path.is_dir():
        return pd.concat([_read(p) for p in sorted(path.glob("part-*.csv"))], ignore_index=True)
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _ids(values: pd.Series) -> pd.Series:
    return values.str.replace(r"\.0$", "", regex=True)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Local extract and label, then the same with --engine spark (one Spark session)."""
    from themes.engines.spark.io import session

    base = tmp_path_factory.mktemp("spark")
    src = pd.read_csv(ROOT / "corpora" / "board_survey.csv", dtype=str, keep_default_na=False).head(N_ROWS)
    src.to_csv(base / "in.csv", index=False)
    src.to_parquet(base / "in.parquet", index=False)
    env = {"THEMES_CACHE_DIR": str(base / "cache")}
    runner = CliRunner()
    spark = session("local[2]")
    calls = {
        "local": ["extract", str(base / "in.csv"), "--seed", "7"],
        "local_label": ["label", str(base / "local" / "model"), str(base / "in.csv")],
        "spark_label": ["label", str(base / "local" / "model"), str(base / "in.parquet"), "--engine", "spark"],
        "spark": ["extract", str(base / "in.csv"), "--seed", "7", "--engine", "spark", "--out-format", "csv"],
    }
    try:
        for name, args in calls.items():
            res = runner.invoke(app, [*args, *ARGS, "-o", str(base / name)], env=env)
            assert res.exit_code == 0, (name, res.output, res.exception)
    finally:
        spark.stop()
    return base


def _agreement(a: pd.DataFrame, b: pd.DataFrame) -> float:
    assert a["response_id"].tolist() == b["response_id"].tolist()
    return float((_ids(a["primary_theme_id"]) == _ids(b["primary_theme_id"])).mean())


def test_spark_label_agrees_with_local_label(runs):
    local = _read(runs / "local_label" / "responses.csv")
    spark = _read(runs / "spark_label" / "responses.parquet")
    assert list(spark.columns) == list(local.columns)
    assert len(spark) == N_ROWS
    assert _agreement(local, spark) >= 0.99
    for name in ("themes.csv", "crosstab.csv"):
        local_t = _read(runs / "local_label" / name)
        assert _read(runs / "spark_label" / name).equals(local_t), name
    assert json.loads((runs / "spark_label" / "run.json").read_text())["engine"]["name"] == "spark"


def test_spark_extract_fits_the_same_themes(runs):
    a = np.load(runs / "local" / "model" / "centroids.npy")
    b = np.load(runs / "spark" / "model" / "centroids.npy")
    assert a.shape == b.shape
    assert np.allclose(a, b, atol=1e-4)
    assert _agreement(_read(runs / "local" / "responses.csv"), _read(runs / "spark" / "responses.csv")) >= 0.99
    assert _read(runs / "spark" / "themes.csv")["name"].tolist() == _read(runs / "local" / "themes.csv")["name"].tolist()


def test_spark_output_has_the_local_columns(runs):
    for name in ("responses", "segments"):
        local = _read(runs / "local" / f"{name}.csv")
        spark = _read(runs / "spark" / f"{name}.csv")
        # the map positions (x, y) are laid out by the local engine only (docs/scale.md)
        assert list(spark.columns) == [c for c in local.columns if c not in ("x", "y")], name
        assert len(spark) == len(local), name
    quotes = _read(runs / "spark" / "quotes.csv")
    assert len(quotes) >= 10 and set(quotes["response_id"]) <= set(_read(runs / "local" / "responses.csv")["response_id"])


def test_spark_extract_describe_local_uses_the_generator(tmp_path):
    """--describe local on the Spark engine: the driver names the themes with the generator (a stand-in
    here) under the same checks, and run.json says so."""
    from themes.config import Components, components, use_components

    class Echo:
        name = "stand-in"

        def generate(self, prompt):   # a name and definition built from the prompt's first answer
            first = prompt.split("\n- ", 1)[1].split("\n", 1)[0]
            words = [w.strip(".,;:") for w in first.split()][:4]
            return json.dumps({"name": " ".join(words), "definition": "Respondents say " + first})

    src = pd.read_csv(ROOT / "corpora" / "board_survey.csv", dtype=str, keep_default_na=False).head(N_ROWS)
    src.to_csv(tmp_path / "in.csv", index=False)
    with use_components(Components(**{**components().__dict__, "generator": lambda settings: Echo()})):
        res = CliRunner().invoke(app, ["extract", str(tmp_path / "in.csv"), "--engine", "spark", "--describe", "local",
                                       *ARGS, "-o", str(tmp_path / "out")],
                                 env={"THEMES_CACHE_DIR": str(tmp_path / "cache")})
    assert res.exit_code == 0, (res.output, res.exception)
    info = json.loads((tmp_path / "out" / "run.json").read_text())["fit"]["naming"]["describe"]
    assert info["model"] == "stand-in" and info["themes"] >= 2 and info["names"] + info["definitions"] >= 1
