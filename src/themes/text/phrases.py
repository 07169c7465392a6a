"""Phrases and keyword terms of texts: spaCy noun chunks (theme-name candidates), a
dependency-free stand-in for tests, and the keyword analyser (words and word pairs)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

PhraseExtractor = Callable[[list[str]], Iterable[list[str]]]
_KEEP_PLURAL = {"data", "media", "criteria", "staff", "people", "news", "premises"}
_EDGE_POS = {"DET", "PRON", "PUNCT", "CCONJ", "ADP", "PART", "NUM", "SPACE", "SYM", "X", "INTJ"}


def spacy_phrases(nlp=None, batch_size: int = 128) -> PhraseExtractor:
    """Noun chunks (determiners and pronouns trimmed, head noun lemmatised), lower case."""
    state = {"nlp": nlp}

    def extract(texts: list[str]) -> Iterable[list[str]]:
        if state["nlp"] is None:
            from themes.text.segment import shared_spacy

            state["nlp"] = shared_spacy()
        skip = [p for p in ("ner", "senter") if p in state["nlp"].pipe_names]
        with state["nlp"].select_pipes(disable=skip):
            for doc in state["nlp"].pipe(texts, batch_size=batch_size):
                phrases = []
                for chunk in doc.noun_chunks:
                    toks = [t for t in chunk]
                    while toks and (toks[0].pos_ in _EDGE_POS or toks[0].is_stop):
                        toks = toks[1:]
                    while toks and (toks[-1].pos_ in _EDGE_POS or toks[-1].is_stop):
                        toks = toks[:-1]
                    if not toks or len(toks) > 4:
                        continue
                    if not any(t.pos_ in ("NOUN", "PROPN") for t in toks):
                        continue
                    words = [_surface(t) for t in toks[:-1]] + [_surface(toks[-1], head=True)]
                    phrase = " ".join(words)
                    if len(phrase) >= 3 and re.search(r"[A-Za-z]", phrase):
                        phrases.append(phrase)
                yield phrases

    return extract


def _surface(tok, head: bool = False) -> str:
    """Acronyms (NHS, EDI) and proper nouns keep their case; other words are lower case, and a
    common-noun head is singular (networks -> network)."""
    text = tok.text
    if len(text) >= 2 and text.isupper():
        return text
    if tok.pos_ == "PROPN":
        return text
    if head and tok.pos_ == "NOUN" and text.lower() not in _KEEP_PLURAL:
        return tok.lemma_.lower()
    return text.lower()


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
