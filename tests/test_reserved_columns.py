"""`--by` columns that clash with output columns (issue 16, defect 7): exit 2 naming the column,
and a `--by` name that looks like a formula works through extract, report and quotes."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from themes.cli import app

runner = CliRunner()


def extract(tmp_path, frame, by):
    src = tmp_path / "in.csv"
    frame.to_csv(src, index=False)
    out = tmp_path / "out"
    res = runner.invoke(app, ["extract", str(src), "--text", "answer", "--by", by, "-o", str(out), "--quiet"],
                        env={"THEMES_CACHE_DIR": str(tmp_path / "cache")})
    return res, out


@pytest.mark.parametrize("name", ["has_content", "quote", "theme", "attribution"])
def test_reserved_by_column_is_refused_naming_it(tmp_path, tiny_frame, fast_stages, name):
    res, out = extract(tmp_path, tiny_frame.rename(columns={"role": name}), name)
    assert res.exit_code == 2 and f"'{name}'" in res.output and "Traceback" not in res.output, res.output
    assert len(res.output.strip().splitlines()) == 1 and not out.exists()


def test_by_column_given_twice_is_refused(tmp_path, tiny_frame, fast_stages):
    res, out = extract(tmp_path, tiny_frame, "role,role")
    assert res.exit_code == 2 and "'role' more than once" in res.output, res.output
    assert not out.exists()


def test_formula_like_by_column_works_in_report_and_quotes(tmp_path, tiny_frame, fast_stages):
    res, out = extract(tmp_path, tiny_frame.rename(columns={"role": "=role"}), "=role")
    assert res.exit_code == 0, res.output
    rep = runner.invoke(app, ["report", str(out), "--format", "md,html", "--quiet"])
    assert rep.exit_code == 0, rep.output
    quotes = runner.invoke(app, ["quotes", str(out), "--by", "=role"])
    assert quotes.exit_code == 0, quotes.output
