"""Groups -> theme names: readable noun-phrase names plus c-TF-IDF keywords.

Keywords: class-based TF-IDF (BERTopic's c-TF-IDF: term frequency within a theme, weighted by
log(1 + average terms per theme / frequency of the term over all themes)) over words and word
pairs. Names: spaCy noun chunks from the segments nearest each theme's centre, scored by the
same c-TF-IDF weighting and by how close the phrase's own embedding lies to the centre; no two
themes share a name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

import numpy as np

from themes.text.phrases import PhraseExtractor, count_terms

NAME_SAMPLE = 60      # segments per theme (nearest the centre) parsed for names: the full parse is the cost
N_KEYWORDS = 8
N_CANDIDATES = 12     # phrases per theme whose embedding is compared with the centre


def ctfidf(counts: np.ndarray) -> np.ndarray:
    """c-TF-IDF of a themes x terms count matrix."""
    counts = np.asarray(counts, dtype=np.float64)
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    avg = counts.sum() / max(len(counts), 1)
    idf = np.log(1 + avg / np.maximum(counts.sum(axis=0), 1))
    return tf * idf


def keywords(texts_by_theme: list[list[str]], n: int = N_KEYWORDS,
             terms: Callable[[list[str]], Iterable[list[str]]] = count_terms) -> list[list[str]]:
    """Top c-TF-IDF words and word pairs of each theme (counted once per segment; a term must
    occur in two segments of a theme that has four or more). ``terms`` gives each text's terms
    (``count_terms``, or the same from the text cache)."""
    import pandas as pd

    flat = [t for texts in texts_by_theme for t in texts]
    if not flat:
        return [[] for _ in texts_by_theme]
    # each distinct text is analysed once; a theme counts it as often as it holds it
    inverse, distinct = pd.factorize(pd.Series(flat, dtype=object))
    per_text = [list(v) for v in terms(list(distinct))]
    vocab = sorted({term for ts in per_text for term in ts})
    if not vocab:  # blanks and stop words only
        return [[] for _ in texts_by_theme]
    index = {term: i for i, term in enumerate(vocab)}
    text_terms = [np.array([index[term] for term in ts], dtype=np.int64) for ts in per_text]
    owner = np.repeat(np.arange(len(texts_by_theme)), [len(t) for t in texts_by_theme])
    lengths = np.array([len(text_terms[i]) for i in inverse], dtype=np.int64)
    cells = np.repeat(owner, lengths) * len(vocab) + np.concatenate([text_terms[i] for i in inverse])
    counts = np.bincount(cells, minlength=len(texts_by_theme) * len(vocab)).reshape(len(texts_by_theme), -1)
    weights = ctfidf(counts)
    out = []
    for t, row in enumerate(weights):
        floor = 2 if len(texts_by_theme[t]) >= 4 else 1
        # terms are in alphabetical order, so a stable sort breaks ties alphabetically
        cand = np.flatnonzero((row > 0) & (counts[t] >= floor))
        order = cand[np.argsort(-row[cand], kind="stable")]
        chosen: list[str] = []
        for i in order:
            term = vocab[i]
            # skip a single word already inside a chosen pair, and vice versa
            if any(term in c.split() or c in term.split() for c in chosen):
                continue
            chosen.append(term)
            if len(chosen) == n:
                break
        out.append(chosen)
    return out


def name_themes(texts_by_theme: list[list[str]], centroids: np.ndarray, embedder,
                extractor: PhraseExtractor, terms=None) -> tuple[list[str], list[list[str]]]:
    """(names, keywords) for themes given their segment texts, nearest the centre first;
    ``terms``: each text's keyword terms (default ``count_terms``)."""
    kw = keywords(texts_by_theme, terms=terms or count_terms)
    sample = [texts[:NAME_SAMPLE] for texts in texts_by_theme]
    flat = [t for texts in sample for t in texts]
    phrases_flat = list(extractor(flat)) if flat else []
    per_theme: list[Counter] = []
    surface: dict[str, Counter] = {}
    pos = 0
    for texts in sample:
        c: Counter = Counter()
        for plist in phrases_flat[pos:pos + len(texts)]:
            c.update({p.lower() for p in plist})
            for p in plist:
                surface.setdefault(p.lower(), Counter())[p] += 1
        pos += len(texts)
        per_theme.append(c)
    display = {k: min(v.items(), key=lambda kv: (-kv[1], kv[0]))[0] for k, v in surface.items()}

    vocab = sorted({p for c in per_theme for p in c})
    index = {p: i for i, p in enumerate(vocab)}
    counts = np.zeros((len(per_theme), len(vocab)))
    for t, c in enumerate(per_theme):
        for p, k in c.items():
            counts[t, index[p]] = k
    weights = ctfidf(counts) if vocab else counts

    candidates: list[list[str]] = []
    for t in range(len(per_theme)):
        row = weights[t] if vocab else np.zeros(0)
        order = [i for i in np.lexsort((vocab, -row)) if row[i] > 0 and counts[t, i] >= 2] if vocab else []
        candidates.append([vocab[i] for i in order[:N_CANDIDATES]])
    cand_flat = sorted({p for cands in candidates for p in cands})
    sims = {}
    if cand_flat:
        vecs = np.asarray(embedder.embed([display.get(p, p) for p in cand_flat]), dtype=np.float32)
        for p, v in zip(cand_flat, vecs):
            sims[p] = v
    names: list[str] = []
    used: set[str] = set()
    for t, cands in enumerate(candidates):
        scored = []
        top = weights[t].max() if vocab and weights[t].size else 1.0
        for p in cands:
            w = weights[t, index[p]] / top if top > 0 else 0.0
            closeness = float(sims[p] @ centroids[t]) if p in sims else 0.0
            n_words = len(p.split())
            bonus = 0.15 if 2 <= n_words <= 3 else 0.0
            col = counts[:, index[p]]
            distinct = col[t] / col.sum() if col.sum() else 0.0   # share of its uses in this theme
            scored.append((0.35 * w + 0.45 * closeness + 0.2 * distinct + bonus, p))
        scored.sort(key=lambda s: (-s[0], s[1]))
        name = next((display.get(p, p) for _, p in scored if display.get(p, p).lower() not in used), None)
        if name is None:
            base = " and ".join(kw[t][:2]) if kw[t] else f"theme {t + 1}"
            name = base
        k = 2
        unique = name
        while unique.lower() in used:
            unique = f"{name} ({k})"
            k += 1
        used.add(unique.lower())
        names.append(unique[0].upper() + unique[1:])
    return names, kw
