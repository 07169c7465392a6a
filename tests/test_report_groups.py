import pandas as pd
import pytest

from themes.report.groups import add_intervals, small_group_ids, small_groups_quoted, wilson


def test_wilson_matches_known_values():
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(10, 10)[1] == pytest.approx(1.0)
    assert wilson(0, 0) == (0.0, 0.0)


def test_small_cells_are_suppressed():
    ct = pd.DataFrame({"theme_id": [1, 1, 1, 1], "theme": ["A"] * 4, "attribute": ["role"] * 4,
                       "group": ["big", "few", "tiny", "none"], "n_group": [40, 40, 3, 40], "n": [20, 2, 1, 0],
                       "pct": [50.0, 5.0, 33.3, 0.0]})
    out = add_intervals(ct, 5).set_index("group")
    assert out.loc["big", "n_txt"] == "20" and out.loc["big", "pct_txt"] == "50%"
    assert out.loc["big", "ci_txt"] == "35\u201365%"
    assert out.loc["few", "n_txt"] == "<5" and out.loc["few", "pct_txt"] == "" and out.loc["few", "suppressed"]
    assert out.loc["tiny", "n_group_txt"] == "<5" and out.loc["tiny", "ci_txt"] == ""
    assert out.loc["none", "n_txt"] == "0" and not out.loc["none", "suppressed"]
    assert not add_intervals(ct, 1)["suppressed"].any()


def test_small_groups_warned_per_combination_and_question():
    resp = pd.DataFrame({"response_id": [f"R{i}" for i in range(8)], "question": ["q1"] * 6 + ["q2"] * 2,
                         "role": ["Chair"] * 5 + ["NED"] + ["Chair"] * 2})
    assert small_group_ids(resp, ("role",), 5) == {"R5", "R6", "R7"}
    quotes = pd.DataFrame({"response_id": ["R0", "R5", "R6"], "role": ["Chair", "NED", "Chair"]})
    warnings = small_groups_quoted(quotes, resp, ("role",), 5)
    assert len(warnings) == 2
    assert any("role=NED" in w and "R5" in w for w in warnings)
    assert not any("R0" in w for w in warnings)
