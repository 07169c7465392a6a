"""What docs/architecture.md shows for plugging in another embedding model, done exactly so
with a plain class, and every name in ``themes.__all__`` importable."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import themes
from conftest import TINY


class HashingEmbedder:
    """A plain class (no base class): hashing bag of words, unit-length float32 rows."""

    name = "hashing-bow"
    dimension = 256

    def embed(self, texts):
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"[a-z]{3,}", text.lower()):
                h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")
                out[i, h % self.dimension] += 1.0 if h & 1 << 31 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


@pytest.fixture
def df() -> pd.DataFrame:
    return pd.DataFrame({"answer": [a for _, _, a in TINY]})


@pytest.fixture(autouse=True)
def cache_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("THEMES_CACHE_DIR", str(tmp_path / "cache"))


def test_every_public_name_imports():
    missing = [name for name in themes.__all__ if getattr(themes, name, None) is None]
    assert not missing
    assert isinstance(HashingEmbedder(), themes.Embedder)


def test_extract_with_a_plain_embedder(df):
    assert len(df) == 12
    result = themes.extract(df, text="answer", embedder=HashingEmbedder())
    assert isinstance(result, themes.Result)
    assert len(result.responses) == 12 and len(result.themes) >= 1
    assert result.vectors.dtype == np.float32 and result.vectors.shape[1] == 256


def test_cli_with_a_plain_embedder(df, tmp_path):
    from themes.cli import app

    src, out = tmp_path / "answers.csv", tmp_path / "out"
    df.to_csv(src, index=False)
    with themes.use_components(themes.Components(embedder=lambda model, settings: HashingEmbedder())):
        res = CliRunner().invoke(app, ["extract", str(src), "--text", "answer", "-o", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    assert (out / "themes.csv").exists() and (out / "responses.csv").exists()
