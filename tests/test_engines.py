"""Choosing an engine: unknown names and a missing pyspark are one-line errors (exit 2)."""

import sys

import pytest
from typer.testing import CliRunner

from themes.cli import app
from themes.errors import ConfigError

runner = CliRunner()


def test_missing_pyspark_names_the_extra(monkeypatch, tmp_path, tiny_frame):
    from themes.engines.spark.io import require_pyspark

    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark now raises ImportError
    with pytest.raises(ConfigError, match=r"themes\[spark\]"):
        require_pyspark()
    tiny_frame.to_csv(tmp_path / "in.csv", index=False)
    res = runner.invoke(app, ["extract", str(tmp_path / "in.csv"), "--engine", "spark", "-o", str(tmp_path / "o")])
    assert res.exit_code == 2 and "themes[spark]" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "o").exists()


def test_unknown_engine_refused(tmp_path, tiny_frame):
    tiny_frame.to_csv(tmp_path / "in.csv", index=False)
    res = runner.invoke(app, ["extract", str(tmp_path / "in.csv"), "--engine", "dask", "-o", str(tmp_path / "o")])
    assert res.exit_code == 2 and "Unknown engine 'dask'" in res.output


def test_spark_modules_not_imported_by_the_cli():
    import subprocess

    code = "import sys, themes.cli, themes.pipeline; print(any(m.startswith(('pyspark', 'themes.spark')) for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_spark_paths():
    from themes.engines.spark.io import spark_path

    assert spark_path("/dbfs/mnt/survey/out") == "dbfs:/mnt/survey/out"
    assert spark_path("s3://bucket/x.parquet") == "s3://bucket/x.parquet"
    assert spark_path("rel/x.csv").startswith("/") and spark_path("rel/x.csv").endswith("rel/x.csv")


def test_spark_missing_input_fails_before_spark_starts(tmp_path):
    res = runner.invoke(app, ["extract", str(tmp_path / "nope.parquet"), "--engine", "spark", "-o", str(tmp_path / "o")])
    assert res.exit_code == 2 and "file not found" in res.output
