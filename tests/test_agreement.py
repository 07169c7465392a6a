"""Agreement scores on tiny hand-made labellings with answers worked out by hand."""

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from themes.evaluate.agreement import (
    agreement,
    clustering_scores,
    cohen_kappa,
    cross_table,
    krippendorff_alpha,
    recovery_means,
    theme_recovery,
)

HUMAN = [1, 1, 0, 0, 1, 0, 0, 0, 1, 1]
TOOL = [1, 0, 0, 0, 1, 0, 1, 0, 1, 1]


def test_perfect_agreement_is_one():
    assert cohen_kappa(HUMAN, HUMAN) == 1.0
    assert krippendorff_alpha(HUMAN, HUMAN) == 1.0


def test_hand_computed_kappa_and_alpha():
    # 8 of 10 agree; both coders say yes 5 times: po = 0.8, pe = 0.5, kappa = 0.3 / 0.5 = 0.6.
    assert cohen_kappa(HUMAN, TOOL) == pytest.approx(0.6)
    assert cohen_kappa(HUMAN, TOOL) == pytest.approx(cohen_kappa_score(HUMAN, TOOL))
    # 20 pooled values, 10 of each; 2 disagreeing units give 4 off-diagonal coincidences:
    # alpha = 1 - (20 - 1) * 4 / (20 * 20 - 10 * 10 - 10 * 10) = 1 - 76 / 200 = 0.62.
    assert krippendorff_alpha(HUMAN, TOOL) == pytest.approx(0.62)


def test_alpha_differs_from_kappa_when_marginals_differ():
    a = [1, 1, 1, 1, 0, 0, 0, 0]
    b = [1, 1, 1, 1, 1, 1, 0, 0]
    # kappa: po = 0.75, pe = 0.5 * 0.75 + 0.5 * 0.25 = 0.5 -> 0.5
    assert cohen_kappa(a, b) == pytest.approx(0.5)
    # alpha: n = 16, ones 10, zeros 6: expected 256 - 100 - 36 = 120; observed 4 -> 1 - 15 * 4 / 120 = 0.5
    assert krippendorff_alpha(a, b) == pytest.approx(0.5)
    assert cohen_kappa(a, [1 - x for x in a]) == pytest.approx(-1.0)


def test_constant_codings():
    assert cohen_kappa([0, 0, 0], [0, 0, 0]) == 1.0
    assert krippendorff_alpha([0, 0, 0], [0, 0, 0]) == 1.0
    assert cohen_kappa([0, 0, 0], [1, 1, 1]) == 0.0


def test_clustering_scores_perfect_up_to_renaming():
    s = clustering_scores(["t1", "t1", "t2", "t3"], ["a", "a", "b", "c"])
    assert s == pytest.approx({"nmi": 1.0, "ari": 1.0, "hungarian_accuracy": 1.0})


def test_hungarian_accuracy_one_to_one():
    # a holds x2 y1, b holds y2, c holds y1: best matching a-x, b-y covers 4 of 6.
    s = clustering_scores(list("aaabbc"), list("xxyyyy"))
    assert s["hungarian_accuracy"] == pytest.approx(4 / 6)
    assert 0 < s["nmi"] < 1


def test_theme_recovery_multi_label_and_min_size():
    gold = [["a"], ["a", "b"], ["a"], ["b"], ["b"], ["c"]]
    pred = [{"1"}, {"1", "2"}, {"2"}, {"2"}, set(), {"1"}]
    table = theme_recovery(pred, gold, min_size=2)
    assert table["gold"].tolist() == ["a", "b"]          # c (1 response) is below min_size
    row_a = table.iloc[0]
    # theme 1 holds responses 0, 1, 5: overlap with a (0, 1, 2) is 2 -> F1 = 4 / 6
    assert row_a["theme"] == "1" and row_a["f1"] == pytest.approx(4 / 6)
    row_b = table.iloc[1]
    # theme 2 holds 1, 2, 3; b is 1, 3, 4: overlap 2 -> F1 = 4 / 6
    assert row_b["theme"] == "2" and row_b["precision"] == pytest.approx(2 / 3)
    means = recovery_means(table)
    assert means["recovery_f1"] == pytest.approx(4 / 6)
    assert means["recovery_f1_weighted"] == pytest.approx(4 / 6)


def test_recovery_without_any_theme_scores_zero():
    table = theme_recovery([set(), set()], [["a"], ["a"]], min_size=1)
    assert table["f1"].tolist() == [0.0] and table["theme"].tolist() == [None]


def test_agreement_pools_decisions():
    gold = [["a"], ["a"], ["b"], ["b"]]
    pred = [{"1"}, {"1"}, {"2"}, {"1"}]
    table, overall = agreement(pred, gold, {"a": "1", "b": "2"})
    assert table.set_index("gold")["kappa"].to_dict() == pytest.approx({"a": 0.5, "b": 0.5})
    human = np.array([1, 1, 0, 0, 0, 0, 1, 1])
    tool = np.array([1, 1, 0, 1, 0, 0, 1, 0])
    assert overall["kappa"] == pytest.approx(cohen_kappa_score(human, tool))
    assert overall["n_decisions"] == 8


def test_cross_table_counts_every_pair():
    tab = cross_table([{"1"}, {"1", "2"}, set()], [["a"], ["a", "b"], ["b"]], ["1", "2"])
    assert tab.loc["1", "a"] == 2 and tab.loc["2", "b"] == 1 and tab.loc["2", "a"] == 1
    assert tab.loc["1", "b"] == 1


def _kappa_by_hand(a, b):
    """The formula cohen_kappa used before it called scikit-learn: (po - pe) / (1 - pe),
    1.0 (else 0.0) when pe reaches 1."""
    a, b = np.asarray(a), np.asarray(b)
    po = float(np.mean(a == b))
    pe = float(sum(np.mean(a == c) * np.mean(b == c) for c in np.union1d(a, b)))
    if pe >= 1.0:
        return 1.0 if po >= 1.0 else 0.0
    return (po - pe) / (1 - pe)


@pytest.mark.parametrize("a, b", [
    (HUMAN, TOOL),
    ([1, 1, 1, 1, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1, 0, 0]),
    (list("aabbccab"), list("abbbcaab")),                       # nominal, three labels
    ([True, False, True, True], [False, False, True, True]),    # booleans, as agreement() passes them
    ([0, 0, 0, 0], [0, 0, 1, 0]),                               # one coder constant
    ([0, 0, 0], [1, 1, 1]),                                     # both constant, different labels
])
def test_kappa_matches_sklearn_and_the_old_formula(a, b):
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)
    assert cohen_kappa(a, b) == pytest.approx(_kappa_by_hand(a, b), abs=1e-12)


def test_kappa_when_every_label_is_the_same_keeps_one():
    # scikit-learn's kappa is 0 / 0 here and returns nan (with a warning); ours was, and stays, 1.0
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(cohen_kappa_score([1, 1, 1, 1], [1, 1, 1, 1]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")                          # ours does not warn either
        assert cohen_kappa([1, 1, 1, 1], [1, 1, 1, 1]) == 1.0 == _kappa_by_hand([1, 1, 1, 1], [1, 1, 1, 1])
        assert cohen_kappa(["x"] * 3, ["x"] * 3) == 1.0
    assert np.isnan(cohen_kappa([], []))
