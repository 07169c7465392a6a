"""Mean silhouettes of the nested cuts of one tree, from a precomputed distance matrix
(themes.discover.cluster.choose_k picks the number of themes with them)."""

from __future__ import annotations

import numpy as np


def silhouettes(D: np.ndarray, cuts: dict[int, np.ndarray]) -> dict[int, float]:
    """Mean silhouette of each labelling of the same points, from their distance matrix ``D``
    (the same figure as sklearn's ``silhouette_score(D, labels, metric="precomputed")``).

    Cuts of one tree are nested: the distance sums from each point to every cluster of the
    finest cut are one matrix product, and every coarser cut's sums add up its columns."""
    if not cuts:
        return {}
    finest = max(cuts, key=lambda k: len(np.unique(cuts[k])))
    f_ids, f_lab = np.unique(cuts[finest], return_inverse=True)
    onehot = np.zeros((len(f_lab), len(f_ids)))
    onehot[np.arange(len(f_lab)), f_lab] = 1.0
    sums_fine = dot_rows(D, onehot)            # n x fine clusters
    out = {}
    for k, lab in cuts.items():
        ids, lab = np.unique(lab, return_inverse=True)
        # which coarse cluster holds each fine one (nested cuts: exactly one)
        parent = np.zeros(len(f_ids), dtype=np.int64)
        parent[f_lab] = lab
        if not np.array_equal(parent[f_lab], lab):   # not nested: sum directly
            member = np.zeros((len(lab), len(ids)))
            member[np.arange(len(lab)), lab] = 1.0
            sums = dot_rows(D, member)
        else:
            member = np.zeros((len(f_ids), len(ids)))
            member[np.arange(len(f_ids)), parent] = 1.0
            sums = sums_fine @ member
        sizes = np.bincount(lab, minlength=len(ids)).astype(float)
        own = sizes[lab]
        a = sums[np.arange(len(lab)), lab] / np.maximum(own - 1, 1)
        mean_to = sums / sizes[None, :]
        mean_to[np.arange(len(lab)), lab] = np.inf
        b = mean_to.min(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            s = (b - a) / np.maximum(a, b)
        s = np.where((own > 1) & np.isfinite(s), s, 0.0)
        out[k] = float(s.mean())
    return out


def dot_rows(D: np.ndarray, M: np.ndarray, block: int = 512) -> np.ndarray:
    """D @ M in float64, D's rows a block at a time: a float32 D is not upcast whole (an n x n
    float64 copy, 72 MB at the 3,000-sentence sample)."""
    out = np.empty((len(D), M.shape[1]), dtype=np.result_type(D.dtype, M.dtype))
    for s in range(0, len(D), block):
        out[s:s + block] = D[s:s + block] @ M
    return out
