"""Groups -> theme names and c-TF-IDF keywords.

Keywords: class-based TF-IDF (BERTopic's c-TF-IDF: term frequency within a theme, weighted by
log(1 + average terms per theme / frequency of the term over all themes)) over words and word
pairs. Names: themes.discover.labels (supported phrases that keep negation; no two themes of a
list share a name).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable

import numpy as np

from themes.text.phrases import PhraseExtractor, count_terms

N_KEYWORDS = 8


def ctfidf(counts):
    """c-TF-IDF of a themes x terms count matrix (a numpy array, or a SciPy sparse matrix, which
    gives a sparse CSR result: keywords counts the terms of many themes that way, since the dense
    matrix of 60 themes by the 500,000 words and pairs of 50,000 distinct answers took 700 MB)."""
    import scipy.sparse as sp

    if sp.issparse(counts):
        c = sp.csr_matrix(counts, dtype=np.float64)
        rows = np.asarray(c.sum(axis=1)).ravel()
        idf = np.log(1 + c.sum() / max(c.shape[0], 1) / np.maximum(np.asarray(c.sum(axis=0)).ravel(), 1))
        return sp.csr_matrix(sp.diags(1 / np.maximum(rows, 1)) @ c @ sp.diags(idf))
    counts = np.asarray(counts, dtype=np.float64)
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    avg = counts.sum() / max(len(counts), 1)
    idf = np.log(1 + avg / np.maximum(counts.sum(axis=0), 1))
    return tf * idf


def term_counts(texts_by_theme: list[list[str]], terms: Callable[[list[str]], Iterable[list[str]]] = count_terms):
    """(themes x terms sparse counts, the terms in alphabetical order): how many of each theme's
    segments hold each term. Each distinct text is analysed once and counted as often as a theme
    holds it, one theme at a time (its distinct texts' term rows weighted by how often it holds
    each): no term list per segment, which at 200,000 answers (386,181 segments, 107,947
    distinct) took about 300 MB (benchmarks/speed.py --cases peak)."""
    import pandas as pd
    import scipy.sparse as sp

    flat = [t for texts in texts_by_theme for t in texts]
    if not flat:
        return sp.csr_matrix((len(texts_by_theme), 0)), []
    inverse, distinct = pd.factorize(pd.Series(flat, dtype=object))
    del flat
    # each text's terms become column numbers as they come (numbered in order of first sight, then
    # renumbered alphabetically): no list of term strings per text, which at 200,000 answers held
    # about 2 million strings at once
    index: dict[str, int] = {}
    cols = array("q")
    lengths = np.zeros(len(distinct), dtype=np.int64)
    for k, ts in enumerate(terms(list(distinct))):
        before = len(cols)
        cols.extend(index.setdefault(term, len(index)) for term in ts)
        lengths[k] = len(cols) - before
    seen = list(index)
    del index
    order = sorted(range(len(seen)), key=seen.__getitem__)
    vocab = [seen[i] for i in order]
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    cols = rank[np.frombuffer(cols, dtype=np.int64)] if len(cols) else np.zeros(0, np.int64)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    # made as CSR straight away (no COO triplets and their conversion); a term a text gives twice
    # is one cell holding 2, as it would be from COO
    text_terms = sp.csr_matrix((np.ones(len(cols)), cols, indptr), shape=(len(distinct), len(vocab)))
    del cols
    text_terms.sum_duplicates()
    rows, start = [], 0
    for texts in texts_by_theme:
        ids, times = np.unique(inverse[start:start + len(texts)], return_counts=True)
        start += len(texts)
        rows.append(sp.csr_matrix(text_terms[ids].T @ times.astype(np.float64)))
    return sp.vstack(rows, format="csr"), vocab


def keywords(texts_by_theme: list[list[str]], n: int = N_KEYWORDS,
             terms: Callable[[list[str]], Iterable[list[str]]] = count_terms) -> list[list[str]]:
    """Top c-TF-IDF words and word pairs of each theme (counted once per segment; a term must
    occur in two segments of a theme that has four or more). ``terms`` gives each text's terms
    (``count_terms``, or the same from the text cache)."""
    counts, vocab = term_counts(texts_by_theme, terms)
    if not vocab:  # no text, or blanks and stop words only
        return [[] for _ in texts_by_theme]
    weights = ctfidf(counts)
    out = []
    for t in range(len(texts_by_theme)):
        row = weights[t].toarray().ravel()
        floor = 2 if len(texts_by_theme[t]) >= 4 else 1
        # terms are in alphabetical order, so a stable sort breaks ties alphabetically
        cand = np.flatnonzero((row > 0) & (counts[t].toarray().ravel() >= floor))
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
                extractor: PhraseExtractor, terms=None,
                questions: list[str] | None = None,
                stances: list[list[str]] | None = None) -> tuple[list[str], list[list[str]], list[str]]:
    """(names, keywords, rules) for themes given their segment texts, nearest the centre first.

    Keywords are c-TF-IDF words and word pairs (``terms``: each text's keyword terms, default
    ``count_terms``). Names come from ``themes.discover.labels.choose_names``: phrases of the
    central segments that keep negation and quantity, supported by the theme's own segments,
    never a person, place, handle or lone generic word; ``rules`` says which rule named each
    theme ("phrase", or the weaker "keywords" / "sentence"). ``questions``: each theme's question
    text, whose words alone never name a theme; ``stances``: each theme's segment stances, which
    a name may not oppose."""
    from themes.discover.labels import choose_names

    kw = keywords(texts_by_theme, terms=terms or count_terms)
    names, rules = choose_names(texts_by_theme, centroids, embedder, extractor, kw, questions=questions,
                                stances=stances)
    return names, kw, rules
