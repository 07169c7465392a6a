"""Issue 16, defect 10: a CSV themes writes stays inert when a semicolon-locale spreadsheet
splits its lines at ';' (or a paste splits them at tabs), and reads back unchanged."""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from themes.io.outdir import read_output
from themes.io.safe import FORMULA_START, CsvAppender, inert, uninert, write_csv

HOSTILE = ["x;=1+1;", "a\t=cmd|' /C calc'!A0", "ok; @SUM(1)", "x;;+1", "'=already", "x;'-1", "plain",
           "semi;colon", "tab\there", "", "q\"uote;=2", "multi\r\nline;-3", "=top", "\t=both;=two"]


def _pieces(line: str) -> list[str]:
    """The cells a semicolon/tab-locale spreadsheet sees when it splits a raw line, quotes ignored
    (a quote inside a line does not stop the split unless it opens the cell)."""
    return re.split("[;\t\r\n]", line)


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"id": [f"r{i}" for i in range(len(HOSTILE))], "text": HOSTILE,
                         "x;=hdr": ["v"] * len(HOSTILE), "n": range(len(HOSTILE))})


def test_no_piece_of_any_line_starts_a_formula():
    text = write_csv(_frame())
    for line in text.split("\r\n"):
        for piece in _pieces(line):
            assert not piece.lstrip('"').startswith(FORMULA_START), (line, piece)


def test_text_cells_with_semicolon_or_tab_are_quoted():
    text = write_csv(_frame())
    for value in HOSTILE + ["x;=hdr"]:
        if ";" in value or "\t" in value:
            quoted = '"' + inert(value).replace('"', '""') + '"'
            assert quoted in text, value
    assert "\r\nr6,plain,v,6\r\n" in text  # a cell without them is written as before


def test_round_trip_through_pandas_and_read_output(tmp_path):
    frame = _frame()
    write_csv(frame, tmp_path / "responses.csv")
    raw = pd.read_csv(tmp_path / "responses.csv", dtype=str, keep_default_na=False)
    assert [uninert(v) for v in raw["text"]] == HOSTILE
    back = read_output(tmp_path, "responses.csv")
    assert list(back.columns) == ["id", "text", "x;=hdr", "n"]
    assert list(back["text"]) == HOSTILE
    with open(tmp_path / "responses.csv", encoding="utf-8", newline="") as fh:
        assert [uninert(r["text"]) for r in csv.DictReader(fh)] == HOSTILE


def test_appender_writes_the_same_bytes(tmp_path):
    frame = _frame()
    app = CsvAppender(tmp_path / "a.csv")
    app.write(frame.iloc[:5])
    app.write(frame.iloc[5:])
    assert (tmp_path / "a.csv").read_bytes() == write_csv(frame).encode("utf-8")


def test_a_file_written_in_blocks_holds_the_same_bytes_as_the_text(tmp_path, monkeypatch):
    """Issue 18: to a file, write_csv converts CSV_BLOCK rows at a time (less memory); the bytes
    must be those of the whole frame at once, header once, for a frame of several blocks, one
    block and none."""
    import themes.io.safe as safe

    monkeypatch.setattr(safe, "CSV_BLOCK", 4)
    frame = _frame().assign(score=[k / 7 for k in range(len(HOSTILE))])
    for part in (frame, frame.iloc[:3], frame.iloc[:0]):
        whole = write_csv(part)
        write_csv(part, tmp_path / "b.csv")
        assert (tmp_path / "b.csv").read_bytes() == whole.encode("utf-8")
        with open(tmp_path / "c.csv", "w", encoding="utf-8", newline="") as fh:
            write_csv(part, fh, header=False)
        assert (tmp_path / "c.csv").read_bytes() == write_csv(part, header=False).encode("utf-8")
    assert whole.count("\r\n") == 1   # the empty frame: its header alone


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("a;\t'=+-@\r\n\", ")), max_size=12))
def test_guard_round_trips_and_leaves_no_live_piece(value):
    assert uninert(inert(value)) == value
    text = write_csv(pd.DataFrame({"c": [value], "z": ["z"]}), header=False)
    assert pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False).iloc[0, 0] == inert(value)
    for piece in _pieces(inert(value)):
        assert not piece.startswith(FORMULA_START), piece
