"""Segments and their vectors -> a named ThemeSet: clustering per question, then names and
keywords from each theme's segments."""

from __future__ import annotations

from itertools import islice

import numpy as np
import pandas as pd

from themes.config import Settings
from themes.discover.cluster import fit_centroids
from themes.discover.labels import KEYWORD_TEXTS, RULES, names_someone, people_named
from themes.discover.naming import name_themes
from themes.types import Assignments, Segments, ThemeSet, theme_table, vector_rows

OPTIONS_FROM = 16   # definitions are composed from pairs of a theme's this many most typical segments


def fit_theme_set(segs: Segments, vectors: np.ndarray, settings: Settings) -> tuple[ThemeSet, dict]:
    """Cluster each question's segments separately; ids run across questions, in the order the
    questions first appear."""
    from themes.embed.device import resolve_device

    device = resolve_device(settings.device)
    questions = list(pd.unique(segs.frame["question"])) if len(segs) else [""]  # in input order
    cents, qcol, info = [], [], {}
    for q in questions:
        idx = np.flatnonzero(segs.frame["question"].to_numpy() == q) if len(segs) else np.zeros(0, dtype=int)
        rows = vectors if len(idx) == len(vectors) else vector_rows(vectors, idx)   # one question: no copy
        c, i = fit_centroids(rows if len(idx) else np.zeros((0, vectors.shape[1]), np.float32),
                             n_themes=settings.n_themes, min_themes=settings.min_themes,
                             max_themes=settings.max_themes, min_theme_size=settings.min_theme_size,
                             fit_sample=settings.fit_sample, reduce_dims=settings.reduce_dims,
                             merge_similarity=settings.merge_similarity, seed=settings.seed,
                             cache_dir=settings.cache_path if settings.use_cache else None, device=device)
        cents.append(c)
        qcol += [q] * len(c)
        info[q or "(all)"] = i
    dim = vectors.shape[1] if vectors.ndim == 2 else 0
    centroids = np.vstack(cents) if cents else np.zeros((0, dim), np.float32)
    k = len(centroids)
    table = theme_table(ids=np.arange(1, k + 1), names=[""] * k, questions=qcol)
    return ThemeSet(table=table, centroids=centroids, threshold=settings.min_similarity), info


def name_theme_set(theme_set: ThemeSet, segs: Segments, vectors, assignments: Assignments, embedder, phrases,
                   terms, normalise: bool = True, describer=None) -> tuple[ThemeSet, dict]:
    """Names, keywords and definitions from each theme's segments, nearest its centre first.

    Names read the segments' normalised text (handles, links, e-mail addresses, HTML and emoji
    out: themes.text.normalise) unless ``normalise`` is off. Each definition is composed from the
    theme's most central statements and says its stance mix (themes.text.stance). Returns the
    named ThemeSet and what run.json records: how many names each rule gave. Definitions quote
    the theme's most typical segments (``distinctive``), leaving out those that name a person
    (themes.discover.labels.people_named) where two others remain. ``describer`` (``--describe local``,
    themes.discover.describe.local_describer) may then replace names and definitions with
    generated ones that pass the same checks; run.json records how many it did."""
    from themes.discover.sharpen import NAME_SLACK, sharpen
    from themes.text.stance import describe_stance, stance_shares

    texts_by_theme, stances_by_theme = [], []
    seg_texts = np.asarray(segs.texts_for(normalise), dtype=object)
    seg_stance = segs.frame["stance"].to_numpy(dtype=object) if len(segs) else np.zeros(0, dtype=object)
    central = []   # each theme's segment positions, nearest its centre first
    for p in range(len(theme_set)):
        idx = np.flatnonzero(assignments.theme_pos == p)
        idx = idx[np.argsort(-assignments.score[idx], kind="mergesort")]
        central.append(idx)
        texts_by_theme.append(seg_texts[idx].tolist())
        stances_by_theme.append(seg_stance[idx].tolist())
    questions = theme_set.table["question"].astype(str).tolist()
    names, kws, rules = name_themes(texts_by_theme, theme_set.centroids, embedder, phrases, terms, questions,
                                    stances_by_theme)
    options = []
    typicals = [distinctive(p, theme_set, vectors, assignments) for p in range(len(theme_set))]
    people = people_named([seg_texts[i] for typical in typicals for i in typical], phrases,
                          [x for texts in texts_by_theme for x in texts[:KEYWORD_TEXTS]])
    for p, (stances, name) in enumerate(zip(stances_by_theme, names)):
        mixed = bool(stances) and describe_stance(stance_shares(stances)).startswith("mixed")
        # a definition quotes statements that name nobody, where the theme has two of them
        anonymous = np.asarray([i for i in typicals[p] if not names_someone(seg_texts[i], people)], dtype=np.int64)
        typical = anonymous if len(anonymous) >= 2 else typicals[p]
        if mixed:   # a side the typical segments lack is quoted from its own most central ones
            typical = np.concatenate([typical, side_examples(central[p], seg_stance, seg_texts, typical, people)])
        options.append(definition_options(seg_texts[typical].tolist(), name, seg_stance[typical].tolist(), mixed,
                                          texts_by_theme[p]))
    seg_questions = segs.frame["question"].astype(str).to_numpy() if len(segs) else np.zeros(0, dtype=object)

    def judge(final_names, choices, name_slack=np.inf):   # the describer's check: the name may be new
        return sharpen(final_names, choices, questions, vectors, assignments.theme_pos, seg_questions, embedder,
                       theme_set.threshold, name_slack=name_slack)

    definitions, n_sharpened = judge(names, options, NAME_SLACK)
    table = theme_set.table.copy()
    table["name"] = names
    table["keywords"] = kws
    table["description"] = definitions
    info = {"names": {rule: int(sum(r == rule for r in rules)) for rule in RULES}, "definitions_sharpened": n_sharpened}
    if describer is not None and len(table):
        stance_words = [describe_stance(stance_shares(s)) if s else "" for s in stances_by_theme]
        table["name"], table["description"], info["describe"] = describer(table, texts_by_theme, stance_words,
                                                                          judge=lambda n, c: judge(n, c)[0])
    return ThemeSet(table=table, centroids=theme_set.centroids, threshold=theme_set.threshold), info


def definition_options(texts: list[str], name: str, stances: list[str], mixed: bool, all_texts: list[str],
                       first: int = OPTIONS_FROM) -> list[str]:
    """Candidate definitions of one theme from its typical segments (``texts``, most typical
    first): the default (themes.discover.define over them in order), then one led by each pair of
    the ``first`` most typical and one of each alone; distinct, the default first."""
    from themes.discover.define import answer_counts, define

    counts = answer_counts(all_texts)   # once: a theme has up to 137 options, and 200,000 answers ~10,000 segments
    out = [define(texts, name, stances, mixed=mixed, all_texts=counts)]
    m = min(first, len(texts))
    leads = [(i, j) for i in range(m) for j in range(i + 1, m)] + [(i,) for i in range(m)]
    for lead in leads:
        order = list(lead) + [x for x in range(len(texts)) if x not in lead]
        d = define([texts[x] for x in order], name, [stances[x] for x in order], mixed=mixed,
                   max_sentences=len(lead), all_texts=counts)
        if d not in out:
            out.append(d)
    return out


SIDE_EXAMPLES = 3   # central segments of a side a mixed theme's typical segments lack, offered to its definition


def side_examples(central: np.ndarray, stances: np.ndarray, texts: np.ndarray, typical: np.ndarray,
                  people: set[str]) -> np.ndarray:
    """Positions of up to ``SIDE_EXAMPLES`` of a theme's most central segments (``central``,
    nearest first) for each side, positive or critical, that none of its ``typical`` segments
    takes, naming nobody: a mixed theme's definition then quotes both sides."""
    have = set(stances[typical].tolist()) if len(typical) else set()
    extra: list[int] = []
    for side in ("positive", "negative"):
        if side not in have:
            found = (int(i) for i in central[stances[central] == side] if not names_someone(texts[i], people))
            extra += list(islice(found, SIDE_EXAMPLES))
    return np.asarray(extra, dtype=np.int64)


def distinctive(p: int, theme_set: ThemeSet, vectors, assignments: Assignments, top: int = 20) -> np.ndarray:
    """Positions of theme ``p``'s most typical segments: of the ``top`` nearest its centre, those
    furthest from every other theme of its question first (own score minus the best other
    theme's). A definition quoting them tells the theme apart from its neighbours; quoting the
    nearest alone (measured on the board survey and FFT, benchmarks/naming.py) describes what
    neighbouring themes share."""
    idx = np.flatnonzero(assignments.theme_pos == p)
    idx = idx[np.argsort(-assignments.score[idx], kind="mergesort")][:top]
    others = np.setdiff1d(theme_set.for_question(str(theme_set.table["question"].iloc[p])), [p])
    if not len(idx) or not len(others):
        return idx
    sims = np.asarray(vectors[idx], dtype=np.float32) @ np.asarray(theme_set.centroids[others], np.float32).T
    margin = assignments.score[idx] - sims.max(axis=1)
    return idx[np.argsort(-margin, kind="mergesort")]
