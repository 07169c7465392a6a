"""Streaming `label`: block by block, the same files as the in-memory path; bounded pools."""

import filecmp

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from themes.cli import app
from themes.engines.stream import label_file
from themes.errors import InputError
from themes.io.corpus import iter_corpus
from themes.model.persist import load_model, save_model
from themes.pipeline import extract, label
from themes.results.quotes import CANDIDATES, QuotePool, pick_quotes
from themes.steps import write_result
from themes.text.phrases import simple_phrases
from themes.text.segment import regex_splitter

FILES = ["themes.csv", "responses.csv", "segments.csv", "quotes.csv", "quotes.md", "crosstab.csv",
         "new_candidates.csv"]
NOVEL = pd.DataFrame({"id": ["N1", "N2", "N3"], "role": ["NED", "Chair", "NED"], "trust_type": ["Acute trust"] * 3,
                      "answer": ["Quantum chromodynamics lattice gauge bosons", "Gauge bosons quantum lattice",
                                 "Lattice gauge theory of bosons"]})
KW = dict(embedder=None, splitter=regex_splitter, phrases=simple_phrases)


@pytest.fixture
def saved(tmp_path, tiny_frame, fake_embedder, fast_settings):
    res = extract(tiny_frame, text="answer", id="id", by=["role", "trust_type"], settings=fast_settings,
                  embedder=fake_embedder, splitter=regex_splitter, phrases=simple_phrases, n_themes=3)
    save_model(res.model, tmp_path / "model")
    frame = pd.concat([tiny_frame.assign(id=tiny_frame["id"] + f"_{k}") for k in range(5)] + [NOVEL],
                      ignore_index=True)
    frame.to_csv(tmp_path / "in.csv", index=False)
    return load_model(tmp_path / "model"), frame


@pytest.mark.parametrize("chunk_rows", [7, 100_000])
def test_streamed_files_equal_in_memory_files(tmp_path, saved, fake_embedder, chunk_rows):
    model, frame = saved
    kw = dict(KW, embedder=fake_embedder, cache_dir=str(tmp_path / "c"), min_similarity=0.5)
    lab = label(model, frame, text="answer", id="id", by=["role", "trust_type"], **kw)
    write_result(lab, tmp_path / "mem")
    res = label_file(model, tmp_path / "in.csv", tmp_path / "stream", text="answer", id="id", chunk_rows=chunk_rows,
                     **kw)
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "mem", tmp_path / "stream", FILES, shallow=False)
    # segments.csv is the same but for the map positions, which the stream lays out block by block
    assert errors == [] and set(mismatch) <= {"segments.csv"}
    mem, streamed = (pd.read_csv(tmp_path / d / "segments.csv") for d in ("mem", "stream"))
    pd.testing.assert_frame_equal(mem.drop(columns=["x", "y"]), streamed.drop(columns=["x", "y"]))
    assert streamed[["x", "y"]].notna().all().all()
    assert len(pd.read_csv(tmp_path / "stream" / "new_candidates.csv")) >= 2
    assert res.run["counts"]["rows"] == len(frame)


def test_cli_label_streams_and_numbers_rows_across_blocks(tmp_path, saved, fast_stages):
    _, frame = saved
    frame.drop(columns="id").to_csv(tmp_path / "noid.csv", index=False)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["label", str(tmp_path / "model"), str(tmp_path / "noid.csv"), "--text", "answer",
                                   "-o", str(out), "--quiet"], env={"THEMES_CACHE_DIR": str(tmp_path / "cache")})
    assert res.exit_code == 0, res.output
    responses = pd.read_csv(out / "responses.csv", dtype=str, keep_default_na=False)
    assert responses["response_id"].tolist() == [str(i + 1) for i in range(len(frame))]
    assert list(responses.columns[:3]) == ["response_id", "role", "trust_type"]  # the model's --by


def test_ids_repeated_across_blocks_are_refused(tmp_path):
    pd.DataFrame({"id": ["a", "b", "c", "a"], "t": ["x y z"] * 4}).to_csv(tmp_path / "d.csv", index=False)
    with pytest.raises(InputError, match="'a'.*more than once"):
        list(iter_corpus(tmp_path / "d.csv", text="t", id="id", chunk_rows=2))
    blocks = list(iter_corpus(tmp_path / "d.csv", text="t", chunk_rows=3))
    assert [b.frame["response_id"].tolist() for b in blocks] == [["1", "2", "3"], ["4"]]


def test_quote_pool_keeps_what_the_full_pick_needs():
    rng = np.random.default_rng(0)
    n, dim = 3 * CANDIDATES + 50, 8
    vecs = rng.standard_normal((n, dim)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    segs = pd.DataFrame({"response_id": [f"r{i // 2}" for i in range(n)], "text": [f"text {i}" for i in range(n)],
                         "theme_id": pd.array(rng.choice([1, 2, None], n), dtype="Int64"),
                         "score": np.round(rng.random(n), 2)})
    responses = pd.DataFrame({"response_id": segs["response_id"].unique()}).assign(
        role=lambda f: np.where(np.arange(len(f)) % 3, "NED", "Chair"))
    themes = pd.DataFrame({"theme_id": [1, 2], "name": ["One", "Two"]})
    full = pick_quotes(segs, vecs, responses, themes, ("role",), 5, 60)
    pool = QuotePool(2, 5, ("role",))
    for i in range(0, n, 97):
        part = segs.iloc[i:i + 97].reset_index(drop=True)
        pool.add(part, vecs[i:i + 97], responses[responses["response_id"].isin(part["response_id"])])
    assert len(pool.frame) <= 2 * pool.keep
    pd.testing.assert_frame_equal(pool.pick(themes, 5, 60), full)


def test_candidate_pool_is_bounded_and_seeded():
    from themes.engines.stream import CandidatePool
    from themes.text.segment import segment
    from themes.types import Assignments, Corpus

    def block(start):
        frame = pd.DataFrame({"response_id": [str(start + i) for i in range(50)], "text": ["a b c"] * 50,
                              "question": "", "has_content": True})
        corpus = Corpus(frame=frame)
        segs = segment(corpus, regex_splitter)
        status = pd.DataFrame({"response_id": frame["response_id"], "status": "unassigned", "text": "a b c"})
        return status, segs, np.ones((len(segs), 4), np.float32), Assignments(np.full(len(segs), -1), np.zeros(len(segs)))

    pools = [CandidatePool(cap=30, seed=1, by=()) for _ in range(2)]
    for pool in pools:
        for start in range(0, 500, 50):
            pool.add(*block(start))
    assert len(pools[0].rids) == 30 and list(pools[0].rids) == list(pools[1].rids)
    assert len(set(pools[0].rids) - {str(i) for i in range(50)}) > 0  # a sample of all blocks, not the first
    kept = pd.concat(pools[0].responses)
    assert set(kept["response_id"]) == set(pools[0].rids)
