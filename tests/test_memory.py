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
