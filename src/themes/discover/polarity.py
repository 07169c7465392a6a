"""Support and polarity of a name among a theme's segments.

``support``: the share of segments holding the phrase's content words (stems, any order: all of
one or two, else at least half) with the phrase's polarity, a negation cue (no, not, n't, never,
nothing, none, without, lack, nobody, neither, nor, hardly) within four words before one of them
in the same clause, or "lacking"/"none" just after. ``contradicts``: over a third of the segments
holding the phrase's head word give it the opposite polarity ("timed exam" against "there are no
exams"). Pure Python: no spaCy, no model.
"""

from __future__ import annotations

import math
import re

NEGATIONS = {"no", "not", "n't", "never", "nothing", "none", "without", "lack", "nobody",
             "neither", "nor", "hardly"}
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[,.;:!?()\u2013\u2014]")
_BOUNDARY = {",", ".", ";", ":", "!", "?", "(", ")", "\u2013", "\u2014", "but", "however", "although"}
_AFTER_NEG = {"lack", "none", "nothing", "absent"}


# English function words (negations excluded: they carry polarity). Our own short list rather
# than spaCy's, so naming from the caches never imports spaCy (its import costs a second).
STOP = frozenset("""
a about above after again against all also am among an and any are as at be because been before being
below between both by can could did do does doing down during each either else ever every few for from
further had has have having he her here hers herself him himself his how i if in into is it its itself
just me more most much must my myself of off often on once only or other our ours ourselves out over
own per quite rather really same she should since so some such than that the their theirs them
themselves then there these they this those though through thus to too under until up upon us very
was we were what whatever when where whether which while who whom whose why will with within would
yet you your yours yourself yourselves 's 're 've 'd 'll 'm
""".split()) - NEGATIONS


def stem(word: str) -> str:
    """A crude, consistent stem (exam/exams, train/training/trained, time/timed)."""
    w = word.replace("'s", "")
    if w in NEGATIONS or len(w) <= 3:
        return w
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ied", "y"), ("ed", ""), ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and not (suffix == "s" and w[-2] in "su"):
            w = w[: len(w) - len(suffix)] + repl
            if suffix in ("ing", "ed") and len(w) > 3 and w[-1] == w[-2] and w[-1] not in "ls":
                w = w[:-1]
            break
    return w[:-1] if len(w) > 3 and w.endswith("e") else w


def stem_tokens(text: str) -> list[str]:
    t = text.lower().replace("\u2019", "'")
    t = re.sub(r"n't\b", " not", t).replace("cannot", "can not")
    return [tok if tok in _BOUNDARY else stem(tok) for tok in _TOKEN.findall(t)]


def _is_neg(stem: str) -> bool:
    return stem in NEGATIONS or stem == "lack"


def content_stems(phrase: str) -> tuple[list[str], bool]:
    """(content stems, negated?) of a phrase."""
    raw = re.findall(r"[a-z0-9]+(?:'[a-z]+)?", re.sub(r"n't\b", " not", phrase.lower()))
    negated = any(_is_neg(stem(w)) for w in raw)
    # a number is content: "2 paramedics" must be supported by answers that say 2
    stems = [stem(w) for w in raw if w not in STOP and not _is_neg(stem(w)) and (len(w) >= 2 or w.isdigit())]
    return list(dict.fromkeys(stems)), negated


def match_stems(stems: list[str], toks: list[str], loose: bool = False) -> tuple[bool, bool]:
    """(segment holds the content words, a negation cue stands within four words before one of
    them, or "lacking"/"none" within three after, inside the same clause). ``loose``: half of them including the last (head) word."""
    if not stems:
        return False, False
    pos = {s: [i for i, t in enumerate(toks) if t == s] for s in stems}
    hit = [s for s in stems if pos[s]]
    need = len(stems) if len(stems) <= 2 and not loose else math.ceil(len(stems) / 2)
    if len(hit) < need or (loose and not pos[stems[-1]]):
        return False, False
    for s in hit:
        for p in pos[s]:
            for q in range(p - 1, max(p - 5, -1), -1):
                if toks[q] in _BOUNDARY:
                    break
                if _is_neg(toks[q]):
                    return True, True
            for q in range(p + 1, min(p + 4, len(toks))):   # "capacity is lacking", "exams: none"
                if toks[q] in _BOUNDARY and toks[q] != ":":
                    break
                if toks[q] in _AFTER_NEG:
                    return True, True
    return True, False


def support(phrase: str, texts: list[str]) -> float:
    """Share of ``texts`` (a theme's central segments) holding the phrase's content words (all
    of one or two, else at least half; any order) with the phrase's polarity."""
    return _support_tokens(phrase, [stem_tokens(t) for t in texts])


def _support_tokens(phrase: str, toks_list: list[list[str]]) -> float:
    stems, negated = content_stems(phrase)
    if not toks_list:
        return 0.0
    good = 0
    for toks in toks_list:
        ok, neg = match_stems(stems, toks)
        good += ok and neg == negated
    return good / len(toks_list)


def contradicts(phrase: str, texts: list[str]) -> bool:
    """True when over a third of the segments that hold the phrase's head words give them the
    opposite polarity ("timed exam" against "there are no exams"; "no exams" against "exams")."""
    return contradicts_stems(phrase, [stem_tokens(t) for t in texts])


def contradicts_stems(phrase: str, toks_list: list[list[str]]) -> bool:
    stems, negated = content_stems(phrase)
    matched = opposite = 0
    for toks in toks_list:
        ok, neg = match_stems(stems, toks, loose=True)
        matched += ok
        opposite += ok and neg != negated
    return matched > 0 and opposite * 3 > matched
