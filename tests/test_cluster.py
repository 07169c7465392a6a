import numpy as np
import pytest

from themes.discover.cluster import fit_centroids, k_range, pick_k


def _blobs(k=4, n=40, d=16, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((k, d)) * 3
    X = np.vstack([c + rng.standard_normal((n, d)) * 0.3 for c in centres])
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X.astype(np.float32), np.repeat(np.arange(k), n)


def test_recovers_separated_groups():
    X, y = _blobs()
    cents, info = fit_centroids(X, min_themes=2, max_themes=10, reduce_dims=0)
    assert len(cents) == 4
    pred = np.argmax(X @ cents.T, axis=1)
    # each true group maps to exactly one theme
    assert all(len(np.unique(pred[y == g])) == 1 for g in range(4))
    assert np.allclose(np.linalg.norm(cents, axis=1), 1, atol=1e-5)


def test_same_seed_same_centres_and_forced_k():
    X, _ = _blobs(k=3)
    a, _ = fit_centroids(X, seed=7)
    b, _ = fit_centroids(X, seed=7)
    assert np.array_equal(a, b)
    c, info = fit_centroids(X, n_themes=5)
    assert len(c) == 5 and info["k_chosen"] == 5


def test_degenerate_inputs():
    one = np.ones((1, 8), np.float32) / np.sqrt(8)
    same = np.repeat(one, 10, axis=0)
    assert len(fit_centroids(one)[0]) == 1
    assert len(fit_centroids(same)[0]) == 1
    assert len(fit_centroids(np.zeros((0, 8), np.float32))[0]) == 0


def test_k_range_grows_with_n():
    assert k_range(100, 2, 60, 100) == (5, 5)
    assert k_range(400, 2, 60, 400) == (10, 5)
    assert k_range(16, 2, 60, 16) == (2, 2)
    hi, lo = k_range(10000, 2, 60, 10000)
    assert hi == 50 and lo == 10
    assert k_range(10000, 2, 8, 10000) == (8, 8)


def test_pick_k_prefers_the_finer_of_near_ties():
    assert pick_k({5: 0.10, 6: 0.20, 7: 0.185, 8: 0.15}) == 7
    assert pick_k({5: 0.10, 6: 0.20, 7: 0.17}) == 6
    assert pick_k({5: 0.10, 6: 0.20, 7: 0.17}, tolerance=0.2) == 7
    assert pick_k({5: -0.02, 6: -0.01}) == 6


def test_theme_order_is_by_size():
    X, _ = _blobs(k=3, n=30)
    X = np.vstack([X, X[:30]])  # first group twice as big
    cents, _ = fit_centroids(X, reduce_dims=0)
    sizes = np.bincount(np.argmax(X @ cents.T, axis=1), minlength=len(cents))
    assert list(sizes) == sorted(sizes, reverse=True)


def test_silhouettes_match_sklearn_on_nested_and_other_cuts():
    from scipy.cluster.hierarchy import fcluster, linkage
    from sklearn.metrics import pairwise_distances, silhouette_score

    from themes.discover.silhouette import silhouettes

    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 8))
    D = pairwise_distances(X, metric="cosine")
    np.fill_diagonal(D, 0)
    tree = linkage(X, "ward")
    cuts = {k: fcluster(tree, k, criterion="maxclust") for k in (2, 5, 9, 30)}
    cuts[99] = rng.integers(0, 4, 300)  # not nested in the others
    got = silhouettes(D, cuts)
    for k, lab in cuts.items():
        assert got[k] == pytest.approx(silhouette_score(D, lab, metric="precomputed"), abs=1e-9)


def test_repeated_vectors_enter_the_tree_once_but_weigh_in_the_centres():
    from themes.discover.cluster import distinct_rows, fit_centroids

    rng = np.random.default_rng(0)
    a, b = np.eye(16)[0], np.eye(16)[1]
    X = np.vstack([a + 0.05 * rng.normal(size=(20, 16)), b + 0.05 * rng.normal(size=(20, 16))]).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    heavy = np.vstack([X, np.repeat(X[:1], 500, axis=0)])     # one answer said 500 more times
    U, inverse, counts = distinct_rows(heavy)
    assert len(U) == 40 and counts[0] == 501 and np.array_equal(U[inverse], heavy)
    c1, info1 = fit_centroids(X, n_themes=2, reduce_dims=0)
    c2, info2 = fit_centroids(heavy, n_themes=2, reduce_dims=0)
    assert info2["n_fit"] == 40 and info2["n_fit_segments"] == 540
    # the repeated answer pulls its theme's centre towards itself
    j1, j2 = np.argmax(c1 @ X[0]), np.argmax(c2 @ X[0])
    assert c2[j2] @ X[0] > c1[j1] @ X[0]


def test_ward_tree_is_cached_by_vectors_and_refitted_when_damaged(tmp_path, monkeypatch):
    import scipy.cluster.hierarchy as hierarchy

    from themes.discover.tree import fit_tree

    X, _ = _blobs()
    first, leaf = fit_tree(X, 8, 0, tmp_path)
    assert np.array_equal(leaf, np.arange(len(X)))                                # small: every row a leaf
    (path,) = list((tmp_path / "trees").glob("*.npz"))
    calls = []
    real = hierarchy.linkage
    monkeypatch.setattr(hierarchy, "linkage", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert np.array_equal(fit_tree(X, 8, 0, tmp_path)[0], first) and calls == []   # read back, not refitted
    fit_tree(X[:-1], 8, 0, tmp_path)                                               # other vectors: fitted
    fit_tree(X, 16, 0, tmp_path)                                                   # other dimensions: fitted
    assert len(calls) == 2
    path.write_bytes(path.read_bytes()[:50])                                       # cut short
    assert np.array_equal(fit_tree(X, 8, 0, tmp_path)[0], first) and len(calls) == 3
    assert np.array_equal(fit_tree(X, 8, 0, None)[0], first)                       # no cache: same tree


def test_fit_is_the_same_with_and_without_the_tree_cache(tmp_path):
    X, _ = _blobs(k=5)
    a, _ = fit_centroids(X, reduce_dims=8)
    fit_centroids(X, reduce_dims=8, cache_dir=tmp_path)
    b, _ = fit_centroids(X, reduce_dims=8, cache_dir=tmp_path)   # from the cached tree
    assert np.array_equal(a, b)


def test_weighted_kmeans_finds_the_blobs_the_same_way_for_a_seed():
    from themes.discover.cluster import nearest_centre, weighted_kmeans

    X, truth = _blobs(k=4)
    w = np.ones(len(X))
    C = weighted_kmeans(X, w, 4, seed=3)
    labels = nearest_centre(X, C)
    # each blob is one group
    assert all(len(np.unique(labels[truth == t])) == 1 for t in range(4)) and len(np.unique(labels)) == 4
    assert np.array_equal(C, weighted_kmeans(X, w, 4, seed=3))


def test_weighted_kmeans_centres_are_weighted_means():
    from themes.discover.cluster import weighted_kmeans

    X = np.array([[0.0, 0.0], [1.0, 0.0], [10.0, 0.0], [11.0, 0.0]])
    C = weighted_kmeans(X, np.array([1.0, 3.0, 1.0, 1.0]), 2, seed=0)
    C = C[np.argsort(C[:, 0])]
    assert np.allclose(C, [[0.75, 0.0], [10.5, 0.0]])
    # fewer distinct points than groups asked for: no empty or duplicate centres
    assert len(weighted_kmeans(np.zeros((5, 2)), np.ones(5), 3, seed=0)) == 1


def test_sub_groups_cover_every_member_and_respect_the_size_floor():
    from themes.discover.cluster import MIN_SUB_SIZE, sub_groups

    X, _ = _blobs(k=3, n=30)
    X = np.vstack([X, np.repeat(X[:1], 10, axis=0)])   # a repeated answer counts with its number
    means, counts = sub_groups(X, seed=0)
    assert counts.sum() == len(X) and (counts >= MIN_SUB_SIZE).all() and len(means) == len(counts) >= 3
