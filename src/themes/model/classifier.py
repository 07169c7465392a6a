"""Hand-labelled responses -> a multi-label classifier on embeddings, and its predictions.

Whole responses are classified, in training and in labelling alike: a response's vector is the
unit-length mean of its segments' vectors (so long answers are read in full, not cut at the
embedding model's 256 word pieces). One logistic regression per label (one-vs-rest); each
label has its own probability threshold, chosen on held-out folds so that together they
maximise micro-F1 (on the FFT benchmark this beat thresholds tuned for each label's own F1 by
2-3 points of micro-F1, for about 1 point of macro-F1). Whether a response that clears no
threshold still takes its most probable label ("top-1 fallback") is also decided on the
held-out folds. Each label's threshold is then pulled towards the one threshold best for all
labels, by ``THRESHOLD_SHRINK`` examples' worth: with ten examples a threshold of its own fits
the folds' noise. On the FFT benchmark (benchmarks/coding.py) with 10 examples per code
micro-F1 0.512 -> 0.533; with every training row 0.677 -> 0.679 (macro-F1 0.460 -> 0.453);
pulling by 60 instead, or giving labels under 30 or 50 examples the shared threshold outright,
measured within 0.01 of these.

A codebook (``train --codebook``) adds training rows: each code's name, each clause of its
description and each of its examples, a positive row for that code. They are in every fold's
fit and in none of the held-out parts, so the thresholds are still chosen on hand-labelled
responses only.
"""

from __future__ import annotations

import numpy as np

from themes.errors import ConfigError
from themes.model.theme_model import Classifier

C_DEFAULT = 4.0            # inverse regularisation; unit vectors need a weak penalty
FOLDS = 5
FEW_EXAMPLES = 3           # a label with fewer examples is kept, and named as unreliable
GRID = np.round(np.arange(0.05, 0.951, 0.01), 2)
THRESHOLD_SHRINK = 30.0    # a label's own threshold weighs its positives against this many at the shared one


def response_vectors(rows: np.ndarray, vectors: np.ndarray, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """(n_rows x d unit mean of each row's segment vectors, mask of rows that have segments)."""
    d = vectors.shape[1] if vectors.ndim == 2 else 0
    sums = np.zeros((n_rows, d), dtype=np.float64)
    np.add.at(sums, rows, vectors)
    has = np.bincount(rows, minlength=n_rows)[:n_rows] > 0
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return (sums / np.where(norms == 0, 1, norms)).astype(np.float32), has


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def fit_logistic(X: np.ndarray, Y: np.ndarray, C: float) -> tuple[np.ndarray, np.ndarray]:
    """One-vs-rest L2 logistic regression, all labels at once: the labels' problems are
    independent, so minimising the sum of their losses (L-BFGS) gives each label's own
    solution. Same objective as scikit-learn's LogisticRegression(C=C): C * log-loss summed over
    rows + |w|^2 / 2, intercept not penalised. Returns (coef labels x d, intercept labels)."""
    from scipy.optimize import minimize
    from threadpoolctl import threadpool_limits

    X = np.asarray(X, dtype=np.float32)
    n, d = X.shape
    k = Y.shape[1]
    Xb = np.hstack([X, np.ones((n, 1), np.float32)])
    sign = np.where(Y, 1.0, -1.0).astype(np.float32)

    def loss(w):
        W = w.reshape(d + 1, k).astype(np.float32)
        margin = -sign * (Xb @ W)
        value = C * float(np.logaddexp(0, margin).sum()) + 0.5 * float((W[:d] ** 2).sum())
        grad = (Xb.T @ (-sign * C * _sigmoid(margin))).astype(np.float64)
        grad[:d] += W[:d]
        return value, grad.ravel()

    # The products are small: one BLAS thread is faster, and much faster on a busy machine.
    with threadpool_limits(limits=1, user_api="blas"):
        res = minimize(loss, np.zeros((d + 1) * k), jac=True, method="L-BFGS-B", options={"maxiter": 2000})
    W = res.x.reshape(d + 1, k)
    return W[:d].T.astype(np.float32), W[d].astype(np.float32)


def _f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = float((y & pred).sum())
    denom = float(y.sum() + pred.sum())
    return 2 * tp / denom if denom else 0.0


def best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The grid threshold with the best F1 for one label (the middle of the best run when several tie)."""
    scores = np.array([_f1(y, p >= t) for t in GRID])
    best = np.flatnonzero(scores >= scores.max() - 1e-9)
    return float(GRID[best[len(best) // 2]])


def micro_thresholds(Y: np.ndarray, P: np.ndarray, rounds: int = 3,
                     shrink: float = THRESHOLD_SHRINK) -> np.ndarray:
    """Per-label thresholds that together maximise micro-F1 on held-out probabilities: start
    from the single best threshold for all labels, then move one label's at a time to wherever
    it helps micro-F1 most (coordinate ascent over the grid); last, each label's moves towards
    the shared one: (n * own + shrink * shared) / (n + shrink) for a label with n positives."""
    k = Y.shape[1]

    def at_or_above(p):  # how many of p are >= each grid threshold
        return len(p) - np.searchsorted(np.sort(p), GRID, side="left")

    tp = np.stack([at_or_above(P[Y[:, j], j]) for j in range(k)])     # labels x grid
    fp = np.stack([at_or_above(P[~Y[:, j], j]) for j in range(k)])
    positives = int(Y.sum())

    def micro(TP, FP):
        return 2 * TP / np.maximum(TP + FP + positives, 1)

    start = int(np.argmax(micro(tp.sum(axis=0), fp.sum(axis=0))))
    idx = np.full(k, start)
    for _ in range(rounds):
        for j in range(k):
            TP = tp[np.arange(k), idx].sum() - tp[j, idx[j]]
            FP = fp[np.arange(k), idx].sum() - fp[j, idx[j]]
            idx[j] = int(np.argmax(micro(TP + tp[j], FP + fp[j])))
    n = Y.sum(axis=0).astype(np.float64)
    return ((n * GRID[idx] + shrink * GRID[start]) / (n + shrink)).astype(np.float32)


def predict(probs: np.ndarray, thresholds: np.ndarray, fallback: bool) -> np.ndarray:
    """Boolean (n x C): labels at or above their thresholds, plus the top label where none is
    (when ``fallback``)."""
    out = probs >= thresholds
    if fallback and probs.shape[1]:
        none = ~out.any(axis=1)
        out[np.flatnonzero(none), np.argmax(probs[none], axis=1)] = True
    return out


def fit_classifier(X: np.ndarray, Y: np.ndarray, labels: list[str], seed: int = 42, C: float = C_DEFAULT,
                   folds: int = FOLDS, extra: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[Classifier, dict]:
    """One-vs-rest logistic regression; thresholds (and the top-1 fallback) from ``folds``
    held-out folds, chosen for micro-F1. ``extra`` (vectors, labels): rows in every fit and
    never held out (a codebook's statements and examples)."""
    from sklearn.model_selection import KFold

    X = np.asarray(X, dtype=np.float32)
    Y = np.asarray(Y, dtype=bool)
    EX, EY = (np.zeros((0, X.shape[1]), np.float32), np.zeros((0, Y.shape[1]), bool)) if extra is None else extra
    oof = np.zeros(Y.shape, dtype=np.float32)
    folds = max(2, min(folds, len(X)))
    for train, test in KFold(folds, shuffle=True, random_state=seed).split(X):
        coef, intercept = fit_logistic(np.vstack([X[train], EX]), np.vstack([Y[train], EY]), C)
        oof[test] = _sigmoid(X[test] @ coef.T + intercept)
    thresholds = micro_thresholds(Y, oof)
    f1 = {fb: _f1(Y, predict(oof, thresholds, fb)) for fb in (False, True)}
    fallback = f1[True] > f1[False]
    heldout = predict(oof, thresholds, fallback)
    coef, intercept = fit_logistic(np.vstack([X, EX]), np.vstack([Y, EY]), C)
    clf = Classifier(coef=coef, intercept=intercept, thresholds=thresholds, labels=tuple(labels),
                     class_theme=np.arange(1, len(labels) + 1, dtype=np.int64), fallback=fallback)
    info = {"folds": folds, "C": C, "heldout_micro_f1": round(f1[fallback], 4),
            "heldout_macro_f1": round(float(np.mean([_f1(Y[:, j], heldout[:, j]) for j in range(Y.shape[1])])), 4),
            "fallback_top1": bool(fallback), "n_train": int(len(X)), "n_codebook_rows": int(len(EX)),
            "examples": {lab: int(n) for lab, n in zip(labels, Y.sum(axis=0))}}
    return clf, info


def combine(parts: list) -> tuple[Classifier, dict, object, np.ndarray]:
    """One Classifier from one per question: ``parts`` holds (question, classifier, info,
    examples, centres, counts) per question. Returns the classifier (one class per (question,
    label), theme ids 1..C), the info (held-out figures per question, and pooled as the mean
    weighted by training rows), the theme table (each theme keeps its question) and the centres."""
    from themes.types import theme_table

    coef = np.vstack([p[1].coef for p in parts])
    intercept = np.concatenate([p[1].intercept for p in parts])
    thresholds = np.concatenate([p[1].thresholds for p in parts])
    labels = tuple(lab for p in parts for lab in p[1].labels)
    questions = [p[0] for p in parts for _ in p[1].labels]
    n = np.array([p[2]["n_train"] for p in parts], dtype=float)
    votes = sum(int(p[1].fallback) * w for p, w in zip(parts, n))
    clf = Classifier(coef=coef, intercept=intercept, thresholds=thresholds, labels=labels,
                     class_theme=np.arange(1, len(labels) + 1, dtype=np.int64), fallback=bool(votes > n.sum() / 2))
    info = dict(parts[0][2]) if len(parts) == 1 else {
        "folds": parts[0][2]["folds"], "C": parts[0][2]["C"],
        "heldout_micro_f1": round(float((n * [p[2]["heldout_micro_f1"] for p in parts]).sum() / n.sum()), 4),
        "heldout_macro_f1": round(float((n * [p[2]["heldout_macro_f1"] for p in parts]).sum() / n.sum()), 4),
        "fallback_top1": clf.fallback, "n_train": int(n.sum()),
        "examples": {f"{lab} ({p[0]})": k for p in parts for lab, k in p[2]["examples"].items()},
        "per_question": {p[0]: {k: p[2][k] for k in ("heldout_micro_f1", "heldout_macro_f1", "n_train")}
                         for p in parts}}
    table = theme_table(ids=clf.class_theme, names=labels, questions=questions, statuses=["codebook"] * len(labels),
                        examples=[e for p in parts for e in p[3]])
    return clf, info, table, np.vstack([p[4] for p in parts]).astype(np.float32)


def label_summaries(clf: Classifier, X: np.ndarray, Y: np.ndarray, texts: list[str],
                    n: int) -> tuple[list[list[str]], np.ndarray]:
    """Per label: its ``n`` most typical training texts (the positives it scores highest), and
    the unit mean vector of its training examples (the model's centre for the theme)."""
    probs = clf.probabilities(X)
    examples, centres = [], []
    for j in range(Y.shape[1]):
        pos = np.flatnonzero(Y[:, j])
        examples.append([texts[i] for i in pos[np.argsort(-probs[pos, j], kind="mergesort")][:n]])
        m = X[pos].mean(axis=0)
        centres.append(m / (np.linalg.norm(m) or 1))
    return examples, np.stack(centres).astype(np.float32)


def theme_scores(classifier: Classifier, probs: np.ndarray, chosen: np.ndarray,
                 theme_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fold classes into themes (a merge maps several classes to one theme): per row and theme
    position, (held: any of its classes chosen, score: its best class probability)."""
    held = np.zeros((len(probs), len(theme_ids)), dtype=bool)
    score = np.zeros((len(probs), len(theme_ids)), dtype=np.float32)
    pos_of = {int(t): p for p, t in enumerate(theme_ids)}
    for c, tid in enumerate(classifier.class_theme):
        p = pos_of.get(int(tid))
        if p is None:
            continue
        held[:, p] |= chosen[:, c]
        score[:, p] = np.maximum(score[:, p], probs[:, c])
    return held, score


def training_labels(frame, column: str, sep: str, source: str) -> list[set[str]]:
    """Each row's set of labels from a ``sep``-joined column (blank: no labels)."""
    from themes.io.corpus import as_text, check_column

    check_column(frame, column, "--labels", source)
    if not sep:
        raise ConfigError("--sep cannot be empty; labels are joined with ';' unless you say otherwise.")
    return [{p.strip() for p in as_text(v).split(sep) if p.strip()} for v in frame[column]]


def own_question(probs: np.ndarray, clf: Classifier, table, segs, n_rows: int) -> np.ndarray:
    """Probabilities with the classes of other questions set to 0, for a model trained per
    question and responses that have a question (a response of an unknown question keeps all)."""
    q_of_theme = dict(zip(table["theme_id"].to_numpy().tolist(), table["question"].tolist()))
    class_q = np.array([q_of_theme.get(int(t), "") for t in clf.class_theme], dtype=object)
    if not (class_q != "").any() or not len(segs):
        return probs
    row_q = np.full(n_rows, "", dtype=object)
    row_q[segs.frame["row"].to_numpy()] = segs.frame["question"].to_numpy()
    known = set(class_q.tolist())
    mask = (class_q[None, :] == row_q[:, None]) | ~np.isin(row_q, list(known))[:, None]
    return np.where(mask, probs, 0.0).astype(probs.dtype)


def classify_responses(model, segs, vectors: np.ndarray, n_rows: int):
    """Label whole responses with a classifier model: (theme set shown, segment assignments,
    theme positions per row strongest first). Each segment of a labelled response is attributed
    to whichever of the response's themes its own vector scores highest, for segments.csv and
    quotes; the score is that probability."""
    from themes.types import Assignments, ThemeSet, live_mask

    clf = model.classifier
    ts = model.theme_set
    keep = live_mask(ts.table)
    shown = ThemeSet(table=ts.table[keep].reset_index(drop=True), centroids=ts.centroids[keep],
                     threshold=ts.threshold)
    ids = shown.table["theme_id"].to_numpy()
    seg_rows = segs.frame["row"].to_numpy()
    R, has = response_vectors(seg_rows, vectors, n_rows)
    probs = clf.probabilities(R)
    probs = own_question(probs, clf, ts.table, segs, n_rows)
    chosen = predict(probs, clf.thresholds, clf.fallback) & has[:, None]
    held, score = theme_scores(clf, probs, chosen, ids)
    themes_of = {int(r): [int(p) for p in np.flatnonzero(held[r])[np.argsort(-score[r, held[r]], kind="mergesort")]]
                 for r in np.flatnonzero(held.any(axis=1))}
    seg_probs = clf.probabilities(vectors) if len(vectors) else np.zeros((0, len(clf.labels)), np.float32)
    _, seg_score = theme_scores(clf, seg_probs, np.zeros(seg_probs.shape, dtype=bool), ids)
    allowed = held[seg_rows] if len(seg_rows) else np.zeros((0, len(ids)), dtype=bool)
    masked = np.where(allowed, seg_score, -1.0)
    pos = np.argmax(masked, axis=1).astype(np.int64) if len(ids) else np.full(len(seg_rows), -1, np.int64)
    best = masked[np.arange(len(pos)), pos] if len(ids) else np.zeros(len(pos), np.float32)
    score_out = np.where(best >= 0, best, seg_score.max(axis=1) if len(ids) else 0.0).astype(np.float32)
    pos[best < 0] = -1
    return shown, Assignments(theme_pos=pos, score=score_out), themes_of
