"""Code-level agreement of two codings: exact set agreement, micro/macro F1, per-code and macro
Cohen's kappa and Krippendorff's alpha; pooled and per question. Plain functions on lists of
code sets, so the tool against a coder and one coder against another are scored alike.

How the tool's themes become codes (``theme_codes``): when the output came from a codebook or a
trained model (every theme has status ``codebook``), or when the themes carry the gold codes'
names, a theme is the code of the same name (compared without case, spaces and underscores);
only discovered themes are paired with the code they overlap most (themes.evaluate.agreement).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from themes.evaluate.agreement import cohen_kappa, krippendorff_alpha

SMALL_CODE = 5   # codes held by fewer responses are scored and flagged as small


def code_key(name: str) -> str:
    return re.sub(r"[\s_\-]+", " ", str(name)).strip().lower()


def name_matching(themes: pd.DataFrame, gold_codes: set[str]) -> dict[str, str] | None:
    """theme id -> gold code matched by name, when the output's themes are codes (all of status
    'codebook', or at least half the gold codes named by a theme); else None."""
    by_key = {code_key(g): g for g in gold_codes}
    mapping = {str(t): by_key[code_key(n)] for t, n in zip(themes["theme_id"], themes["name"]) if code_key(n) in by_key}
    coded = "status" in themes and len(themes) and (themes["status"].astype(str) == "codebook").all()
    if coded or len(set(mapping.values())) * 2 >= max(len(gold_codes), 1):
        return mapping
    return None


def pair_figures(a: list[set], b: list[set], codes: list[str]) -> dict:
    """Agreement of coding ``a`` with coding ``b`` (the reference) over ``codes``."""
    n = len(a)
    A = np.array([[c in s for c in codes] for s in a], dtype=bool).reshape(n, len(codes))
    B = np.array([[c in s for c in codes] for s in b], dtype=bool).reshape(n, len(codes))
    tp, fp, fn = (A & B).sum(0), (A & ~B).sum(0), (~A & B).sum(0)
    f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), np.nan)
    kappas = [cohen_kappa(B[:, j], A[:, j]) for j in range(len(codes))]
    alphas = [krippendorff_alpha(B[:, j], A[:, j]) for j in range(len(codes))]
    per_code = pd.DataFrame({"code": codes, "n_reference": B.sum(0), "n_coder": A.sum(0), "both": tp,
                             "f1": f1, "kappa": kappas, "alpha": alphas, "small": B.sum(0) < SMALL_CODE})
    T, P, N = int(tp.sum()), int(fp.sum()), int(fn.sum())
    return {"n": n, "exact_agreement": float(np.mean([set(x) == set(y) for x, y in zip(a, b)])) if n else np.nan,
            "micro_f1": 2 * T / (2 * T + P + N) if T + P + N else np.nan,
            "macro_f1": float(np.nanmean(f1)) if len(codes) and not np.isnan(f1).all() else np.nan,
            "kappa_pooled": cohen_kappa(B.ravel(), A.ravel()) if n else np.nan,
            "alpha_pooled": krippendorff_alpha(B.ravel(), A.ravel()) if n else np.nan,
            "kappa_macro": float(np.nanmean(kappas)) if codes else np.nan,
            "alpha_macro": float(np.nanmean(alphas)) if codes else np.nan}, per_code


def coder_figures(a: list[set], b: list[set], questions: list[str] | None) -> tuple[dict, pd.DataFrame]:
    """Pooled figures, per-question figures (when there are several questions) and the per-code
    table (pooled), of coding ``a`` against reference ``b``. Codes: every code either uses."""
    codes = sorted({c for s in b for c in s} | {c for s in a for c in s})
    pooled, per_code = pair_figures(a, b, codes)
    if questions is not None and len(set(questions)) > 1:
        q = np.asarray(questions, dtype=object)
        pooled["per_question"] = {}
        for value in sorted(set(questions)):
            m = np.flatnonzero(q == value)
            sub_codes = sorted({c for i in m for c in b[i]} | {c for i in m for c in a[i]})
            pooled["per_question"][value] = pair_figures([a[i] for i in m], [b[i] for i in m], sub_codes)[0]
    return pooled, per_code


def coder_table(s: dict):
    """Code-level agreement with the gold codes: the tool, and a second coder beside it."""
    from rich.table import Table

    cols = [("Tool", s["tool_vs_gold"])]
    if "second_vs_gold" in s:
        n = s["second_vs_gold"]["n"]
        cols = [(f"Tool (same {n})", s["tool_vs_gold_same_rows"]), (f"Second coder ({n})", s["second_vs_gold"])]
    table = Table(title=f"Codes against the gold codes (themes matched {s['matching']})", header_style="bold")
    table.add_column("Measure")
    for name, _ in cols:
        table.add_column(name, justify="right")
    for key, label in (("exact_agreement", "Exact set agreement"), ("micro_f1", "Micro-F1"), ("macro_f1", "Macro-F1"),
                       ("kappa_macro", "Cohen's kappa (mean over codes)"), ("alpha_macro", "Krippendorff's alpha (mean)")):
        table.add_row(label, *[fmt(f[key]) for _, f in cols])
    for q in sorted(cols[-1][1].get("per_question", {})):
        table.add_row(f"Exact set agreement: {q[:50]}", *[fmt(f["per_question"][q]["exact_agreement"]) for _, f in cols])
    return table


def fmt(v) -> str:
    return "-" if v is None or v != v else f"{v:.2f}"
