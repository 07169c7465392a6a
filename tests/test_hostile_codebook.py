"""Hostile YAML codebooks (issue 16, defects 5 and 9): aliases that expand without limit, nodes
that contain themselves, deep nesting. Each is one ConfigError (exit code 2), never a traceback
or a huge file written."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from themes.cli import app
from themes.errors import ConfigError
from themes.model.codebook import read_codebook

runner = CliRunner()
HEAD = "format: themes-codebook\nversion: 1\nthemes:\n"


def write(tmp_path, text: str):
    path = tmp_path / "book.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_alias_bomb_is_refused(tmp_path):
    big = "x" * 10_000
    body = HEAD + f"  - name: A\n    description: &big {big}\n    examples: [{', '.join(['*big'] * 2000)}]\n"
    path = write(tmp_path, body)
    assert path.stat().st_size < 100_000
    with pytest.raises(ConfigError, match=r"aliases \(\*name\) expand it to over 10,000,000 characters"):
        read_codebook(path)


def test_nested_alias_bomb_is_refused_quickly(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * 10)}]" for k in range(1, 9)]
    path = write(tmp_path, "\n".join(lines) + "\n" + HEAD + "  - name: A\n    examples: *a8\n")
    with pytest.raises(ConfigError, match="expand it"):
        read_codebook(path)


def test_small_aliases_still_work(tmp_path):
    body = HEAD + "  - name: A\n    keywords: &kw [board, scorecard]\n  - name: B\n    keywords: *kw\n"
    book = read_codebook(write(tmp_path, body))
    assert [t.keywords for t in book.themes] == [["board", "scorecard"]] * 2


def test_deep_nesting_is_one_line(tmp_path):
    path = write(tmp_path, HEAD + "  - name: A\n    examples: " + "[" * 50_000 + "]" * 50_000 + "\n")
    with pytest.raises(ConfigError, match="nested too deeply|not valid YAML"):
        read_codebook(path)


def test_codebook_import_of_a_bomb_exits_2_and_leaves_the_model(tmp_path, tiny_frame, fast_stages):
    src = tmp_path / "in.csv"
    tiny_frame.to_csv(src, index=False)
    out = tmp_path / "out"
    assert runner.invoke(app, ["extract", str(src), "--text", "answer", "-o", str(out), "--quiet"],
                         env={"THEMES_CACHE_DIR": str(tmp_path / "cache")}).exit_code == 0
    before = (out / "model" / "manifest.json").read_bytes()
    big = "y" * 10_000
    book = write(tmp_path, HEAD + f"  - id: 1\n    name: A\n    description: &b {big}\n"
                                  f"    examples: [{', '.join(['*b'] * 2000)}]\n")
    res = runner.invoke(app, ["codebook", "import", str(book), str(out / "model")])
    assert res.exit_code == 2 and "expand" in res.output and "Traceback" not in res.output, res.output
    assert (out / "model" / "manifest.json").read_bytes() == before
