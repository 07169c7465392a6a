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
