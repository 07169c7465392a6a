"""Vectors + themes -> Assignments, and the per-response labels built from them.

A segment takes the nearest theme centre (cosine) among its question's themes; below the
theme set's threshold it is left unassigned. A response holds every theme one of its segments
holds; its primary theme is the one with the strongest segment.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from themes.types import (
    LABELLED,
    NO_CONTENT,
    UNASSIGNED,
    Assignments,
    Corpus,
    Segments,
    SegmentVectors,
    ThemeSet,
    as_matrix,
    live_mask,
    resolve_rows,
)

BLOCK = 65_536   # segments scored at a time (a block's scores against 60 themes: 16 MB)


def _other_questions_out(sims: np.ndarray, qs: np.ndarray, theme_set: ThemeSet) -> np.ndarray:
    if len(theme_set) and theme_set.table["question"].nunique() > 1:
        for q in np.unique(qs):
            allowed = np.zeros(len(theme_set), dtype=bool)
            allowed[theme_set.for_question(q)] = True
            rows = qs == q
            sims[np.ix_(rows, ~allowed)] = -np.inf
    return sims


def assign(vectors: np.ndarray, segments: Segments, theme_set: ThemeSet) -> Assignments:
    """Each segment's theme: the nearest centre above the threshold; for a codebook's themes
    (``theme_set.coding``), every code it takes (themes.results.codes); themes of other questions
    are never taken. SegmentVectors are scored once per distinct text and spread ``BLOCK``
    segments at a time: no segments x themes matrix (386,181 x 60 is 93 MB)."""
    if theme_set.coding is not None:
        from themes.results.codes import assign_codes

        return assign_codes(vectors, segments, theme_set)
    n = len(segments)
    if n == 0 or len(theme_set) == 0:
        return Assignments(theme_pos=np.full(n, -1, dtype=np.int64), score=np.zeros(n, dtype=np.float32))
    # scores once per distinct text (SegmentVectors) or per row, then read a block at a time
    if isinstance(vectors, SegmentVectors):
        per_row, index = vectors.distinct @ theme_set.centroids.T, vectors.index
    else:
        per_row, index = as_matrix(vectors) @ theme_set.centroids.T, np.arange(n)
    qs = segments.frame["question"].to_numpy()
    pos, score = np.empty(n, np.int64), np.empty(n, np.float32)
    for s in range(0, n, BLOCK):
        sims = _other_questions_out(per_row[index[s:s + BLOCK]], qs[s:s + BLOCK], theme_set)
        pos[s:s + BLOCK] = np.argmax(sims, axis=1)
        score[s:s + BLOCK] = sims[np.arange(len(sims)), pos[s:s + BLOCK]]
    pos[score < theme_set.threshold] = -1
    return Assignments(theme_pos=pos, score=score)


def resolve_edits(theme_set: ThemeSet, assignments: Assignments) -> tuple[ThemeSet, Assignments]:
    """The themes shown, and the assignments to them, after human edits: a segment that took a
    merged theme's centre counts for the theme it was merged into; one that took a deleted
    theme's centre is left unassigned."""
    keep = live_mask(theme_set.table) if len(theme_set) else np.zeros(0, dtype=bool)
    if keep.all():
        return theme_set, assignments
    shown_pos = np.full(len(theme_set), -1, dtype=np.int64)
    shown_pos[keep] = np.arange(int(keep.sum()))
    target = resolve_rows(theme_set.table)
    row_to_shown = np.where(target >= 0, shown_pos[np.maximum(target, 0)], -1)
    pos = np.where(assignments.theme_pos >= 0, row_to_shown[np.maximum(assignments.theme_pos, 0)], -1)
    shown = ThemeSet(table=theme_set.table[keep].reset_index(drop=True), centroids=theme_set.centroids[keep],
                     threshold=theme_set.threshold)
    held = scores = None
    if assignments.held is not None:  # each code counts for the shown theme it resolves to
        held = np.zeros((len(pos), len(shown)), dtype=bool)
        scores = np.zeros((len(pos), len(shown)), dtype=np.float32)
        for r in np.flatnonzero(row_to_shown >= 0):
            held[:, row_to_shown[r]] |= assignments.held[:, r]
            scores[:, row_to_shown[r]] = np.maximum(scores[:, row_to_shown[r]], assignments.scores[:, r])
    return shown, Assignments(theme_pos=pos, score=assignments.score, held=held, scores=scores)


def answer_key(question: str, text: str) -> str:
    """What a reviewer's move of one answer is saved under: a hash of its question and its text
    (whitespace folded), so the same answer labelled again, in any file, is found; no text is saved."""
    return hashlib.sha256(f"{question}\x1f{' '.join(str(text).split())}".encode()).hexdigest()[:24]


def sentence_hash(sentence: str) -> str:
    return hashlib.sha256(" ".join(str(sentence).split()).encode()).hexdigest()[:12]


def sentence_key(question: str, answer: str, sentence: str) -> str:
    """A move of one sentence of one answer: the answer's key, '/', a hash of the sentence."""
    return answer_key(question, answer) + "/" + sentence_hash(sentence)


def apply_moves(corpus: Corpus, segments: Segments, assignments: Assignments, theme_set: ThemeSet,
                moves: dict) -> Assignments:
    """Assignments with a reviewer's moves applied (``ThemeModel.moves``: key -> theme id, or None
    for unassigned): a moved sentence takes its theme; the other sentences of a moved answer take
    the answer's. Scores are kept; positions index the whole ``theme_set`` (before ``resolve_edits``,
    which then follows merges and deletions as for any segment)."""
    if not moves or not len(segments):
        return assignments
    row_of = {int(t): p for p, t in enumerate(theme_set.table["theme_id"])}
    frame = segments.frame
    rows = frame["row"].to_numpy()
    texts, questions = corpus.frame["text"].to_numpy(dtype=object), corpus.frame["question"].to_numpy(dtype=object)
    keys = {int(r): answer_key(questions[r], texts[r]) for r in np.unique(rows)}
    pos = assignments.theme_pos.copy()
    for i, (row, text) in enumerate(zip(rows, frame["text"].to_numpy(dtype=object))):
        key = keys[int(row)]
        for k in (f"{key}/{sentence_hash(text)}", key):
            if k in moves:
                target = moves[k]
                pos[i] = -1 if target is None else row_of.get(int(target), pos[i])
                break
    return Assignments(theme_pos=pos, score=assignments.score)


MAX_THEMES_PER_RESPONSE = 8   # a response never takes more themes than this
LONG_ANSWER = 4                # segments from which a theme needs a share of the answer, not one sentence
MIN_THEME_SHARE = 0.2          # ... that share of its segments (or its primary theme's strength)


def themes_by_row(segments: Segments, assignments: Assignments,
                  max_codes: int = MAX_THEMES_PER_RESPONSE) -> dict[int, list[int]]:
    """Per response row, the positions of the themes it takes, strongest first.

    A short answer takes every theme one of its segments holds (every code, where a segment
    holds several: ``assignments.held``). A long one (``LONG_ANSWER`` segments or more) takes a
    theme only when at least ``MIN_THEME_SHARE`` of its segments hold it, besides its strongest
    theme (a passing sentence in a long story is not what it is about); no response takes more
    than ``max_codes``."""
    rows = segments.frame["row"].to_numpy()
    per_row = pd.Series(rows).groupby(rows, sort=False).size()
    if assignments.held is not None:
        seg_i, pos = np.nonzero(assignments.held)
        seg = pd.DataFrame({"row": rows[seg_i], "pos": pos, "score": assignments.scores[seg_i, pos]})
    else:
        seg = pd.DataFrame({"row": rows, "pos": assignments.theme_pos, "score": assignments.score})
        seg = seg[seg["pos"] >= 0]
    # strongest segment per (response, theme), then themes ordered by that strength
    best = seg.groupby(["row", "pos"], sort=False)["score"].agg(["max", "size"]).reset_index()
    best = best.sort_values(["row", "max", "pos"], ascending=[True, False, True], kind="mergesort")
    themes_of: dict[int, list[int]] = {}
    total = per_row.to_dict()
    for row, pos, k in zip(best["row"].to_numpy(), best["pos"].to_numpy(), best["size"].to_numpy()):
        held = themes_of.setdefault(int(row), [])
        n = total.get(row, 1)
        if held and (len(held) >= max_codes or (n >= LONG_ANSWER and k / n < MIN_THEME_SHARE)):
            continue
        held.append(int(pos))
    return themes_of


def response_labels(corpus: Corpus, segments: Segments, assignments: Assignments,
                    theme_set: ThemeSet, max_codes: int = MAX_THEMES_PER_RESPONSE) -> pd.DataFrame:
    """One row per input row, in input order: status, primary theme, all themes."""
    return response_table(corpus, themes_by_row(segments, assignments, max_codes), theme_set)


def non_answer_codes(corpus: Corpus, theme_set: ThemeSet) -> dict[int, list[int]]:
    """Rows without content whose text is not blank ("N/A", "none") -> the codebook's codes for
    non-answers (``applies_to: no_content``) of their question; empty without such codes."""
    coding = theme_set.coding
    if coding is None or not coding.no_content.any():
        return {}
    frame = corpus.frame
    rows = np.flatnonzero(~frame["has_content"].to_numpy() & (frame["text"].str.strip() != "").to_numpy())
    out: dict[int, list[int]] = {}
    for r in rows:
        allowed = theme_set.for_question(str(frame["question"].iat[r]))
        codes = [int(p) for p in allowed if coding.no_content[p]]
        if codes:
            out[int(r)] = codes
    return out


def response_table(corpus: Corpus, themes_of: dict[int, list[int]], theme_set: ThemeSet) -> pd.DataFrame:
    """The responses table from each row's theme positions (first = primary). Non-answers keep
    the status ``no_content`` and take the codebook's non-answer code, where it has one."""
    frame = corpus.frame
    themes_of = {**non_answer_codes(corpus, theme_set), **themes_of}
    ids = theme_set.table["theme_id"].to_numpy()
    names = theme_set.table["name"].to_numpy()
    status, primary_id, primary_name, all_ids, all_names = [], [], [], [], []
    has_content = frame["has_content"].to_numpy()
    for row in range(len(frame)):
        held = themes_of.get(row, [])
        if not has_content[row]:
            status.append(NO_CONTENT)
        elif not held:
            status.append(UNASSIGNED)
        else:
            status.append(LABELLED)
        primary_id.append(int(ids[held[0]]) if held else pd.NA)
        primary_name.append(names[held[0]] if held else "")
        all_ids.append(";".join(str(int(ids[p])) for p in held))
        all_names.append(";".join(names[p] for p in held))
    out = pd.DataFrame({"response_id": frame["response_id"].to_numpy()})
    if "respondent_id" in frame.columns:
        out["respondent_id"] = frame["respondent_id"].to_numpy()
    if corpus.question_column:
        out["question"] = frame["question"].to_numpy()
    for col in corpus.by:
        out[col] = frame[col].to_numpy()
    out["status"] = status
    out["primary_theme_id"] = pd.array(primary_id, dtype="Int64")
    out["primary_theme"] = primary_name
    out["theme_ids"] = all_ids
    out["theme_names"] = all_names
    out["text"] = frame["text"].to_numpy()
    return out


def response_stance(responses: pd.DataFrame, seg_table: pd.DataFrame) -> pd.Series:
    """Each response's stance from its segments': positive or negative when its segments lean
    one way only, mixed when they hold both, neutral when neither; blank without segments."""
    if not len(seg_table):
        return pd.Series([""] * len(responses), index=responses.index, dtype=object)
    flags = pd.DataFrame({"rid": seg_table["response_id"].to_numpy(),
                          "pos": seg_table["stance"].to_numpy() == "positive",
                          "neg": seg_table["stance"].to_numpy() == "negative"}).groupby("rid", sort=False).any()
    pos = responses["response_id"].map(flags["pos"])
    has = pos.notna().to_numpy()
    pos = pos.fillna(False).to_numpy(dtype=bool)
    neg = responses["response_id"].map(flags["neg"]).fillna(False).to_numpy(dtype=bool)
    out = np.where(~has, "", np.where(pos & neg, "mixed", np.where(pos, "positive",
                                                                   np.where(neg, "negative", "neutral"))))
    return pd.Series(out, index=responses.index, dtype=object)


def segment_table(segments: Segments, assignments: Assignments, theme_set: ThemeSet) -> pd.DataFrame:
    seg = segments.frame
    ids = theme_set.table["theme_id"].to_numpy() if len(theme_set) else np.zeros(0, dtype=np.int64)
    theme_id = pd.array([int(ids[p]) if p >= 0 else pd.NA for p in assignments.theme_pos], dtype="Int64")
    return pd.DataFrame({
        "response_id": seg["response_id"].to_numpy(),
        "segment_index": seg["segment_index"].to_numpy(),
        "start": seg["start"].to_numpy(),
        "end": seg["end"].to_numpy(),
        "text": seg["text"].to_numpy(),
        "theme_id": theme_id,
        "score": np.round(assignments.score.astype(np.float64), 4),
        "stance": seg["stance"].to_numpy(dtype=object),
    })
