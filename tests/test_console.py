"""Console output (issue 15, item 11): every theme grouped by question, progress lines off a
terminal, --quiet silent."""

import io

import pandas as pd
from typer.testing import CliRunner

import survey_fixtures as fx
from themes.cli import app
from themes.commands import theme_lines
from themes.progress import Lines, Reporter

runner = CliRunner()


def test_summary_lists_every_theme_under_its_question(tmp_path, fast_stages):
    src = fx.qualtrics_csv(tmp_path / "q.csv")
    out = tmp_path / "out"
    res = runner.invoke(app, ["extract", str(src), "--text", "Q2,Q1", "--min-similarity", "0.1", "-o", str(out)],
                        env={"THEMES_CACHE_DIR": str(tmp_path / "cache")})
    assert res.exit_code == 0, res.output
    themes = pd.read_csv(out / "themes.csv", dtype=str, keep_default_na=False)
    text = res.output
    for name in themes["name"]:
        assert name in text
    q2, q1 = fx.QUESTIONS[1][1], fx.QUESTIONS[0][1]
    assert text.index(q2 + "\n") < text.index(q1 + "\n")  # grouped, in the --text order


def test_many_themes_say_how_many_more_and_where():
    themes = pd.DataFrame({"theme_id": range(1, 51), "name": [f"T{k}" for k in range(50)], "n_responses": 3,
                           "share": 0.1, "question": ""})
    lines = theme_lines(themes, "OUT", limit=40)
    assert len(lines) == 41 and lines[-1].endswith("and 10 more themes: see OUT/themes.csv")


def test_progress_lines_with_done_total_and_eta(monkeypatch):
    clock = iter([0.0, 6.0, 7.0, 12.5, 13.0])
    monkeypatch.setattr("themes.progress.time.monotonic", lambda: next(clock))
    stream = io.StringIO()
    lines = Lines("Embedding", 100, stream=stream)
    lines.advance(25)   # t=6: a line
    lines.advance(25)   # t=7: too soon
    lines.advance(25)   # t=12.5: a line
    lines.stop()        # t=13: the last
    said = stream.getvalue().splitlines()
    assert said[0].startswith("Embedding: 25/100 (25%), ETA 0:18")
    assert said[1].startswith("Embedding: 75/100 (75%), ETA")
    assert said[-1].startswith("Embedding: 75/100") and "took 0:13" in said[-1]


def test_quiet_bar_says_nothing(capsys):
    bar = Reporter(quiet=True).bar("Embedding")
    bar.start(10)
    bar.advance(10)
    bar.stop()
    assert capsys.readouterr().err == ""


def test_bar_off_a_terminal_prints_lines(capsys):
    bar = Reporter().bar("Embedding")
    bar.start(10)
    bar.advance(10)
    bar.stop()
    assert "Embedding: 10/10 (100%)" in capsys.readouterr().err
