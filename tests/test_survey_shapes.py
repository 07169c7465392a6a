"""Each survey shape goes in with one command: long with repeated ids, wide, Qualtrics (CSV and
XLSX), SurveyMonkey, SmartSurvey and Microsoft Forms; responses.csv is read back every time."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

import survey_fixtures as fx
from themes.cli import app
from themes.io.corpus import build_corpus, load_corpus

runner = CliRunner()
TEXTS = [t for _, t in fx.QUESTIONS]
ROWS = fx.RESPONDENTS * len(fx.QUESTIONS)

SHAPES = {
    # name: (writer, file name, extra arguments, the questions responses.csv names, tool detected)
    "long": (fx.long_format, "long.csv", ["--text", "answer", "--id", "response_id", "--question", "question_id",
                                          "--labels", ",".join(f"{q}={t}" for q, t in fx.QUESTIONS)], TEXTS, None),
    "wide": (fx.plain_wide, "wide.csv", ["--text", "Q1,Q2,Q3", "--id", "ResponseId"], ["Q1", "Q2", "Q3"], None),
    "qualtrics-csv": (fx.qualtrics_csv, "qualtrics.csv", ["--text", "Q1,Q2,Q3"], TEXTS, "Qualtrics"),
    "qualtrics-xlsx": (fx.qualtrics_xlsx, "qualtrics.xlsx", ["--text", "Q*"], TEXTS, "Qualtrics"),
    "surveymonkey": (fx.surveymonkey_csv, "sm.csv", ["--text-all"], TEXTS, "SurveyMonkey"),
    "smartsurvey": (fx.smartsurvey_csv, "smart.csv", ["--text", "2.*,3.*,4.*"],
                    [f"{k}. {t}" for k, t in enumerate(TEXTS, 2)], "SmartSurvey"),
    "forms": (fx.forms_xlsx, "forms.xlsx", ["--text-all"], TEXTS, "Microsoft Forms"),
}


def _extract(tmp_path, args):
    out = tmp_path / "out"
    res = runner.invoke(app, ["extract", *args, "-o", str(out), "--min-similarity", "0.1"],
                        env={"THEMES_CACHE_DIR": str(tmp_path / "cache")})
    return res, out


@pytest.mark.parametrize("shape", list(SHAPES))
def test_each_shape_end_to_end(tmp_path, fast_stages, shape):
    write, name, args, questions, tool = SHAPES[shape]
    src = write(tmp_path / name)
    res, out = _extract(tmp_path, [str(src), *args])
    assert res.exit_code == 0, res.output
    responses = pd.read_csv(out / "responses.csv", dtype=str, keep_default_na=False)
    assert len(responses) == ROWS  # respondents x questions, every row accounted for
    assert list(dict.fromkeys(responses["question"])) == questions  # named by their texts, in input order
    assert responses["response_id"].is_unique and responses["respondent_id"].nunique() == fx.RESPONDENTS
    answers = set(responses["text"])
    assert not answers & set(TEXTS) and not any(a.startswith('{"ImportId"') for a in answers)  # no header row
    assert not answers & {"Response", "Open-Ended Response"}
    first = [a for a in fx.ANSWERS[0]]
    assert responses["text"].head(3).tolist() == first  # the first respondent's answers, question by question
    run = json.loads((out / "run.json").read_text())
    if tool:
        assert any(f"as a {tool} export" in n for n in run["notes"])
        assert f"as a {tool} export" in res.output
    assert run["counts"]["respondents"] == fx.RESPONDENTS and run["counts"]["rows"] == ROWS
    themes = pd.read_csv(out / "themes.csv", dtype=str, keep_default_na=False)
    assert list(dict.fromkeys(themes["question"])) == questions  # theme ids run in question order
    quotes = pd.read_csv(out / "quotes.csv", dtype=str, keep_default_na=False)
    assert set(quotes["respondent_id"]) <= set(responses["respondent_id"])  # quotes cite the respondent


def test_long_ids_unique_per_question_only(tiny_frame):
    frame = pd.concat([tiny_frame.assign(q="A"), tiny_frame.assign(q="B")], ignore_index=True)
    corpus = build_corpus(frame, text="answer", id="id", question="q", by=["role"])
    assert corpus.frame["response_id"].is_unique
    assert corpus.frame["respondent_id"].tolist() == frame["id"].tolist()
    again = pd.concat([frame, frame.iloc[[3]]], ignore_index=True)
    with pytest.raises(Exception, match=r"id 'R04' in column 'id' appears more than once for the same question "
                                        r"\(column 'q'\) \(rows 5, 26\)"):
        build_corpus(again, text="answer", id="id", question="q")


def test_unique_ids_with_question_keep_their_form(tiny_frame):
    corpus = build_corpus(tiny_frame.assign(q="A"), text="answer", id="id", question="q")
    assert corpus.frame["response_id"].tolist() == tiny_frame["id"].tolist()
    assert "respondent_id" not in corpus.frame.columns


def test_crosstab_counts_each_respondent_once_per_question(tmp_path, fast_stages):
    src = fx.qualtrics_csv(tmp_path / "q.csv")
    res, out = _extract(tmp_path, [str(src), "--text", "Q1,Q2,Q3", "--by", "school", "--quiet"])
    assert res.exit_code == 0, res.output
    cross = pd.read_csv(out / "crosstab.csv")
    allrows = cross[cross["attribute"] == "(all)"]
    assert (allrows["n_group"] <= fx.RESPONDENTS).all()
    business = cross[(cross["attribute"] == "school") & (cross["group"] == "School of Business")]
    assert (business["n_group"] <= fx.SCHOOLS.count("School of Business")).all()


def test_labels_and_verbatim_by_columns(tmp_path, fast_stages):
    src = fx.qualtrics_csv(tmp_path / "q.csv")
    res, out = _extract(tmp_path, [str(src), "--text", "Q1,Q2", "--by", "school,used_proctoring_2020_21",
                                   "--labels", "used_proctoring_2020_21=used proctoring,Q2=Hardest, honestly?",
                                   "--quiet"])
    assert res.exit_code == 0, res.output
    responses = pd.read_csv(out / "responses.csv", dtype=str, keep_default_na=False)
    assert list(dict.fromkeys(responses["question"])) == [TEXTS[0], "Hardest, honestly?"]
    run = json.loads((out / "run.json").read_text())
    assert run["columns"]["labels"] == {"used_proctoring_2020_21": "used proctoring"}
    quotes = pd.read_csv(out / "quotes.csv", dtype=str, keep_default_na=False)
    assert any(a.endswith("used proctoring: No") for a in quotes["attribution"])
    assert not any("(not stated)" in a for a in quotes["attribution"])


@pytest.mark.parametrize("args, message", [
    (["--text", "Q1,Q9"], "no column 'Q9' (given by --text)"),
    (["--text", "Z*"], "--text Z*: no column matches this pattern"),
    (["--text", "Q1,Q2", "--question", "Status"], "give one or the other"),
    (["--text", "Q1", "--text-all"], "--text-all reads every free-text column"),
    (["--text", "Q1", "--labels", "oops"], "write column=Label"),
])
def test_shape_errors_are_one_line_exit_2(tmp_path, fast_stages, args, message):
    src = fx.qualtrics_csv(tmp_path / "q.csv")
    res, out = _extract(tmp_path, [str(src), *args])
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1
    assert not out.exists()


def test_wide_repeated_respondent_names_the_rows(tmp_path):
    src = fx.plain_wide(tmp_path / "w.csv")
    frame = pd.read_csv(src, dtype=str, keep_default_na=False)
    frame.loc[3, "ResponseId"] = "R_001"
    frame.to_csv(src, index=False)
    with pytest.raises(Exception, match=r"w.csv: id 'R_001' in column 'ResponseId' appears more than once "
                                        r"\(rows 2, 5\)"):
        load_corpus(src, text="Q1,Q2", id="ResponseId")


def test_qualtrics_row_numbers_count_the_header_rows(tmp_path):
    src = fx.qualtrics_csv(tmp_path / "q.csv")
    rows = src.read_text(encoding="utf-8").splitlines()
    rows[4] = rows[4].replace("R_002", "")
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"row 5 has no value in the id column 'ResponseId'"):
        load_corpus(src, text="Q1", id="ResponseId")


def test_label_applies_a_wide_model(tmp_path, fast_stages):
    src = fx.qualtrics_csv(tmp_path / "q.csv")
    res, out = _extract(tmp_path, [str(src), "--text", "Q1,Q2,Q3", "--quiet"])
    assert res.exit_code == 0, res.output
    new = tmp_path / "new"
    res = runner.invoke(app, ["label", str(out / "model"), str(src), "--text", "Q1,Q2,Q3", "-o", str(new), "--quiet"],
                        env={"THEMES_CACHE_DIR": str(tmp_path / "cache")})
    assert res.exit_code == 0, res.output
    labelled = pd.read_csv(new / "responses.csv", dtype=str, keep_default_na=False)
    first = pd.read_csv(out / "responses.csv", dtype=str, keep_default_na=False)
    assert labelled["response_id"].tolist() == first["response_id"].tolist()
    assert labelled["primary_theme_id"].tolist() == first["primary_theme_id"].tolist()


def test_text_as_typed_is_kept_and_normalising_recorded(tmp_path, fast_stages):
    src = fx.plain_wide(tmp_path / "w.csv")
    frame = pd.read_csv(src, dtype=str, keep_default_na=False)
    typed = "Zoom &amp; Teams<br>were fine, said @prof_k (k@uni.ac.uk) https://vle.example 😀!!! Recorded lectures."
    frame.loc[0, "Q1"] = typed
    frame.to_csv(src, index=False)
    for flag, on in (([], True), (["--no-normalise"], False)):
        out = tmp_path / f"out{on}"
        res = runner.invoke(app, ["extract", str(src), "--text", "Q1,Q2", "--id", "ResponseId", "-o", str(out),
                                  "--min-similarity", "0.1", "--quiet", *flag],
                            env={"THEMES_CACHE_DIR": str(tmp_path / "cache")})
        assert res.exit_code == 0, res.output
        responses = pd.read_csv(out / "responses.csv", dtype=str, keep_default_na=False)
        assert responses.loc[0, "text"] == typed  # every output keeps the original text
        segments = pd.read_csv(out / "segments.csv", dtype=str, keep_default_na=False)
        assert "".join(segments.loc[segments["response_id"] == "R_001:Q1", "text"]).replace(" ", "") == \
            typed.replace(" ", "")
        assert json.loads((out / "run.json").read_text())["settings"]["normalise"] is on
