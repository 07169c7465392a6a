"""Our own small implementations against the libraries they stand in for, on the same input:
c-TF-IDF (BERTopic), weighted k-means (scikit-learn) and the one-vs-rest logistic regression
(scikit-learn). We keep our own because each is a few numpy lines where the library's import
alone costs a warm run a second or more; these tests say how close they are."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment

from themes.discover.cluster import nearest_centre, weighted_kmeans
from themes.discover.naming import ctfidf
from themes.model.classifier import fit_logistic


def bertopic_ctfidf_module():
    """BERTopic's ``bertopic/vectorizers/_ctfidf.py``, loaded on its own: it needs only numpy,
    scipy and scikit-learn, while ``import bertopic.vectorizers`` first runs the package's
    ``__init__`` (UMAP, HDBSCAN, sentence-transformers: about 10 s)."""
    spec = importlib.util.find_spec("bertopic")
    if spec is None or spec.origin is None:
        pytest.skip("bertopic is not installed (pip install -e '.[test]')")
    path = Path(spec.origin).parent / "vectorizers" / "_ctfidf.py"
    mod_spec = importlib.util.spec_from_file_location("bertopic_ctfidf_only", path)
    module = importlib.util.module_from_spec(mod_spec)
    mod_spec.loader.exec_module(module)
    return module


def bertopic_ctfidf(counts: np.ndarray) -> np.ndarray:
    transformer = bertopic_ctfidf_module().ClassTfidfTransformer(bm25_weighting=False, reduce_frequent_words=False)
    return transformer.fit_transform(sp.csr_matrix(counts)).toarray()


def random_counts(seed: int, shape=(5, 12)) -> np.ndarray:
    counts = np.random.default_rng(seed).integers(0, 6, size=shape)
    counts[:, 0] += 1           # no empty theme; every column below is used somewhere
    counts[0, :] += 1
    return counts


# --- c-TF-IDF ---------------------------------------------------------------------------------

def test_ctfidf_equals_bertopic_when_the_average_is_whole():
    """BERTopic: tf = each row L1-normalised (sklearn ``normalize``), idf = log(1 + A / df) with
    A the average number of words per theme and df a term's count over all themes. Ours is the
    same formula; with a whole A the two agree to rounding."""
    counts = random_counts(0)
    counts[0, 0] += (-counts.sum()) % len(counts)      # total words a multiple of the themes
    assert counts.sum() % len(counts) == 0
    assert np.allclose(ctfidf(counts), bertopic_ctfidf(counts), rtol=1e-12, atol=0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ctfidf_differs_from_bertopic_only_by_its_whole_average(seed):
    """The one difference: BERTopic truncates the average, ``avg_nr_samples =
    int(X.sum(axis=1).mean())``, where ours keeps the fraction (``counts.sum() / len(counts)``).
    So BERTopic's weights are ours with A replaced by floor(A): every non-zero weight a little
    lower, by under 3% on these matrices (A about 30) and by next to nothing on real themes,
    where A is hundreds of words or more. Zero stays zero in both."""
    counts = random_counts(seed)
    if counts.sum() % len(counts) == 0:
        counts[0, 0] += 1                               # a fractional average
    ours, theirs = ctfidf(counts), bertopic_ctfidf(counts)
    avg = counts.sum() / len(counts)
    assert avg != int(avg)
    assert not np.allclose(ours, theirs, rtol=1e-9, atol=0)
    tf = counts / counts.sum(axis=1, keepdims=True)
    df = counts.sum(axis=0)
    assert np.allclose(ours, tf * np.log(1 + avg / df), rtol=1e-12, atol=0)
    assert np.allclose(theirs, tf * np.log(1 + int(avg) / df), rtol=1e-12, atol=0)
    held = counts > 0
    assert np.all(theirs[held] < ours[held]) and np.all(theirs[~held] == 0) and np.all(ours[~held] == 0)
    assert np.max(1 - theirs[held] / ours[held]) < 0.03


def test_ctfidf_is_scale_free_and_then_equals_bertopic():
    """Ours depends only on proportions (tf, and A / df): multiplying every count by the number
    of themes changes nothing in ours, makes A whole, and BERTopic then gives the same."""
    counts = random_counts(3)
    scaled = counts * len(counts)
    assert np.allclose(ctfidf(scaled), ctfidf(counts), rtol=1e-12, atol=0)
    assert np.allclose(ctfidf(scaled), bertopic_ctfidf(scaled), rtol=1e-12, atol=0)


# --- weighted k-means -------------------------------------------------------------------------

def blobs(seed: int = 0, per_blob: int = 30):
    """Four well-separated blobs in 3-d (unit spread, centres 10 apart) and integer weights 1-4."""
    rng = np.random.default_rng(seed)
    means = np.array([[0, 0, 0], [10, 0, 0], [0, 10, 0], [0, 0, 10]], dtype=float)
    X = np.vstack([mu + rng.standard_normal((per_blob, 3)) for mu in means])
    w = rng.integers(1, 5, len(X)).astype(float)
    return X, w


def matched(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A and B (k x d centres) reordered so that row i of each is the other's nearest match."""
    cost = ((A[:, None, :] - B[None, :, :]) ** 2).sum(axis=-1)
    rows, cols = linear_sum_assignment(cost)
    return A[rows], B[cols]


def inertia(X, w, C) -> float:
    C = np.asarray(C, dtype=np.float64)
    return float((w * ((X - C[nearest_centre(X, C)]) ** 2).sum(axis=1)).sum())


def test_weighted_kmeans_matches_sklearn_on_blobs():
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    X, w = blobs()
    ours = weighted_kmeans(X, w, 4, seed=0)
    km = KMeans(n_clusters=4, n_init=10, random_state=0).fit(X, sample_weight=w)
    assert adjusted_rand_score(km.labels_, nearest_centre(X, ours.astype(np.float64))) == 1.0
    a, b = matched(ours.astype(np.float64), km.cluster_centers_)
    assert np.abs(a - b).max() < 1e-5                  # ours returns float32 centres


def test_weighted_kmeans_single_start_can_stop_in_a_local_optimum():
    """Ours is one plain k-means++ start and Lloyd's steps; scikit-learn runs ``n_init`` greedy
    k-means++ starts and keeps the best. On these blobs 18 of 20 seeds find the four blobs; the
    others put two centres in one blob (a worse weighted inertia, never a better one)."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    X, w = blobs()
    hits = 0
    for seed in range(20):
        ours = weighted_kmeans(X, w, 4, seed=seed).astype(np.float64)
        km = KMeans(n_clusters=4, n_init=10, random_state=seed).fit(X, sample_weight=w)
        same = adjusted_rand_score(km.labels_, nearest_centre(X, ours)) == 1.0
        hits += same
        assert same or inertia(X, w, ours) > inertia(X, w, km.cluster_centers_)
    assert hits >= 16


def test_weights_count_as_repeated_rows():
    X, w = blobs(seed=1)
    repeated = np.repeat(X, w.astype(int), axis=0)
    for seed in range(5):
        a, b = matched(weighted_kmeans(X, w, 4, seed=seed), weighted_kmeans(repeated, np.ones(len(repeated)), 4, seed))
        assert np.abs(a - b).max() < 1e-5


# --- logistic regression ----------------------------------------------------------------------

@pytest.mark.parametrize("C", [0.5, 4.0])
def test_fit_logistic_matches_sklearn_per_label(C):
    """fit_logistic minimises C * summed log-loss + |w|^2 / 2 with the intercept unpenalised,
    which is scikit-learn's LogisticRegression(C=C) objective (lbfgs, L2): fitted label by
    label, the probabilities agree to about 1e-4 (ours works in float32)."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    n, d, k = 400, 8, 3
    X = rng.standard_normal((n, d)).astype(np.float32)
    Y = (X @ (2 * rng.standard_normal((d, k))) + 0.5 * rng.standard_normal((n, k)) + [0.5, -0.5, 0.0]) > 0
    coef, intercept = fit_logistic(X, Y, C)
    P = 1 / (1 + np.exp(-(X.astype(np.float64) @ coef.T + intercept)))
    for j in range(k):
        lr = LogisticRegression(C=C, tol=1e-10, max_iter=10_000).fit(X, Y[:, j])
        p = lr.predict_proba(X)[:, 1]
        assert np.abs(P[:, j] - p).max() < 1e-3
        assert np.mean((P[:, j] >= 0.5) == (p >= 0.5)) > 0.98
        assert np.allclose(coef[j], lr.coef_[0], atol=5e-3) and abs(intercept[j] - lr.intercept_[0]) < 5e-3


def test_sparse_ctfidf_equals_the_dense_one():
    counts = random_counts(3, shape=(6, 40))
    dense = ctfidf(counts)
    got = ctfidf(sp.csr_matrix(counts))
    assert sp.issparse(got) and np.allclose(got.toarray(), dense)
