"""What a short answer says: non-answers ("N/A", "nothing", "don't know"), and the one place
where a question changes that: "Nothing" to "How could we improve?" says nothing needs to be
improved, an answer with content (the FFT coders code it as praise: 77 of the 84 non-answers
to the improvement questions in the test half of benchmarks/labelling.py's split)."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

# Normalised forms (lower case, letters and spaces only) of answers that say nothing.
NON_ANSWERS = {
    "", "na", "n a", "nil", "none", "no", "nope", "nothing", "no comment", "no comments",
    "did not answer", "didnt answer", "not answered", "no answer", "no response", "not applicable",
    "none at this time", "nothing at this time", "nothing to add", "nothing further", "none really",
    "nothing else", "no further comments", "no further comment", "none thank you", "nothing thanks",
    "nothing thank you", "dont know", "don t know", "do not know", "not sure", "unsure", "pass",
    "blank", "null", "nan", "x", "xx", "xxx", "test", "see above", "as above",
}

# Answers that, to a question asking what to improve, say nothing needs to be (normalised forms).
# "Nothing to add", "nothing else", "don't know" and "N/A" stay non-answers: they decline to say.
NOTHING_TO_IMPROVE = {
    "no", "nope", "nothing", "none", "nil", "none really", "nothing really", "not really",
    "no not really", "nothing at all", "none at all", "no nothing", "nothing at this time",
    "none at this time", "nothing at the moment", "none at the moment", "nothing thanks",
    "nothing thank you", "none thank you", "no thanks", "no thank you", "nothing i can think of",
    "cant think of anything", "can t think of anything", "not a thing", "no improvements",
    "no improvement", "no improvements needed", "none needed", "nothing needed", "nothing to improve",
}

# A question that asks what to improve or change: "How could we improve?", "What could we do
# better?", "Is there anything you would change?", "What should we do differently?".
IMPROVEMENT_QUESTION = re.compile(
    r"\bimprov|\b(?:do|done|doing|be|been|make it|work)\s+(?:\w+\s+)?better\b|\bbetter\s+for\s+you\b"
    r"|\b(?:would|could|should)\s+(?:you|we)\s+change\b|\b(?:you|we)\s+(?:would|could|should)\s+change\b"
    r"|\bchange\s+anything\b|\bdifferently\b",
    re.IGNORECASE)

NOTHING_TO_IMPROVE_TEXT = "Nothing needs to be improved."   # what embedding and naming read for them


def normalise_answer(text: str) -> str:
    """Lower-case letters and single spaces only, for recognising non-answers."""
    text = unicodedata.normalize("NFKC", text).lower().replace("'", "").replace("\u2019", "")
    return " ".join(re.sub(r"[^\w\s]|_|\d", " ", text).split())


def is_non_answer(text: str) -> bool:
    if not any(ch.isalpha() for ch in text):
        return True
    return normalise_answer(text) in NON_ANSWERS


def asks_for_improvement(question: str) -> bool:
    return bool(question) and IMPROVEMENT_QUESTION.search(question) is not None


def says_nothing_to_improve(text: str, question: str) -> bool:
    """An answer like "Nothing." or "No, nothing at all" to a question asking what to improve."""
    return asks_for_improvement(question) and normalise_answer(text) in NOTHING_TO_IMPROVE


def nothing_to_improve_rows(texts, questions) -> np.ndarray:
    """Per row (two equal-length sequences), ``says_nothing_to_improve``: each question is judged
    once, and only the rows of questions that ask what to improve are read."""
    questions = np.asarray(questions, dtype=object)
    out = np.zeros(len(questions), dtype=bool)
    for q in {q for q in pd.unique(questions) if asks_for_improvement(str(q))}:
        rows = np.flatnonzero(questions == q)
        out[rows] = [normalise_answer(str(texts[r])) in NOTHING_TO_IMPROVE for r in rows]
    return out


def has_content(text: str, question: str = "") -> bool:
    """Whether an answer says something: not a non-answer, or a "nothing" to an improvement question."""
    return not is_non_answer(text) or says_nothing_to_improve(text, question)
