"""Tiny fixtures: a dozen responses with three obvious themes, and a deterministic fake embedder."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd
import pytest

from themes.config import Settings


class FakeEmbedder:
    """Bag of words: each word maps to a fixed random vector (seeded by its hash)."""

    name = "fake-bow"
    version = "1"
    dimension = 64

    def __init__(self):
        self.calls = 0

    def _word(self, word: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:4], "little")
        return np.random.default_rng(seed).standard_normal(self.dimension)

    def embed(self, texts):
        self.calls += 1
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, t in enumerate(texts):
            words = re.findall(r"[a-z]{3,}", t.lower()) or ["empty"]
            v = sum(self._word(w) for w in words)
            out[i] = v / (np.linalg.norm(v) or 1)
        return out


TINY = [
    # (role, trust_type, answer)
    ("Chair", "Acute trust", "National scorecard accountability for boards. Regulators must hold boards to account."),
    ("NED", "Acute trust", "Hold boards to account with a national scorecard and regulators."),
    ("Chair", "Mental health trust", "Accountability through the national scorecard, regulators holding boards to account."),
    ("NED", "Mental health trust", "External consultancy support gave useful challenge to the board."),
    ("Chair", "Acute trust", "We used external consultancy support; the challenge from consultants was useful."),
    ("NED", "Mental health trust", "Consultancy support and external challenge from consultants helped."),
    ("Chair", "Mental health trust", "Staff networks and lived experience stories at board meetings."),
    ("NED", "Acute trust", "Listening to staff networks, hearing lived experience stories."),
    ("Chair", "Acute trust", "Lived experience of staff networks told as stories at the board."),
    ("NED", "Mental health trust", "N/A"),
    ("Chair", "Acute trust", "Regulators should hold boards to account with a national scorecard. Separately, "
                             "staff networks shared lived experience stories with the board."),
    ("NED", "Acute trust", ""),
]


@pytest.fixture
def tiny_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "id": [f"R{i + 1:02d}" for i in range(len(TINY))],
        "role": [r for r, _, _ in TINY],
        "trust_type": [t for _, t, _ in TINY],
        "answer": [a for _, _, a in TINY],
    })


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def fast_settings(tmp_path) -> Settings:
    return Settings(cache_dir=str(tmp_path / "cache"), min_themes=2, min_theme_size=2, min_similarity=0.1)


@pytest.fixture
def fast_stages(fake_embedder):
    """Make the CLI use the fake embedder and the regex splitter / simple phrases (no models),
    through the one seam for test doubles (themes.config.use_components)."""
    from themes.config import Components, use_components
    from themes.text.phrases import simple_phrases
    from themes.text.segment import regex_splitter

    parts = Components(embedder=lambda model, settings: fake_embedder, splitter=lambda settings: regex_splitter,
                       phrases=lambda settings: simple_phrases)
    with use_components(parts):
        yield fake_embedder
