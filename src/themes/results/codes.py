"""Coding segments against a codebook: the nearest code, and any others almost as near.

A segment's score for a code is the cosine to the code's centre (its name, description
sentences and examples; themes.model.seeding). The segment takes its best code when that
clears the code's threshold, and every other code that clears its own threshold and comes
within ``Coding.margin`` of the best (``Settings.code_margin``; 0 by default: on the FFT and
board-survey benchmarks a margin gave more codes per answer and lower exact agreement).
Codes that differ by stance (a near twin of the opposite stance) are not given to a segment
of the opposite stance; codes for non-answers are never given to a segment.
"""

from __future__ import annotations

import numpy as np

from themes.types import Assignments, Segments, ThemeSet

STANCE_SIGN = {"positive": 1, "negative": -1}


def allowed_codes(segments: Segments, theme_set: ThemeSet) -> np.ndarray:
    """Segments x codes: may the segment take the code (its question's codes only; not a
    non-answer code; not a code whose stance twin speaks for the segment's stance)."""
    coding = theme_set.coding
    n, k = len(segments), len(theme_set)
    ok = np.ones((n, k), dtype=bool)
    qs = segments.frame["question"].to_numpy()
    if k and theme_set.table["question"].nunique() > 1:
        for q in np.unique(qs):
            allowed = np.zeros(k, dtype=bool)
            allowed[theme_set.for_question(q)] = True
            ok[np.ix_(qs == q, ~allowed)] = False
    ok[:, coding.no_content] = False
    if coding.twin.any() and "stance" in segments.frame:
        sign = np.array([STANCE_SIGN.get(s, 0) for s in segments.frame["stance"]], dtype=np.int8)
        against = (sign[:, None] * coding.stance[None, :]) < 0
        ok &= ~(against & coding.twin[None, :])
    return ok


def assign_codes(vectors: np.ndarray, segments: Segments, theme_set: ThemeSet) -> Assignments:
    """Every code each segment takes (``held``), its best one (``theme_pos``, with its cosine)
    and, per code, how far the cosine clears the code's threshold (``scores``: what orders a
    response's codes, strongest first)."""
    coding = theme_set.coding
    n, k = len(segments), len(theme_set)
    if n == 0 or k == 0:
        return Assignments(theme_pos=np.full(n, -1, dtype=np.int64), score=np.zeros(n, dtype=np.float32),
                           held=np.zeros((n, k), dtype=bool), scores=np.zeros((n, k), dtype=np.float32))
    sims = np.asarray(vectors, dtype=np.float32) @ theme_set.centroids.T
    lead = np.where(allowed_codes(segments, theme_set), sims - coding.thresholds[None, :], -np.inf)
    pos = np.argmax(lead, axis=1).astype(np.int64)
    best = lead[np.arange(n), pos]
    held = (lead >= 0) & (lead >= best[:, None] - coding.margin)
    score = sims[np.arange(n), pos].astype(np.float32)
    pos[best < 0] = -1
    return Assignments(theme_pos=pos, score=score, held=held,
                       scores=np.where(np.isfinite(lead), lead, -1.0).astype(np.float32))
