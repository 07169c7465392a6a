"""Distinct vectors -> Ward's tree, in memory that grows only linearly with the sentences.

Two ways, chosen by size (docs/method.md, "Cost"):
- up to ``MICRO_CLUSTERS`` distinct sentences: exact PCA and scipy's Ward linkage on all of
  them (its condensed distance matrix is about 64 MB at 4,000);
- above: a linear first stage, chunked Lloyd k-means on the PCA-reduced sentences to
  ``MICRO_CLUSTERS`` micro-clusters, then Ward's tree over the micro-cluster centres, each
  weighted by the sentences it holds (``weighted_ward``). Ward's merge cost only needs each
  cluster's centre and weight, so this is the tree an exact Ward run would build if it were
  made to merge each micro-cluster first; its memory is the centres, O(MICRO_CLUSTERS x d).

The first stage starts from a fixed sample (``rng(0)``, not the user's seed), so the same
sentences give the same tree whatever the seed, as Ward alone does. ``device`` runs the
k-means in torch on a GPU; the result does not depend on where it ran beyond rounding.
"""

from __future__ import annotations

import numpy as np

MICRO_CLUSTERS = 4000   # above this many distinct sentences, Ward sees micro-clusters
MICRO_ITERS = 5         # Lloyd steps of the first stage (micro-clusters need not converge)
MICRO_FIT = 40_000      # rows those steps run on (a fixed sample); then every row joins its nearest
CHUNK = 1024            # rows per block in the first stage and the chunked PCA (memory: CHUNK x MICRO, 16 MB)
TREE_VERSION = 2        # bump when the tree or the cache layout changes


def reduce(X: np.ndarray, dims: int, seed: int) -> np.ndarray:
    """PCA to ``dims`` dimensions (or X itself when that would not reduce anything)."""
    if dims <= 0 or dims >= X.shape[1] or len(X) <= dims:
        return X
    from sklearn.decomposition import PCA

    # exact (eigendecomposition of the d x d covariance): cheap for d = 384, and the same
    # components for every seed, so the seed only matters through the fit sample
    return PCA(n_components=dims, svd_solver="covariance_eigh", random_state=seed).fit_transform(X)


def reduce_chunked(X: np.ndarray, dims: int) -> np.ndarray:
    """The same projection as ``reduce`` (exact PCA from the d x d covariance), in float32 and in
    blocks: no float64 copy of X. Axes may differ in sign, which no distance notices."""
    if dims <= 0 or dims >= X.shape[1] or len(X) <= dims:
        return np.asarray(X, dtype=np.float32)
    n, d = X.shape
    mean = np.zeros(d)
    for s in range(0, n, CHUNK):
        mean += X[s:s + CHUNK].sum(axis=0, dtype=np.float64)
    mean /= n
    cov = np.zeros((d, d))
    m32 = mean.astype(np.float32)
    for s in range(0, n, CHUNK):
        B = X[s:s + CHUNK] - m32
        cov += B.T @ B      # float32 within a block, summed in float64
    _, vecs = np.linalg.eigh(cov)
    V = vecs[:, ::-1][:, :dims].astype(np.float32)
    out = np.empty((n, dims), np.float32)
    for s in range(0, n, CHUNK):
        out[s:s + CHUNK] = (X[s:s + CHUNK] - m32) @ V
    return out


def micro_clusters(Y: np.ndarray, k: int, device: str = "cpu", iters: int = MICRO_ITERS
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Lloyd k-means of Y's rows into at most ``k`` groups: (centres k' x d float32, group of
    each row). The ``iters`` steps run on a fixed sample of at most ``MICRO_FIT`` rows, from ``k``
    of them (seed 0, whatever the user's seed); then every row joins its nearest centre and the
    centres become the means of all their rows. Assignment runs in blocks of ``CHUNK`` rows, so
    memory is Y plus CHUNK x k. Groups left empty are dropped."""
    n = len(Y)
    Y = np.asarray(Y, np.float32)
    if n <= k:
        return Y.copy(), np.arange(n, dtype=np.int64)
    rng = np.random.default_rng(0)
    fit = np.sort(rng.choice(n, MICRO_FIT, replace=False)) if n > MICRO_FIT else np.arange(n)
    start = np.sort(rng.choice(len(fit), k, replace=False))
    lloyd = _lloyd_numpy if device == "cpu" else _lloyd_torch
    labels = lloyd(Y, fit, start, iters, device)
    used, labels = np.unique(labels, return_inverse=True)
    sums, counts = _sums(Y, labels, len(used))
    return (sums / counts[:, None]).astype(np.float32), labels.astype(np.int64)


def _sums(Y: np.ndarray, labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    from scipy.sparse import csr_matrix

    member = csr_matrix((np.ones(len(Y), Y.dtype), (labels, np.arange(len(Y)))), shape=(k, len(Y)))
    return np.asarray(member @ Y, dtype=np.float64), np.bincount(labels, minlength=k).astype(np.float64)


def _lloyd_numpy(Y: np.ndarray, fit: np.ndarray, start: np.ndarray, iters: int, device: str = "cpu") -> np.ndarray:
    def nearest(rows: np.ndarray, C: np.ndarray) -> np.ndarray:
        half_sq = 0.5 * (C * C).sum(axis=1)
        out = np.empty(len(rows), np.int64)
        for s in range(0, len(rows), CHUNK):
            D = rows[s:s + CHUNK] @ C.T        # one block of scores, changed in place
            np.subtract(half_sq, D, out=D)
            out[s:s + CHUNK] = np.argmin(D, axis=1)
        return out

    Ys = Y[fit] if len(fit) < len(Y) else Y
    C = Ys[start].copy()
    for _ in range(iters):
        sums, counts = _sums(Ys, nearest(Ys, C), len(C))
        held = counts > 0
        C[held] = (sums[held] / counts[held, None]).astype(np.float32)
    return nearest(Y, C)


def _lloyd_torch(Y: np.ndarray, fit: np.ndarray, start: np.ndarray, iters: int, device: str) -> np.ndarray:
    import torch

    def nearest(rows, C):
        sq = (C * C).sum(dim=1)
        return torch.cat([torch.argmin(sq[None, :] - 2 * rows[s:s + CHUNK] @ C.T, dim=1)
                          for s in range(0, len(rows), CHUNK)])

    Yt = torch.as_tensor(Y, device=device)
    Ys = Yt[torch.as_tensor(fit, device=device)] if len(fit) < len(Y) else Yt
    C = Ys[torch.as_tensor(start, device=device)].clone()
    for _ in range(iters):
        labels = nearest(Ys, C)
        sums = torch.zeros(C.shape, dtype=torch.float64, device=device).index_add_(0, labels, Ys.double())
        counts = torch.bincount(labels, minlength=len(C)).double()
        held = counts > 0
        C[held] = (sums[held] / counts[held, None]).float()
    return nearest(Yt, C).cpu().numpy()


def weighted_ward(C: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Ward's linkage (scipy's format and heights) of points ``C`` carrying weights ``w``: each
    merge joins the two clusters with the least w_a w_b / (w_a + w_b) |c_a - c_b|^2, found by the
    nearest-neighbour chain. With unit weights it is scipy's ``linkage(C, "ward")``. Memory:
    the centres and weights only (each step computes one row of merge costs)."""
    C = np.array(C, dtype=np.float64)
    w = np.array(w, dtype=np.float64)
    m = len(C)
    if m < 2:
        return np.zeros((0, 4))
    sq = (C * C).sum(axis=1)
    active = np.ones(m, bool)
    height = np.zeros(m)              # height of the last merge into each slot (kept monotone)
    merges: list[tuple[int, int, float]] = []
    chain: list[int] = []
    while len(merges) < m - 1:
        if not chain:
            chain.append(int(np.flatnonzero(active)[0]))
        a = chain[-1]
        cost = w * w[a] / (w + w[a]) * np.maximum(sq + sq[a] - 2 * (C @ C[a]), 0)
        cost[~active] = np.inf
        cost[a] = np.inf
        b = int(np.argmin(cost))
        if len(chain) > 1 and cost[chain[-2]] <= cost[b]:
            b = chain[-2]           # ties go back down the chain (it must not cycle)
        if len(chain) < 2 or b != chain[-2]:
            chain.append(b)
            continue
        chain.pop()
        chain.pop()
        h = max(float(np.sqrt(2 * cost[b])), height[a], height[b])
        merges.append((a, b, h))
        total = w[a] + w[b]
        C[b] = (w[a] * C[a] + w[b] * C[b]) / total
        sq[b] = C[b] @ C[b]
        w[b] = total
        height[b] = h
        active[a] = False
    return _as_linkage(merges, m)


def _as_linkage(merges: list[tuple[int, int, float]], m: int) -> np.ndarray:
    """Merges (slot, slot, height) in the order found -> scipy's linkage matrix: sorted by height
    (stable, so a merge stays after its children), clusters renumbered m, m+1, ..."""
    order = sorted(range(len(merges)), key=lambda i: merges[i][2])
    parent = list(range(m))
    cid = list(range(m))
    size = [1] * m

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    Z = np.zeros((len(merges), 4))
    for row, i in enumerate(order):
        a, b, h = merges[i]
        ra, rb = find(a), find(b)
        lo, hi = sorted((cid[ra], cid[rb]))
        Z[row] = (lo, hi, h, size[ra] + size[rb])
        parent[ra] = rb
        cid[rb] = m + row
        size[rb] += size[ra]
    return Z


def fit_tree(X: np.ndarray, reduce_dims: int, seed: int, cache_dir=None, device: str = "cpu"
             ) -> tuple[np.ndarray, np.ndarray]:
    """Ward's tree of X's rows (distinct unit vectors): (linkage over the tree's leaves, the
    leaf of each row). Exact Ward up to ``MICRO_CLUSTERS`` rows (each row its own leaf), the two
    stages above. With ``cache_dir``, both are kept on disk (``trees/<hash>.npz``, keyed by the
    exact vectors and ``reduce_dims``), so a rerun on the same sentences, with another
    ``--n-themes`` for instance, skips them."""
    path = None
    if cache_dir is not None:
        import hashlib
        import zipfile
        from pathlib import Path

        key = f"ward|v{TREE_VERSION}|{MICRO_CLUSTERS}|{reduce_dims}|{X.shape}|{X.dtype}"
        h = hashlib.blake2b(key.encode(), digest_size=16)
        h.update(memoryview(np.ascontiguousarray(X)))   # the buffer itself: no 166 MB bytes copy
        path = Path(cache_dir) / "trees" / f"{h.hexdigest()}.npz"
        try:
            with np.load(path, allow_pickle=False) as saved:
                tree, leaf = saved["tree"], saved["leaf"]
            if (tree.dtype == np.float64 and tree.ndim == 2 and tree.shape[1] == 4 and leaf.shape == (len(X),)
                    and len(leaf) and leaf.min() >= 0 and leaf.max() == len(tree)):
                return tree, leaf
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile):
            pass  # missing or unreadable: fit it again
    if len(X) <= MICRO_CLUSTERS:
        from scipy.cluster.hierarchy import linkage

        tree = linkage(reduce(X.astype(np.float64), reduce_dims, seed), method="ward")
        leaf = np.arange(len(X), dtype=np.int64)
    else:
        centres, leaf = micro_clusters(reduce_chunked(X, reduce_dims), MICRO_CLUSTERS, device)
        tree = weighted_ward(centres, np.bincount(leaf, minlength=len(centres)))
    if path is not None:
        from themes.io.atomic import write_cache_file

        write_cache_file(path, lambda fh: np.savez(fh, tree=tree, leaf=leaf))
    return tree, leaf
