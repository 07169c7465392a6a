"""Non-answers, and "Nothing" to a question asking what to improve (themes.io.answers)."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from themes.cli import app
from themes.io.answers import NOTHING_TO_IMPROVE_TEXT, asks_for_improvement, has_content, says_nothing_to_improve
from themes.io.corpus import build_corpus
from themes.model.codebook import CodebookTheme, listed_terms
from themes.text.segment import regex_splitter, segment


@pytest.mark.parametrize("question", [
    "How could we improve?", "What could we do better?", "Is there anything we could have done better?",
    "What would you change about the service?", "Is there anything you would change?",
    "What should we do differently?", "Any suggestions for improvement?"])
def test_questions_that_ask_what_to_improve(question):
    assert asks_for_improvement(question)


@pytest.mark.parametrize("question", [
    "What was good?", "What would help your board make faster progress on race equality?",
    "What changes have you seen since the merger?", "FFT Why?", "Q2", ""])
def test_questions_that_do_not(question):
    assert not asks_for_improvement(question)


def test_nothing_to_improve_is_an_answer_only_to_an_improvement_question():
    improve, good = "How could we improve?", "What was good?"
    for text in ("Nothing.", "nothing", "No", "None really", "Nothing at all!", "No, nothing", "Nothing thank you"):
        assert says_nothing_to_improve(text, improve) and has_content(text, improve), text
        assert not says_nothing_to_improve(text, good), text
    for text in ("Nothing.", "No", "None"):
        assert not has_content(text, good) and not has_content(text)
    # declining to answer stays a non-answer whatever the question
    for text in ("N/A", "Nothing to add", "Don't know", "Not sure", "", "-"):
        assert not has_content(text, improve), text
    # an answer with words of its own is content anyway
    assert has_content("Nothing, it was perfect.", good) and not says_nothing_to_improve("Nothing, it was perfect.", improve)


def test_corpus_and_segments_read_nothing_to_improve_as_what_it_says():
    frame = pd.DataFrame({"id": ["1", "2", "3", "4", "5"],
                          "q": ["How could we improve?"] * 3 + ["What was good?"] * 2,
                          "text": ["Nothing.", "N/A", "More parking please", "Nothing.", "The nurses"]})
    corpus = build_corpus(frame, text="text", id="id", question="q")
    assert corpus.frame["has_content"].tolist() == [True, False, True, False, True]
    segs = segment(corpus, regex_splitter).frame.set_index("response_id")
    assert segs.loc["1", "text"] == "Nothing."                      # the answer as written
    assert segs.loc["1", "clean"] == NOTHING_TO_IMPROVE_TEXT        # what embedding and naming read
    assert segs.loc["1", "stance"] == "positive"
    assert segs.loc["3", "clean"] == "More parking please"
    # without the question nothing changes: "Nothing." says nothing
    pooled = build_corpus(frame.drop(columns="q"), text="text", id="id")
    assert pooled.frame["has_content"].tolist() == [False, False, True, False, True]


def test_listed_terms_are_the_quoted_lists_of_a_definition():
    text = ("Non-specific 'thin' data: generic terms such as 'great', 'good', \u2018brilliant\u2019 or 'nice' etc. "
            "It incorporates descriptions of staff as \u201cfriendly\u201d, \u201chelpful\u201d and \u201ccaring\u201d. "
            "See also 'Timeliness of care' and 'Discharge'.")
    assert listed_terms(text) == ["great", "good", "brilliant", "nice", "friendly", "helpful", "caring"]
    assert listed_terms("The patient's family and the trust's board said 'no'.") == []
    theme = CodebookTheme(name="Praise", description="Generic praise such as 'great', 'good' or 'brilliant'.")
    assert theme.centre_statements()[-1] == "great, good, brilliant"
    assert "great, good, brilliant" not in theme.statements()          # not a training row of train --codebook
    assert CodebookTheme(name="Praise", description="Generic praise.").centre_statements() == ["Praise", "Generic praise"]


def test_label_with_a_question_codes_nothing_to_improve(tmp_path, fast_stages):
    """End to end: `themes label CODEBOOK --question` gives "Nothing." under an improvement question
    the codebook's code for it, and leaves "Nothing." under another question a non-answer."""
    src, book, out = tmp_path / "fft.csv", tmp_path / "book.yaml", tmp_path / "lab"
    pd.DataFrame({"id": ["1", "2", "3", "4"],
                  "question": ["How could we improve?", "How could we improve?", "What was good?", "What was good?"],
                  "comment": ["Nothing.", "More parking spaces at the hospital.", "Nothing.",
                              "Parking at the hospital was easy."]}).to_csv(src, index=False)
    book.write_text(yaml.safe_dump({"format": "themes-codebook", "version": 1, "themes": [
        {"id": 1, "name": "No improvements needed", "description": "Nothing needs to be improved; satisfied."},
        {"id": 2, "name": "Parking", "description": "Parking spaces at the hospital."}]}))
    res = CliRunner().invoke(app, ["label", str(book), str(src), "--text", "comment", "--id", "id",
                                   "--question", "question", "-o", str(out), "--quiet", "--min-similarity", "0.3"],
                             env={"THEMES_CACHE_DIR": str(tmp_path / "cache")})
    assert res.exit_code == 0, res.output
    r = pd.read_csv(out / "responses.csv", dtype=str, keep_default_na=False)
    r = r.set_index(r["response_id"].str.split(":").str[0])
    assert r.loc["1", "status"] == "labelled" and r.loc["1", "theme_names"] == "No improvements needed"
    assert r.loc["1", "text"] == "Nothing."
    assert r.loc["3", "status"] == "no_content" and r.loc["3", "theme_names"] == ""
    assert r.loc["2", "theme_names"] == "Parking" and r.loc["4", "theme_names"] == "Parking"
