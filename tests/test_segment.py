import pandas as pd

from themes.io.corpus import build_corpus
from themes.text.segment import regex_splitter, segment


def _corpus(texts):
    return build_corpus(pd.DataFrame({"answer": texts}), text="answer")


def test_offsets_point_into_the_text():
    texts = ["First point about data. Second point about staff networks!  Third: consultants were useful.",
             "Line one is here\nLine two is here too"]
    seg = segment(_corpus(texts), regex_splitter).frame
    for r in seg.itertuples():
        assert texts[r.row][r.start:r.end] == r.text
    assert seg.groupby("row").size().tolist() == [3, 2]


def test_tiny_fragments_join_a_neighbour():
    seg = segment(_corpus(["Yes. The national scorecard should hold boards to account."]), regex_splitter,
                  min_words=3).frame
    assert len(seg) == 1
    assert seg["text"].iloc[0].startswith("Yes.")


def test_long_sentences_are_split_not_cut():
    text = " ".join(f"word{i}" for i in range(250))
    seg = segment(_corpus([text]), regex_splitter, max_words=100).frame
    assert len(seg) == 3
    assert all(len(t.split()) <= 100 for t in seg["text"])
    assert " ".join(seg["text"]) == text  # nothing lost


def test_non_answers_get_no_segments():
    seg = segment(_corpus(["N/A", "", "Real answer about data quality."]), regex_splitter).frame
    assert seg["row"].tolist() == [2]
