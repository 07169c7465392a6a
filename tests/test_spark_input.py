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
    assert csv_encoding("s3://bucket/in.csv") == ("UTF-8", [])
