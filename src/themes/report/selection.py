"""Quotes for a report, chosen from an OUTDIR (no vectors needed).

Representative: ranked by the segment's similarity to its theme's centre (segments.csv score).
Different from each other: maximal marginal relevance on TF-IDF cosine of the texts, with
near-duplicates (cosine >= 0.7) skipped. Spread across groups: a bonus for a group not yet quoted.
Quotable: segments are whole sentences; fragments under ``min_words`` are used only when nothing
longer is left, long ones are cut at a clause with an ellipsis. No response is quoted twice in one
report, so no quote appears under two themes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from themes.report.data import OutDir
from themes.results.quotes import CANDIDATES, attribution, pick, trim_quote

TFIDF_DUPLICATE = 0.7
MIN_WORDS = 6


def _tfidf(texts: list[str]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    try:
        x = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts)
    except ValueError:  # nothing but stop words
        return np.zeros((len(texts), 1))
    return x.toarray()  # rows are unit length; at most CANDIDATES rows


def quotable(text: str, start: int, max_words: int) -> str:
    """Trimmed quote; an ellipsis in front when the segment starts mid-sentence."""
    quote = trim_quote(text, max_words)
    first = next((ch for ch in quote if ch.isalpha()), "")
    if start > 0 and first.islower():
        quote = "\u2026 " + quote
    return quote


def select_quotes(data: OutDir, n: int = 5, max_words: int = 60, group_by: str | None = None,
                  theme_ids=None, texts: pd.Series | None = None, min_words: int = MIN_WORDS,
                  exclude: set[str] | None = None) -> pd.DataFrame:
    """Up to ``n`` quotes per theme: first those a reviewer pinned (``data.pins``, in their order,
    while the sentence still holds the theme), then chosen. ``texts`` replaces segments.csv's text
    (e.g. redacted); ``group_by`` is the --by column to spread quotes over (default: all --by
    columns together); responses in ``exclude`` are never quoted."""
    by = list(data.by)
    shown = [data.label(c) for c in by]
    cite = "respondent_id" in data.responses.columns  # one respondent, several questions: quotes cite them
    respondent = dict(zip(data.responses["response_id"], data.responses["respondent_id"])) if cite else {}
    columns = ["theme_id", "theme", *by, "attribution", "quote", "response_id", *(["respondent_id"] * cite),
               "segment_index", "score", "rank"]
    seg = data.segments.copy()
    if texts is not None:
        seg["text"] = texts.to_numpy()
    seg = seg[seg["theme_id"].notna()]
    attrs = data.responses.set_index("response_id")[by] if by else None
    used: set[str] = set(exclude or ())
    rows = []
    themes = data.themes if theme_ids is None else data.themes[data.themes["theme_id"].isin(list(theme_ids))]
    for t in themes.itertuples(index=False):
        part = seg[(seg["theme_id"] == t.theme_id) & ~seg["response_id"].isin(used)]
        pinned = _pinned(part, data.pins.get(int(t.theme_id), ()))
        part = part[~part["response_id"].isin(pinned["response_id"])]
        long_enough = part["text"].str.split().str.len() >= min_words
        if int(long_enough.sum()) >= n:
            part = part[long_enough]
        part = part.sort_values("score", ascending=False, kind="mergesort").head(CANDIDATES)
        if (part.empty and pinned.empty) or n == 0:
            continue
        rids = part["response_id"].tolist()
        values = [list(attrs.loc[r]) if attrs is not None else [] for r in rids]
        if group_by:
            groups = [str(attrs.at[r, group_by]) for r in rids]
        else:
            groups = [attribution(v, shown) for v in values]
        chosen = pick(_tfidf(part["text"].tolist()), part["score"].to_numpy(dtype=float), groups,
                      max(n - len(pinned), 0), exclude_keys=rids, duplicate=TFIDF_DUPLICATE) if len(part) else []
        picked = pd.concat([pinned, part.iloc[chosen]]) if len(pinned) else part.iloc[chosen]
        for rank, (rid, text, start, index, score) in enumerate(zip(
                picked["response_id"], picked["text"], picked["start"], picked["segment_index"], picked["score"]), 1):
            used.add(rid)
            values = list(attrs.loc[rid]) if attrs is not None else []
            rec = {"theme_id": int(t.theme_id), "theme": t.name, **dict(zip(by, values))}
            rec.update(attribution=attribution(values, shown), quote=quotable(text, int(start), max_words),
                       response_id=rid, **({"respondent_id": respondent.get(rid, "")} if cite else {}),
                       segment_index=int(index), score=float(score), rank=rank)
            rows.append(rec)
    return pd.DataFrame(rows, columns=columns)


def _pinned(part: pd.DataFrame, pins) -> pd.DataFrame:
    """The pinned sentences that are still in the theme, in pin order, one per response."""
    if not len(pins):
        return part.iloc[:0]
    where = {(str(r), int(i)): k for k, (r, i) in enumerate(pins)}
    keys = [where.get(key) for key in zip(part["response_id"], part["segment_index"])]
    hit = part.assign(_k=keys).dropna(subset=["_k"]).sort_values("_k", kind="mergesort")
    return hit.drop_duplicates("response_id").drop(columns="_k")


def group_quotes(quotes: pd.DataFrame, column: str | None) -> list[tuple[str, pd.DataFrame]]:
    """(group value, its quotes) in group order; one ('', all) pair when column is None."""
    if quotes.empty:
        return []
    if not column:
        return [("", quotes)]
    return [(str(g), part) for g, part in quotes.groupby(column, sort=True)]
