"""Phrases and keyword terms of texts: the shape of a phrase extractor (theme-name candidates
come from themes.discover.labels.spacy_name_phrases), a dependency-free stand-in for tests,
and the keyword analyser (words and word pairs)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

PhraseExtractor = Callable[[list[str]], Iterable[list[str]]]


def simple_phrases(texts: list[str]) -> Iterable[list[str]]:
    """Dependency-free stand-in for tests: words of 4+ letters and adjacent pairs of them."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    for text in texts:
        words = [w for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in ENGLISH_STOP_WORDS]
        yield words + [" ".join(p) for p in zip(words, words[1:])]


TERM_PATTERN = r"(?u)\b[^\W\d_][\w'\u2019-]*[^\W\d_]\b"   # words of 2+ letters (apostrophes, hyphens inside)


def count_terms(texts: list[str]) -> Iterable[list[str]]:
    """The keyword terms of each text: its distinct words and word pairs, lower case, English
    stop words left out (scikit-learn's CountVectorizer analyzer), sorted."""
    from sklearn.feature_extraction.text import CountVectorizer

    analyze = CountVectorizer(stop_words="english", ngram_range=(1, 2), token_pattern=TERM_PATTERN).build_analyzer()
    for text in texts:
        yield sorted(set(analyze(text)))
