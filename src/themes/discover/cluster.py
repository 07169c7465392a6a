"""Vectors -> groups: reduce, cluster, choose the number of themes, return theme centres.

The method (see docs/method.md for the evidence):
1. every distinct sentence takes part (``fit_sample``, off by default, bounds them to a seeded
   sample);
2. exact PCA to ``reduce_dims`` dimensions, then Ward's tree (themes.discover.tree): exact on up
   to 4,000 distinct sentences, above that over 4,000 k-means micro-clusters weighted by their
   sentences, so memory grows linearly with the sentences;
3. Ward's agglomerative clustering: deterministic, no outlier class, one tree for every K;
4. the number of themes is a cut of that tree in the window max(5, 0.1 sqrt n) .. 0.5 sqrt n
   (n distinct sentences): the finest cut whose mean silhouette (cosine, fixed sample of
   sentences) is within 10% of the best, unless ``n_themes`` forces it;
5. themes smaller than ``min_theme_size`` are dissolved, near-duplicate themes
   (centre cosine >= ``merge_similarity``) merged; centres are unit-length means in the
   original embedding space, so every later step (assignment, labelling) is nearest-centre;
6. ``REFINE_ITERS`` steps of (count-weighted) spherical k-means from Ward's centres on the fit
   set: the themes then depend less on which sentences a sample left out.
"""

from __future__ import annotations

import numpy as np

from themes.discover.silhouette import silhouettes
from themes.types import SegmentVectors, row_codes

SILHOUETTE_SAMPLE = 3000
REFINE_ITERS = 10  # spherical k-means steps after Ward (makes the themes depend less on the fit sample)
MIN_WINDOW = 5  # fewest themes the automatic choice considers (when the data allow as many)
SILHOUETTE_TOLERANCE = 0.10  # cuts within 10% of the best silhouette count as equally good


def _unit(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.where(norms == 0, 1, norms)


def choose_k(X: np.ndarray, tree: np.ndarray, k_min: int, k_max: int,
             leaf: np.ndarray | None = None) -> tuple[int, dict[int, float]]:
    """The cut of the Ward tree chosen by silhouette (cosine, fixed sample of the fit set): see
    ``pick_k``. ``leaf``: the tree leaf of each row of X (None: row i is leaf i). Returns (K,
    silhouette of every K tried)."""
    from scipy.cluster.hierarchy import fcluster

    n = len(X)
    rng = np.random.default_rng(0)  # fixed: the choice must not wobble with the user's seed
    sample = np.sort(rng.choice(n, SILHOUETTE_SAMPLE, replace=False)) if n > SILHOUETTE_SAMPLE else np.arange(n)
    leaves = sample if leaf is None else leaf[sample]
    S = _unit(X[sample])
    D = S @ S.T
    np.subtract(1, D, out=D)   # cosine distance, in place: one n x n matrix, not two
    np.clip(D, 0, None, out=D)
    np.fill_diagonal(D, 0)
    cuts = {k: fcluster(tree, k, criterion="maxclust")[leaves] for k in range(k_min, k_max + 1)}
    scores = silhouettes(D, {k: lab for k, lab in cuts.items() if 2 <= len(np.unique(lab)) < len(sample)})
    if not scores:
        return max(1, min(k_min, n)), scores
    return pick_k(scores), scores


def pick_k(scores: dict[int, float], tolerance: float = SILHOUETTE_TOLERANCE) -> int:
    """The largest K whose silhouette is within ``tolerance`` (relative) of the best.

    On survey text the silhouette curve is often flat, with spikes of about 10% that move when
    the sample changes slightly (FFT: 0.040-0.044 for every K from 14 to 29, peak at 16 or at
    31 on different 90% samples); the plain maximum then picks an arbitrary K. Among cuts that
    the data rate about equally, the finest is kept: that choice moves less between samples,
    and two themes are easier for a researcher to merge than one to split."""
    best = max(scores.values())
    floor = best - tolerance * abs(best)
    return max(k for k, v in scores.items() if v >= floor)


def k_range(n: int, min_themes: int, max_themes: int, size_cap: int) -> tuple[int, int]:
    """Search window (hi, lo) for the number of themes among n sentences: from
    max(5, 0.1 sqrt(n)) to 0.5 sqrt(n). The upper bound is needed because silhouette keeps
    rising as themes shrink on small sets, and stays flat into very fine cuts of large ones
    (AG News); the lower bound keeps out the trivial 2-3 theme cuts that silhouette often
    prefers (a survey question rarely has fewer than 5 themes worth reporting). In between,
    the data decide (docs/method.md)."""
    hi = int(round(0.5 * np.sqrt(n)))
    hi = max(min(hi, max_themes, size_cap, n - 1), 1)
    lo = max(min(min_themes, hi), min(max(MIN_WINDOW, int(round(0.1 * np.sqrt(n)))), hi))
    return hi, lo


def distinct_rows(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distinct rows in a fixed order, index of each row's distinct row, count of each).

    Survey answers repeat ("Very good service", "Nothing"), and so do their vectors: the costly
    steps (Ward's tree, silhouette, sub-groups) run on distinct vectors, with counts as weights."""
    X = np.ascontiguousarray(X, dtype=np.float32)
    if len(X) == 0:
        return X, np.zeros(0, np.int64), np.zeros(0, np.int64)
    codes, first = row_codes(X)
    if len(first) == len(X):
        return X, codes, np.ones(len(X), np.int64)   # X itself, no copy (107,945 x 384 is 166 MB)
    return X[first], codes, np.bincount(codes, minlength=len(first)).astype(np.int64)


def weighted_distinct(X) -> tuple[np.ndarray, np.ndarray]:
    """(distinct rows in order of first appearance, how many rows each stands for) of a matrix
    or of SegmentVectors (whose distinct texts are counted without the full matrix; texts with
    the same vector are one row, as in the matrix)."""
    if not isinstance(X, SegmentVectors):
        U, _, w = distinct_rows(X)
        return U, w
    import pandas as pd

    used = pd.unique(X.index)   # each distinct text, in order of its first segment
    counts = np.bincount(X.index, minlength=len(X.distinct))[used]
    in_order = len(used) == len(X.distinct) and bool((used == np.arange(len(used))).all())
    U, codes, _ = distinct_rows(X.distinct if in_order else X.distinct[used])   # no copy when all are used in order
    return U, np.bincount(codes, weights=counts, minlength=len(U)).astype(np.int64)


def n_distinct(X: np.ndarray, decimals: int = 5) -> int:
    """How many distinct rows X has once rounded (vectors equal to ``decimals`` places are one)."""
    return len(distinct_rows(np.round(X, decimals))[0]) if len(X) else 0


def two_apart(X: np.ndarray, tol: float = 1e-5) -> bool:
    """Whether any row of X differs from the first by more than ``tol`` (in blocks: no copy)."""
    return any(np.abs(X[s:s + 8192] - X[0]).max() > tol for s in range(0, len(X), 8192))


def fit_centroids(X: np.ndarray, *, n_themes: int | None = None, min_themes: int = 2, max_themes: int = 60,
                  min_theme_size: int = 3, fit_sample: int | None = None, reduce_dims: int = 48,
                  merge_similarity: float = 0.92, seed: int = 42, cache_dir=None,
                  device: str = "cpu") -> tuple[np.ndarray, dict]:
    """Fit themes on unit-length vectors; return (centroids k x d, diagnostics).

    Repeated vectors (the same sentence said many times) enter the tree once and count with
    their number in every centre, size and merge. Every distinct vector is fitted on unless
    ``fit_sample`` bounds them to a seeded sample; beyond the vectors, memory grows linearly."""
    from scipy.cluster.hierarchy import fcluster

    from themes.discover.tree import MICRO_CLUSTERS, fit_tree

    X = X if isinstance(X, SegmentVectors) else np.asarray(X, dtype=np.float32)
    n = len(X)
    info: dict = {"n_fit": 0, "k_chosen": 0, "silhouette": {}}
    if n == 0:
        return np.zeros((0, X.shape[1] if X.ndim == 2 else 0), dtype=np.float32), info
    Xf, wf = weighted_distinct(X)
    if fit_sample is not None and len(Xf) > fit_sample:
        idx = np.sort(np.random.default_rng(seed).choice(len(Xf), fit_sample, replace=False))
        Xf, wf = Xf[idx], wf[idx]
    info["n_fit"] = int(len(Xf))
    info["n_fit_segments"] = int(wf.sum())
    if not two_apart(Xf):
        return _unit((wf.astype(np.float32) @ Xf)[None, :]), info

    tree, leaf = fit_tree(Xf, reduce_dims, seed, cache_dir, device)
    info["tree_leaves"] = int(len(tree) + 1)
    info["micro_clusters"] = len(Xf) > MICRO_CLUSTERS
    size_cap = max(1, int(wf.sum()) // max(min_theme_size, 1))
    if n_themes is not None:
        k = min(n_themes, len(tree) + 1)
    else:
        k_hi, k_lo = k_range(len(Xf), min_themes, max_themes, size_cap)
        k_hi, k_lo = min(k_hi, len(tree)), min(k_lo, len(tree))
        k, scores = choose_k(Xf, tree, k_lo, k_hi, leaf)
        info["silhouette"] = {str(key): round(val, 4) for key, val in scores.items()}
    labels = (fcluster(tree, k, criterion="maxclust") - 1)[leaf]
    info["k_chosen"] = int(k)

    keep_small = n_themes is not None
    centroids = _centres(Xf, labels, wf, min_size=1 if keep_small else min_theme_size)
    info["dissolved_small"] = int(k - len(centroids))
    if not keep_small:
        before = len(centroids)
        centroids = _merge_close(Xf, wf, centroids, merge_similarity)
        info["merged"] = int(before - len(centroids))
    for _ in range(REFINE_ITERS):  # spherical k-means steps from Ward's centres (weighted)
        near = np.argmax(Xf @ centroids.T, axis=1)
        held = np.bincount(near, minlength=len(centroids)) > 0
        centroids = centroids.copy()
        centroids[held] = _unit(_group_sums(Xf, near, len(centroids), wf)[held])
    # Order themes by size (then by first member) so ids read from largest to smallest.
    nearest = np.argmax(Xf @ centroids.T, axis=1)
    sizes = np.bincount(nearest, weights=wf, minlength=len(centroids))
    first = np.full(len(centroids), n)
    np.minimum.at(first, nearest, np.arange(len(nearest)))
    order = np.lexsort((first, -sizes))
    order = order[sizes[order] > 0]
    return centroids[order].astype(np.float32), info


def _group_sums(X: np.ndarray, labels: np.ndarray, k: int, w: np.ndarray | None = None) -> np.ndarray:
    """k x d: the (``w``-weighted) sum of X's rows in each of k groups, as one sparse product
    (no k x n dense matrix, no weighted copy of X)."""
    from scipy.sparse import csr_matrix

    weights = np.ones(len(X), X.dtype) if w is None else np.asarray(w, dtype=X.dtype)  # X's type: no upcast copy
    member = csr_matrix((weights, (labels, np.arange(len(X)))), shape=(k, len(X)))
    return np.asarray(member @ X, dtype=X.dtype)


def _wmean(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    return (w[:, None] * X).sum(axis=0, keepdims=True) / max(float(w.sum()), 1e-12)


def _centres(X: np.ndarray, labels: np.ndarray, w: np.ndarray, min_size: int) -> np.ndarray:
    ks, labels = np.unique(labels, return_inverse=True)
    sizes = np.bincount(labels, weights=w, minlength=len(ks))
    big = np.flatnonzero(sizes >= min_size)
    if len(big) == 0:
        big = np.array([int(np.argmax(sizes))])
    return _unit(_group_sums(X, labels, len(ks), w)[big])


def _merge_close(X: np.ndarray, w: np.ndarray, centroids: np.ndarray, threshold: float) -> np.ndarray:
    """Merge pairs of themes whose centres are nearly the same direction, closest first."""
    while len(centroids) > 1:
        sim = centroids @ centroids.T
        np.fill_diagonal(sim, -1)
        i, j = np.unravel_index(np.argmax(sim), sim.shape)
        if sim[i, j] < threshold:
            break
        nearest = np.argmax(X @ centroids.T, axis=1)
        members = (nearest == i) | (nearest == j)
        merged = _unit((np.where(members, w, 0).astype(X.dtype) @ X)[None, :])[0]
        keep = [t for t in range(len(centroids)) if t not in (i, j)]
        centroids = np.vstack([centroids[keep], merged[None, :]])
    return centroids


MAX_SUB_GROUPS = 12   # sub-groups kept per theme in a saved model (for `themes edit split`)
MIN_SUB_SIZE = 3      # no sub-group stands for fewer segments than this


SUB_FIT_MAX = 1000    # distinct vectors k-means sees per theme (the rest join their nearest group)


def sub_groups(X: np.ndarray, seed: int, max_groups: int = MAX_SUB_GROUPS,
               min_size: int = MIN_SUB_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Summarise one theme's member vectors as up to ``max_groups`` k-means groups of at least
    ``min_size`` members: (raw means g x d, counts g). Fewer than ``min_size`` members: none.
    k-means runs on distinct vectors weighted by their counts (a seeded sample of at most
    ``SUB_FIT_MAX`` of them on very large themes)."""
    X = np.asarray(X, dtype=np.float32)
    n = len(X)
    if n < min_size:
        return np.zeros((0, X.shape[1] if X.ndim == 2 else 0), np.float32), np.zeros(0, np.int64)
    U, _, w = distinct_rows(X)
    k = min(max_groups, n // min_size, n_distinct(U))
    labels = np.zeros(len(U), dtype=np.int64)
    if k >= 2:
        rng = np.random.default_rng(seed)
        fit = np.sort(rng.choice(len(U), SUB_FIT_MAX, replace=False)) if len(U) > SUB_FIT_MAX else np.arange(len(U))
        labels = nearest_centre(U, weighted_kmeans(U[fit], w[fit], k, seed))
        while True:  # dissolve groups under min_size into their nearest neighbour group
            counts = np.bincount(labels, weights=w, minlength=labels.max() + 1)
            small = np.flatnonzero((counts > 0) & (counts < min_size))
            if len(small) == 0:
                break
            keep = np.flatnonzero(counts >= min_size)
            means = np.vstack([_wmean(U[labels == g], w[labels == g]) for g in keep])
            moving = np.isin(labels, small)
            labels[moving] = keep[np.argmax(U[moving] @ means.T, axis=1)]
    groups = np.unique(labels)
    means = np.vstack([_wmean(U[labels == g], w[labels == g]) for g in groups]).astype(np.float32)
    counts = np.array([int(w[labels == g].sum()) for g in groups], dtype=np.int64)
    return means, counts


KMEANS_ITERS = 50     # Lloyd steps at most (it stops when no centre moves)


def nearest_centre(X: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of each row's nearest centre (Euclidean)."""
    return np.argmin((centres * centres).sum(axis=1)[None, :] - 2 * X @ centres.T, axis=1)


def weighted_kmeans(X: np.ndarray, w: np.ndarray, k: int, seed: int, iters: int = KMEANS_ITERS) -> np.ndarray:
    """Centres (k x d) of Lloyd's k-means with row weights, from a seeded k-means++ start.

    Used for sub-groups, which are small (at most ``SUB_FIT_MAX`` rows, ``MAX_SUB_GROUPS``
    groups): a few numpy lines, where scikit-learn's import alone would cost a warm run a
    second. Fewer than k distinct rows give fewer centres."""
    X = np.asarray(X, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    rng = np.random.default_rng(seed)
    sq = (X * X).sum(axis=1)
    first = X[rng.choice(len(X), p=w / w.sum())]
    centres = [first]
    d2 = np.maximum(sq - 2 * X @ first + first @ first, 0)
    for _ in range(1, k):
        p = w * d2
        if p.sum() <= 0:
            break
        c = X[rng.choice(len(X), p=p / p.sum())]
        centres.append(c)
        d2 = np.minimum(d2, np.maximum(sq - 2 * X @ c + c @ c, 0))
    C = np.vstack(centres)
    for _ in range(iters):
        labels = nearest_centre(X, C)
        total = np.bincount(labels, weights=w, minlength=len(C))
        new = C.copy()
        held = total > 0
        new[held] = _group_sums(X, labels, len(C), w)[held] / total[held, None]
        if np.array_equal(new, C):
            break
        C = new
    return C.astype(np.float32)


def split_groups(means: np.ndarray, counts: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Partition a theme's sub-groups into ``k`` parts (weighted k-means on their directions)."""
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(_unit(means), sample_weight=counts)


def pooled_centre(means: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The unit-length mean of every member the sub-groups stand for."""
    return _unit((counts[:, None] * means).sum(axis=0, keepdims=True))[0].astype(np.float32)


def seed_centres(meaning: np.ndarray, examples: list[np.ndarray]) -> np.ndarray:
    """Codebook centres: each theme's name-and-description vector, pulled halfway towards the
    mean of its example vectors when it has examples."""
    out = np.array(meaning, dtype=np.float32, copy=True)
    for j, ex in enumerate(examples):
        if len(ex):
            out[j] = out[j] + _unit(np.asarray(ex, np.float32).mean(axis=0, keepdims=True))[0]
    return _unit(out).astype(np.float32)


def blend_centres(seeds: np.ndarray, X: np.ndarray, taken: np.ndarray, min_size: int) -> np.ndarray:
    """Move each seeded centre halfway towards the mean of the segments it took (when it took at
    least ``min_size``), so it sits among real answers while keeping the codebook's meaning."""
    out = np.array(seeds, dtype=np.float32, copy=True)
    for j in range(len(seeds)):
        members = X[taken == j]
        if len(members) >= min_size:
            out[j] = out[j] + _unit(members.mean(axis=0, keepdims=True))[0]
    return _unit(out).astype(np.float32)
