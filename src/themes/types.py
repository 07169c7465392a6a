"""The plain data types that flow between the pipeline stages.

Corpus -> Segments -> (vectors) -> ThemeSet -> Assignments -> tables.
Each is a thin frozen wrapper around pandas/numpy objects with a fixed column layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

# The statuses, defined once.
# A response's status in responses.csv:
LABELLED = "labelled"
NO_CONTENT = "no_content"
UNASSIGNED = "unassigned"
RESPONSE_STATUSES = (LABELLED, NO_CONTENT, UNASSIGNED)
# A theme's status (themes.csv, the model's manifest, codebooks). Deleted and merged themes stay
# in a model (what was near them stays unlabelled, or goes to the theme they were merged into)
# but never appear in outputs or codebooks.
DELETED = "deleted"
MERGED = "merged"
HIDDEN = (DELETED, MERGED)
SHOWN_STATUSES = ("discovered", "new", "edited", "codebook")
STATUSES = SHOWN_STATUSES + HIDDEN

# Columns produced by ingest; user --by columns may not use these names.
RESERVED_COLUMNS = (
    "response_id", "respondent_id", "text", "question", "status", "primary_theme_id", "primary_theme",
    "theme_ids", "theme_names", "segment_index", "start", "end", "theme_id", "score",
    "has_content", "theme", "attribution", "quote",  # the corpus flag, and the columns of quotes.csv
)


@dataclass(frozen=True)
class Corpus:
    """One row per input row, in input order.

    frame columns: response_id (str, unique), respondent_id (str; only when one respondent has
    several rows, one per question), text (str), question (str, "" when no question column),
    has_content (bool), then the ``by`` attribute columns (str).
    """

    frame: pd.DataFrame
    by: tuple[str, ...] = ()
    question_column: str | None = None
    source: str = "<data frame>"
    text_column: str = "text"
    id_column: str | None = None
    notes: tuple[str, ...] = ()
    labels: dict = field(default_factory=dict)  # --by column -> the label shown for it (when not its name)

    def __len__(self) -> int:
        return len(self.frame)


@dataclass(frozen=True)
class Segments:
    """Sentence-sized pieces of the substantive responses.

    frame columns: row (position of the response in the Corpus), response_id, segment_index,
    start, end (character offsets into the response text), text, question, clean (the text
    normalised: themes.text.normalise) and stance (positive / negative / neutral).
    """

    frame: pd.DataFrame

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def texts(self) -> list[str]:
        return self.frame["text"].tolist()

    def texts_for(self, normalise: bool) -> list[str]:
        """What embedding, keywords and names read: the normalised text, or the text as typed."""
        return self.frame["clean" if normalise else "text"].tolist()


@dataclass(frozen=True)
class Coding:
    """How a codebook codes segments (themes.model.calibrate builds it, themes.results.codes
    applies it): a segment takes every code whose cosine clears that code's own threshold and
    comes within ``margin`` of its best code's lead over its threshold. ``stance``: -1 / 0 / +1
    per code, from its name and description; ``twin``: the code has a near twin of the opposite
    stance, so a segment of the opposite stance cannot take it. ``no_content``: codes that only
    non-answers take (``applies_to: no_content``)."""

    thresholds: np.ndarray            # (k,) float32
    stance: np.ndarray                # (k,) int8
    twin: np.ndarray                  # (k,) bool
    no_content: np.ndarray            # (k,) bool
    margin: float = 0.0


@dataclass(frozen=True)
class ThemeSet:
    """Fitted themes: a table and one unit-length centroid per theme (same order).

    table columns: theme_id (int), name, keywords (list[str]), description, question, status,
    and (in saved models) examples (list[str]). ``coding``: set for a codebook's themes (several
    codes per segment, thresholds per code); None for discovered themes (nearest centre).
    """

    table: pd.DataFrame
    centroids: np.ndarray
    threshold: float
    coding: Coding | None = None

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
    """Per segment: the position of its theme in the ThemeSet (-1: none) and the score;
    ``held`` (segments x themes, bool), when set, marks every code a segment takes (its theme
    among them), for codebooks that give several codes per segment."""

    theme_pos: np.ndarray
    score: np.ndarray
    held: np.ndarray | None = None
    scores: np.ndarray | None = None   # segments x themes, with held: the score behind each code


@runtime_checkable
class Embedder(Protocol):
    """What themes needs of an embedding model; any plain class with these will do.

    ``name`` (and an optional ``version``) key the vector cache and are saved with a model, so a
    model only labels with the embedder it was fitted with; ``embed`` returns one unit-length
    float32 row per text, ``dimension`` columns wide."""

    name: str
    dimension: int

    def embed(self, texts: list[str]) -> np.ndarray: ...



@dataclass(frozen=True)
class SegmentVectors:
    """Segment vectors kept once per distinct text: segment i's vector is ``distinct[index[i]]``.

    Survey answers repeat ("Nothing", "Very good service"), so extract keeps one vector per
    distinct segment text instead of a full n x d matrix (200,000 answers: 386,181 segments,
    107,945 distinct texts, 593 MB -> 166 MB). It reads like the matrix where the pipeline reads
    it: ``len``, ``shape``, ``v[rows]`` (the dense rows, a copy as with numpy) and ``v @ M``
    (worked out on the distinct rows, then spread); ``subset(rows)`` is the same kind for some
    segments without a copy of the vectors, and ``np.asarray(v)`` the whole dense matrix."""

    distinct: np.ndarray          # u x d float32 unit vectors
    index: np.ndarray             # n ints: each segment's row of ``distinct``

    def __len__(self) -> int:
        return len(self.index)

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.index), int(self.distinct.shape[1]))

    @property
    def ndim(self) -> int:
        return 2

    @property
    def dtype(self):
        return self.distinct.dtype

    def __getitem__(self, rows) -> np.ndarray:
        return self.distinct[self.index[rows]]

    def __matmul__(self, other) -> np.ndarray:
        return (self.distinct @ other)[self.index]

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        dense = self.distinct[self.index]
        return dense if dtype is None else dense.astype(dtype, copy=False)

    def subset(self, rows) -> SegmentVectors:
        return SegmentVectors(self.distinct, self.index[rows])


def row_codes(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(code of each row of a float32 matrix, numbered in order of first appearance, equal rows
    sharing one; the first row of each code). A 64-bit hash of each row's bits (no per-row Python
    object), then checked exactly against each code's first row; a collision (never seen) falls
    back to the rows' bytes."""
    X = np.ascontiguousarray(X, dtype=np.float32)
    if len(X) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    bits = X.view(np.uint32)
    h = np.zeros(len(X), np.uint64)
    for j in range(X.shape[1]):
        h *= np.uint64(1099511628211)
        h ^= bits[:, j]
    codes = pd.factorize(h)[0].astype(np.int64)
    if codes[-1] == len(X) - 1:   # numbered in order of first appearance: every row distinct
        return codes, np.arange(len(X), dtype=np.int64)
    first = _firsts(codes)
    if not all(np.array_equal(bits[s:s + 8192], bits[first[codes[s:s + 8192]]]) for s in range(0, len(X), 8192)):
        codes = pd.factorize(np.fromiter((r.tobytes() for r in X), dtype=object, count=len(X)))[0].astype(np.int64)
        first = _firsts(codes)
    return codes, first


def _firsts(codes: np.ndarray) -> np.ndarray:
    first = np.zeros(codes.max() + 1, np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    return first


def merge_equal_rows(vectors: np.ndarray, index: np.ndarray) -> SegmentVectors:
    """SegmentVectors of ``vectors`` (rows in order of first use) and each segment's row, rows
    with equal vectors made one (an uncased model gives "Good" and "good" one vector): moved up
    in place, so no second copy of the matrix is made; ``vectors`` is overwritten."""
    codes, first = row_codes(vectors)
    if len(first) == len(vectors):
        return SegmentVectors(vectors, index)
    # first[c] >= c and grows with c, so each block reads rows at or below where later blocks read
    for s in range(0, len(first), 8192):
        e = min(s + 8192, len(first))
        vectors[s:e] = vectors[first[s:e]]
    return SegmentVectors(vectors[:len(first)], codes[index])


def as_matrix(vectors):
    """float32 rows to multiply: a matrix as such, SegmentVectors as they are (``v @ M`` works on
    their distinct rows)."""
    return vectors if isinstance(vectors, SegmentVectors) else np.asarray(vectors, dtype=np.float32)


def vector_rows(vectors, rows):
    """``vectors[rows]`` for a matrix; the same segments as SegmentVectors (no copy) for those."""
    return vectors.subset(rows) if isinstance(vectors, SegmentVectors) else vectors[rows]


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
    vectors: np.ndarray | SegmentVectors | None = field(default=None, repr=False)
    by: tuple[str, ...] = ()
    model: object | None = field(default=None, repr=False)
    extra_tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)  # e.g. new_candidates.csv


def theme_table(ids, names, keywords=None, descriptions=None, questions=None, statuses=None,
                examples=None, merged_into=None) -> pd.DataFrame:
    """The ThemeSet table with every column filled (lists where a column holds lists)."""
    k = len(ids)
    return pd.DataFrame({
        "theme_id": np.asarray(ids, dtype=np.int64),
        "name": list(names),
        "keywords": [list(x) for x in keywords] if keywords is not None else [[] for _ in range(k)],
        "description": list(descriptions) if descriptions is not None else [""] * k,
        "question": list(questions) if questions is not None else [""] * k,
        "status": list(statuses) if statuses is not None else ["discovered"] * k,
        "examples": [list(x) for x in examples] if examples is not None else [[] for _ in range(k)],
        "merged_into": np.asarray(merged_into if merged_into is not None else np.zeros(k), dtype=np.int64),
    })


def live_mask(table: pd.DataFrame) -> np.ndarray:
    """The themes that are shown: neither deleted nor merged into another."""
    return ~table["status"].isin(HIDDEN).to_numpy()


def resolve_rows(table: pd.DataFrame) -> np.ndarray:
    """For each row, the row of the live theme it counts for: itself, the theme it was merged
    into (followed through later merges), or -1 when that theme was deleted."""
    status = table["status"].to_numpy()
    into = table["merged_into"].to_numpy() if "merged_into" in table else np.zeros(len(table), np.int64)
    row_of = {int(t): r for r, t in enumerate(table["theme_id"])}
    out = np.full(len(table), -1, dtype=np.int64)
    for r in range(len(table)):
        cur, seen = r, set()
        while cur >= 0 and status[cur] == MERGED and cur not in seen:
            seen.add(cur)
            cur = row_of.get(int(into[cur]), -1)
        out[r] = cur if cur >= 0 and status[cur] not in HIDDEN else -1
    return out
