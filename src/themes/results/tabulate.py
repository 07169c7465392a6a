"""Prevalence: the themes table and the cross-table of themes by respondent group.

Both are built from a ``Tally``: counts of responses per (theme, question, group) that can be
accumulated chunk by chunk (streaming ``label``) or filled from Spark aggregations, so no
engine needs every response in memory to write these tables.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from themes.types import LABELLED, NO_CONTENT, ThemeSet

ALL = "(all)"
ALL_GROUP = "All respondents"


class Tally:
    """Counts behind themes.csv and crosstab.csv.

    ``answered[(question, attribute, group)]``: responses with content;
    ``hits[(theme_id, question, attribute, group)]``: those holding the theme;
    ``primary`` / ``segments``: per theme id. ``question`` is "" without a question column.

    With a question column, a theme of no one question (a codebook's, question "") is counted in
    respondents, not answers: ``answered_people[(attribute, group)]`` and
    ``hit_people[(theme_id, attribute, group)]`` hold the respondent ids (``respondent_id``, else
    ``response_id``), so one who gave the theme in three answers counts once in its count and its
    base. Where no ids are given (Spark's grouped counts) answers are summed instead.
    """

    def __init__(self, by: tuple[str, ...] = (), has_question: bool = False):
        self.by = tuple(by)
        self.has_question = has_question
        self.answered: Counter = Counter()
        self.hits: Counter = Counter()
        self.primary: Counter = Counter()
        self.segments: Counter = Counter()
        self.status: Counter = Counter()
        self.multi_theme = 0
        self.answered_people: dict = {}
        self.hit_people: dict = {}
        self.people_ok: bool | None = None  # every block so far had respondent ids
        self._by_theme: dict | None = None     # hits and hit_people by theme id, built when first read

    def add(self, responses: pd.DataFrame, segment_theme_ids=None, weight=None) -> Tally:
        """Count a block of responses (rows of responses.csv). ``weight``: how many responses each
        row stands for (Spark passes grouped counts); ``segment_theme_ids``: theme_id per segment."""
        w = np.ones(len(responses), dtype=np.int64) if weight is None else np.asarray(weight, dtype=np.int64)
        frame = pd.DataFrame({
            "q": responses["question"].to_numpy() if self.has_question else np.full(len(responses), ""),
            "status": responses["status"].to_numpy(), "w": w,
            "ids": responses["theme_ids"].fillna("").astype(str).to_numpy(),
            "primary": responses["primary_theme_id"].to_numpy(),
        })
        frame[ALL] = ALL_GROUP
        for col in self.by:
            frame[col] = responses[col].to_numpy()
        self.status.update(frame.groupby("status")["w"].sum().to_dict())
        self.multi_theme += int(frame.loc[frame["ids"].str.contains(";", regex=False), "w"].sum())
        prim = frame.dropna(subset=["primary"])
        self.primary.update({int(k): int(v) for k, v in prim.groupby("primary")["w"].sum().items()})
        answered = frame[frame["status"] != NO_CONTENT]
        held = _one_row_per_theme(answered[answered["ids"] != ""], ["q", "w", ALL, *self.by])
        for attr in (ALL, *self.by):
            for (q, g), n in answered.groupby(["q", attr], sort=False)["w"].sum().items():
                self.answered[(q, attr, g)] += int(n)
            for (t, q, g), n in held.groupby(["theme", "q", attr], sort=False)["w"].sum().items():
                self.hits[(int(t), q, attr, g)] += int(n)
        self._add_people(responses, answered, held, weight)
        self._by_theme = None
        if segment_theme_ids is not None:
            ids = pd.Series(segment_theme_ids).dropna()
            self.segments.update({int(k): int(v) for k, v in ids.value_counts().items()})
        return self

    def _add_people(self, responses: pd.DataFrame, answered: pd.DataFrame, held: pd.DataFrame, weight) -> None:
        """Respondent ids behind the counts, for themes of no one question (only with a question column)."""
        who = next((c for c in ("respondent_id", "response_id") if c in responses.columns), None)
        self.people_ok = (self.people_ok is not False and self.has_question and weight is None
                          and who is not None)
        if not self.people_ok:
            return
        ids = responses[who].astype(str).to_numpy()
        answered, held = answered.assign(who=ids[answered.index]), held.assign(who=ids[held.index])
        for attr in (ALL, *self.by):
            for g, people in answered.groupby(attr, sort=False)["who"]:
                self.answered_people.setdefault((attr, g), set()).update(people)
            for (t, g), people in held.groupby(["theme", attr], sort=False)["who"]:
                self.hit_people.setdefault((int(t), attr, g), set()).update(people)

    def _in_question(self, theme_question: str, q: str) -> bool:
        return not (self.has_question and theme_question) or q == theme_question

    def bases(self, theme_id: int, theme_question: str, attr: str) -> tuple[Counter, Counter]:
        """Per group of ``attr``: who answered (the theme's question, or any question) and who
        holds the theme; respondents for a theme of no one question, else answers."""
        if self._by_theme is None:
            self._by_theme = {}
            for (t, q, a, g), v in self.hits.items():
                self._by_theme.setdefault(t, ([], []))[0].append((q, a, g, v))
            for (t, a, g), p in self.hit_people.items():
                self._by_theme.setdefault(t, ([], []))[1].append((a, g, len(p)))
        hits, people = self._by_theme.get(theme_id, ([], []))
        if self.has_question and not theme_question and self.people_ok:
            return (Counter({g: len(p) for (a, g), p in self.answered_people.items() if a == attr}),
                    Counter({g: n for a, g, n in people if a == attr}))
        n_group: Counter = Counter()
        for (q, a, g), v in self.answered.items():
            if a == attr and v and self._in_question(theme_question, q):
                n_group[g] += v
        n_hit: Counter = Counter()
        for q, a, g, v in hits:
            if a == attr and self._in_question(theme_question, q):
                n_hit[g] += v
        return n_group, n_hit

    def themes_table(self, theme_set: ThemeSet) -> pd.DataFrame:
        """theme_id, name, keywords, n_responses, share (of substantive responses to its question)."""
        rows = []
        for t in theme_set.table.itertuples(index=False):
            answered, held = self.bases(int(t.theme_id), t.question, ALL)
            n, denom = sum(held.values()), sum(answered.values())
            rows.append({
                "theme_id": int(t.theme_id), "name": t.name, "keywords": "; ".join(t.keywords),
                "n_responses": int(n), "share": round(n / denom, 4) if denom else 0.0,
                "n_primary": int(self.primary.get(int(t.theme_id), 0)),
                "n_segments": int(self.segments.get(int(t.theme_id), 0)),
                "question": t.question, "description": t.description, "status": t.status,
            })
        out = pd.DataFrame(rows, columns=["theme_id", "name", "keywords", "n_responses", "share", "n_primary",
                                          "n_segments", "question", "description", "status"])
        if not self.has_question:
            out = out.drop(columns=["question"])
        return out

    def crosstab(self, theme_set: ThemeSet) -> pd.DataFrame:
        """For each theme and each value of each --by column: respondents in the group who answered,
        respondents whose answer holds the theme, and that as % of the group."""
        rows = []
        for t in theme_set.table.itertuples(index=False):
            tid = int(t.theme_id)
            for attr in (ALL, *self.by):
                n_group, n_hit = self.bases(tid, t.question, attr)
                for g in sorted(n_group):
                    ng, n = int(n_group[g]), int(n_hit.get(g, 0))
                    rows.append({"theme_id": tid, "theme": t.name, "attribute": attr, "group": g,
                                 "n_group": ng, "n": n, "pct": round(100 * n / ng, 1) if ng else 0.0})
        return pd.DataFrame(rows, columns=["theme_id", "theme", "attribute", "group", "n_group", "n", "pct"])

    def status_counts(self) -> dict:
        rows = int(sum(self.status.values()))
        labelled = int(self.status.get(LABELLED, 0))
        no_content = int(self.status.get(NO_CONTENT, 0))
        substantive = rows - no_content
        unassigned = substantive - labelled
        return {
            "rows": rows, "labelled": labelled, "no_content": no_content, "unassigned": int(unassigned),
            "unassigned_pct": round(100 * unassigned / substantive, 2) if substantive else 0.0,
            "multi_theme": int(self.multi_theme),
        }


def tally_of(responses: pd.DataFrame, by: tuple[str, ...], segments: pd.DataFrame | None = None) -> Tally:
    seg_ids = segments["theme_id"] if segments is not None else None
    return Tally(by, "question" in responses.columns).add(responses, seg_ids)


def themes_table(responses: pd.DataFrame, theme_set: ThemeSet, segments: pd.DataFrame) -> pd.DataFrame:
    """theme_id, name, keywords, n_responses, share (of substantive responses to its question)."""
    return tally_of(responses, (), segments).themes_table(theme_set)


def crosstab(responses: pd.DataFrame, theme_set: ThemeSet, by: tuple[str, ...]) -> pd.DataFrame:
    return tally_of(responses, tuple(by)).crosstab(theme_set)


def status_counts(responses: pd.DataFrame) -> dict:
    return tally_of(responses, ()).status_counts()


def _one_row_per_theme(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``columns`` of each row once per theme of its ``ids`` ("3;7"), the theme id as ``theme``,
    the row's index kept (as DataFrame.explode gives it, without explode's join of every column)."""
    parts = [ids.split(";") for ids in frame["ids"].tolist()]
    lengths = np.fromiter((len(p) for p in parts), dtype=np.int64, count=len(parts))
    theme = np.fromiter((int(t) for p in parts for t in p), dtype=np.int64, count=int(lengths.sum()))
    held = frame[columns].iloc[np.repeat(np.arange(len(frame)), lengths)]
    return held.assign(theme=theme)


class StanceTally:
    """Per theme, how many of its segments read positive, negative (critical) and neutral; added
    block by block like ``Tally``."""

    def __init__(self):
        self.counts: dict[int, dict[str, int]] = {}

    def add(self, seg_table: pd.DataFrame, weight=None) -> StanceTally:
        """Count a block of segments (theme_id, stance); ``weight``: how many segments each row
        stands for (Spark passes grouped counts)."""
        w = np.ones(len(seg_table), dtype=np.int64) if weight is None else np.asarray(weight, dtype=np.int64)
        # the two columns it counts, not a copy of every column (the texts) of every held row
        held = seg_table[["theme_id", "stance"]].assign(_w=w)[seg_table["theme_id"].notna().to_numpy()]
        for (tid, stance), n in held.groupby(["theme_id", "stance"], sort=True)["_w"].sum().items():
            c = self.counts.setdefault(int(tid), {"positive": 0, "negative": 0, "neutral": 0})
            c[stance] = c.get(stance, 0) + int(n)
        return self


def with_stance_and_summary(themes: pd.DataFrame, stance: StanceTally, crosstab: pd.DataFrame,
                            by: tuple[str, ...], min_cell: int = 5) -> pd.DataFrame:
    """themes.csv with each theme's stance mix (shares of its segments, and in words: "mostly
    critical (62% critical)") and its prevalence in words ("about a third of respondents; most
    chairs, few chief executives": groups of every --by attribute that stand out, the first
    attribute's in the plural, groups under ``min_cell`` never named)."""
    from themes.discover.define import prevalence_words
    from themes.text.stance import describe_stance

    out = themes.copy()
    shares = []
    for tid in out["theme_id"]:
        c = stance.counts.get(int(tid), {})
        total = sum(c.values())
        shares.append({k: (c.get(k, 0) / total if total else 0.0) for k in ("positive", "negative", "neutral")})
    out["positive"] = [round(s["positive"], 4) for s in shares]
    out["critical"] = [round(s["negative"], 4) for s in shares]
    out["stance"] = [describe_stance(s) if any(s.values()) else "" for s in shares]
    summaries = []
    cells: dict = {}   # (theme id, attribute) -> group -> (respondents in the theme, in the group)
    for r in crosstab.itertuples(index=False) if len(crosstab) else ():
        cells.setdefault((r.theme_id, r.attribute), {})[str(r.group)] = (int(r.n), int(r.n_group))
    for t in out.itertuples(index=False):
        base = int(round(t.n_responses / t.share)) if t.share else 0
        per_attr = [cells.get((t.theme_id, attr), {}) for attr in by]
        words = prevalence_words(int(t.n_responses), base, per_attr[0] if per_attr else None, min_cell=min_cell,
                                 other_groups=per_attr[1:])
        summaries.append(words[:1].upper() + words[1:] + ".")
    out["summary"] = summaries
    return out
