"""The saved theme model in memory: themes plus the arrays that place new responses among them.

Two kinds share one folder format (docs/model-format.md):
- ``centroid``: one unit-length centre per theme; a segment takes the nearest centre above the
  threshold (what ``themes extract`` fits, and what a codebook turns into);
- ``classifier``: one-vs-rest logistic regression on response vectors, one row per class, each
  class mapped to a theme (what ``themes train`` fits).
Themes whose status is ``deleted`` stay in the model so that what was near them stays unlabelled;
themes whose status is ``merged`` stay so that what was near them goes to the theme they were
merged into (``merged_into``). Neither appears in outputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from themes.errors import ConfigError
from themes.types import ThemeSet, live_mask

KINDS = ("centroid", "classifier")
N_EXAMPLES = 3          # example quotes kept per theme in the manifest


@dataclass(frozen=True)
class SubCentroids:
    """Per theme, up to a dozen sub-group means of the segments it held when fitted.

    ``means`` are raw (not unit-length) means, so sum(count * mean) over a theme's rows is the
    sum of its members' vectors: merges and splits recompute centres exactly from them.
    """

    means: np.ndarray        # (m, d) float32
    theme_ids: np.ndarray    # (m,) int64
    counts: np.ndarray       # (m,) int64, each >= MIN_SUB_SIZE

    def rows_of(self, theme_id: int) -> np.ndarray:
        return np.flatnonzero(self.theme_ids == theme_id)


@dataclass(frozen=True)
class Classifier:
    """One-vs-rest logistic regression: P(class | response vector) = sigmoid(v . coef + intercept)."""

    coef: np.ndarray          # (C, d) float32
    intercept: np.ndarray     # (C,) float32
    thresholds: np.ndarray    # (C,) float32, chosen on held-out folds
    labels: tuple[str, ...]   # the training label of each class
    class_theme: np.ndarray   # (C,) int64: the theme id each class counts for (merges map several to one)
    fallback: bool = False    # a response that clears no threshold takes its most probable class

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        z = np.asarray(vectors, dtype=np.float32) @ self.coef.T + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


@dataclass
class ThemeModel:
    theme_set: ThemeSet
    embedder: dict                      # name, version, dimension
    settings: dict = field(default_factory=dict)
    by: tuple[str, ...] = ()
    question_column: str | None = None
    edits: list = field(default_factory=list)
    kind: str = "centroid"
    sub: SubCentroids | None = None
    classifier: Classifier | None = None
    info: dict = field(default_factory=dict)   # how it was fitted (e.g. held-out F1 of a classifier)
    # answers and sentences a reviewer moved (themes.results.assign.answer_key / sentence_key ->
    # theme id, None for unassigned): labelling the same answer again puts it where it was moved
    moves: dict = field(default_factory=dict)
    # `train --fine-tune`: the fine-tuned sentence model (themes.embed.finetune.FineTunedEmbedder),
    # saved in the model folder's encoder/ and used to label
    encoder: object | None = None

    @property
    def table(self) -> pd.DataFrame:
        return self.theme_set.table

    def position(self, theme_id: int) -> int:
        """Row of a live (not deleted or merged) theme, or a ConfigError naming the ids there are."""
        t = self.table
        hit = np.flatnonzero((t["theme_id"].to_numpy() == int(theme_id)) & live_mask(t))
        if len(hit) == 0:
            live = t.loc[live_mask(t), "theme_id"].tolist()
            raise ConfigError(f"There is no theme {theme_id} in this model; its themes are "
                              f"{', '.join(map(str, live)) or 'none'} (see themes.csv or `themes codebook export`).")
        return int(hit[0])

    def with_themes(self, table: pd.DataFrame, centroids: np.ndarray | None = None, threshold: float | None = None,
                    **changes) -> ThemeModel:
        ts = ThemeSet(table=table.reset_index(drop=True),
                      centroids=self.theme_set.centroids if centroids is None else centroids,
                      threshold=self.theme_set.threshold if threshold is None else float(threshold))
        return replace(self, theme_set=ts, **changes)


def sub_centroids(vectors: np.ndarray, theme_pos: np.ndarray, theme_set: ThemeSet, seed: int) -> SubCentroids:
    """Per theme, sub-group means of the segments it holds (what `themes edit split` re-clusters)."""
    from themes.discover.cluster import sub_groups

    means, ids, counts = [], [], []
    for p, tid in enumerate(theme_set.table["theme_id"]):
        m, c = sub_groups(vectors[theme_pos == p], seed)
        means.append(m)
        ids += [int(tid)] * len(c)
        counts.append(c)
    dim = vectors.shape[1] if vectors.ndim == 2 else 0
    return SubCentroids(means=np.vstack(means) if means else np.zeros((0, dim), np.float32),
                        theme_ids=np.asarray(ids, dtype=np.int64),
                        counts=np.concatenate(counts) if counts else np.zeros(0, np.int64))
