"""Coding against a codebook (issue 14): non-answer codes, stance twins, --max-codes,
per-question train/label, and `evaluate --gold2` beside the tool, through the CLI."""

import json

import pandas as pd
import yaml
from typer.testing import CliRunner

from themes.cli import app
from themes.model.codebook import Codebook, CodebookTheme
from themes.pipeline import label
from themes.text.segment import regex_splitter

runner = CliRunner()
BOOK = {"format": "themes-codebook", "version": 1, "themes": [
    {"id": 1, "name": "Accountability", "description": "Regulators hold boards to account with a national scorecard."},
    {"id": 2, "name": "Staff networks", "description": "Staff networks share lived experience stories."},
    {"id": 3, "name": "Consultancy", "description": "External consultancy support and challenge from consultants."},
    {"id": 4, "name": "Not applicable", "applies_to": "no_content"},
]}


def _read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _label(tmp_path, tiny_frame, *extra):
    src, book = tmp_path / "survey.csv", tmp_path / "book.yaml"
    tiny_frame.to_csv(src, index=False)
    book.write_text(yaml.safe_dump(BOOK))
    env = {"THEMES_CACHE_DIR": str(tmp_path / "cache")}
    out = tmp_path / "lab"
    res = runner.invoke(app, ["label", str(book), str(src), "--text", "answer", "--id", "id", "-o", str(out),
                              "--quiet", "--min-similarity", "0.1", *extra], env=env)
    assert res.exit_code == 0, res.output
    return out, env


def test_non_answers_take_the_non_answer_code_and_stay_non_answers(tmp_path, tiny_frame, fast_stages):
    out, _ = _label(tmp_path, tiny_frame)
    r = _read(out / "responses.csv").set_index("response_id")
    assert r.loc["R10", "status"] == "no_content" and r.loc["R10", "theme_names"] == "Not applicable"  # "N/A"
    assert r.loc["R12", "theme_names"] == ""                                                        # blank
    assert "Not applicable" not in set(r.loc[r["status"] == "labelled", "theme_names"])
    assert json.loads((out / "run.json").read_text())["counts"]["no_content"] == 2


def test_max_codes_caps_the_codes_of_an_answer(tmp_path, tiny_frame, fast_stages):
    out, _ = _label(tmp_path, tiny_frame, "--code-margin", "0.5")
    assert _read(out / "responses.csv").set_index("response_id").loc["R11", "theme_ids"].count(";") >= 1
    out, _ = _label(tmp_path, tiny_frame, "--max-codes", "1", "--force")
    assert not _read(out / "responses.csv")["theme_ids"].str.contains(";").any()


def test_a_code_defined_by_refusal_does_not_take_willingness(fake_embedder, fast_settings):
    book = Codebook(themes=[CodebookTheme(id=1, name="Would consider", description="I would consider it."),
                            CodebookTheme(id=2, name="Would not consider", description="I would not consider it.")])
    frame = pd.DataFrame({"answer": ["I would consider it", "I would not consider it"]})
    res = label(book, frame, text="answer", settings=fast_settings, embedder=fake_embedder, splitter=regex_splitter)
    assert res.responses["theme_names"].tolist() == ["Would consider", "Would not consider"]


def test_train_and_label_per_question(tmp_path, fast_stages):
    rows = [("Good?", "kind caring staff", "Staff"), ("Good?", "the staff were kind", "Staff"),
            ("Good?", "quick ambulance arrival", "Speed"),
            ("Improve?", "long wait for the ambulance", "Waiting"), ("Improve?", "the wait was long", "Waiting"),
            ("Improve?", "rude staff at the desk", "Manner")]
    src = tmp_path / "coded.csv"
    pd.DataFrame({"q": [r[0] for r in rows], "comment": [r[1] for r in rows], "codes": [r[2] for r in rows]}
                 ).to_csv(src, index=False)
    env = {"THEMES_CACHE_DIR": str(tmp_path / "cache")}
    res = runner.invoke(app, ["train", str(src), "--text", "comment", "--labels", "codes", "--question", "q",
                              "-o", str(tmp_path / "m")], env=env)
    assert res.exit_code == 0, res.output
    assert "fewer than 3 examples and were kept" in res.output        # Speed, Manner: one example each
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert {(t["name"], t["question"]) for t in manifest["themes"]} == {
        ("Staff", "Good?"), ("Speed", "Good?"), ("Waiting", "Improve?"), ("Manner", "Improve?")}
    new = tmp_path / "new.csv"
    pd.DataFrame({"q": ["Good?", "Improve?"], "comment": ["kind staff and a long wait", "kind staff and a long wait"]}
                 ).to_csv(new, index=False)
    res = runner.invoke(app, ["label", str(tmp_path / "m"), str(new), "--text", "comment", "--question", "q",
                              "-o", str(tmp_path / "lab"), "--quiet"], env=env)
    assert res.exit_code == 0, res.output
    r = _read(tmp_path / "lab" / "responses.csv")
    assert set(r["theme_names"].iat[0].split(";")) <= {"Staff", "Speed"}
    assert set(r["theme_names"].iat[1].split(";")) <= {"Waiting", "Manner"}


def test_evaluate_gold2_prints_the_tool_beside_a_second_coder(tmp_path, tiny_frame, fast_stages):
    out, env = _label(tmp_path, tiny_frame)
    gold = tmp_path / "gold.csv"
    first = ["accountability", "accountability", "accountability", "consultancy", "consultancy", "consultancy",
             "staff networks", "staff_networks", "staff networks", "", "accountability;staff networks", ""]
    second = list(first)
    second[3] = "staff networks"
    pd.DataFrame({"id": tiny_frame["id"], "coder1": first, "coder2": second}).to_csv(gold, index=False)
    res = runner.invoke(app, ["evaluate", str(out), "--gold", str(gold), "--gold-col", "coder1", "--gold2", "coder2",
                              "--id", "id", "-o", str(tmp_path / "ev")], env=env)
    assert res.exit_code == 0, res.output
    assert "Second coder" in res.output and "Tool (same" in res.output and "by name" in res.output
    s = json.loads((tmp_path / "ev" / "evaluation.json").read_text())["summary"]
    assert s["matching"] == "by name"
    assert s["second_vs_gold"]["exact_agreement"] == 0.9                 # one of ten answers differs
    assert 0 <= s["tool_vs_gold_same_rows"]["micro_f1"] <= 1
    dis = _read(tmp_path / "ev" / "disagreements.csv")
    assert "second_coder_codes" in dis.columns and (dis["human_codes"] != "").all()
    codes = _read(tmp_path / "ev" / "evaluation_codes.csv")
    assert {"code", "f1", "kappa", "f1_second", "small"} <= set(codes.columns)


def test_stance_twins_decide_between_codes_that_read_alike():
    import numpy as np

    from themes.model.calibrate import calibrate
    from themes.results.codes import assign_codes
    from themes.types import Segments, ThemeSet, theme_table

    book = Codebook(themes=[CodebookTheme(id=1, name="Would consider", description="I would consider it."),
                            CodebookTheme(id=2, name="Would not consider", description="I would not consider it.")])
    v = np.ones((1, 4), np.float32) / 2
    ts = ThemeSet(theme_table(ids=[1, 2], names=["Would consider", "Would not consider"]), np.vstack([v, v]), 0.2)
    coding = calibrate(book, ts, 0.2)
    assert coding.stance.tolist() == [1, -1] and coding.twin.tolist() == [True, True]
    segs = Segments(pd.DataFrame({"row": [0, 1], "question": ["", ""], "stance": ["negative", "positive"]}))
    got = assign_codes(np.vstack([v, v]), segs, ThemeSet(ts.table, ts.centroids, 0.2, coding=coding))
    assert got.theme_pos.tolist() == [1, 0]   # identical vectors: only the stance tells them apart


def _label_comments(tmp_path, env, comments):
    """`themes label` with the model in tmp_path/m on these comments; responses.csv read back."""
    new = tmp_path / "new.csv"
    pd.DataFrame({"comment": comments}).to_csv(new, index=False)
    res = runner.invoke(app, ["label", str(tmp_path / "m"), str(new), "--text", "comment",
                              "-o", str(tmp_path / "lab"), "--quiet"], env=env)
    assert res.exit_code == 0, res.output
    return _read(tmp_path / "lab" / "responses.csv")


def test_train_with_a_codebook_learns_a_code_no_response_carries(tmp_path, fast_stages):
    rows = [("kind caring staff", "Staff"), ("the staff were kind", "Staff"), ("friendly helpful staff", "Staff"),
            ("long wait for the ambulance", "Waiting"), ("the wait was long", "Waiting"),
            ("we waited hours", "Waiting")]
    src, book = tmp_path / "coded.csv", tmp_path / "book.yaml"
    pd.DataFrame({"comment": [r[0] for r in rows], "codes": [r[1] for r in rows]}).to_csv(src, index=False)
    book.write_text(yaml.safe_dump({"format": "themes-codebook", "version": 1, "themes": [
        {"id": 1, "name": "Staff", "description": "Kind, caring staff."},
        {"id": 2, "name": "Food", "description": "Meals, food and drinks on the ward.",
         "examples": ["the food was cold", "lovely hot meals"]}]}))
    env = {"THEMES_CACHE_DIR": str(tmp_path / "cache")}
    res = runner.invoke(app, ["train", str(src), "--text", "comment", "--labels", "codes", "--codebook", str(book),
                              "-o", str(tmp_path / "m")], env=env)
    assert res.exit_code == 0, res.output
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert {t["name"] for t in manifest["themes"]} == {"Staff", "Waiting", "Food"}
    r = _label_comments(tmp_path, env, ["the meals and food were cold", "kind caring staff"])
    assert "Food" in r["theme_names"].iat[0].split(";") and "Food" not in r["theme_names"].iat[1].split(";")


def test_train_codebook_rows_follow_the_question():
    from themes.model.training import codebook_rows

    book = Codebook(themes=[CodebookTheme(id=1, name="Staff", description="Kind staff.", examples=["nice nurse"]),
                            CodebookTheme(id=2, name="Food", description="Meals.", question="Improve?"),
                            CodebookTheme(id=3, name="Parking", description="Car parks.")])
    texts, labels, joined = codebook_rows(book, "Good?", ["Staff"], per_question=True)
    assert joined == ["Staff"] and "nice nurse" in texts and all(lab == {"Staff"} for lab in labels)
    _, _, joined = codebook_rows(book, "Improve?", ["Waiting"], per_question=True)
    assert joined == ["Food"]                                   # its own question; Staff is not a label here
    _, _, joined = codebook_rows(book, "", [], per_question=False)
    assert joined == ["Staff", "Food", "Parking"]


def test_train_codebook_with_a_missing_file_exits_2(tmp_path):
    src = tmp_path / "coded.csv"
    pd.DataFrame({"comment": ["kind staff"], "codes": ["Staff"]}).to_csv(src, index=False)
    res = runner.invoke(app, ["train", str(src), "--text", "comment", "--labels", "codes", "--codebook",
                              str(tmp_path / "none.yaml"), "-o", str(tmp_path / "m")])
    assert res.exit_code == 2 and "none.yaml" in res.output and not (tmp_path / "m").exists()


def test_train_from_a_codebook_alone_then_label(tmp_path, fast_stages):
    book = tmp_path / "book.yaml"
    book.write_text(yaml.safe_dump({"format": "themes-codebook", "version": 1, "themes": [
        {"id": 1, "name": "Staff", "description": "Kind, caring staff.", "examples": ["the nurse was kind"]},
        {"id": 2, "name": "Food", "description": "Meals, food and drinks on the ward.",
         "examples": ["the food was cold", "lovely hot meals"]},
        {"id": 3, "name": "Waiting", "description": "Long waits for an ambulance.", "examples": ["we waited hours"]}]}))
    env = {"THEMES_CACHE_DIR": str(tmp_path / "cache")}
    res = runner.invoke(app, ["train", "--codebook", str(book), "-o", str(tmp_path / "m")], env=env)
    assert res.exit_code == 0, res.output
    assert "texts and examples of" in res.output
    assert "examples per code" in res.output             # 1.3 per code: the advice to label with the codebook
    assert "add --fine-tune or label with the codebook itself" in res.output
    r = _label_comments(tmp_path, env, ["cold food and meals", "we waited hours for an ambulance"])
    assert r["theme_names"].iat[0].split(";")[0] == "Food" and r["theme_names"].iat[1].split(";")[0] == "Waiting"


def test_train_needs_responses_or_a_codebook(tmp_path):
    res = runner.invoke(app, ["train", "-o", str(tmp_path / "m")])
    assert res.exit_code == 2 and "--codebook" in res.output and not (tmp_path / "m").exists()
    src = tmp_path / "coded.csv"
    pd.DataFrame({"comment": ["kind staff"], "codes": ["Staff"]}).to_csv(src, index=False)
    res = runner.invoke(app, ["train", str(src), "--text", "comment", "-o", str(tmp_path / "m")])
    assert res.exit_code == 2 and "--labels" in res.output
