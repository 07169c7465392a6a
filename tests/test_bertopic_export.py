"""`themes export OUT --bertopic DIR` without BERTopic itself: the files, what they hold, edits
and refusals (tests/test_bertopic_load.py loads the folder with the real bertopic package)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import safetensors.numpy
from typer.testing import CliRunner

from conftest import TINY
from test_library_parity import bertopic_ctfidf_module
from themes.cli import app

runner = CliRunner()
FILES = {"config.json", "topics.json", "topic_embeddings.safetensors", "ctfidf.safetensors", "ctfidf_config.json",
         "run.json"}


@pytest.fixture
def outdir(tmp_path, fast_stages):
    rows = [{"id": f"R{i + 1:02d}", "role": role, "answer": ans} for i, (role, _, ans) in enumerate(TINY)]
    pd.DataFrame(rows).to_csv(tmp_path / "survey.csv", index=False)
    out = tmp_path / "out"
    res = runner.invoke(app, ["extract", str(tmp_path / "survey.csv"), "--text", "answer", "--id", "id", "--by", "role",
                              "-o", str(out), "--quiet", "--min-similarity", "0.05"],
                        env={"THEMES_CACHE_DIR": str(tmp_path / "cache")})
    assert res.exit_code == 0, res.output
    return out


def export(out, dest, *extra):
    return runner.invoke(app, ["export", str(out), "--bertopic", str(dest), *extra])


def read(dest):
    topics = json.loads((dest / "topics.json").read_text(encoding="utf-8"))
    return topics, {**safetensors.numpy.load_file(dest / "topic_embeddings.safetensors"),
                    **safetensors.numpy.load_file(dest / "ctfidf.safetensors")}


def test_export_writes_bertopic_layout(outdir, tmp_path):
    dest = tmp_path / "bt"
    res = export(outdir, dest)
    assert res.exit_code == 0, res.output
    assert "2 topics, 10 documents" in res.output
    assert {p.name for p in dest.iterdir()} == FILES
    topics, arrays = read(dest)
    themes = pd.read_csv(outdir / "themes.csv")
    responses = pd.read_csv(outdir / "responses.csv", dtype=str, keep_default_na=False)
    assert topics["custom_labels"] == themes["name"].tolist()
    assert topics["_outliers"] == 0 and topics["topic_aspects"] == {}
    # each answer with text is a document, its topic the position of its primary theme
    fitted = responses[responses["status"] != "no_content"]
    position = {int(t): i for i, t in enumerate(themes["theme_id"])}
    assert topics["topics"] == [position[int(t)] for t in fitted["primary_theme_id"]]
    assert topics["topic_sizes"] == {str(i): int(n) for i, n in enumerate(themes["n_primary"])}
    assert topics["topic_mapper"] == [[0, 0], [1, 1]]
    for i, keywords in enumerate(themes["keywords"]):
        words = [w for w, _ in topics["topic_representations"][str(i)]]
        assert len(words) == 10 and words[:len(keywords.split("; "))] == keywords.split("; ")
    centroids = np.load(outdir / "model" / "centroids.npy")
    assert arrays["topic_embeddings"].dtype == np.float32
    assert np.allclose(arrays["topic_embeddings"], centroids)
    config = json.loads((dest / "config.json").read_text(encoding="utf-8"))
    assert config["top_n_words"] == 10 and "embedding_model" not in config  # the fake embedder has no hub name
    run = json.loads((dest / "run.json").read_text(encoding="utf-8"))
    assert run["tool"] == "themes" and run["source"] == "out"


def test_ctfidf_is_bertopics_and_its_vectorizer_rebuilds(outdir, tmp_path):
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import CountVectorizer

    dest = tmp_path / "bt"
    assert export(outdir, dest, "-q").exit_code == 0
    topics, arrays = read(dest)
    config = json.loads((dest / "ctfidf_config.json").read_text(encoding="utf-8"))
    params = config["vectorizer_model"]["params"]
    vectorizer = CountVectorizer(**{**params, "ngram_range": tuple(params["ngram_range"])})
    vectorizer.vocabulary_ = config["vectorizer_model"]["vocab"]
    responses = pd.read_csv(outdir / "responses.csv", dtype=str, keep_default_na=False)
    texts = responses.loc[responses["status"] != "no_content", "text"].tolist()
    counts = vectorizer.transform(texts).toarray()
    doc_topics = np.array(topics["topics"])
    per_topic = np.vstack([counts[doc_topics == t].sum(axis=0) for t in range(len(topics["topic_sizes"]))])
    theirs = bertopic_ctfidf_module().ClassTfidfTransformer().fit(csr_matrix(per_topic))
    matrix = csr_matrix((arrays["data"], arrays["indices"], arrays["indptr"]), shape=tuple(arrays["shape"]))
    assert np.allclose(matrix.toarray(), theirs.transform(csr_matrix(per_topic)).toarray())
    assert np.allclose(arrays["diag"], theirs._idf_diag.diagonal())


def test_edits_reach_the_export(outdir, tmp_path):
    themes = pd.read_csv(outdir / "themes.csv")
    kept, gone = int(themes["theme_id"][0]), int(themes["theme_id"][1])
    assert runner.invoke(app, ["edit", str(outdir / "model"), "delete", str(gone), "-q"]).exit_code == 0
    dest = tmp_path / "bt"
    assert export(outdir, dest, "-q").exit_code == 0
    topics, arrays = read(dest)
    responses = pd.read_csv(outdir / "responses.csv", dtype=str, keep_default_na=False)
    fitted = responses[responses["status"] != "no_content"]
    # an answer keeps the deleted theme's next theme, or becomes topic -1 (Unassigned)
    expected = [0 if str(kept) in ids.split(";") else -1 for ids in fitted["theme_ids"]]
    assert topics["topics"] == expected and -1 in expected
    assert topics["custom_labels"] == ["Unassigned", themes["name"][0]] and topics["_outliers"] == 1
    assert topics["topic_sizes"] == {"-1": expected.count(-1), "0": expected.count(0)}
    assert arrays["topic_embeddings"].shape[0] == 2 and not arrays["topic_embeddings"][0].any()
    assert tuple(arrays["shape"])[0] == 2


def test_export_refusals(outdir, tmp_path):
    dest = tmp_path / "bt"
    assert export(outdir, dest, "-q").exit_code == 0
    res = export(outdir, dest)
    assert res.exit_code == 2 and "--force" in res.output
    assert export(outdir, dest, "--force", "-q").exit_code == 0      # themes wrote it: replaced whole
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    res = export(outdir, foreign, "--force")
    assert res.exit_code == 2 and "not a folder that themes wrote" in res.output
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]
    res = export(outdir, outdir, "--force")                          # never over its own input
    assert res.exit_code == 2 and "holds the input" in res.output
    assert (outdir / "responses.csv").is_file()
    res = export(outdir / "model", tmp_path / "bt2")
    assert res.exit_code == 2 and "not a model folder" in res.output and not (tmp_path / "bt2").exists()
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]  # no staged folder left behind


def test_nothing_to_export_names_bertopic(outdir):
    res = runner.invoke(app, ["export", str(outdir)])
    assert res.exit_code == 2 and "--bertopic DIR" in res.output
