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
