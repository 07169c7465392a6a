"""Issue 16, defect 8: the Spark engine reads a Windows-1252 CSV as the local engine does (and
says so), and guards a CSV header that a spreadsheet would run as a formula."""

from __future__ import annotations

import pandas as pd
import pytest

from themes.engines.spark.io import csv_encoding

pytestmark = [pytest.mark.slow, pytest.mark.spark]


def test_windows_1252_csv_is_detected_read_and_noted(tmp_path):
    from themes.engines.spark.io import inert_columns, read_input, session, write_table

    src = tmp_path / "in.csv"
    src.write_bytes("id,answer,=cmd\n1,café staff – “great”,Chair\n2,naïve plan,=1+1\n".encode("cp1252"))
    assert csv_encoding(src)[0] == "windows-1252"
    spark = session("local[1]")
    notes: list[str] = []
    frame = read_input(spark, src, notes=notes)
    assert [r["answer"] for r in frame.orderBy("id").collect()] == ["café staff – “great”", "naïve plan"]
    assert notes and "Windows-1252" in notes[0]
    assert inert_columns(frame).columns == ["id", "answer", "'=cmd"]
    write_table(frame, tmp_path, "responses", "csv")
    parts = sorted((tmp_path / "responses.csv").glob("part-*.csv"))
    out = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in parts])
    assert list(out.columns) == ["id", "answer", "'=cmd"]
    assert sorted(out["=cmd" if "=cmd" in out else "'=cmd"]) == ["'=1+1", "Chair"]


def test_utf8_csv_needs_no_note(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(("id,answer\n" + "1,é\n" * 40000).encode("utf-8"))  # a character cut at 64 KB
    assert csv_encoding(src) == ("UTF-8", [])
    encoding, notes = csv_encoding("s3://bucket/in.csv")
    assert encoding == "UTF-8" and "remote path is not checked" in notes[0]   # said, not silent


def test_encoding_given_or_guessed_for_a_folder(tmp_path):
    from themes.errors import ConfigError

    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "_SUCCESS").write_bytes(b"")
    (folder / "part-0000.csv").write_bytes("id,answer\n1,café\n".encode("cp1252"))
    encoding, notes = csv_encoding(folder)
    assert encoding == "windows-1252" and "Windows-1252" in notes[0]
    assert csv_encoding("s3://bucket/in.csv", "Latin_1") == ("ISO-8859-1", ["Read s3://bucket/in.csv as Latin-1 "
                                                                            "text (--encoding)."])
    with pytest.raises(ConfigError, match="--encoding shift-jis: not one the Spark engine reads"):
        csv_encoding(folder, "shift-jis")


TRICKY = ["=1+1", "x;=1+1;", "'=already", "''=two", "plain", "a\t@b", "line\n-2", "+", "", "x;'y", "caf\u00e9 =no"]


def test_spark_guard_matches_the_local_guard_and_csv_cells_are_quoted(tmp_path):
    """Issue 16, defect 10 on the Spark engine: the same guard as themes.io.safe.inert (after ';', tab,
    line breaks too), and every cell quoted, so a semicolon-locale spreadsheet splits no cell."""
    from themes.engines.spark.io import inert_columns, session, write_table
    from themes.io.safe import inert, uninert

    spark = session("local[1]")
    frame = spark.createDataFrame(pd.DataFrame({"id": [str(k) for k in range(len(TRICKY))], "answer": TRICKY}))
    got = [r["answer"] for r in inert_columns(frame).orderBy(frame["id"].cast("int")).collect()]
    assert got == [inert(v) for v in TRICKY]
    write_table(frame, tmp_path, "responses", "csv")
    raw = "".join(p.read_text(encoding="utf-8") for p in sorted((tmp_path / "responses.csv").glob("part-*.csv")))
    assert '"x;\'=1+1;"' in raw and ",x;" not in raw
    out = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False)
                     for p in sorted((tmp_path / "responses.csv").glob("part-*.csv"))])
    assert sorted(uninert(v) for v in out["answer"]) == sorted(TRICKY)


def test_encoding_is_refused_for_the_local_engine(tmp_path):
    from typer.testing import CliRunner

    from themes.cli import app

    src = tmp_path / "in.csv"
    src.write_text("answer\nsome text here\n")
    res = CliRunner().invoke(app, ["extract", str(src), "-o", str(tmp_path / "out"), "--encoding", "latin-1"])
    assert res.exit_code == 2 and "is for --engine spark" in res.output, res.output
