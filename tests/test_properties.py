"""Property-based tests (hypothesis): ingest reads back what was written, never crashes on junk,
and no response is ever lost or duplicated between input and responses.csv."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from themes.cli import app
from themes.errors import InputError
from themes.io.answers import is_non_answer
from themes.io.corpus import load_corpus
from themes.io.safe import inert

NON_ANSWERS = ["", " ", "N/A", "n/a", "-", "nothing", "No comment", "...", "123", "\U0001F44D"]
WORDS = ["board", "staff", "networks", "regulators", "scorecard", "consultancy", "challenge", "equality",
         "caf\u00e9", "\u8463\u4e8b\u4f1a", "\u0441\u043e\u0432\u0435\u0442", "=SUM(A1)", "+44", "@here", "<b>", "\t",
         "old\rmac", "line\nbreak", "end\r"]  # a bare carriage return once split rows in responses.csv

# Any printable text: no surrogates, no control characters other than tab and line breaks.
free_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(["\n", "\t", "\r"]),
                    max_size=40)
answer = st.one_of(free_text, st.sampled_from(NON_ANSWERS),
                   st.lists(st.sampled_from(WORDS), min_size=1, max_size=8).map(" ".join))
ident = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=8)


@st.composite
def surveys(draw, max_rows: int = 12):
    n = draw(st.integers(1, max_rows))
    ids = draw(st.lists(ident, min_size=n, max_size=n, unique_by=lambda s: s.strip()))
    assume(all(i.strip() and i.strip().lower() not in ("nan", "none") for i in ids))
    texts = draw(st.lists(answer, min_size=n, max_size=n))
    groups = draw(st.lists(st.sampled_from(["Chair", "NED", "", "=x"]), min_size=n, max_size=n))
    return [i.strip() for i in ids], texts, groups


def write_csv(path: Path, ids, texts, groups, encoding="utf-8", delimiter=",") -> None:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(["response_id", "role", "answer"])
    w.writerows(zip(ids, groups, texts))
    path.write_bytes(buf.getvalue().encode(encoding))


@settings(max_examples=60, deadline=None)
@given(surveys(), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]), st.sampled_from([",", ";", "\t"]))
def test_csv_reads_back_what_was_written(survey, encoding, delimiter):
    ids, texts, groups = survey
    data = "".join(ids + texts + groups)
    if encoding == "cp1252":
        try:
            raw = data.encode("cp1252")
        except UnicodeEncodeError:
            assume(False)
        try:  # bytes that also happen to be valid UTF-8 are read as UTF-8: ambiguous, not tested
            assume(raw.decode("utf-8") == data)
        except UnicodeDecodeError:
            pass
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("survey.tsv" if delimiter == "\t" else "survey.csv")
        write_csv(path, ids, texts, groups, encoding, delimiter)
        corpus = load_corpus(path, text="answer", id="response_id", by=["role"])
    frame = corpus.frame
    assert frame["response_id"].tolist() == ids
    assert frame["text"].tolist() == texts
    assert frame["role"].tolist() == [g or "(not stated)" for g in groups]
    assert frame["has_content"].tolist() == [not is_non_answer(t) for t in texts]


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.binary(max_size=600),
                 st.tuples(st.sampled_from([b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xff\xfe",
                                            b"\xef\xbb\xbf", b"%PDF", b"PAR1", b"a,b\n", b"{"]),
                           st.binary(max_size=600)).map(lambda t: t[0] + t[1])),
       st.sampled_from([".csv", ".tsv", ".txt", ".xlsx", ".parquet", ".jsonl"]))
def test_junk_bytes_give_a_corpus_or_an_input_error(data, suffix):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"junk{suffix}"
        path.write_bytes(data)
        try:
            corpus = load_corpus(path)
        except InputError as exc:
            assert str(path) in str(exc) or "column" in str(exc)
            assert "\n" not in str(exc)
        else:
            assert len(corpus) >= 1


runner = CliRunner()


@pytest.mark.usefixtures("fast_stages")
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(surveys(max_rows=20))
def test_every_response_once_in_order(survey):
    """Nothing lost: the ids out are the ids in, in order, once each, each with a status."""
    ids, texts, groups = survey
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "survey.csv", Path(tmp) / "out"
        write_csv(src, ids, texts, groups)
        res = runner.invoke(app, ["extract", str(src), "--text", "answer", "--id", "response_id", "--by", "role",
                                  "-o", str(out), "--quiet", "--no-cache"])
        if not any(not is_non_answer(t) for t in texts):
            assert res.exit_code == 2 and "no answers to find themes in" in res.output
            assert not out.exists()
            return
        assert res.exit_code == 0, res.output
        with open(out / "responses.csv", encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    assert [r["response_id"] for r in rows] == [inert(i) for i in ids]
    assert [r["text"] for r in rows] == [inert(t) for t in texts]
    assert all(r["status"] in {"labelled", "unassigned", "no_content"} for r in rows)
    assert [r["status"] == "no_content" for r in rows] == [is_non_answer(t) for t in texts]
