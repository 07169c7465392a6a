"""Scores that compare a labelling with a human one: clustering agreement, theme recovery,
and the inter-coder statistics qualitative researchers report (Cohen's kappa, Krippendorff's
alpha). Plain functions on plain lists, so the benchmarks use exactly what `themes evaluate` uses.

A labelling is given per response as a primary label (one cluster per response; responses
without a theme carry a pseudo-label such as ``(unassigned)``) and a set of labels (every theme
the response holds). Gold labels are lists per response, main label first.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd


def clustering_scores(pred: list, gold: list) -> dict:
    """NMI, ARI and the accuracy after the best one-to-one matching (Hungarian) of clusters to
    gold labels; both lists give one label per response."""
    from scipy.optimize import linear_sum_assignment
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    if len(pred) != len(gold):
        raise ValueError("pred and gold differ in length")
    if not pred:
        return {"nmi": float("nan"), "ari": float("nan"), "hungarian_accuracy": float("nan")}
    p_codes, p_idx = np.unique(np.asarray(pred, dtype=str), return_inverse=True)
    g_codes, g_idx = np.unique(np.asarray(gold, dtype=str), return_inverse=True)
    table = np.zeros((len(p_codes), len(g_codes)), dtype=np.int64)
    np.add.at(table, (p_idx, g_idx), 1)
    rows, cols = linear_sum_assignment(table, maximize=True)
    return {
        "nmi": float(normalized_mutual_info_score(g_idx, p_idx)),
        "ari": float(adjusted_rand_score(g_idx, p_idx)),
        "hungarian_accuracy": float(table[rows, cols].sum() / len(pred)),
    }


def _indicator(sets: list, labels: list) -> np.ndarray:
    """Boolean matrix responses x labels: does response i hold label j."""
    pos = {lab: j for j, lab in enumerate(labels)}
    out = np.zeros((len(sets), len(labels)), dtype=bool)
    for i, s in enumerate(sets):
        for lab in s:
            if lab in pos:
                out[i, pos[lab]] = True
    return out


def label_counts(sets: list) -> Counter:
    return Counter(lab for s in sets for lab in set(s))


def theme_recovery(pred_sets: list, gold_sets: list, min_size: int = 5) -> pd.DataFrame:
    """For each gold label held by at least ``min_size`` responses, the discovered theme with the
    best F1 (response level, multi-label: a response counts for every label it holds).

    Columns: gold, n_gold, theme, n_theme, overlap, precision, recall, f1 (largest gold first).
    """
    cols = ["gold", "n_gold", "theme", "n_theme", "overlap", "precision", "recall", "f1"]
    gcount = label_counts(gold_sets)
    golds = sorted((g for g, n in gcount.items() if n >= min_size), key=lambda g: (-gcount[g], str(g)))
    themes = sorted(label_counts(pred_sets), key=str)
    if not golds:
        return pd.DataFrame(columns=cols)
    G = _indicator(gold_sets, golds).astype(np.int64)
    rows = []
    if themes:
        T = _indicator(pred_sets, themes).astype(np.int64)
        overlap = G.T @ T                                   # gold x theme
        n_g = G.sum(axis=0)[:, None]
        n_t = T.sum(axis=0)[None, :]
        f1 = 2 * overlap / np.maximum(n_g + n_t, 1)
    for j, g in enumerate(golds):
        if not themes or f1[j].max() == 0:
            rows.append([g, int(gcount[g]), None, 0, 0, 0.0, 0.0, 0.0])
            continue
        # best F1; ties go to the larger overlap, then to the first theme in sorted order
        k = int(np.lexsort((-overlap[j], -f1[j]))[0])
        ov, nt = int(overlap[j, k]), int(T[:, k].sum())
        rows.append([g, int(gcount[g]), themes[k], nt, ov, ov / nt, ov / int(gcount[g]), float(f1[j, k])])
    return pd.DataFrame(rows, columns=cols)


def recovery_means(table: pd.DataFrame) -> dict:
    """Theme recovery as the plain mean F1 over gold labels and as the mean weighted by size."""
    if len(table) == 0:
        return {"recovery_f1": float("nan"), "recovery_f1_weighted": float("nan")}
    f1 = table["f1"].to_numpy(dtype=float)
    w = table["n_gold"].to_numpy(dtype=float)
    return {"recovery_f1": float(f1.mean()), "recovery_f1_weighted": float((f1 * w).sum() / w.sum())}


def cohen_kappa(a, b) -> float:
    """Cohen's kappa of two binary (or nominal) codings (scikit-learn's ``cohen_kappa_score``);
    1.0 when both coders use one and the same label throughout, where scikit-learn's 0 / 0
    gives nan; nan for no decisions."""
    from sklearn.metrics import cohen_kappa_score

    a, b = np.asarray(a), np.asarray(b)
    if len(a) == 0:
        return float("nan")
    if len(np.union1d(a, b)) == 1:
        return 1.0
    return float(cohen_kappa_score(a, b))


def krippendorff_alpha(a, b) -> float:
    """Krippendorff's alpha, nominal, two coders, no missing values.

    From the coincidence matrix: every unit adds its ordered pair of values both ways, so with
    n = 2N pooled values, alpha = 1 - (n - 1) * disagreeing pairs / sum over c != k of n_c n_k.
    1.0 when both coders use one and the same value throughout.
    """
    a, b = np.asarray(a), np.asarray(b)
    if len(a) == 0:
        return float("nan")
    n = 2 * len(a)
    pooled = Counter(a.tolist()) + Counter(b.tolist())
    expected = n * n - sum(c * c for c in pooled.values())    # sum over c != k of n_c n_k
    observed = 2 * int(np.sum(a != b))                       # off-diagonal coincidences
    if expected == 0:
        return 1.0 if observed == 0 else 0.0
    return 1.0 - (n - 1) * observed / expected


def agreement(pred_sets: list, gold_sets: list, mapping: dict) -> tuple[pd.DataFrame, dict]:
    """Per human code, one yes/no decision per response for each coder: the human applied the
    code; the tool gave the theme mapped to it. Returns the per-code table and the overall
    figures (all decisions pooled, and the plain mean of the per-code figures)."""
    cols = ["gold", "theme", "n_gold", "n_theme", "both", "kappa", "alpha"]
    rows, all_h, all_t = [], [], []
    for g, theme in mapping.items():
        human = np.array([g in s for s in gold_sets])
        tool = np.array([theme is not None and theme in s for s in pred_sets])
        all_h.append(human)
        all_t.append(tool)
        rows.append([g, theme, int(human.sum()), int(tool.sum()), int((human & tool).sum()),
                     cohen_kappa(human, tool), krippendorff_alpha(human, tool)])
    table = pd.DataFrame(rows, columns=cols)
    if not rows:
        nan = float("nan")
        return table, {"kappa": nan, "alpha": nan, "kappa_mean": nan, "alpha_mean": nan, "n_decisions": 0}
    h, t = np.concatenate(all_h), np.concatenate(all_t)
    return table, {"kappa": cohen_kappa(h, t), "alpha": krippendorff_alpha(h, t),
                   "kappa_mean": float(table["kappa"].mean()), "alpha_mean": float(table["alpha"].mean()),
                   "n_decisions": int(len(h))}


def cross_table(pred_sets: list, gold_sets: list, pred_order: list | None = None) -> pd.DataFrame:
    """Responses counted in every (theme, gold label) pair they hold: themes x gold labels."""
    counts = label_counts(gold_sets)
    golds = sorted(counts, key=lambda g: (-counts[g], str(g)))
    themes = pred_order if pred_order is not None else sorted(label_counts(pred_sets), key=str)
    T = _indicator(pred_sets, themes).astype(np.int64)
    G = _indicator(gold_sets, golds).astype(np.int64)
    return pd.DataFrame(T.T @ G, index=pd.Index(themes, name="theme"), columns=golds)
