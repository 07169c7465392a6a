"""Representative quotes: close to the theme's centre, unlike each other, spread over groups."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

DUPLICATE_SIMILARITY = 0.92
MMR_LAMBDA = 0.7
CANDIDATES = 200


def attribution(values: list[str]) -> str:
    """'NED, Acute trust' from the --by values of one response."""
    return ", ".join(v for v in values if v)


def trim_quote(text: str, max_words: int) -> str:
    """Whole text when short; else cut at a clause boundary (or a word) with an ellipsis."""
    words = text.split()
    if len(words) <= max_words:
        return text.strip()
    cut = " ".join(words[:max_words])
    m = re.search(r"^(.*[,;:.!?])\s", cut + " ")
    if m and len(m.group(1).split()) >= max_words // 2:
        cut = m.group(1).rstrip(",;:")
    return cut.rstrip() + " \u2026"


def pick(vectors: np.ndarray, scores: np.ndarray, groups: list[str], n: int,
         exclude_keys: list[str] | None = None, duplicate: float = DUPLICATE_SIMILARITY) -> list[int]:
    """Maximal marginal relevance with a small bonus for a group not yet quoted; candidates at
    least ``duplicate`` similar to a chosen one are skipped as near-duplicates."""
    order = np.argsort(-scores, kind="mergesort")[:CANDIDATES]
    chosen: list[int] = []
    seen_groups: set[str] = set()
    seen_keys: set[str] = set()
    while len(chosen) < n:
        best, best_val = None, -np.inf
        for i in order:
            if i in chosen or (exclude_keys is not None and exclude_keys[i] in seen_keys):
                continue
            redundancy = max((float(vectors[i] @ vectors[j]) for j in chosen), default=0.0)
            if redundancy >= duplicate:
                continue
            val = MMR_LAMBDA * scores[i] - (1 - MMR_LAMBDA) * redundancy
            if groups[i] not in seen_groups:
                val += 0.05
            if val > best_val:
                best, best_val = i, val
        if best is None:
            break
        chosen.append(int(best))
        seen_groups.add(groups[best])
        if exclude_keys is not None:
            seen_keys.add(exclude_keys[best])
    return chosen


def pick_quotes(segments: pd.DataFrame, vectors: np.ndarray, responses: pd.DataFrame,
                themes: pd.DataFrame, by: tuple[str, ...], n: int = 5, max_words: int = 60) -> pd.DataFrame:
    """Quotes per theme from the segment table (one per response at most, not reused across themes)."""
    columns = ["theme_id", "theme", *by, "attribution", "quote", "response_id", "score"]
    if n == 0 or segments.empty:
        return pd.DataFrame(columns=columns)
    attrs = responses.set_index("response_id")[list(by)] if by else None
    used_responses: set[str] = set()
    rows = []
    for t in themes.itertuples(index=False):
        idx = np.flatnonzero((segments["theme_id"] == t.theme_id).fillna(False).to_numpy())
        idx = np.array([i for i in idx if segments["response_id"].iat[i] not in used_responses], dtype=np.int64)
        if len(idx) == 0:
            continue
        sub = segments.iloc[idx]
        rids = sub["response_id"].tolist()
        groups = [attribution(list(attrs.loc[r])) if attrs is not None else "" for r in rids]
        chosen = pick(vectors[idx], sub["score"].to_numpy(dtype=float), groups, n, exclude_keys=rids)
        for c in chosen:
            rid = rids[c]
            used_responses.add(rid)
            rec = {"theme_id": int(t.theme_id), "theme": t.name}
            for col in by:
                rec[col] = attrs.at[rid, col]
            rec["attribution"] = groups[c]
            rec["quote"] = trim_quote(sub["text"].iat[c], max_words)
            rec["response_id"] = rid
            rec["score"] = round(float(sub["score"].iat[c]), 4)
            rows.append(rec)
    out = pd.DataFrame(rows, columns=columns)
    if by and not out.empty:
        order = {tid: k for k, tid in enumerate(themes["theme_id"])}
        out["_o"] = out["theme_id"].map(order)
        out = out.sort_values(["_o", *by, "score"], ascending=[True] + [True] * len(by) + [False],
                              kind="mergesort").drop(columns="_o").reset_index(drop=True)
    return out


def md_escape(value) -> str:
    """Text shown as written in Markdown: no HTML, links or images (nothing fetched or run when the
    file is rendered), one line."""
    text = " ".join(str(value).split())
    text = text.replace("\\", "\\\\")
    for ch in "<>[]`":
        text = text.replace(ch, "\\" + ch)
    return text


def quotes_markdown(quotes: pd.DataFrame, themes: pd.DataFrame, by: tuple[str, ...]) -> str:
    """Quotes per theme, grouped by the --by values, with attributions and counts."""
    md = md_escape
    lines = ["# Quotes by theme", ""]
    for t in themes.itertuples(index=False):
        q = quotes[quotes["theme_id"] == t.theme_id]
        lines += [f"## {md(t.name)}", "", f"{t.n_responses} responses ({100 * t.share:.0f}% of those who answered). "
                  f"Keywords: {md(t.keywords)}.", ""]
        if q.empty:
            lines += ["_No quotes._", ""]
            continue
        key = by[0] if by else None
        for group, part in (q.groupby(key, sort=True) if key else [("", q)]):
            if key:
                lines += [f"### {md(group)}", ""]
            for r in part.itertuples(index=False):
                who = f" \u2014 {md(r.attribution)}" if r.attribution else ""
                lines += [f"> {md(r.quote)}{who} (response {md(r.response_id)})", ""]
    return "\n".join(lines).rstrip() + "\n"
