import pandas as pd

from themes.report.data import OutDir
from themes.report.selection import quotable, select_quotes


def _outdir(rows):
    seg = pd.DataFrame(rows, columns=["response_id", "theme_id", "score", "text"])
    seg["segment_index"] = 0
    seg["start"] = 0
    seg["end"] = seg["text"].str.len()
    seg["theme_id"] = seg["theme_id"].astype("Int64")
    ids = list(dict.fromkeys(seg["response_id"]))
    resp = pd.DataFrame({"response_id": ids, "role": ["Chair" if i % 2 else "NED" for i in range(len(ids))]})
    themes = pd.DataFrame({"theme_id": [1, 2], "name": ["One", "Two"], "keywords": ["", ""], "n_responses": [1, 1],
                           "share": [0.5, 0.5], "description": ["", ""], "question": ["", ""]})
    return OutDir(path=None, themes=themes, responses=resp, segments=seg, crosstab=pd.DataFrame(), run={},
                  by=("role",), question_column=None)


def test_no_near_duplicates_no_reuse_and_groups_spread():
    dup = "The national scorecard should hold every board to account for race equality."
    rows = [("R1", 1, 0.90, dup), ("R2", 1, 0.89, dup.replace("every", "each")),
            ("R3", 1, 0.80, "External consultants gave our board a useful and honest challenge."),
            ("R4", 1, 0.70, "Staff networks told stories of lived experience at the board meeting."),
            ("R1", 2, 0.95, "Regulators must ask about race equality with the same weight as finance."),
            ("R5", 2, 0.60, "Mentoring schemes for senior leaders from minority ethnic backgrounds helped.")]
    q = select_quotes(_outdir(rows), n=3)
    one = q[q["theme_id"] == 1]
    assert "R1" in one["response_id"].tolist() and "R2" not in one["response_id"].tolist()
    assert len(one) == 3
    two = q[q["theme_id"] == 2]
    assert two["response_id"].tolist() == ["R5"]  # R1 is already quoted under theme 1
    assert set(one["role"]) == {"Chair", "NED"}
    assert (q["attribution"] == q["role"]).all()


def test_short_fragments_only_when_nothing_else_and_exclusions():
    rows = [("R1", 1, 0.99, "Yes."), ("R2", 1, 0.5, "We need clearer national targets for boards on race."),
            ("R3", 1, 0.4, "Boards should publish what they did and what changed afterwards.")]
    q = select_quotes(_outdir(rows), n=2)
    assert q["response_id"].tolist() == ["R2", "R3"]
    q = select_quotes(_outdir(rows), n=2, exclude={"R2"})
    assert "R2" not in q["response_id"].tolist()


def test_quotable_trims_and_marks_mid_sentence_starts():
    long = "First clause is here, " + " ".join(["word"] * 80) + "."
    out = quotable(long, 0, 20)
    assert out.endswith("\u2026") and len(out.split()) <= 22
    assert quotable("staff have told us so.", 40, 60).startswith("\u2026 staff")
    assert quotable("staff have told us so.", 0, 60) == "staff have told us so."
