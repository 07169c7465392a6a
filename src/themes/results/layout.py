"""2-D positions for the segment map: cheap, deterministic, O(n).

Each theme centre gets a place by classical multidimensional scaling of the centres (so themes
that are alike sit near each other), nudged apart where two would overlap; each segment sits around its theme's place, offset by its
residual from the centre projected on the residuals' two main axes (PCA), scaled so each
theme's cloud stays within a fraction of the distance to its nearest neighbouring theme.
Segments that fit no theme sit around the nearest centre. No random numbers; no pairwise distances between segments.
"""

from __future__ import annotations

import numpy as np

from themes.types import Segments, ThemeSet, vector_rows

SPREAD = 0.45        # a theme's cloud (90th percentile radius) as a fraction of the gap to its nearest theme
PCA_SAMPLE = 5_000   # residuals used to find the two axes (evenly spaced, so deterministic)
CHUNK = 65_536       # rows projected at a time, to bound memory


def _fix_signs(m: np.ndarray) -> np.ndarray:
    """Make each column's largest entry (by size) positive, so the picture does not flip."""
    if m.size == 0:
        return m
    rows = np.argmax(np.abs(m), axis=0)
    signs = np.sign(m[rows, np.arange(m.shape[1])])
    signs[signs == 0] = 1
    return m * signs


def classical_mds(centroids: np.ndarray, dims: int = 2) -> np.ndarray:
    """k x dims positions whose distances match the centres' Euclidean distances as well as 2-D allows."""
    k = len(centroids)
    out = np.zeros((k, dims))
    if k < 2:
        return out
    c = centroids.astype(np.float64)
    sq = np.sum(c * c, axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * c @ c.T, 0)
    j = np.eye(k) - 1.0 / k
    b = -0.5 * j @ d2 @ j
    vals, vecs = np.linalg.eigh(b)
    order = np.argsort(-vals, kind="mergesort")[:dims]
    pos = vecs[:, order] * np.sqrt(np.maximum(vals[order], 0))
    out[:, : pos.shape[1]] = _fix_signs(pos)
    return out


def separate(places: np.ndarray, iterations: int = 200) -> np.ndarray:
    """Push theme places that sit almost on top of each other apart (keeping the rough picture),
    so every theme's cloud and label has room. Deterministic; O(k^2) per step for k themes."""
    p = places.astype(np.float64).copy()
    k = len(p)
    if k < 2:
        return p
    diff = p[:, None, :] - p[None, :, :]
    spread = float(np.median(np.hypot(diff[..., 0], diff[..., 1])[np.triu_indices(k, 1)])) or 1.0
    want = spread * min(0.45, 1.4 / np.sqrt(k))
    angles = 2 * np.pi * np.arange(k) / k  # a fixed direction for places that coincide exactly
    for _ in range(iterations):
        diff = p[:, None, :] - p[None, :, :]
        dist = np.hypot(diff[..., 0], diff[..., 1])
        np.fill_diagonal(dist, np.inf)
        if dist.min() >= want * 0.999:
            break
        push = np.zeros_like(p)
        for i, j in zip(*np.nonzero(np.triu(dist < want, 1))):
            d = dist[i, j]
            u = diff[i, j] / d if d > 1e-12 else np.array([np.cos(angles[i]), np.sin(angles[i])])
            step = 0.5 * (want - d) * u
            push[i] += step
            push[j] -= step
        p += 0.5 * push
    return p


def _residual_axes(vectors: np.ndarray, centres: np.ndarray, home: np.ndarray) -> np.ndarray:
    n = len(vectors)
    take = np.unique(np.linspace(0, n - 1, min(n, PCA_SAMPLE)).astype(np.int64))
    r = vectors[take].astype(np.float64) - centres[home[take]]
    r -= r.mean(axis=0)
    if not np.any(r):
        return np.zeros((vectors.shape[1], 2))
    # the two main axes: top eigenvectors of the d x d scatter matrix (cheaper than an SVD of r)
    vals, vecs = np.linalg.eigh(r.T @ r)
    top = np.argsort(-vals, kind="mergesort")[: min(2, len(r))]
    axes = np.zeros((vectors.shape[1], 2))
    axes[:, : len(top)] = vecs[:, top]
    return _fix_signs(axes)


def segment_layout(vectors: np.ndarray, theme_pos: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """n x 2 map coordinates for n segment vectors (theme_pos: each segment's theme, -1 for none)."""
    n = len(vectors)
    if n == 0:
        return np.zeros((0, 2))
    theme_pos = np.asarray(theme_pos)
    if len(centroids) == 0:
        centres = np.asarray(vectors, dtype=np.float64).mean(axis=0, keepdims=True)
        home = np.zeros(n, dtype=np.int64)
    else:
        centres = centroids.astype(np.float64)
        home = theme_pos.astype(np.int64).copy()
        for s in range(0, n, CHUNK):
            miss = s + np.flatnonzero(home[s:s + CHUNK] < 0)
            if len(miss):   # only those rows: a dense block of CHUNK rows is 100 MB
                home[miss] = np.argmax(vectors[miss] @ centroids.T, axis=1)
    places = separate(classical_mds(centres))
    axes = _residual_axes(vectors, centres, home)
    # (v - centre) @ axes, as v @ axes - centre @ axes: no n x d temporary
    local = (vectors @ axes.astype(vectors.dtype)).astype(np.float64) - (centres @ axes)[home]
    # each theme's cloud: 90th-percentile radius = SPREAD x the distance to its nearest other theme
    k = len(places)
    gap = np.ones(k)
    if k >= 2:
        d = np.hypot(*(places[:, None, :] - places[None, :, :]).transpose(2, 0, 1))
        np.fill_diagonal(d, np.inf)
        gap = d.min(axis=1)
        gap[gap <= 0] = np.median(gap[gap > 0]) if (gap > 0).any() else 1.0
    norms = np.hypot(local[:, 0], local[:, 1])
    scale = np.zeros(k)
    for t in range(k):
        r = norms[home == t]
        radius = float(np.percentile(r, 90)) if len(r) else 0.0
        scale[t] = SPREAD * gap[t] / radius if radius > 0 else 0.0
    return places[home] + local * scale[home][:, None]


def layout_segments(segments: Segments, vectors: np.ndarray, theme_pos: np.ndarray, theme_set: ThemeSet) -> np.ndarray:
    """segment_layout per question (themes are found per question, and the map shows one at a time)."""
    out = np.zeros((len(segments), 2))
    if len(segments) == 0:
        return out
    question = segments.frame["question"].to_numpy()
    for q in dict.fromkeys(question):
        idx = np.flatnonzero(question == q)
        pos = theme_set.for_question(q) if len(theme_set) else np.zeros(0, dtype=np.int64)
        local = np.full(max(len(theme_set), 1), -1, dtype=np.int64)  # theme position -> position in pos
        local[pos] = np.arange(len(pos))
        tp = np.asarray(theme_pos)[idx]
        tp = np.where(tp >= 0, local[np.maximum(tp, 0)], -1)
        rows = vectors if len(idx) == len(vectors) else vector_rows(vectors, idx)   # one question: no copy
        out[idx] = segment_layout(rows, tp, theme_set.centroids[pos])
    return out
