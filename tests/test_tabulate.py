"""Tally: a theme of no one question (a codebook's, question "") counts respondents, not answers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from themes.results.tabulate import Tally
from themes.types import ThemeSet, theme_table

QA, QB = "What helped?", "What would help?"


def long_responses() -> pd.DataFrame:
    """Three respondents, two questions each (long format): P1 gives theme 1 in both answers,
    P2 in one, P3 in none; theme 2 belongs to question A only."""
    rows = [("P1:a", "P1", QA, "Chair", "labelled", "1;2"), ("P1:b", "P1", QB, "Chair", "labelled", "1"),
            ("P2:a", "P2", QA, "NED", "labelled", "1"), ("P2:b", "P2", QB, "NED", "unassigned", ""),
            ("P3:a", "P3", QA, "NED", "labelled", "2"), ("P3:b", "P3", QB, "NED", "no_content", "")]
    frame = pd.DataFrame(rows, columns=["response_id", "respondent_id", "question", "role", "status", "theme_ids"])
    frame["primary_theme_id"] = [int(x.split(";")[0]) if x else None for x in frame["theme_ids"]]
    return frame


def theme_set() -> ThemeSet:
    table = theme_table(ids=[1, 2], names=["Any question", "Question A"], questions=["", QA],
                        statuses=["codebook", "codebook"])
    return ThemeSet(table=table, centroids=np.eye(2, dtype=np.float32), threshold=0.2)


def test_a_respondent_counts_once_in_a_cross_question_theme():
    tally = Tally(("role",), has_question=True).add(long_responses())
    themes = tally.themes_table(theme_set()).set_index("theme_id")
    # theme 1: P1 (twice) and P2 hold it, of P1, P2, P3 who answered something: 2 of 3
    assert themes.loc[1, "n_responses"] == 2 and themes.loc[1, "share"] == round(2 / 3, 4)
    # theme 2 (question A): answers to A, as before: 2 of 3
    assert themes.loc[2, "n_responses"] == 2 and themes.loc[2, "share"] == round(2 / 3, 4)
    cross = tally.crosstab(theme_set()).set_index(["theme_id", "attribute", "group"])
    assert tuple(cross.loc[(1, "(all)", "All respondents"), ["n_group", "n"]]) == (3, 2)
    assert tuple(cross.loc[(1, "role", "Chair"), ["n_group", "n"]]) == (1, 1)
    assert tuple(cross.loc[(1, "role", "NED"), ["n_group", "n"]]) == (2, 1)
    assert tuple(cross.loc[(2, "role", "NED"), ["n_group", "n"]]) == (2, 1)


def test_blocks_add_up_to_the_same_distinct_counts():
    frame = long_responses()
    whole = Tally(("role",), has_question=True).add(frame).crosstab(theme_set())
    parts = Tally(("role",), has_question=True).add(frame.iloc[:3]).add(frame.iloc[3:].reset_index(drop=True))
    pd.testing.assert_frame_equal(parts.crosstab(theme_set()), whole)


def test_without_ids_answers_are_summed():
    """Spark's grouped counts carry no ids: the old sum of answers per question."""
    frame = long_responses().drop(columns=["response_id", "respondent_id"])
    tally = Tally(("role",), has_question=True).add(frame, weight=np.ones(len(frame)))
    themes = tally.themes_table(theme_set()).set_index("theme_id")
    assert themes.loc[1, "n_responses"] == 3 and themes.loc[1, "share"] == round(3 / 5, 4)


def test_unique_ids_without_questions_are_unchanged():
    frame = long_responses().drop(columns=["question", "respondent_id"])
    tally = Tally(("role",), has_question=False).add(frame)
    themes = tally.themes_table(theme_set()).set_index("theme_id")
    assert themes.loc[1, "n_responses"] == 3 and themes.loc[1, "share"] == round(3 / 5, 4)
