"""Coding segments against a codebook: the nearest code, and any others almost as near.

A segment's score for a code is the cosine to the code's centre (its name, description
sentences and examples; themes.model.seeding) plus ``LEXICAL_WEIGHT`` times the TF-IDF cosine of
their words (``lexical_scores``): an answer that uses the words one code's text uses and the
others' do not is nearer that code than the sentence model alone can tell. On the FFT framework
and the board-survey codebook (benchmarks/coding.py) it raised micro-F1 for every codebook, from
definitions alone 0.317 -> 0.38 to the board survey 0.629 -> 0.66. A codebook whose definitions
are mostly the tool's own (``written_by_themes``: "Respondents say ...", exported from a run)
is scored by the cosine alone: those definitions quote answers, and matching their incidental
words moved answers away from the themes they were written for (benchmarks/naming.py fidelity,
board survey 0.887 -> 0.784, FFT 0.822 -> 0.722). The segment takes its best code when that
clears the code's threshold, and every other code that clears its own threshold and comes
within ``Coding.margin`` of the best (``Settings.code_margin``; 0 by default: on the FFT and
board-survey benchmarks a margin gave more codes per answer and lower exact agreement).
Codes that differ by stance (a near twin of the opposite stance) are not given to a segment
of the opposite stance; codes for non-answers are never given to a segment.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from themes.types import Assignments, Segments, ThemeSet, as_matrix

STANCE_SIGN = {"positive": 1, "negative": -1}
TOOL_VOICE = re.compile(r"(?:views are mixed:\s*)?respondents\b", re.IGNORECASE)
LEXICAL_WEIGHT = 0.5   # on the FFT and board codebooks any weight from 0.2 to 1.0 helped; 0.5 sits in the middle


def written_by_themes(descriptions) -> bool:
    """Whether most of a codebook's definitions are in the tool's own voice (``TOOL_VOICE``:
    what themes.discover.define and --describe local write), as in a codebook exported from a run."""
    own = [bool(TOOL_VOICE.match(str(d).strip())) for d in descriptions]
    return 2 * sum(own) > len(own)


def lexical_scores(texts: list[str], theme_set: ThemeSet) -> np.ndarray:
    """Segments x codes: the cosine of TF-IDF vectors of a segment's words and of a code's words
    (its name, description and examples). The weights come from the codebook's texts alone (a
    word that one code uses counts more than one that many use; sublinear counts), so labelling
    the same answers in blocks or all at once scores them alike. Words are lowercased, English
    stop words left out and the rest stemmed (Snowball: "waiting", "waited" and "waits" match)."""
    t = theme_set.table
    fitted = code_words(tuple(" ".join([str(n), str(d), *map(str, e)])
                              for n, d, e in zip(t["name"], t["description"], t["examples"])))
    if fitted is None:   # no word of the codebook is more than a stop word
        return np.zeros((len(texts), len(t)), dtype=np.float32)
    vectorizer, codes = fitted
    return (vectorizer.transform(texts) @ codes.T).toarray().astype(np.float32)


@lru_cache(maxsize=8)
def code_words(code_texts: tuple[str, ...]):
    """(the vectorizer fitted on a codebook's texts, their TF-IDF rows), or None if they hold no
    word; kept for the next block of the same codebook (streamed labelling), with its stems."""
    import snowballstemmer
    from sklearn.feature_extraction.text import TfidfVectorizer

    words = TfidfVectorizer(stop_words="english").build_analyzer()
    stem = lru_cache(maxsize=200_000)(snowballstemmer.stemmer("english").stemWord)
    vectorizer = TfidfVectorizer(analyzer=lambda text: [stem(w) for w in words(text)], sublinear_tf=True)
    try:
        return vectorizer, vectorizer.fit_transform(list(code_texts))
    except ValueError:
        return None


def allowed_codes(segments: Segments, theme_set: ThemeSet) -> np.ndarray:
    """Segments x codes: may the segment take the code (its question's codes only; not a
    non-answer code; not a code whose stance twin speaks for the segment's stance)."""
    coding = theme_set.coding
    n, k = len(segments), len(theme_set)
    ok = np.ones((n, k), dtype=bool)
    qs = segments.frame["question"].to_numpy()
    if k and theme_set.table["question"].nunique() > 1:
        for q in np.unique(qs):
            allowed = np.zeros(k, dtype=bool)
            allowed[theme_set.for_question(q)] = True
            ok[np.ix_(qs == q, ~allowed)] = False
    ok[:, coding.no_content] = False
    if coding.twin.any() and "stance" in segments.frame:
        sign = np.array([STANCE_SIGN.get(s, 0) for s in segments.frame["stance"]], dtype=np.int8)
        against = (sign[:, None] * coding.stance[None, :]) < 0
        ok &= ~(against & coding.twin[None, :])
    return ok


def assign_codes(vectors: np.ndarray, segments: Segments, theme_set: ThemeSet) -> Assignments:
    """Every code each segment takes (``held``), its best one (``theme_pos``, with its cosine)
    and, per code, how far the cosine clears the code's threshold (``scores``: what orders a
    response's codes, strongest first)."""
    coding = theme_set.coding
    n, k = len(segments), len(theme_set)
    if n == 0 or k == 0:
        return Assignments(theme_pos=np.full(n, -1, dtype=np.int64), score=np.zeros(n, dtype=np.float32),
                           held=np.zeros((n, k), dtype=bool), scores=np.zeros((n, k), dtype=np.float32))
    column = next((c for c in ("clean", "text") if c in segments.frame.columns), None)   # what embedding read
    cosines = as_matrix(vectors) @ theme_set.centroids.T
    words = column is not None and not written_by_themes(theme_set.table["description"])
    sims = cosines if not words else cosines + LEXICAL_WEIGHT * lexical_scores(
        segments.frame[column].astype(str).tolist(), theme_set)
    lead = np.where(allowed_codes(segments, theme_set), sims - coding.thresholds[None, :], -np.inf)
    pos = np.argmax(lead, axis=1).astype(np.int64)
    best = lead[np.arange(n), pos]
    held = (lead >= 0) & (lead >= best[:, None] - coding.margin)
    score = cosines[np.arange(n), pos].astype(np.float32)   # what segments.csv reports: the cosine itself
    pos[best < 0] = -1
    return Assignments(theme_pos=pos, score=score, held=held,
                       scores=np.where(np.isfinite(lead), lead, -1.0).astype(np.float32))
