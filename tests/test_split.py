"""Stance: a theme split into its positive and critical sides (themes.discover.split), and
codebook centres from a theme's statements (themes.model.seeding.statement_centres)."""

from __future__ import annotations

import numpy as np
import pandas as pd

import themes
from themes.discover.split import split_by_stance, try_split
from themes.model.codebook import CodebookTheme
from themes.types import Assignments, Segments, ThemeSet, theme_table


def _unit(x):
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _two_sides(rng, n=20, apart=True):
    """n positive and n critical segment vectors, around two centres or around one."""
    base = rng.standard_normal(16)
    other = base + (rng.standard_normal(16) * 1.5 if apart else 0)
    pos = base + 0.2 * rng.standard_normal((n, 16))
    neg = other + 0.2 * rng.standard_normal((n, 16))
    return _unit(np.vstack([pos, neg])), np.array(["positive"] * n + ["negative"] * n, dtype=object)


def test_split_when_the_sides_read_differently():
    vecs, stances = _two_sides(np.random.default_rng(0))
    sides = try_split(vecs, stances, min_size=3)
    assert sides is not None
    c_pos, c_neg = sides
    assert (vecs[:20] @ c_pos > vecs[:20] @ c_neg).all() and (vecs[20:] @ c_neg > vecs[20:] @ c_pos).all()


def test_no_split_when_the_sentences_do_not_separate_or_one_side_is_small():
    vecs, stances = _two_sides(np.random.default_rng(1), apart=False)
    assert try_split(vecs, stances, min_size=3) is None            # parts would not be pure
    vecs, stances = _two_sides(np.random.default_rng(2))
    stances[3:20] = "neutral"                                       # 3 positive against 20 critical
    assert try_split(vecs, stances, min_size=3) is None


def _theme_set(statuses, ids):
    k = len(ids)
    table = theme_table(ids=ids, names=[""] * k, statuses=statuses)
    return ThemeSet(table=table, centroids=_unit(np.ones((k, 16))), threshold=0.1)


def _segments(stances):
    n = len(stances)
    return Segments(pd.DataFrame({"row": range(n), "response_id": range(n), "segment_index": 0, "start": 0,
                                  "end": 1, "text": "x", "question": "", "clean": "x", "stance": stances}))


def test_split_by_stance_renumbers_and_keeps_codebook_ids():
    rng = np.random.default_rng(3)
    vecs, stances = _two_sides(rng)
    extra, _ = _two_sides(rng)
    vectors = np.vstack([vecs, extra])
    segs = _segments(list(stances) + ["neutral"] * len(extra))
    pos = np.r_[np.zeros(40, int), np.ones(40, int)]
    assigned = Assignments(theme_pos=pos, score=np.ones(80, np.float32))
    out, n = split_by_stance(_theme_set(["discovered", "discovered"], [1, 2]), segs, vectors, assigned, 3)
    assert n == 1 and out.table["theme_id"].tolist() == [1, 2, 3] and len(out.centroids) == 3
    # a codebook theme is never split; a new theme beside it takes a new id, the codebook's stay
    out, n = split_by_stance(_theme_set(["codebook", "new"], [7, 9]), segs, vectors, assigned, 3)
    assert n == 0
    out, n = split_by_stance(_theme_set(["new", "codebook"], [9, 7]), segs, vectors, assigned, 3)
    assert n == 1 and out.table["theme_id"].tolist() == [9, 10, 7]


def test_extract_with_stance_split_records_it(tiny_frame, fake_embedder, fast_settings):
    res = themes.extract(tiny_frame, text="answer", id="id", settings=fast_settings.replace(stance_split=True),
                         embedder=fake_embedder, splitter=None)
    assert "stance_splits" in res.run["fit"]
    plain = themes.extract(tiny_frame, text="answer", id="id", settings=fast_settings, embedder=fake_embedder)
    assert "stance_splits" not in plain.run["fit"]


def test_codebook_statements_and_their_mean_centre(fake_embedder, fast_settings):
    from themes.model.seeding import statement_centres
    from themes.progress import Reporter

    t = CodebookTheme(name="Waiting times", description="Respondents say the wait was long; others say it "
                                                        "was quick. Ok.\nNo parking at the clinic.")
    assert t.statements() == ["Waiting times", "the wait was long", "it was quick", "No parking at the clinic"]
    assert CodebookTheme(name="Staff").statements() == ["Staff"]
    got = statement_centres([t.statements()], fake_embedder, fast_settings, Reporter(True))[0]
    mean = fake_embedder.embed(t.statements()).mean(axis=0)
    assert np.allclose(got, mean / np.linalg.norm(mean), atol=1e-5)
