"""`themes evaluate` on hand-made output folders, and end to end on the tiny corpus."""

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from themes.cli import app
from themes.errors import InputError
from themes.evaluate.scoring import evaluate_tables, split_labels

runner = CliRunner()

RESPONSES = pd.DataFrame({
    "response_id": ["r1", "r2", "r3", "r4", "r5", "r6", "r7"],
    "status": ["labelled", "labelled", "labelled", "labelled", "unassigned", "no_content", "labelled"],
    "primary_theme_id": ["1", "1", "2", "2", "", "", "1"],
    "primary_theme": ["Scorecard", "Scorecard", "Networks", "Networks", "", "", "Scorecard"],
    "theme_ids": ["1", "1;2", "2", "2", "", "", "1"],
    "theme_names": ["", "", "", "", "", "", ""],
    "text": ["a", "b", "c", "d", "e", "N/A", "g"],
})
THEMES = pd.DataFrame({"theme_id": ["1", "2"], "name": ["Scorecard", "Networks"]})


def _write_outdir(path):
    path.mkdir()
    RESPONSES.to_csv(path / "responses.csv", index=False)
    THEMES.to_csv(path / "themes.csv", index=False)
    return path


def test_split_labels():
    assert split_labels(" a; b;;a ", ";") == ["a", "b"]
    assert split_labels("", ";") == []


def test_join_on_id_leaves_out_empty_gold_and_unknown_rows():
    gold = pd.DataFrame({"id": ["r7", "r1", "r2", "r3", "r4", "r5", "r6", "zz"],
                         "code": ["acc", "acc", "acc;net", "net", "net", "net", "", "acc"]})
    ev = evaluate_tables(RESPONSES, THEMES, gold, "code", "id", min_size=1)
    s = ev.summary
    assert s["n_scored"] == 6            # r6 has no gold value; zz is not in the output
    assert s["unassigned_share"] == pytest.approx(1 / 6)
    assert any("zz" in n for n in ev.notes) and any("empty gold" in n for n in ev.notes)
    rec = ev.recovery.set_index("gold")
    # acc = r1, r2, r7 = theme 1 exactly; net = r2..r5, theme 2 = r2, r3, r4 -> F1 = 6 / 7
    assert rec.loc["acc", "theme"] == "1" and rec.loc["acc", "f1"] == pytest.approx(1.0)
    assert rec.loc["net", "theme_name"] == "Networks" and rec.loc["net", "f1"] == pytest.approx(6 / 7)
    assert rec.loc["acc", "kappa"] == pytest.approx(1.0)
    # r5 is the only disagreement: the human coded net, the tool gave nothing
    assert ev.disagreements["response_id"].tolist() == ["r5"]
    assert ev.disagreements["only_human"].tolist() == ["net"]


def test_unassigned_is_its_own_cluster():
    gold = pd.DataFrame({"code": ["acc", "acc", "net", "net", "other", "x", "acc"]})
    ev = evaluate_tables(RESPONSES, THEMES, gold, "code")
    # primary: 1 1 2 2 (unassigned) (no content) 1 against acc acc net net other x acc: a perfect match
    assert ev.summary["nmi"] == pytest.approx(1.0) and ev.summary["hungarian_accuracy"] == pytest.approx(1.0)
    tab = ev.crosstab.set_index("theme")
    assert tab.loc["(unassigned)", "other"] == 1 and tab.loc["(no content)", "x"] == 1


def test_row_order_needs_same_length():
    with pytest.raises(InputError, match="one row per response"):
        evaluate_tables(RESPONSES, THEMES, pd.DataFrame({"code": ["a"]}), "code")


def test_unknown_ids_and_columns_are_user_errors():
    gold = pd.DataFrame({"id": ["x1", "x2"], "code": ["a", "b"]})
    with pytest.raises(InputError, match="none of the ids"):
        evaluate_tables(RESPONSES, THEMES, gold, "code", "id")
    with pytest.raises(InputError, match="Did you mean 'code'"):
        evaluate_tables(RESPONSES, THEMES, gold, "cods", "id")
    with pytest.raises(InputError, match="more than once"):
        evaluate_tables(RESPONSES, THEMES, pd.DataFrame({"id": ["r1", "r1"], "code": ["a", "b"]}), "code", "id")


def test_cli_writes_three_files(tmp_path):
    out = _write_outdir(tmp_path / "out")
    gold = tmp_path / "gold.csv"
    pd.DataFrame({"rid": ["r1", "r2", "r3", "r4", "r5", "r7"],
                  "c": ["acc", "acc|net", "net", "net", "net", "net"]}).to_csv(gold, index=False)
    res = runner.invoke(app, ["evaluate", str(out), "--gold", str(gold), "--gold-col", "c", "--id", "rid",
                              "--sep", "|", "-o", str(tmp_path / "ev")])
    assert res.exit_code == 0, res.output
    assert "Kappa" in res.output and "net" in res.output
    data = json.loads((tmp_path / "ev" / "evaluation.json").read_text())
    assert data["summary"]["n_scored"] == 6 and data["summary"]["sep"] == "|"
    assert {"nmi", "ari", "hungarian_accuracy", "recovery_f1", "recovery_f1_weighted", "kappa", "alpha",
            "unassigned_share", "n_themes"} <= set(data["summary"])
    assert "(unassigned)" in data["method"]["nmi_ari_accuracy"]
    # every code is scored; acc (2 responses) is flagged as small
    assert [(r["gold"], r["small"]) for r in data["per_label"]] == [("net", False), ("acc", True)]
    tab = pd.read_csv(tmp_path / "ev" / "evaluation_crosstab.csv")
    assert list(tab.columns[:2]) == ["theme", "theme_name"] and "acc" in tab.columns
    dis = pd.read_csv(tmp_path / "ev" / "disagreements.csv", keep_default_na=False)
    assert dis["response_id"].tolist() == ["r5", "r7"]
    assert not (out / "evaluation.json").exists()


def test_cli_bad_gold_column_is_exit_2(tmp_path):
    out = _write_outdir(tmp_path / "out")
    gold = tmp_path / "gold.csv"
    pd.DataFrame({"code": ["a"] * 7}).to_csv(gold, index=False)
    res = runner.invoke(app, ["evaluate", str(out), "--gold", str(gold), "--gold-col", "themes"])
    assert res.exit_code == 2 and "no column 'themes'" in res.output
    assert not (out / "evaluation.json").exists()


def test_cli_not_an_output_folder(tmp_path):
    gold = tmp_path / "gold.csv"
    gold.write_text("code\na\n")
    res = runner.invoke(app, ["evaluate", str(tmp_path), "--gold", str(gold), "--gold-col", "code"])
    assert res.exit_code == 2 and "responses.csv" in res.output


def test_extract_then_evaluate(tmp_path, tiny_frame, fast_stages):
    src = tmp_path / "survey.csv"
    tiny_frame.to_csv(src, index=False)
    out = tmp_path / "out"
    env = {"THEMES_CACHE_DIR": str(tmp_path / "cache")}
    res = runner.invoke(app, ["extract", str(src), "--text", "answer", "--id", "id", "-o", str(out), "--quiet",
                              "--n-themes", "3", "--min-similarity", "0.1"], env=env)
    assert res.exit_code == 0, res.output
    codes = ["acc", "acc", "acc", "cons", "cons", "cons", "net", "net", "net", "", "acc;net", ""]
    gold = tmp_path / "gold.csv"
    pd.DataFrame({"code": codes}).to_csv(gold, index=False)
    res = runner.invoke(app, ["evaluate", str(out), "--gold", str(gold), "--gold-col", "code", "--quiet"])
    assert res.exit_code == 0, res.output
    data = json.loads((out / "evaluation.json").read_text())
    assert data["summary"]["n_scored"] == 10
    assert data["summary"]["n_themes"] == 3
    assert data["summary"]["nmi"] > 0.5  # three obvious themes
    assert data["summary"]["recovery_f1"] > 0.5  # every code is scored, however small
