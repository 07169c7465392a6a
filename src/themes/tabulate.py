"""Prevalence: the themes table and the cross-table of themes by respondent group."""

from __future__ import annotations

import pandas as pd

from .types import LABELLED, NO_CONTENT, ThemeSet


def _theme_sets(responses: pd.DataFrame) -> list[set[int]]:
    return [set(int(x) for x in s.split(";")) if s else set() for s in responses["theme_ids"]]


def themes_table(responses: pd.DataFrame, theme_set: ThemeSet, segments: pd.DataFrame) -> pd.DataFrame:
    """theme_id, name, keywords, n_responses, share (of substantive responses to its question)."""
    held = _theme_sets(responses)
    substantive = responses["status"] != NO_CONTENT
    has_q = "question" in responses.columns
    seg_counts = segments["theme_id"].value_counts()
    prim_counts = responses["primary_theme_id"].value_counts()
    rows = []
    for t in theme_set.table.itertuples(index=False):
        n = sum(1 for s in held if t.theme_id in s)
        base = substantive & (responses["question"] == t.question) if has_q and t.question else substantive
        denom = int(base.sum())
        rows.append({
            "theme_id": int(t.theme_id), "name": t.name, "keywords": "; ".join(t.keywords),
            "n_responses": n, "share": round(n / denom, 4) if denom else 0.0,
            "n_primary": int(prim_counts.get(t.theme_id, 0)), "n_segments": int(seg_counts.get(t.theme_id, 0)),
            "question": t.question, "description": t.description, "status": t.status,
        })
    out = pd.DataFrame(rows, columns=["theme_id", "name", "keywords", "n_responses", "share", "n_primary",
                                      "n_segments", "question", "description", "status"])
    if not has_q:
        out = out.drop(columns=["question"])
    return out


def crosstab(responses: pd.DataFrame, theme_set: ThemeSet, by: tuple[str, ...]) -> pd.DataFrame:
    """For each theme and each value of each --by column: respondents in the group who answered,
    respondents whose answer holds the theme, and that as % of the group."""
    held = _theme_sets(responses)
    answered = responses["status"] != NO_CONTENT
    has_q = "question" in responses.columns
    rows = []
    attributes = [("(all)", pd.Series("All respondents", index=responses.index))]
    attributes += [(col, responses[col]) for col in by]
    for t in theme_set.table.itertuples(index=False):
        in_q = (responses["question"] == t.question) if has_q and t.question else pd.Series(True, index=responses.index)
        mask_theme = pd.Series([t.theme_id in s for s in held], index=responses.index)
        for attr, values in attributes:
            for value in sorted(values[answered & in_q].unique()):
                group = answered & in_q & (values == value)
                n_group = int(group.sum())
                n = int((group & mask_theme).sum())
                rows.append({"theme_id": int(t.theme_id), "theme": t.name, "attribute": attr, "group": value,
                             "n_group": n_group, "n": n, "pct": round(100 * n / n_group, 1) if n_group else 0.0})
    return pd.DataFrame(rows, columns=["theme_id", "theme", "attribute", "group", "n_group", "n", "pct"])


def status_counts(responses: pd.DataFrame) -> dict:
    counts = responses["status"].value_counts().to_dict()
    substantive = int((responses["status"] != NO_CONTENT).sum())
    unassigned = substantive - int(counts.get(LABELLED, 0))
    return {
        "rows": int(len(responses)),
        "labelled": int(counts.get(LABELLED, 0)),
        "no_content": int(counts.get(NO_CONTENT, 0)),
        "unassigned": int(unassigned),
        "unassigned_pct": round(100 * unassigned / substantive, 2) if substantive else 0.0,
        "multi_theme": int((responses["theme_ids"].str.count(";") >= 1).sum()),
    }
