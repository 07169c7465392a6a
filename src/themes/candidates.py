"""Unassigned responses -> suggested new themes (``new_candidates.csv`` of ``themes label``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .cluster import fit_centroids
from .config import Settings
from .name import name_themes
from .types import Result, Segments


def new_candidates(result: Result, segs: Segments, vectors, assignments, embedder, phrases,
                   settings: Settings) -> pd.DataFrame:
    """Unassigned responses, with their unassigned sentences grouped into suggested new themes."""
    by = list(result.by)
    cols = ["response_id", *by, "candidate_group", "candidate_name", "text"]
    un = np.flatnonzero(assignments.theme_pos < 0)
    unassigned_rows = set(result.responses.index[result.responses["status"] == "unassigned"])
    un = np.array([i for i in un if int(segs.frame["row"].iat[i]) in unassigned_rows], dtype=np.int64)
    if len(un) == 0:
        return pd.DataFrame(columns=cols)
    X = vectors[un]
    if len(un) >= 2 * settings.min_theme_size:
        cents, _ = fit_centroids(X, min_themes=1, max_themes=settings.max_themes,
                                 min_theme_size=settings.min_theme_size, reduce_dims=settings.reduce_dims,
                                 merge_similarity=settings.merge_similarity, seed=settings.seed)
    else:
        cents = X.mean(axis=0, keepdims=True)
        cents /= np.linalg.norm(cents, axis=1, keepdims=True)
    group = np.argmax(X @ cents.T, axis=1)
    texts = np.asarray(segs.texts, dtype=object)[un]
    by_group = [texts[group == g][np.argsort(-(X[group == g] @ cents[g]), kind="mergesort")].tolist()
                for g in range(len(cents))]
    names, _ = name_themes(by_group, cents, embedder, phrases)
    rows = segs.frame["row"].to_numpy()[un]
    first: dict[int, int] = {}
    for r, g in zip(rows, group):
        first.setdefault(int(r), int(g))
    resp = result.responses
    out = pd.DataFrame({"row": sorted(first)})
    out["response_id"] = resp["response_id"].to_numpy()[out["row"]]
    for col in by:
        out[col] = resp[col].to_numpy()[out["row"]]
    out["candidate_group"] = [first[r] + 1 for r in out["row"]]
    out["candidate_name"] = [names[first[r]] for r in out["row"]]
    out["text"] = resp["text"].to_numpy()[out["row"]]
    return out.drop(columns="row")[cols]
