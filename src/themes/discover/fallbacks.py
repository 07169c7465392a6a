"""The weaker naming rules of themes.discover.labels.choose_names: a theme of mostly short
answers named by its commonest one ("Nothing at all"), and, when nothing else names a theme, one
of its central segments."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

from themes.discover.name_phrases import is_bad_name
from themes.discover.people import TITLES
from themes.discover.polarity import STOP, contradicts_stems, stem_tokens

SHORT_WORDS = 5        # a theme whose sample is mostly answers this short is named by its commonest one
PARAPHRASE = 0.85      # short answers this close (cosine) say the same thing


def sentence_name(texts: list[str], used: set[str], people: set[str] = frozenset()) -> str:
    """One of the most central segments, whole when one of the first five says it in 2-6 words,
    else the most central cut to six content-bearing words (nine at most; cut shorter, "First
    doctor I saw" lost "was really lovely"). Stop words leading or trailing are dropped, and
    first-person openers such as "I think" and words of ``people``'s names ("XXXX was very
    helpful" -> "Helpful") removed."""
    def cut(text: str) -> tuple[str, bool]:
        clean = re.sub(r"^\W*(i|we)\s+(think|feel|believe|would say)\s+(that\s+)?", "", text.strip(), flags=re.IGNORECASE)
        raw = re.findall(r"[\w'’/-]+", clean.split("\n")[0])
        words = [w for w, nxt in zip(raw, raw[1:] + [""]) if w.lower() not in people
                 and not (w.lower() in TITLES and nxt.lower() in people)]   # "Dr XXXX" goes whole
        while words and words[0].lower() in STOP:
            words.pop(0)
        kept, n = [], 0
        for w in words:
            kept.append(w)
            n += w.lower() not in STOP
            if n == 6 or len(kept) == 9:
                break
        if len(kept) == len(words) and 2 <= len(kept) <= 6:
            return " ".join(kept), True   # whole, its last word kept too ("well looked after")
        while kept and kept[-1].lower() in STOP:
            kept.pop()
        return " ".join(kept), False

    cuts = [cut(t) for t in texts]
    for name, whole in cuts[:5]:
        if whole and name.lower() not in used:
            return name
    for name, _ in cuts:
        if name and name.lower() not in used:
            return name
    base, k = (texts[0][:40].strip().rstrip(".!?;:, ") if texts and texts[0].strip() else "Other answers"), 2
    while f"{base} ({k})".lower() in used:
        k += 1
    return f"{base} ({k})" if base.lower() in used else base


INTERJECTION = re.compile(r"^\W*(?:no|yes|nope|yep|yeah|nah|well|ok|okay)\s*[,.;:!\-]+\s*(?=\w+\W+\w)", re.IGNORECASE)


def short_answer_name(texts: list[str], used: set[str], embedder=None,
                       toks: list[list[str]] | None = None) -> str | None:
    """The commonest short answer of a theme most of whose answers are short ("Nothing at all",
    "Everything was good"), when it is a name (not a lone generic word) and not taken. With an
    ``embedder``, an answer counts every short answer that says the same in other words (cosine
    at least ``PARAPHRASE``: "Just keep doing what your doing" counts for "Keep doing what
    you're doing"), so a stock reply written many ways beats one repeated word for word twice."""
    short = [t for t in texts if t.strip() and len(t.split()) <= SHORT_WORDS + 1]
    if sum(len(t.split()) <= SHORT_WORDS for t in short) * 2 < len([t for t in texts if t.strip()]):
        return None
    # a curly apostrophe is an apostrophe ("Can’t think of anything" was named "Can t think of anything"),
    # and a leading "No," or "Yes." answers the question, so it goes before the punctuation does
    # ("No, service is excellent" is no "No service is excellent")
    said = [re.sub(r"\s+", " ", re.sub(r"[^\w' /&-]+", " ", INTERJECTION.sub("", t.replace("\u2019", "'"))))
            .strip().lower() for t in short]
    counts = Counter(said)
    # an answer of stop words is a fine name here ("nothing at all", "none of them")
    names = [a for a in sorted(counts) if a not in used and len(a.split()) >= 2
             and is_bad_name(a) in (None, "stop words only")]
    if not names:
        return None
    alike = {a: counts[a] for a in names}
    if embedder is not None and len(counts) > 1:
        distinct = sorted(counts)
        v = np.asarray(embedder.embed(distinct), dtype=np.float32)
        v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
        close = (v @ v.T >= PARAPHRASE) @ np.array([counts[a] for a in distinct], dtype=np.float64)
        alike = {a: int(c) for a, c in zip(distinct, close) if a in alike}
    # the most often said, unless its negation disagrees with the theme's answers (two answers
    # wrote "No service is excellent" in a theme of "service is excellent"): the next then
    for best in sorted(names, key=lambda a: (-alike[a], -counts[a], len(a), a)):
        if not (counts[best] >= 2 or alike[best] >= 3):   # said twice word for word, or three times in any words
            return None
        toks = toks if toks is not None else [stem_tokens(t) for t in texts]
        if not contradicts_stems(best, toks):
            return best
    return None
