"""Vectors -> groups: reduce, cluster, choose the number of themes, return theme centres.

The method (see docs/method.md for the evidence):
1. fit on at most ``fit_sample`` segments (a seeded sample when there are more);
2. exact PCA to ``reduce_dims`` dimensions (denoises; Ward's linkage is O(n^2 d));
3. Ward's agglomerative clustering: deterministic, no outlier class, one tree for every K;
4. the number of themes is a cut of that tree in the window max(5, 0.1 sqrt n) .. 0.5 sqrt n:
   the finest cut whose mean silhouette (cosine, fixed sample) is within 10% of the best,
   unless ``n_themes`` forces it;
5. themes smaller than ``min_theme_size`` are dissolved, near-duplicate themes
   (centre cosine >= ``merge_similarity``) merged; centres are unit-length means in the
   original embedding space, so every later step (assignment, labelling) is nearest-centre.
"""

from __future__ import annotations

import numpy as np

SILHOUETTE_SAMPLE = 3000
MIN_WINDOW = 5  # fewest themes the automatic choice considers (when the data allow as many)
SILHOUETTE_TOLERANCE = 0.10  # cuts within 10% of the best silhouette count as equally good


def _unit(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.where(norms == 0, 1, norms)


def reduce(X: np.ndarray, dims: int, seed: int) -> np.ndarray:
    """PCA to ``dims`` dimensions (or X itself when that would not reduce anything)."""
    if dims <= 0 or dims >= X.shape[1] or len(X) <= dims:
        return X
    from sklearn.decomposition import PCA

    # exact (eigendecomposition of the d x d covariance): cheap for d = 384, and the same
    # components for every seed, so the seed only matters through the fit sample
    return PCA(n_components=dims, svd_solver="covariance_eigh", random_state=seed).fit_transform(X)


def choose_k(X: np.ndarray, tree: np.ndarray, k_min: int, k_max: int) -> tuple[int, dict[int, float]]:
    """The cut of the Ward tree chosen by silhouette (cosine, fixed sample of the fit set): see
    ``pick_k``. Returns (K, silhouette of every K tried)."""
    from scipy.cluster.hierarchy import fcluster
    from sklearn.metrics import pairwise_distances, silhouette_score

    n = len(X)
    rng = np.random.default_rng(0)  # fixed: the choice must not wobble with the user's seed
    sample = np.sort(rng.choice(n, SILHOUETTE_SAMPLE, replace=False)) if n > SILHOUETTE_SAMPLE else np.arange(n)
    D = pairwise_distances(X[sample], metric="cosine")
    np.clip(D, 0, None, out=D)
    np.fill_diagonal(D, 0)
    scores: dict[int, float] = {}
    for k in range(k_min, k_max + 1):
        labels = fcluster(tree, k, criterion="maxclust")[sample]
        n_lab = len(np.unique(labels))
        if n_lab < 2 or n_lab >= len(sample):
            continue
        scores[k] = float(silhouette_score(D, labels, metric="precomputed"))
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


def fit_centroids(X: np.ndarray, *, n_themes: int | None = None, min_themes: int = 2, max_themes: int = 60,
                  min_theme_size: int = 3, fit_sample: int = 20000, reduce_dims: int = 48,
                  merge_similarity: float = 0.92, seed: int = 42) -> tuple[np.ndarray, dict]:
    """Fit themes on unit-length vectors; return (centroids k x d, diagnostics)."""
    from scipy.cluster.hierarchy import fcluster, linkage

    X = np.asarray(X, dtype=np.float32)
    n = len(X)
    info: dict = {"n_fit": 0, "k_chosen": 0, "silhouette": {}}
    if n == 0:
        return np.zeros((0, X.shape[1] if X.ndim == 2 else 0), dtype=np.float32), info
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(n, fit_sample, replace=False)) if n > fit_sample else np.arange(n)
    Xf = X[idx]
    info["n_fit"] = int(len(idx))
    if len(np.unique(Xf.round(5), axis=0)) < 2:
        return _unit(Xf.mean(axis=0, keepdims=True)), info

    Z = reduce(Xf.astype(np.float64), reduce_dims, seed)
    tree = linkage(Z, method="ward")
    size_cap = max(1, len(Xf) // max(min_theme_size, 1))
    if n_themes is not None:
        k = min(n_themes, len(Xf))
    else:
        k_hi, k_lo = k_range(len(Xf), min_themes, max_themes, size_cap)
        k, scores = choose_k(Xf, tree, k_lo, k_hi)
        info["silhouette"] = {str(key): round(val, 4) for key, val in scores.items()}
    labels = fcluster(tree, k, criterion="maxclust") - 1
    info["k_chosen"] = int(k)

    keep_small = n_themes is not None
    centroids = _centres(Xf, labels, min_size=1 if keep_small else min_theme_size)
    info["dissolved_small"] = int(k - len(centroids))
    if not keep_small:
        before = len(centroids)
        centroids = _merge_close(Xf, centroids, merge_similarity)
        info["merged"] = int(before - len(centroids))
    # Order themes by size (then by first member) so ids read from largest to smallest.
    nearest = np.argmax(Xf @ centroids.T, axis=1)
    sizes = np.bincount(nearest, minlength=len(centroids))
    first = np.array([np.flatnonzero(nearest == j)[0] if sizes[j] else n for j in range(len(centroids))])
    order = np.lexsort((first, -sizes))
    order = order[sizes[order] > 0]
    return centroids[order].astype(np.float32), info


def _centres(X: np.ndarray, labels: np.ndarray, min_size: int) -> np.ndarray:
    ks, counts = np.unique(labels, return_counts=True)
    big = ks[counts >= min_size]
    if len(big) == 0:
        big = ks[[int(np.argmax(counts))]]
    return _unit(np.stack([X[labels == k].mean(axis=0) for k in big]))


def _merge_close(X: np.ndarray, centroids: np.ndarray, threshold: float) -> np.ndarray:
    """Merge pairs of themes whose centres are nearly the same direction, closest first."""
    while len(centroids) > 1:
        sim = centroids @ centroids.T
        np.fill_diagonal(sim, -1)
        i, j = np.unravel_index(np.argmax(sim), sim.shape)
        if sim[i, j] < threshold:
            break
        nearest = np.argmax(X @ centroids.T, axis=1)
        members = (nearest == i) | (nearest == j)
        merged = _unit(X[members].mean(axis=0, keepdims=True))[0]
        keep = [t for t in range(len(centroids)) if t not in (i, j)]
        centroids = np.vstack([centroids[keep], merged[None, :]])
    return centroids


MAX_SUB_GROUPS = 12   # sub-groups kept per theme in a saved model (for `themes edit split`)
MIN_SUB_SIZE = 3      # no sub-group stands for fewer segments than this


def sub_groups(X: np.ndarray, seed: int, max_groups: int = MAX_SUB_GROUPS,
               min_size: int = MIN_SUB_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Summarise one theme's member vectors as up to ``max_groups`` k-means groups of at least
    ``min_size`` members: (raw means g x d, counts g). Fewer than ``min_size`` members: none."""
    X = np.asarray(X, dtype=np.float32)
    n = len(X)
    if n < min_size:
        return np.zeros((0, X.shape[1] if X.ndim == 2 else 0), np.float32), np.zeros(0, np.int64)
    k = min(max_groups, n // min_size, len(np.unique(X.round(5), axis=0)))
    labels = np.zeros(n, dtype=np.int64)
    if k >= 2:
        from sklearn.cluster import KMeans

        labels = KMeans(n_clusters=k, n_init=3, random_state=seed).fit_predict(X)
        while True:  # dissolve groups under min_size into their nearest neighbour group
            counts = np.bincount(labels, minlength=labels.max() + 1)
            small = np.flatnonzero((counts > 0) & (counts < min_size))
            if len(small) == 0:
                break
            keep = np.flatnonzero(counts >= min_size)
            means = np.stack([X[labels == g].mean(axis=0) for g in keep])
            moving = np.isin(labels, small)
            labels[moving] = keep[np.argmax(X[moving] @ means.T, axis=1)]
    groups = np.unique(labels)
    means = np.stack([X[labels == g].mean(axis=0) for g in groups]).astype(np.float32)
    counts = np.array([int((labels == g).sum()) for g in groups], dtype=np.int64)
    return means, counts


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
