"""Memory that a long run frees goes back to the system (issue 18)."""

from __future__ import annotations


def test_embedding_hands_freed_memory_back_after_each_chunk(monkeypatch, fake_embedder):
    """Issue 18: glibc's malloc_trim after each chunk of texts (the heap otherwise grows with the texts)."""
    import themes.io.limits as limits
    from themes.embed.models import embed_texts

    calls = []
    monkeypatch.setattr(limits, "_LIBC", [type("Libc", (), {"malloc_trim": staticmethod(calls.append)})()])
    embed_texts([f"text number {k}" for k in range(5)], fake_embedder, chunk=2)
    assert calls == [0, 0, 0]
    limits._LIBC.clear()
    limits.release_freed_memory()   # the real library (or nothing, off glibc): must not fail


def test_extract_records_the_peak_memory_after_each_stage(tmp_path, fast_stages):
    import json
    import sys

    from typer.testing import CliRunner

    from themes.cli import app

    src = tmp_path / "in.csv"
    src.write_text("id,text\n" + "".join(f"{i},The wait was long at visit {i}. Staff were kind.\n" for i in range(12)))
    res = CliRunner().invoke(app, ["extract", str(src), "--text", "text", "--id", "id", "-o", str(tmp_path / "out"),
                                   "--quiet"])
    assert res.exit_code == 0, res.output
    timings = json.loads((tmp_path / "out" / "run.json").read_text())["timings"]
    stages = ["segment_peak_mb", "embed_peak_mb", "cluster_peak_mb", "name_peak_mb", "tables_peak_mb"]
    if sys.platform.startswith("linux"):
        peaks = [timings[k] for k in stages]
        assert all(p > 10 for p in peaks) and peaks == sorted(peaks)   # a running peak never falls


def test_extract_moves_arrow_onto_the_system_allocator(fake_embedder, fast_settings):
    """Issue 18: pandas 3 keeps text in Arrow, whose own pool (mimalloc) kept what it freed;
    each chain switches Arrow to the system allocator, whose freed memory malloc_trim returns."""
    import pandas as pd
    import pyarrow

    from themes.pipeline import extract
    from themes.text.phrases import simple_phrases
    from themes.text.segment import regex_splitter

    before = pyarrow.default_memory_pool()
    pyarrow.set_memory_pool(pyarrow.mimalloc_memory_pool())
    try:
        data = pd.DataFrame({"id": [str(i) for i in range(12)],
                             "text": [f"The wait was long at visit {i}. Staff were kind." for i in range(12)]})
        result = extract(data, text="text", id="id", embedder=fake_embedder, splitter=regex_splitter,
                         phrases=simple_phrases, settings=fast_settings)
        assert pyarrow.default_memory_pool().backend_name == "system"
        assert len(result.responses) == 12
    finally:
        pyarrow.set_memory_pool(before)


def _segment_vectors():
    import numpy as np

    from themes.types import SegmentVectors

    rng = np.random.default_rng(3)
    distinct = rng.normal(size=(5, 8)).astype(np.float32)
    distinct /= np.linalg.norm(distinct, axis=1, keepdims=True)
    distinct[4] = distinct[1]            # two texts with the same vector
    index = np.array([2, 0, 2, 1, 4, 3, 0, 2, 1, 4], dtype=np.int64)
    return SegmentVectors(distinct, index), distinct[index]


def test_segment_vectors_read_like_the_matrix_they_stand_for():
    """Issue 18: extract keeps one vector per distinct text; every read the pipeline makes
    gives what the full matrix would."""
    import numpy as np

    from themes.types import as_matrix, vector_rows

    v, dense = _segment_vectors()
    assert len(v) == 10 and v.shape == dense.shape and v.ndim == 2 and v.dtype == np.float32
    rows = np.array([7, 0, 3])
    assert np.array_equal(v[rows], dense[rows]) and np.array_equal(v[2:5], dense[2:5])
    assert np.array_equal(v[dense[:, 0] > 0], dense[dense[:, 0] > 0]) and np.array_equal(v[4], dense[4])
    M = np.random.default_rng(0).normal(size=(8, 3)).astype(np.float32)
    assert np.allclose(v @ M, dense @ M, atol=1e-6)
    sub = vector_rows(v, rows)
    assert sub.distinct is v.distinct and np.array_equal(np.asarray(sub), dense[rows])
    assert np.array_equal(np.asarray(v), dense) and as_matrix(v) is v
    assert np.array_equal(vector_rows(dense, rows), dense[rows])


def test_fitting_segment_vectors_weights_distinct_rows_as_the_matrix_does():
    import numpy as np

    from themes.discover.cluster import fit_centroids, weighted_distinct

    v, dense = _segment_vectors()
    U, w = weighted_distinct(v)
    U2, w2 = weighted_distinct(dense)
    assert np.array_equal(U, U2) and np.array_equal(w, w2) and w.sum() == 10 and len(U) == 4
    rng = np.random.default_rng(1)
    base = rng.normal(size=(3, 16)).astype(np.float32)
    distinct = np.repeat(base, 20, axis=0) + 0.05 * rng.normal(size=(60, 16)).astype(np.float32)
    distinct /= np.linalg.norm(distinct, axis=1, keepdims=True)
    index = rng.integers(0, 60, size=400)
    from themes.types import SegmentVectors

    a, info_a = fit_centroids(SegmentVectors(distinct, index), min_themes=2, min_theme_size=2, reduce_dims=8)
    b, info_b = fit_centroids(distinct[index], min_themes=2, min_theme_size=2, reduce_dims=8)
    assert len(a) >= 2 and np.allclose(a, b, atol=1e-6) and info_a == info_b


def test_extract_never_builds_the_full_segment_matrix(monkeypatch, fake_embedder, fast_settings):
    """The memory saving holds only while no step asks for every segment's vector at once."""
    import pandas as pd

    from themes.pipeline import extract
    from themes.text.phrases import simple_phrases
    from themes.text.segment import regex_splitter
    from themes.types import SegmentVectors

    def refuse(self, dtype=None, copy=None):
        raise AssertionError("the full segment matrix was built")

    monkeypatch.setattr(SegmentVectors, "__array__", refuse)
    texts = ["The wait was long.", "Staff were kind.", "Parking was hard to find.", "The wait was long."] * 6
    data = pd.DataFrame({"id": [str(i) for i in range(len(texts))], "text": texts,
                         "question": ["q1", "q2"] * (len(texts) // 2)})
    result = extract(data, text="text", id="id", question="question", embedder=fake_embedder,
                     splitter=regex_splitter, phrases=simple_phrases, settings=fast_settings)
    assert isinstance(result.vectors, SegmentVectors) and len(result.vectors) == len(result.segments)
    assert len(result.vectors.distinct) == 3 and result.responses["theme_ids"].astype(str).str.len().gt(0).all()


def test_compact_embedding_keeps_one_row_per_vector_in_order_of_first_use(fake_embedder):
    """Issue 18: texts an uncased model cannot tell apart share a row, moved up in place, and the
    rows come in the order clustering reads them, so fitting copies none of the 166 MB."""
    import numpy as np

    from themes.discover.cluster import weighted_distinct
    from themes.embed.models import embed_texts

    class Uncased:
        name, dimension = "uncased", fake_embedder.dimension

        def embed(self, texts):
            return fake_embedder.embed([t.lower() for t in texts])

    texts = ["Zebra crossing", "apple pie", "zebra crossing", "Apple pie", "mango", "zebra crossing"]
    v = embed_texts(texts, Uncased(), compact=True)
    dense = embed_texts(texts, Uncased())
    assert len(v.distinct) == 3 and np.array_equal(np.asarray(v), dense)
    assert v.index.tolist() == [0, 1, 0, 1, 2, 0]     # first use: zebra, apple, mango
    U, w = weighted_distinct(v)
    assert U is v.distinct and w.tolist() == [3, 2, 1]


def test_merge_equal_rows_moves_rows_up_without_a_second_matrix():
    import numpy as np

    from themes.types import merge_equal_rows, row_codes

    rng = np.random.default_rng(5)
    base = rng.normal(size=(9000, 4)).astype(np.float32)
    rows = np.concatenate([np.arange(9000), rng.integers(0, 9000, 3000)])   # 3,000 repeats, past one block
    X = base[rows]
    expect = X.copy()
    codes, first = row_codes(X)
    assert len(first) == 9000 and np.array_equal(X[first][codes], X)
    index = rng.integers(0, len(X), 500)
    v = merge_equal_rows(X, index)
    assert v.distinct.base is X or v.distinct is X        # a view of the same buffer
    assert len(v.distinct) == 9000 and np.array_equal(np.asarray(v), expect[index])


def test_assigning_segment_vectors_gives_what_the_matrix_gives(fake_embedder, fast_settings):
    import numpy as np
    import pandas as pd

    import themes.results.assign as assign_mod
    from themes.io.corpus import build_corpus
    from themes.text.segment import regex_splitter, segment
    from themes.types import SegmentVectors, ThemeSet, theme_table

    texts = ["The wait was long.", "Staff were kind.", "Parking was hard.", "Food was cold."] * 5
    corpus = build_corpus(pd.DataFrame({"text": texts, "q": ["a", "b"] * 10}), text="text", question="q")
    segs = segment(corpus, regex_splitter, 1)
    rng = np.random.default_rng(0)
    distinct = rng.normal(size=(4, 6)).astype(np.float32)
    distinct /= np.linalg.norm(distinct, axis=1, keepdims=True)
    v = SegmentVectors(distinct, np.tile(np.arange(4), 5))
    cents = distinct[[0, 1, 2]] + 0.1
    cents /= np.linalg.norm(cents, axis=1, keepdims=True)
    ts = ThemeSet(table=theme_table(ids=np.arange(1, 4), names=["x", "y", "z"], questions=["a", "b", "a"]),
                  centroids=cents.astype(np.float32), threshold=0.2)
    old_block = assign_mod.BLOCK
    try:
        assign_mod.BLOCK = 3   # several blocks
        a = assign_mod.assign(v, segs, ts)
    finally:
        assign_mod.BLOCK = old_block
    b = assign_mod.assign(np.asarray(v), segs, ts)
    assert np.array_equal(a.theme_pos, b.theme_pos) and np.array_equal(a.score, b.score)
    assert set(a.theme_pos[segs.frame["question"].to_numpy() == "b"]) <= {1, -1}


def test_extract_lets_its_own_model_go_once_naming_is_done(fake_embedder, fast_settings):
    """The model is released after naming (the tables embed nothing) when extract made it, and
    left alone when the caller passed it in."""
    import pandas as pd

    from themes.config import Components, use_components
    from themes.pipeline import extract
    from themes.text.phrases import simple_phrases
    from themes.text.segment import regex_splitter

    class Releasing:
        name, dimension, released = fake_embedder.name, fake_embedder.dimension, 0

        def embed(self, texts):
            assert not self.released, "embedded after the model was released"
            return fake_embedder.embed(texts)

        def release(self):
            self.released += 1

    data = pd.DataFrame({"id": [str(i) for i in range(12)],
                         "text": [f"The wait was long at visit {i}. Staff were kind." for i in range(12)]})
    own = Releasing()
    with use_components(Components(embedder=lambda model, settings: own)):
        extract(data, text="text", id="id", splitter=regex_splitter, phrases=simple_phrases, settings=fast_settings)
    assert own.released == 1
    given = Releasing()
    extract(data, text="text", id="id", embedder=given, splitter=regex_splitter, phrases=simple_phrases,
            settings=fast_settings)
    assert given.released == 0


def test_cached_terms_are_worked_out_in_blocks_and_not_kept(tmp_path, monkeypatch):
    """Keyword terms go through the cache BLOCK texts at a time, one shard each, and the cache
    does not keep what it stored: the caller never holds every text's terms at once."""
    import themes.text.cache as cache
    from themes.text.phrases import count_terms

    monkeypatch.setattr(cache, "BLOCK", 4)
    seen = []

    def terms(texts):
        seen.append(len(texts))
        return count_terms(texts)

    wrapped = cache.cached_terms(terms, tmp_path)
    texts = [f"waiting room number {k} was cold" for k in range(10)]
    first = list(wrapped(texts))
    assert seen == [4, 4, 2] and len(list((tmp_path).glob("txt-*/*.json"))) == 3
    assert first == [list(t) for t in count_terms(texts)]
    seen.clear()
    again = cache.cached_terms(terms, tmp_path)
    assert list(again(texts)) == first and seen == []    # a new run reads them back, none worked out
