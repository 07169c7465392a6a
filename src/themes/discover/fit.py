"""Segments and their vectors -> a named ThemeSet: clustering per question, then names and
keywords from each theme's segments."""

from __future__ import annotations

import numpy as np

from themes.config import Settings
from themes.discover.cluster import fit_centroids
from themes.discover.naming import name_themes
from themes.types import Assignments, Segments, ThemeSet, theme_table


def fit_theme_set(segs: Segments, vectors: np.ndarray, settings: Settings) -> tuple[ThemeSet, dict]:
    """Cluster each question's segments separately; ids run across questions."""
    questions = sorted(segs.frame["question"].unique()) if len(segs) else [""]
    cents, qcol, info = [], [], {}
    for q in questions:
        idx = np.flatnonzero(segs.frame["question"].to_numpy() == q) if len(segs) else np.zeros(0, dtype=int)
        rows = vectors if len(idx) == len(vectors) else vectors[idx]   # one question: no copy
        c, i = fit_centroids(rows if len(idx) else np.zeros((0, vectors.shape[1]), np.float32),
                             n_themes=settings.n_themes, min_themes=settings.min_themes,
                             max_themes=settings.max_themes, min_theme_size=settings.min_theme_size,
                             fit_sample=settings.fit_sample, reduce_dims=settings.reduce_dims,
                             merge_similarity=settings.merge_similarity, seed=settings.seed,
                             cache_dir=settings.cache_path if settings.use_cache else None)
        cents.append(c)
        qcol += [q] * len(c)
        info[q or "(all)"] = i
    dim = vectors.shape[1] if vectors.ndim == 2 else 0
    centroids = np.vstack(cents) if cents else np.zeros((0, dim), np.float32)
    k = len(centroids)
    table = theme_table(ids=np.arange(1, k + 1), names=[""] * k, questions=qcol)
    return ThemeSet(table=table, centroids=centroids, threshold=settings.min_similarity), info


def name_theme_set(theme_set: ThemeSet, segs: Segments, vectors, assignments: Assignments, embedder, phrases,
                   terms) -> ThemeSet:
    """Names, keywords and descriptions from each theme's segments, nearest its centre first."""
    texts_by_theme = []
    seg_texts = np.asarray(segs.texts, dtype=object)
    for p in range(len(theme_set)):
        idx = np.flatnonzero(assignments.theme_pos == p)
        idx = idx[np.argsort(-assignments.score[idx], kind="mergesort")]
        texts_by_theme.append(seg_texts[idx].tolist())
    names, kws = name_themes(texts_by_theme, theme_set.centroids, embedder, phrases, terms)
    table = theme_set.table.copy()
    table["name"] = names
    table["keywords"] = kws
    table["description"] = [describe_keywords(k) for k in kws]
    return ThemeSet(table=table, centroids=theme_set.centroids, threshold=theme_set.threshold)


def describe_keywords(keywords: list[str]) -> str:
    if not keywords:
        return ""
    words = keywords[:4]
    listed = ", ".join(words[:-1]) + (" and " if len(words) > 1 else "") + words[-1]
    return f"Answers that mention {listed}."
