"""The plain data types that flow between the pipeline stages.

Corpus -> Segments -> (vectors) -> ThemeSet -> Assignments -> tables.
Each is a thin frozen wrapper around pandas/numpy objects with a fixed column layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# Statuses a response can have in responses.csv
LABELLED = "labelled"
NO_CONTENT = "no_content"
UNASSIGNED = "unassigned"

# Columns produced by ingest; user --by columns may not use these names.
RESERVED_COLUMNS = (
    "response_id", "text", "question", "status", "primary_theme_id", "primary_theme",
    "theme_ids", "theme_names", "segment_index", "start", "end", "theme_id", "score",
)


@dataclass(frozen=True)
class Corpus:
    """One row per input row, in input order.

    frame columns: response_id (str), text (str), question (str, "" when no question column),
    has_content (bool), then the ``by`` attribute columns (str).
    """

    frame: pd.DataFrame
    by: tuple[str, ...] = ()
    question_column: str | None = None
    source: str = "<data frame>"
    text_column: str = "text"
    id_column: str | None = None
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.frame)


@dataclass(frozen=True)
class Segments:
    """Sentence-sized pieces of the substantive responses.

    frame columns: row (position of the response in the Corpus), response_id, segment_index,
    start, end (character offsets into the response text), text, question.
    """

    frame: pd.DataFrame

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def texts(self) -> list[str]:
        return self.frame["text"].tolist()


@dataclass(frozen=True)
class ThemeSet:
    """Fitted themes: a table and one unit-length centroid per theme (same order).

    table columns: theme_id (int), name, keywords (list[str]), description, question, status,
    and (in saved models) examples (list[str]).
    """

    table: pd.DataFrame
    centroids: np.ndarray
    threshold: float

    def __len__(self) -> int:
        return len(self.table)

    def for_question(self, question: str) -> np.ndarray:
        """Positions of the themes that apply to one question: its own and those of no particular
        question (a codebook theme with question ""); every theme when none is its own, or when
        ``question`` is ""."""
        q = self.table["question"].to_numpy()
        if question == "" or not (q == question).any():
            return np.arange(len(self.table))
        return np.flatnonzero((q == question) | (q == ""))


@dataclass(frozen=True)
class Assignments:
    """Per segment: the position of its theme in the ThemeSet (-1: none) and the score."""

    theme_pos: np.ndarray
    score: np.ndarray


@dataclass
class Result:
    """Everything a run produces; the tables are what the output files hold."""

    themes: pd.DataFrame
    responses: pd.DataFrame
    segments: pd.DataFrame
    quotes: pd.DataFrame
    crosstab: pd.DataFrame
    run: dict
    theme_set: ThemeSet | None = None
    vectors: np.ndarray | None = field(default=None, repr=False)
    by: tuple[str, ...] = ()
    model: object | None = field(default=None, repr=False)
