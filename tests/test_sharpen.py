"""Definitions chosen so that a names-and-definitions codebook gives the themes back
(themes.discover.sharpen), with a word-vector embedder whose geometry is known."""

import numpy as np

from themes.discover.fit import SIDE_EXAMPLES, definition_options, side_examples
from themes.discover.sharpen import given_back, sharpen, statements
from themes.model.codebook import CodebookTheme

AXES = {"apple": 0, "banana": 1, "cherry": 2}


class WordEmbedder:
    name, dimension = "words", 3

    def __init__(self):
        self.calls = 0

    def embed(self, texts):
        self.calls += 1
        out = np.zeros((len(texts), 3), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().replace(".", " ").split():
                if w in AXES:
                    out[i, AXES[w]] += 1
        n = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(n > 0, n, 1)


def rows(direction, n):
    v = np.tile(np.asarray(direction, dtype=np.float32), (n, 1))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_statements_split_clauses_like_the_codebook():
    d = "Respondents say apple pie; others say banana. Fine."
    assert statements("Fruit", d) == ["Fruit", "apple pie", "banana"]   # the reporting frame left out
    assert CodebookTheme(name="Fruit", description=d).statements() == statements("Fruit", d)
    mixed = "Views are mixed: respondents point to ripe pears; others describe it as too sweet. Sour apples."
    assert statements("Fruit", mixed) == ["Fruit", "ripe pears", "too sweet", "Sour apples"]


def test_given_back_counts_kept_and_taken_rows():
    sims = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.4]], dtype=np.float32)
    target = np.array([0, 1, 1])
    assert given_back(sims, target, 0, sims[:, 0], 0.0) == 3
    # a column for theme 0 that beats theme 1 everywhere takes row 0 but steals rows 1 and 2
    assert given_back(sims, target, 0, np.full(3, 0.95, np.float32), 0.0) == 1
    # below the threshold a row is given back to no theme
    assert given_back(sims, target, 0, sims[:, 0], 0.5) == 2


def test_sharpen_picks_the_definitions_that_give_each_theme_back():
    vectors = np.vstack([rows([1, 0.3, 0], 10), rows([0.3, 1, 0], 10)])
    theme_pos = np.repeat([0, 1], 10)
    seg_q = np.array([""] * 20, dtype=object)
    # theme 0's default sits nearer theme 1's answers than theme 1's own centre does; theme 1's
    # default sits below the threshold for its own answers
    options = [["Respondents say banana split; others say banana.", "Respondents say apple pie."],
               ["Respondents say cherry jam.", "Respondents say banana bread."]]
    got, changed = sharpen(["apple", "banana"], options, ["", ""], vectors, theme_pos, seg_q, WordEmbedder(), 0.7)
    assert got == ["Respondents say apple pie.", "Respondents say banana bread."] and changed == 2


def test_sharpen_keeps_the_default_on_ties_and_per_question():
    vectors = np.vstack([rows([1, 0.3, 0], 5), rows([0.3, 1, 0], 5)])
    theme_pos = np.repeat([0, 1], 5)
    options = [["Respondents say apple.", "Respondents say apple apple."], ["Respondents say banana."]]
    got, changed = sharpen(["apple", "banana"], options, ["", ""], vectors, theme_pos,
                           np.array([""] * 10, dtype=object), WordEmbedder(), 0.1)
    assert got == ["Respondents say apple.", "Respondents say banana."] and changed == 0
    # themes of different questions never compete: each question has one theme, nothing to choose
    bad = [["Respondents say banana split.", "Respondents say apple pie."], ["Respondents say banana."]]
    got, changed = sharpen(["apple", "banana"], bad, ["q1", "q2"], vectors, theme_pos,
                           np.array(["q1"] * 5 + ["q2"] * 5, dtype=object), WordEmbedder(), 0.1)
    assert changed == 0 and got[0] == "Respondents say banana split."


def test_definition_options_start_with_the_default_and_are_distinct():
    texts = ["The apple pie was lovely today.", "Banana bread was far too dry.", "Cherry jam on the side was good.",
             "Apple crumble needs more custard."]
    opts = definition_options(texts, "Puddings", [""] * 4, False, texts, first=3)
    assert opts[0].startswith("Respondents say the apple pie was lovely today")
    assert len(opts) == len(set(opts)) and len(opts) >= 4
    assert any(o.startswith("Respondents say cherry jam") for o in opts)


def test_a_definition_may_not_drift_from_the_name():
    vectors = np.vstack([rows([1, 0.3, 0], 5), rows([0.3, 1, 0.5], 5)])
    theme_pos = np.repeat([0, 1], 5)
    seg_q = np.array([""] * 10, dtype=object)
    # "banana bread" would give theme 1's answers back (the default sits below the threshold)
    # but says nothing of what its name says
    options = [["Respondents say apple pie."], ["Respondents say cherry pie.", "Respondents say banana bread."]]
    got, changed = sharpen(["apple", "cherry"], options, ["", ""], vectors, theme_pos, seg_q, WordEmbedder(), 0.8)
    assert got[1] == "Respondents say cherry pie." and changed == 0
    got, changed = sharpen(["apple", "cherry banana"], options, ["", ""], vectors, theme_pos, seg_q, WordEmbedder(), 0.8)
    assert got[1] == "Respondents say banana bread." and changed == 1


def test_side_examples_offer_a_mixed_themes_missing_side_nearest_first():
    stances = np.array(["positive", "positive", "negative", "neutral", "negative", "negative", "negative", "negative"],
                       dtype=object)
    texts = np.array(["Kind staff.", "Lovely nurses.", "Dr Patel never listened.", "Saw a nurse.", "Waited hours.",
                      "Nobody called back.", "Too long.", "Rude."], dtype=object)
    central = np.array([1, 0, 2, 3, 4, 5, 6, 7])
    # the typical segments are all positive: the critical side's nearest, naming nobody
    got = side_examples(central, stances, texts, np.array([0, 1]), {"patel"})
    assert got.tolist() == [4, 5, 6][:SIDE_EXAMPLES]
    # both sides already there: nothing added
    assert side_examples(central, stances, texts, np.array([0, 4]), set()).tolist() == []
