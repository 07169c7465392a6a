"""A codebook's coding rule (themes.types.Coding), from the codebook itself.

Every code's threshold is ``Settings.min_similarity``; a segment may also take codes within
``Settings.code_margin`` of its best one. Codes whose names take opposite
stances but are otherwise close ("would consider" / "would not consider") are marked as stance
twins; codes declared with ``applies_to: no_content`` are kept for non-answers.

Per-code thresholds calibrated on the codebook's own texts (the median score of the competing
codes' statements and examples) were tried and measured worse on both benchmarks
(benchmarks/coding.py; see docs/benchmarks.md), so every code shares the one floor.
"""

from __future__ import annotations

import numpy as np

from themes.model.codebook import Codebook
from themes.types import Coding, ThemeSet

TWIN_SIMILARITY = 0.7   # centres at least this close, with opposite stances: stance twins
STANCE_CUT = 0.05        # |stance score| of a code's name and description that counts as a stance


def code_stances(codebook: Codebook) -> np.ndarray:
    """-1 / 0 / +1 per code: the stance of its name (themes.text.stance). Names are where codes
    that differ by stance say so ("Would consider" / "Would not consider"); descriptions of
    topic codes list praise and complaints alike, and read from them ("Appointment
    arrangements: ... how patients ... would like to receive correspondence ..." read as a wish,
    so critical) two neighbouring topics became stance twins
    and each lost the answers of the other side (FFT, benchmarks/coding.py: 10 examples per code
    0.377 micro-F1 with the description read, 0.403 with the name alone)."""
    from themes.text.stance import stance_scores

    scores = stance_scores([t.name for t in codebook.themes])
    return np.array([0 if abs(v) < STANCE_CUT else (1 if v > 0 else -1) for v in scores], dtype=np.int8)


def competitors(theme_set: ThemeSet) -> np.ndarray:
    """k x k: codes that can compete for one segment (the same question, or either of none)."""
    q = theme_set.table["question"].to_numpy()
    return (q[:, None] == q[None, :]) | (q[:, None] == "") | (q[None, :] == "")


def stance_twins(centroids: np.ndarray, stance: np.ndarray, rival: np.ndarray) -> np.ndarray:
    """Codes with a close rival code of the opposite stance."""
    sims = centroids @ centroids.T
    opposite = (stance[:, None] * stance[None, :]) < 0
    return ((sims >= TWIN_SIMILARITY) & opposite & rival).any(axis=1)


def calibrate(codebook: Codebook, theme_set: ThemeSet, floor: float, margin: float = 0.0) -> Coding:
    """The Coding for a codebook's theme set (same order as ``codebook.themes``)."""
    k = len(theme_set)
    no_content = np.array([t.applies_to == "no_content" for t in codebook.themes], dtype=bool)
    stance = code_stances(codebook)
    rival = competitors(theme_set) & ~np.eye(k, dtype=bool)
    rival[:, no_content] = False
    rival[no_content, :] = False
    return Coding(thresholds=np.full(k, floor, dtype=np.float32), stance=stance,
                  twin=stance_twins(theme_set.centroids, stance, rival), no_content=no_content, margin=margin)
