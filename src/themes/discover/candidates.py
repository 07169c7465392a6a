"""Unassigned responses -> suggested new themes (``new_candidates.csv`` of ``themes label``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from themes.config import Settings
from themes.discover.cluster import fit_centroids
from themes.discover.naming import name_themes
from themes.text.cache import default_terms
from themes.types import Result, Segments


def new_candidates(result: Result, segs: Segments, vectors, assignments, embedder, phrases,
                   settings: Settings) -> pd.DataFrame:
    """Unassigned responses, with their unassigned sentences grouped into suggested new themes."""
    un = np.flatnonzero(assignments.theme_pos < 0)
    unassigned_rows = result.responses.index[result.responses["status"] == "unassigned"]
    un = un[np.isin(segs.frame["row"].to_numpy()[un], unassigned_rows)]
    rows = segs.frame["row"].to_numpy()[un]
    responses = result.responses.iloc[np.unique(rows)] if len(un) else result.responses.iloc[:0]
    return candidate_table(responses, result.responses["response_id"].to_numpy()[rows],
                           np.asarray(segs.texts, dtype=object)[un], vectors[un], embedder, phrases, settings,
                           list(result.by))


def candidate_table(responses: pd.DataFrame, seg_response_ids, seg_texts, X: np.ndarray, embedder, phrases,
                    settings: Settings, by: list[str]) -> pd.DataFrame:
    """Group unassigned sentences into suggested new themes; one row per response (in the order of
    ``responses``) with the group of its first sentence."""
    cols = ["response_id", *by, "candidate_group", "candidate_name", "text"]
    if len(X) == 0:
        return pd.DataFrame(columns=cols)
    if len(X) >= 2 * settings.min_theme_size:
        cents, _ = fit_centroids(X, min_themes=1, max_themes=settings.max_themes,
                                 min_theme_size=settings.min_theme_size, reduce_dims=settings.reduce_dims,
                                 merge_similarity=settings.merge_similarity, seed=settings.seed,
                                 fit_sample=settings.sample_cap)
    else:
        cents = X.mean(axis=0, keepdims=True)
        cents /= np.linalg.norm(cents, axis=1, keepdims=True)
    group = np.argmax(X @ cents.T, axis=1)
    texts = np.asarray(seg_texts, dtype=object)
    by_group = [texts[group == g][np.argsort(-(X[group == g] @ cents[g]), kind="mergesort")].tolist()
                for g in range(len(cents))]
    names, _, _ = name_themes(by_group, cents, embedder, phrases, default_terms(settings))
    first = pd.Series(group, index=np.asarray(seg_response_ids, dtype=object)).groupby(level=0, sort=False).first()
    out = responses[["response_id", *by, "text"]].reset_index(drop=True)
    g = first.reindex(out["response_id"]).to_numpy().astype(np.int64)
    out.insert(len(by) + 1, "candidate_group", g + 1)
    out.insert(len(by) + 2, "candidate_name", [names[i] for i in g])
    return out[cols]
