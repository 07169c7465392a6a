"""The two-stage tree (themes.discover.tree): weighted Ward, micro-clusters, and fit_centroids
above the micro-cluster threshold."""

import numpy as np
import pytest

from themes.discover import tree as tree_mod
from themes.discover.cluster import distinct_rows, fit_centroids, weighted_distinct
from themes.discover.tree import fit_tree, micro_clusters, reduce, reduce_chunked, weighted_ward


def _blobs(k=5, n=60, d=24, seed=0, spread=0.3):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((k, d)) * 3
    X = np.vstack([c + rng.standard_normal((n, d)) * spread for c in centres])
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X.astype(np.float32), np.repeat(np.arange(k), n)


def test_weighted_ward_with_unit_weights_is_scipys_ward():
    from scipy.cluster.hierarchy import fcluster, linkage

    X = np.random.default_rng(1).normal(size=(200, 6))
    ours, theirs = weighted_ward(X, np.ones(len(X))), linkage(X, "ward")
    assert np.allclose(ours[:, 2], theirs[:, 2])
    for k in (2, 7, 30):
        assert np.array_equal(fcluster(ours, k, "maxclust"), fcluster(theirs, k, "maxclust"))


def test_weighted_ward_weights_are_repeated_points():
    from scipy.cluster.hierarchy import linkage

    rng = np.random.default_rng(2)
    X = rng.normal(size=(60, 4))
    w = rng.integers(1, 5, len(X))
    # Ward of every point repeated w times: the repeats merge first at height 0, then the same tree
    full = linkage(np.repeat(X, w, axis=0), "ward")
    ours = weighted_ward(X, w)
    assert np.allclose(ours[:, 2], full[-len(ours):, 2])
    assert ours[-1, 3] == len(X) and np.all(np.diff(ours[:, 2]) >= 0)


def test_chunked_pca_gives_the_same_distances_as_exact_pca(monkeypatch):
    monkeypatch.setattr(tree_mod, "CHUNK", 37)  # several blocks
    X, _ = _blobs()
    a, b = reduce(X.astype(np.float64), 8, 0), reduce_chunked(X, 8)
    assert b.dtype == np.float32
    da = ((a[:, None] - a[None]) ** 2).sum(-1)
    db = ((b[:, None] - b[None]) ** 2).sum(-1)
    assert np.allclose(da, db, atol=1e-4)


def test_micro_clusters_cover_every_row_and_ignore_the_seed(monkeypatch):
    monkeypatch.setattr(tree_mod, "CHUNK", 50)
    X, _ = _blobs()
    C, leaf = micro_clusters(X, 40)
    assert leaf.shape == (len(X),) and set(leaf) == set(range(len(C))) and len(C) <= 40
    # each centre is the mean of its rows
    assert np.allclose(C[3], X[leaf == 3].mean(axis=0), atol=1e-5)
    C2, leaf2 = micro_clusters(X, 40)
    assert np.array_equal(leaf, leaf2) and np.array_equal(C, C2)


def test_micro_clusters_torch_path_agrees_with_numpy(monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.setattr(tree_mod, "CHUNK", 50)
    X, _ = _blobs()
    _, a = micro_clusters(X, 40, device="cpu")
    # the torch code (what --device cuda runs), on torch's CPU device
    start = np.sort(np.random.default_rng(0).choice(len(X), 40, replace=False))
    labels = tree_mod._lloyd_torch(X, np.arange(len(X)), start, tree_mod.MICRO_ITERS, "cpu")
    _, b = np.unique(labels, return_inverse=True)
    from sklearn.metrics import adjusted_rand_score

    assert adjusted_rand_score(a, b) > 0.99


def test_two_stage_fit_finds_the_blobs_and_keeps_memory_to_the_centres(monkeypatch):
    monkeypatch.setattr(tree_mod, "MICRO_CLUSTERS", 60)   # force the two-stage path on 300 rows
    X, y = _blobs()
    called = []
    real = tree_mod.weighted_ward
    monkeypatch.setattr(tree_mod, "weighted_ward", lambda C, w: called.append(len(C)) or real(C, w))
    cents, info = fit_centroids(X, min_themes=2, max_themes=10, reduce_dims=8)
    assert called and called[0] <= 60 and info["micro_clusters"] and info["n_fit"] == len(X)
    assert len(cents) == 5
    pred = np.argmax(X @ cents.T, axis=1)
    assert all(len(np.unique(pred[y == g])) == 1 for g in range(5))
    # the seed does not move the themes (the first stage starts from a fixed sample)
    assert np.array_equal(cents, fit_centroids(X, min_themes=2, max_themes=10, reduce_dims=8, seed=9)[0])


def test_two_stage_tree_is_cached_with_its_leaves(tmp_path, monkeypatch):
    monkeypatch.setattr(tree_mod, "MICRO_CLUSTERS", 60)
    X, _ = _blobs()
    tree, leaf = fit_tree(X, 8, 0, tmp_path)
    monkeypatch.setattr(tree_mod, "micro_clusters", lambda *a, **k: pytest.fail("refitted"))
    tree2, leaf2 = fit_tree(X, 8, 0, tmp_path)
    assert np.array_equal(tree, tree2) and np.array_equal(leaf, leaf2) and leaf.max() == len(tree)


def test_fit_sample_is_an_option(monkeypatch):
    X, _ = _blobs()
    _, all_info = fit_centroids(X, reduce_dims=8)
    _, info = fit_centroids(X, reduce_dims=8, fit_sample=100)
    assert all_info["n_fit"] == len(X) and info["n_fit"] == 100


def test_distinct_rows_hash_is_exact_and_falls_back_on_a_collision(monkeypatch):
    import pandas as pd

    X, _ = _blobs()
    X = np.vstack([X, X[:7], -X[:1] * 0 + X[:1]])
    U, inv, counts = distinct_rows(X)
    assert len(U) == 300 and np.array_equal(U[inv], X) and counts.sum() == len(X)
    real = pd.factorize
    # every hash the same (a collision on every row): the exact comparison catches it
    monkeypatch.setattr(pd, "factorize", lambda v: real(np.zeros(len(v), np.uint64)) if v.dtype == np.uint64
                        else real(v))
    U2, inv2, _ = distinct_rows(X)
    assert len(U2) == 300 and np.array_equal(U2[inv2], X)


def test_distinct_rows_of_rows_that_never_repeat_are_the_rows_themselves():
    from themes.types import SegmentVectors

    X, _ = _blobs()
    X = np.ascontiguousarray(X, dtype=np.float32)
    U, inv, counts = distinct_rows(X)
    assert U is X and inv.tolist() == list(range(len(X))) and counts.tolist() == [1] * len(X)
    # the distinct texts' vectors, each used in order: clustering reads them without a copy
    seg = SegmentVectors(X, np.r_[np.arange(len(X)), [3, 3, 0]])
    U, w = weighted_distinct(seg)
    assert U is X and w[3] == 3 and w[0] == 2 and w.sum() == len(X) + 3
    # used out of order: a copy in order of first use, the same counts
    seg = SegmentVectors(X, np.r_[[5], np.arange(len(X))])
    U, w = weighted_distinct(seg)
    assert U is not X and np.array_equal(U[0], X[5]) and w[0] == 2 and w.sum() == len(X) + 1


def test_device_choice_without_a_gpu(monkeypatch):
    from themes.config import Settings
    from themes.embed import device as dev
    from themes.errors import ConfigError

    monkeypatch.setattr(dev, "cuda_available", lambda: False)
    assert dev.resolve_device("auto") == "cpu" and dev.resolve_device("cpu") == "cpu"
    with pytest.raises(ConfigError, match="no CUDA GPU"):
        dev.resolve_device("cuda")
    monkeypatch.setattr(dev, "cuda_available", lambda: True)
    assert dev.resolve_device("auto") == "cuda"
    assert dev.batch_for(None, "cuda") == dev.GPU_BATCH and dev.batch_for(None, "cpu") == dev.CPU_BATCH
    assert dev.batch_for(16, "cuda") == 16
    with pytest.raises(ConfigError, match="device"):
        Settings(device="tpu")
    assert "device" not in Settings(device="cpu").to_dict()
