"""Stance per segment: positive / negative / neutral, and for / against a proposal.

Polarity is VADER's compound score (vaderSentiment 3.3.2, a rule-based lexicon
shipped inside the package: nothing is downloaded) with a short survey lexicon
on top for phrases VADER misses or misreads ("lack of", "could be better",
"no concerns"). No question text is used: "Nothing." is neutral here even when
it answers "what could improve?".
"""

from __future__ import annotations

import math
import re

from themes.text.cues import BARE_NEGATION, BARE_NEGATION_VALENCE, FOR_AGAINST_RULES, POLARITY_RULES

_NEGATORS = (
    r"no|not|never|none|nothing|without|hardly|nobody|cannot|"
    r"\w+n't|aint|cant|dont|didnt|doesnt|isnt|wasnt|werent|wont|wouldnt"
)
_NEGATOR = re.compile(rf"^(?:{_NEGATORS})$")
_WORD = re.compile(r"[\w']+")
_CLAUSE_BREAK = re.compile(r"[.,;:!?()]|\bbut\b")
_NOBODY = re.compile(r"\b(?:nobody|no[- ]one)\b", re.IGNORECASE)
_OK_PUNCT = re.compile(r"\b(ok)([.!?,;:]+)", re.IGNORECASE)
MIXED_SHARE = 0.2  # each side's share for a theme's views to count as mixed (describe_stance)
MIXED_SIDE = 0.25  # the smaller side's share of positive-or-critical at which views are mixed (and split is tried)
MIXED_FLOOR = 0.15  # ... and its share of all a theme's sentences (13% positive against 27% critical is not mixed)
_NEGATION_WINDOW = 3  # words before a cue that can negate it, as in VADER
_FLIP = -0.74  # VADER's N_SCALAR: a negated cue keeps 74% of its strength, reversed
_ALPHA = 15.0  # VADER's normalisation constant

_POLARITY_RULES = [(re.compile(p), v) for p, v in POLARITY_RULES]

_FOR_AGAINST_RULES = [(re.compile(p), v) for p, v in FOR_AGAINST_RULES]

_analyzer_instance = None


def _analyzer():
    """The one SentimentIntensityAnalyzer, loaded on first use (reads its lexicon file)."""
    global _analyzer_instance
    if _analyzer_instance is None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        _analyzer_instance = SentimentIntensityAnalyzer()
    return _analyzer_instance


def _prepare(text: str) -> str:
    """Lower case with straight apostrophes, so the rules see one spelling."""
    return str(text or "").lower().replace("\u2019", "'").replace("\u2018", "'")


def _negator_before(text: str, start: int, taken: list[bool]) -> tuple[int, int] | None:
    """Span of a free negator among the three words before ``start`` in its clause."""
    clause = _CLAUSE_BREAK.split(text[:start])[-1]
    offset = start - len(clause)
    words = list(_WORD.finditer(clause))[-_NEGATION_WINDOW:]
    for m in reversed(words):
        a, b = m.start() + offset, m.end() + offset
        if _NEGATOR.match(m.group()) and not any(taken[a:b]):
            return a, b
    return None


def _match_rules(text: str, rules: list) -> tuple[list[float], list[bool]]:
    """Valences of the cues found in ``text`` (prepared) and the characters they took."""
    taken = [False] * len(text)
    values: list[float] = []
    for pattern, value in rules:
        for m in pattern.finditer(text):
            if any(taken[m.start() : m.end()]):
                continue
            for i in range(m.start(), m.end()):
                taken[i] = True
            neg = _negator_before(text, m.start(), taken)
            if neg is not None:
                for i in range(*neg):
                    taken[i] = True
                value_here = value * _FLIP
            else:
                value_here = value
            values.append(value_here)
    return values, taken


def _masked(text: str, taken: list[bool]) -> str:
    return "".join(" " if t else ch for ch, t in zip(text, taken))


def _raw(compound: float) -> float:
    """Invert VADER's normalisation: the valence sum that gives this compound."""
    c = max(-0.9999, min(0.9999, compound))
    return c * math.sqrt(_ALPHA / (1.0 - c * c))


def _score(text: str) -> float:
    analyzer = _analyzer()
    prepared = _prepare(text)
    values, taken = _match_rules(prepared, _POLARITY_RULES)
    rest = _masked(prepared, taken)
    for m in BARE_NEGATION.finditer(rest):
        following = _WORD.findall(rest[m.end() :])[:_NEGATION_WINDOW]
        if not any(w in analyzer.lexicon for w in following):
            values.append(BARE_NEGATION_VALENCE)
    # VADER reads the original casing and punctuation, minus the spans rules took.
    original = str(text or "")
    if len(original) == len(prepared):
        rest = "".join(" " if t else ch for ch, t in zip(original, taken))
    # VADER strips punctuation from a word only when more than two letters are left, so "ok."
    # and "ok!" were no words of its lexicon; a space keeps "ok" a word (only "ok": its other
    # two-letter entries are chat slang such as "dx" and "po", which surveys use otherwise).
    # VADER has no "nobody" or "no one" among its negators: "No one was rude" was critical.
    compound = analyzer.polarity_scores(_NOBODY.sub("not", _OK_PUNCT.sub(r"\1 \2", rest)))["compound"]
    if not values:
        return compound
    total = _raw(compound) + sum(values)
    return round(total / math.sqrt(total * total + _ALPHA), 4)


def valence(word: str) -> float:
    """VADER's lexicon valence of one lower-case word (0.0 when it has none)."""
    return float(_analyzer().lexicon.get(word.lower(), 0.0))


def stance_scores(texts: list[str]) -> list[float]:
    """Compound polarity in [-1, 1] per text: VADER plus the survey cues.

    The survey cues are added to VADER's own valence sum before its normalisation
    ``x / sqrt(x^2 + 15)``, as if they were lexicon entries VADER lacks; the spans
    they match are hidden from VADER so nothing is counted twice. This was chosen
    over averaging (which halves a cue VADER did not see: "lack of staff" would
    drop towards neutral) and over the larger magnitude (which drops one side of
    a mixed answer: "no concerns but the wait was too long"). A text with no cue
    scores exactly VADER's compound. Deterministic: same text, same score.
    """
    return [_score(t) for t in texts]


def stance_labels(texts: list[str], threshold: float = 0.05) -> list[str]:
    """"positive" (score >= threshold), "negative" (<= -threshold) or "neutral".

    0.05 is VADER's own recommended cut-off.
    """
    out = []
    for s in stance_scores(texts):
        out.append("positive" if s >= threshold else "negative" if s <= -threshold else "neutral")
    return out


def for_against(texts: list[str]) -> list[str]:
    """"for", "against" or "" per answer about a proposal or a choice.

    Cues from FOR_AGAINST_RULES are summed (+1 for, -1 against, flipped when
    negated: "would not consider", "not in favour", "don't disagree"); a positive
    sum is "for", a negative one "against", no cue or a tie "".
    """
    out = []
    for text in texts:
        values, _ = _match_rules(_prepare(text).strip(), _FOR_AGAINST_RULES)
        total = sum(values)
        out.append("for" if total > 0 else "against" if total < 0 else "")
    return out


def stance_shares(labels: list[str]) -> dict[str, float]:
    """Share of "positive", "negative" and "neutral" labels (all 0.0 when empty)."""
    counts = {"positive": 0, "negative": 0, "neutral": 0}
    for label in labels:
        if label not in counts:
            raise ValueError(f"unknown stance label {label!r}")
        counts[label] += 1
    n = len(labels)
    return {k: (v / n if n else 0.0) for k, v in counts.items()}


def describe_stance(shares: dict[str, float]) -> str:
    """Words for a theme's stance shares; "negative" is worded "critical".

    The smaller of the two sides is "balanced" when it is at least ``MIXED_SIDE`` of the
    positive-or-critical share (the share at which themes.discover.split tries two themes).

    - "mostly positive (71% positive)": positive >= 50% and the sides not balanced;
    - "mostly critical (62% critical)": the same the other way round;
    - "mostly neutral": neutral >= 50% and positive and critical each under 25%;
    - "mixed (55% positive, 30% critical)": the sides balanced and the smaller at least
      ``MIXED_FLOOR`` of all;
    - "somewhat positive (40% positive, 10% critical)" / "somewhat critical (...)":
      the rest, by the larger of the two; "mostly neutral" if they are equal;
    - "no answers" when every share is zero.
    """
    p = shares.get("positive", 0.0)
    n = shares.get("negative", 0.0)
    u = shares.get("neutral", 0.0)
    both = f"{p:.0%} positive, {n:.0%} critical"
    if p + n + u <= 0:
        return "no answers"
    balanced = p + n > 0 and min(p, n) >= MIXED_SIDE * (p + n)
    if p >= 0.5 and p > n and not balanced:
        return f"mostly positive ({p:.0%} positive)"
    if n >= 0.5 and n > p and not balanced:
        return f"mostly critical ({n:.0%} critical)"
    if u >= 0.5 and p < 0.25 and n < 0.25:
        return "mostly neutral"
    if balanced and min(p, n) >= MIXED_FLOOR:
        return f"mixed ({both})"
    if p > n:
        return f"somewhat positive ({both})"
    if n > p:
        return f"somewhat critical ({both})"
    return "mostly neutral"
