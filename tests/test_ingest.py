import pandas as pd
import pytest

from themes.errors import InputError
from themes.io.answers import is_non_answer
from themes.io.corpus import build_corpus, load_corpus, read_table


@pytest.mark.parametrize("text", ["", "  ", "N/A", "n/a", "Nothing", "nothing.", "No comment", "-", "did not answer",
                                  "None at this time", "Not applicable", "...", "123", "NA"])
def test_non_answers(text):
    assert is_non_answer(text)


@pytest.mark.parametrize("text", ["Nothing works without data", "No targets, no change", "CQC", "ok then",
                                  "Staff networks"])
def test_substantive(text):
    assert not is_non_answer(text)


def test_csv_encodings(tmp_path):
    frame = pd.DataFrame({"answer": ["Caf\u00e9 culture \u2013 \u00a3 budget", "plain"], "role": ["Chair", "NED"]})
    for enc in ("utf-8", "utf-8-sig", "cp1252"):
        path = tmp_path / f"x-{enc}.csv"
        frame.to_csv(path, index=False, encoding=enc)
        corpus = load_corpus(path, text="answer", by=["role"])
        assert corpus.frame["text"].tolist() == frame["answer"].tolist()
        assert corpus.frame["role"].tolist() == ["Chair", "NED"]


def test_other_formats(tmp_path, tiny_frame):
    tiny_frame.to_parquet(tmp_path / "x.parquet")
    tiny_frame.to_json(tmp_path / "x.jsonl", orient="records", lines=True)
    with pd.ExcelWriter(tmp_path / "x.xlsx") as xw:
        pd.DataFrame({"a": [1]}).to_excel(xw, sheet_name="notes", index=False)
        tiny_frame.to_excel(xw, sheet_name="answers", index=False)
    for name, sheet in (("x.parquet", None), ("x.jsonl", None), ("x.xlsx", "answers")):
        corpus = load_corpus(tmp_path / name, text="answer", id="id", by=["role", "trust_type"], sheet=sheet)
        assert corpus.frame["response_id"].tolist() == tiny_frame["id"].tolist()
        assert corpus.frame["text"].tolist() == tiny_frame["answer"].tolist()
    with pytest.raises(InputError, match="no sheet named 'nope'.*answers"):
        load_corpus(tmp_path / "x.xlsx", text="answer", sheet="nope")


def test_missing_column_suggests(tiny_frame):
    with pytest.raises(InputError) as err:
        build_corpus(tiny_frame, text="answers", source="survey.csv")
    msg = str(err.value)
    assert "survey.csv" in msg and "no column 'answers'" in msg and "Did you mean 'answer'" in msg
    assert "role" in msg  # lists the columns there


def test_text_column_guessed(tiny_frame):
    corpus = build_corpus(tiny_frame)
    assert corpus.frame["text"].tolist() == tiny_frame["answer"].tolist()
    assert any("answer" in n for n in corpus.notes)


def test_ids_generated_and_duplicates_refused(tiny_frame):
    corpus = build_corpus(tiny_frame, text="answer")
    assert corpus.frame["response_id"].tolist() == [str(i) for i in range(1, 13)]
    dup = tiny_frame.assign(id=["A"] * 12)
    with pytest.raises(InputError, match="appears more than once"):
        build_corpus(dup, text="answer", id="id")


def test_no_content_marked_not_dropped(tiny_frame):
    corpus = build_corpus(tiny_frame, text="answer", id="id")
    assert len(corpus) == 12
    assert corpus.frame.loc[~corpus.frame["has_content"], "response_id"].tolist() == ["R10", "R12"]


def test_empty_and_header_only(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "header.csv").write_text("answer,role\n")
    with pytest.raises(InputError, match="empty"):
        read_table(tmp_path / "empty.csv")
    with pytest.raises(InputError, match="no rows"):
        load_corpus(tmp_path / "header.csv", text="answer")


def test_blank_attribute_is_not_stated(tiny_frame):
    frame = tiny_frame.copy()
    frame.loc[0, "role"] = ""
    corpus = build_corpus(frame, text="answer", by=["role"])
    assert corpus.frame.loc[0, "role"] == "(not stated)"
