"""Representative quotes: close to the theme's centre, unlike each other, spread over groups."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from themes.io.corpus import NOT_STATED

DUPLICATE_SIMILARITY = 0.92
MMR_LAMBDA = 0.7
CANDIDATES = 200


# Values that say nothing without their column's label ("No" of what?).
BARE = re.compile(r"^(yes|no|y|n|true|false|none|other|[\d.,%+\-/ ]+|.)$", re.IGNORECASE)


def attribution(values: list[str], labels: list[str] | None = None) -> str:
    """'NED, Acute trust' from the --by values of one response: a value that means nothing alone
    ('No', '3') follows its column's label ('used proctoring: No'), a blank one is left out."""
    parts = []
    for k, v in enumerate(values):
        v = str(v).strip()
        if not v or v == NOT_STATED:
            continue
        parts.append(f"{labels[k]}: {v}" if labels is not None and BARE.match(v) else v)
    return ", ".join(parts)


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
                themes: pd.DataFrame, by: tuple[str, ...], n: int = 5, max_words: int = 60,
                labels: dict | None = None) -> pd.DataFrame:
    """Quotes per theme from the segment table (one per response at most, not reused across themes).
    With respondent ids (one respondent, several questions) each quote cites its respondent."""
    cite = "respondent_id" in responses.columns
    columns = ["theme_id", "theme", *by, "attribution", "quote", "response_id", *(["respondent_id"] * cite), "score"]
    if n == 0 or segments.empty:
        return pd.DataFrame(columns=columns)
    shown = [(labels or {}).get(c, c) for c in by]
    attrs = responses.set_index("response_id")[list(by) + ["respondent_id"] * cite] if by or cite else None
    used_responses: set[str] = set()
    theme_ids = segments["theme_id"].to_numpy(dtype=float, na_value=np.nan)
    rid_all = segments["response_id"].to_numpy(dtype=object)
    score_all = segments["score"].to_numpy(dtype=float)
    rows = []
    for t in themes.itertuples(index=False):
        idx = np.flatnonzero(theme_ids == t.theme_id)
        if used_responses:
            idx = idx[~np.isin(rid_all[idx], list(used_responses))]
        if len(idx) == 0:
            continue
        # pick() reads only the CANDIDATES best; keep them in their original order (ties)
        idx = np.sort(idx[np.argsort(-score_all[idx], kind="mergesort")[:CANDIDATES]])
        sub = segments.iloc[idx]
        rids = sub["response_id"].tolist()
        groups = ([attribution(list(v)[:len(by)], shown) for v in attrs.loc[rids].itertuples(index=False, name=None)]
                  if by else [""] * len(rids))
        chosen = pick(vectors[idx], score_all[idx], groups, n, exclude_keys=rids)
        for c in chosen:
            rid = rids[c]
            used_responses.add(rid)
            rec = {"theme_id": int(t.theme_id), "theme": t.name}
            for col in by:
                rec[col] = attrs.at[rid, col]
            rec["attribution"] = groups[c]
            rec["quote"] = trim_quote(sub["text"].iat[c], max_words)
            rec["response_id"] = rid
            if cite:
                rec["respondent_id"] = attrs.at[rid, "respondent_id"]
            rec["score"] = round(float(sub["score"].iat[c]), 4)
            rows.append(rec)
    out = pd.DataFrame(rows, columns=columns)
    if by and not out.empty:
        order = {tid: k for k, tid in enumerate(themes["theme_id"])}
        out["_o"] = out["theme_id"].map(order)
        out = out.sort_values(["_o", *by, "score"], ascending=[True] + [True] * len(by) + [False],
                              kind="mergesort").drop(columns="_o").reset_index(drop=True)
    return out


class QuotePool:
    """The best-scoring segments of each theme, kept as blocks of segments stream past, so quotes
    can be picked at the end without holding every segment. Keeping ``CANDIDATES`` plus the
    quotes other themes may take (``n`` per theme) makes the final pick the same as over all
    segments."""

    def __init__(self, n_themes: int, n: int, by: tuple[str, ...], labels: dict | None = None):
        self.keep = CANDIDATES + n * n_themes
        self.by = tuple(by)
        self.labels = labels
        self.frame = pd.DataFrame(columns=["_ord", "response_id", "text", "theme_id", "score", *self.by])
        self.extra: list[str] = []  # respondent_id, when the responses have one
        self.vectors = np.zeros((0, 0), dtype=np.float32)
        self.seen = 0

    def add(self, segments: pd.DataFrame, vectors: np.ndarray, responses: pd.DataFrame) -> None:
        mask = segments["theme_id"].notna().to_numpy()
        new = segments.loc[mask, ["response_id", "text", "theme_id", "score"]].reset_index(drop=True)
        new.insert(0, "_ord", np.flatnonzero(mask) + self.seen)
        self.seen += len(segments)
        if "respondent_id" in responses.columns:
            self.extra = ["respondent_id"]
        if self.by or self.extra:
            attrs = responses.drop_duplicates("response_id").set_index("response_id")[list(self.by) + self.extra]
            for col in (*self.by, *self.extra):
                new[col] = attrs[col].reindex(new["response_id"]).to_numpy()
        vecs = np.asarray(vectors, dtype=np.float32)[mask]
        both = pd.concat([self.frame, new], ignore_index=True) if len(self.frame) else new
        allv = np.vstack([self.vectors, vecs]) if len(self.vectors) else vecs
        ranked = both.assign(_i=np.arange(len(both))).sort_values(["theme_id", "score", "_ord"],
                                                                 ascending=[True, False, True], kind="mergesort")
        kept = ranked[ranked.groupby("theme_id").cumcount() < self.keep].sort_values("_ord", kind="mergesort")
        self.vectors = allv[kept["_i"].to_numpy()]
        self.frame = kept.drop(columns="_i").reset_index(drop=True)

    def pick(self, themes: pd.DataFrame, n: int, max_words: int) -> pd.DataFrame:
        segs = self.frame.astype({"theme_id": "Int64", "score": float})
        responses = segs.drop_duplicates("response_id")[["response_id", *self.by, *self.extra]]
        return pick_quotes(segs, self.vectors, responses, themes, self.by, n, max_words, self.labels)
