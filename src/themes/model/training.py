"""`themes train`'s fitting, per question: the hand-labelled rows of each question, and a
codebook's statements and examples as extra rows (`train --codebook`).

A codebook's rows are what it says each code means: its name, each clause of its description
and each example, a positive row for that code (an identical text under several codes is one row
with all of them). On the FFT benchmark with 10 hand-labelled responses per code, adding the
framework document's definitions and examples this way raised micro-F1 from 0.533 to 0.586
(benchmarks/coding.py, docs/benchmarks.md Coding).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from themes.embed.runtime import embed_with_cache
from themes.model.classifier import fit_classifier, label_summaries
from themes.model.codebook import Codebook


def codebook_rows(codebook: Codebook, question: str, classes: list[str],
                  per_question: bool) -> tuple[list[str], list[set[str]], list[str]]:
    """A codebook's texts and their codes for one question's classifier, and the codes that join it.

    Without ``per_question`` every code joins. With it, a code joins the classifier of its own
    question, and a code with no question joins each question whose hand labels use its name."""
    texts: dict[str, set[str]] = {}
    joined = []
    for theme in codebook.themes:
        if per_question and not (theme.question == question or (not theme.question and theme.name in classes)):
            continue
        joined.append(theme.name)
        for t in theme.statements() + list(theme.examples):
            t = str(t).strip()
            if t:
                texts.setdefault(t, set()).add(theme.name)
    return list(texts), list(texts.values()), joined


def codebook_frame(codebook: Codebook) -> pd.DataFrame:
    """A codebook as hand-labelled rows (``train --codebook`` with no responses): one row per
    distinct text of ``codebook_rows``, its codes joined by newlines, and the code's question."""
    rows: dict[tuple[str, str], set[str]] = {}
    for question in dict.fromkeys(t.question for t in codebook.themes):
        own = Codebook(themes=[t for t in codebook.themes if t.question == question])
        texts, labels, _ = codebook_rows(own, question, [], per_question=False)
        for t, labs in zip(texts, labels):
            rows.setdefault((question, t), set()).update(labs)
    return pd.DataFrame({"question": [q for q, _ in rows], "text": [t for _, t in rows],
                         "codes": ["\n".join(sorted(v)) for v in rows.values()]}, dtype=object)


def fine_tune_groups(texts: list[str], usable: np.ndarray, questions: np.ndarray, label_sets: list[set[str]],
                     codebook: Codebook | None, per_question: bool, normalise: bool) -> dict[str, list[str]]:
    """What `train --fine-tune` learns from: per code (of each question, when ``per_question``),
    the texts of the responses that carry it and the codebook's texts for it, normalised as
    embedding reads them."""
    groups: dict[str, list[str]] = {}
    for r in np.flatnonzero(usable):
        for lab in label_sets[r]:
            groups.setdefault(f"{questions[r]}\x1f{lab}", []).append(texts[r])
    if codebook is not None:
        for q in sorted(set(questions[usable])):
            classes = sorted({lab for r in np.flatnonzero(usable & (questions == q)) for lab in label_sets[r]})
            book_texts, book_labels, _ = codebook_rows(codebook, q, classes, per_question)
            for t, labs in zip(book_texts, book_labels):
                for lab in labs:
                    groups.setdefault(f"{q}\x1f{lab}", []).append(t)
    if normalise:
        from themes.text.normalise import normalise_all

        groups = {k: normalise_all(v) for k, v in groups.items()}
    return groups


def fit_questions(R: np.ndarray, usable: np.ndarray, questions: np.ndarray, label_sets: list[set[str]],
                  texts: list[str], codebook: Codebook | None, per_question: bool, embedder, settings, reporter,
                  n_examples: int) -> tuple[list, list[str]]:
    """One classifier per question (one for all when ``questions`` are all ""): per question the
    tuple ``themes.model.classifier.combine`` reads, and the codebook's codes that joined none."""
    parts, joined_any = [], set()
    for q in sorted(set(questions[usable])):
        rows = np.flatnonzero(usable & (questions == q))
        counts = pd.Series([lab for r in rows for lab in label_sets[r]], dtype=object).value_counts()
        classes = sorted(counts.index, key=lambda c: (-counts[c], c))
        extra, book_texts = None, []
        if codebook is not None:
            book_texts, book_labels, joined = codebook_rows(codebook, q, classes, per_question)
            joined_any.update(joined)
            classes += [c for c in dict.fromkeys(joined) if c not in counts.index]
            if book_texts:
                EY = np.array([[c in labs for c in classes] for labs in book_labels], dtype=bool)
                extra = (embed_with_cache(book_texts, embedder, settings, reporter), EY)
        Y = np.array([[c in label_sets[r] for c in classes] for r in rows], dtype=bool).reshape(len(rows), len(classes))
        clf, info = fit_classifier(R[rows], Y, classes, seed=settings.seed, extra=extra)
        # typical texts and centres from the hand-labelled rows; a code only the codebook has
        # takes them from the codebook's rows
        X_all = R[rows] if extra is None else np.vstack([R[rows], extra[0]])
        Y_pick = np.zeros((len(X_all), len(classes)), dtype=bool)
        Y_pick[: len(rows)] = Y
        from_book = ~Y.any(axis=0)
        if extra is not None:
            Y_pick[len(rows):, from_book] = extra[1][:, from_book]
        examples, centroids = label_summaries(clf, X_all, Y_pick, [texts[r] for r in rows] + book_texts, n_examples)
        parts.append((q, clf, info, examples, centroids, {c: int(counts.get(c, 0)) for c in classes}))
    unused = [] if codebook is None else [t.name for t in codebook.themes if t.name not in joined_any]
    return parts, unused
