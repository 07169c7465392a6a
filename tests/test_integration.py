"""End to end with the real embedding model and spaCy pipeline on the example corpus."""

import filecmp
import socket
from pathlib import Path

import pandas as pd
import pytest
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from typer.testing import CliRunner

from themes.cli import app

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpora" / "board_survey.csv"
GOLD = ROOT / "corpora" / "board_survey_gold.csv"
ARGS = ["--text", "answer", "--id", "response_id", "--by", "role,trust_type", "--question", "question", "--quiet"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two runs with one seed, the first with every socket blocked."""
    base = tmp_path_factory.mktemp("integration")
    env = {"THEMES_CACHE_DIR": str(base / "cache")}
    runner = CliRunner()
    real_connect = socket.socket.connect

    def refuse(self, *a, **k):
        raise AssertionError(f"network access attempted: {a}")

    socket.socket.connect = refuse
    try:
        first = runner.invoke(app, ["extract", str(CORPUS), *ARGS, "-o", str(base / "a"), "--seed", "7"], env=env)
    finally:
        socket.socket.connect = real_connect
    second = runner.invoke(app, ["extract", str(CORPUS), *ARGS, "-o", str(base / "b"), "--seed", "7",
                                 "--no-cache"], env=env)
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    return base / "a", base / "b"


def _read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_every_row_once_in_order(runs):
    out, _ = runs
    src = _read(CORPUS)
    responses = _read(out / "responses.csv")
    assert responses["response_id"].tolist() == src["response_id"].tolist()
    assert set(responses["status"]) <= {"labelled", "no_content", "unassigned"}


def test_no_content_is_exactly_the_non_answers(runs):
    out, _ = runs
    gold = _read(GOLD)
    responses = _read(out / "responses.csv")
    assert (responses["status"] == "no_content").tolist() == (gold["themes"] == "").tolist()


def test_few_unassigned_and_several_themes_per_response(runs):
    out, _ = runs
    r = _read(out / "responses.csv")
    substantive = r[r["status"] != "no_content"]
    assert (substantive["status"] == "unassigned").mean() <= 0.05
    assert (substantive["theme_ids"].str.count(";") >= 1).mean() >= 0.15


def test_theme_names_distinct_and_not_stopwords(runs):
    out, _ = runs
    themes = _read(out / "themes.csv")
    assert 6 <= len(themes) <= 60
    assert themes["name"].str.lower().is_unique
    for name in themes["name"]:
        words = [w for w in name.lower().replace("(", " ").replace(")", " ").split() if not w.isdigit()]
        assert any(w not in ENGLISH_STOP_WORDS for w in words), name
        assert not name.lower().startswith(("the ", "a ", "and "))


def test_quotes_carry_their_attributes(runs):
    out, _ = runs
    src = _read(CORPUS).set_index("response_id")
    quotes = _read(out / "quotes.csv")
    assert len(quotes) >= 20
    for q in quotes.itertuples():
        assert src.at[q.response_id, "role"] == q.role
        assert src.at[q.response_id, "trust_type"] == q.trust_type
        assert q.attribution == f"{q.role}, {q.trust_type}"
        assert q.quote.rstrip(" \u2026")[:40] in src.at[q.response_id, "answer"]


def test_same_seed_identical_files(runs):
    a, b = runs
    names = ["themes.csv", "responses.csv", "segments.csv", "quotes.csv", "quotes.md", "crosstab.csv",
             "model/manifest.json", "model/centroids.npy", "model/sub_centroids.npy", "model/sub_index.npy"]
    match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    assert mismatch == [] and errors == []


def test_example_corpus_exports_to_refi_qda(runs, tmp_path):
    """The example corpus as a REFI-QDA project and codebook: both validate against the REFI schemas
    (../shared/refi-qda), and every coded sentence comes back at its offsets with its theme."""
    import refi_checks
    from themes.exchange.qdc import read_qdc, write_qdc

    out, _ = runs
    qdpx, qdc = tmp_path / "board.qdpx", tmp_path / "board.qdc"
    res = CliRunner().invoke(app, ["export", str(out), "--qdpx", str(qdpx), "--qdc", str(qdc), "--quiet"])
    assert res.exit_code == 0, res.output
    project = refi_checks.check_project(qdpx, out, refi_checks.project_schema(),
                                        refi_checks.answers(CORPUS, "response_id", "answer"))
    assert len(project["cases"]) == 345
    assert {tuple(sorted(c["variables"])) for c in project["cases"].values()} == {("question", "role", "trust_type")}
    refi_checks.codebook_schema().validate(str(qdc))
    codebook = read_qdc(qdc)
    assert [t.name for t in codebook.themes] == _read(out / "themes.csv")["name"].tolist()
    assert write_qdc(codebook, tmp_path / "again.qdc").read_bytes() == qdc.read_bytes()  # qdc -> Codebook -> qdc


def test_same_seed_same_run_json_but_times(runs):
    """run.json differs only in its timings and creation time (versions, settings, counts, fit)."""
    import json

    a, b = runs

    def without_times(out):
        run = json.loads((out / "run.json").read_text(encoding="utf-8"))
        assert set(run["timings"]) >= {"embed_s", "total_s"} and run["created"]
        return {k: v for k, v in run.items() if k not in ("timings", "created")}

    assert without_times(a) == without_times(b)


def test_evaluate_against_hand_coding(runs, tmp_path):
    """`themes evaluate` on the example corpus output against the committed hand-coded sample."""
    import json

    out, _ = runs
    sample = ROOT / "tests" / "data" / "handcoded_sample.csv"
    res = CliRunner().invoke(app, ["evaluate", str(out), "--gold", str(sample), "--gold-col", "coder_themes",
                                   "--id", "response_id", "-o", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "Cohen's kappa" in res.output and "Krippendorff's alpha" in res.output
    data = json.loads((tmp_path / "evaluation.json").read_text())
    s = data["summary"]
    assert s["n_scored"] == 60 and s["unassigned_share"] <= 0.05
    # floors well below today's figures (NMI 0.60, recovery 0.43, kappa 0.34): a sharp drop is a regression
    assert s["nmi"] > 0.4 and s["recovery_f1"] > 0.3 and s["kappa"] > 0.2
    assert -1 <= s["alpha"] <= 1 and len(data["per_label"]) >= 5
    dis = _read(tmp_path / "disagreements.csv")
    assert set(dis["response_id"]) <= set(_read(sample)["response_id"])
    tab = _read(tmp_path / "evaluation_crosstab.csv")
    assert "pace_capacity" in tab.columns
