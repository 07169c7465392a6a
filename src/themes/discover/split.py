"""Themes that hold both sides of a view are split into one theme per side.

A theme whose segments are positive and critical in substantial shares (each side at least
``MIN_SIDE`` of its positive-or-critical segments and at least ``min_theme_size`` segments) is
tried as two themes: a centre from its positive segments and one from its critical segments.
Every segment of the theme then goes to the nearer of the two centres (so neutral segments
follow the side they read like, and new answers are labelled the same way); a segment is
compared with its own side's centre made without it (leave one out), so that a small theme does
not look separable only because each vector pulls its side's mean towards itself. The split is kept
only when both parts are pure enough (each at least ``MIN_PURITY`` of its side among its
positive-or-critical segments) and large enough; otherwise the theme stays whole and its
definition says its views are mixed (themes.discover.define). Codebook themes are never split.

Stance is the per-segment label of themes.text.stance. The parts are named afterwards like
every theme, from their own segments, so each side's name comes from what that side says.
"""

from __future__ import annotations

import numpy as np

from themes.text.stance import MIXED_SIDE
from themes.types import Assignments, Segments, ThemeSet

MIN_SIDE = MIXED_SIDE   # a theme whose views are mixed (describe_stance) is tried as two
MIN_PURITY = 0.70
SPLITTABLE = ("discovered", "new")


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v)
    return (v / n if n > 0 else v).astype(np.float32)


def try_split(vectors: np.ndarray, stances: np.ndarray, min_size: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Two side centres (positive, critical) for one theme's segment vectors and stances, or
    None when the theme should stay whole."""
    pos, neg = stances == "positive", stances == "negative"
    n_pos, n_neg = int(pos.sum()), int(neg.sum())
    if min(n_pos, n_neg) < max(min_size, MIN_SIDE * (n_pos + n_neg)):
        return None
    c_pos, c_neg = _unit(vectors[pos].mean(axis=0)), _unit(vectors[neg].mean(axis=0))
    # leave one out: a segment is compared with its side's centre made without it, or every
    # small theme would look separable (each vector pulls its own side's mean towards it)
    s_pos, s_neg = vectors[pos].sum(axis=0), vectors[neg].sum(axis=0)
    own_pos = np.where(pos[:, None], s_pos - vectors, s_pos)
    own_neg = np.where(neg[:, None], s_neg - vectors, s_neg)
    def cos(a):
        return np.einsum("ij,ij->i", vectors, a) / np.maximum(np.linalg.norm(a, axis=1), 1e-12)
    to_pos = cos(own_pos) >= cos(own_neg)
    for part, side in ((to_pos, pos), (~to_pos, neg)):
        bearing = part & (pos | neg)
        if part.sum() < min_size or not bearing.any() or (part & side).sum() / bearing.sum() < MIN_PURITY:
            return None
    return c_pos, c_neg


def split_by_stance(theme_set: ThemeSet, segs: Segments, vectors: np.ndarray, assignments: Assignments,
                    min_size: int) -> tuple[ThemeSet, int]:
    """(theme set with each split theme followed by its critical side, number of themes split).
    Theme ids are renumbered 1..k in the new order; names are left for the namer."""
    if not len(theme_set) or not len(segs):
        return theme_set, 0
    stances = segs.frame["stance"].to_numpy(dtype=object)
    status = theme_set.table["status"].to_numpy(dtype=object) if "status" in theme_set.table else \
        np.full(len(theme_set), "discovered", dtype=object)
    rows, cents, n_split = [], [], 0
    for p in range(len(theme_set)):
        rows.append(p)
        cents.append(theme_set.centroids[p])
        if status[p] not in SPLITTABLE:
            continue
        idx = np.flatnonzero(assignments.theme_pos == p)
        sides = try_split(np.asarray(vectors[idx], np.float32), stances[idx], min_size) if len(idx) else None
        if sides is not None:
            cents[-1] = sides[0]
            rows.append(p)
            cents.append(sides[1])
            n_split += 1
    if not n_split:
        return theme_set, 0
    table = theme_set.table.iloc[rows].reset_index(drop=True)
    if set(status) <= {"discovered"}:
        table["theme_id"] = np.arange(1, len(table) + 1)     # the two sides side by side
    else:   # a codebook's ids are its own: new sides take new ids
        ids = table["theme_id"].to_numpy().copy()
        repeat = np.r_[False, np.asarray(rows[1:]) == np.asarray(rows[:-1])]
        ids[repeat] = int(theme_set.table["theme_id"].max()) + 1 + np.arange(int(repeat.sum()))
        table["theme_id"] = ids
    return ThemeSet(table=table, centroids=np.vstack(cents).astype(np.float32), threshold=theme_set.threshold), n_split
