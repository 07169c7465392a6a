"""The smaller cases of issue 16 (defect 10): a header naming a column twice, and a `--by` column
with thousands of groups in the reports."""

from __future__ import annotations

import json
import time

import pandas as pd
import pytest
from typer.testing import CliRunner

from report_helpers import make_outdir
from themes.errors import InputError
from themes.io.corpus import load_corpus

runner = CliRunner()


def test_duplicate_answer_header_is_refused(tmp_path):
    src = tmp_path / "dup.csv"
    src.write_text("id,answer,role,answer\n1,first,Chair,second\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"names column 'answer' twice \(columns 2 and 4\)"):
        load_corpus(src, text="answer")


def test_thousands_of_groups_are_capped_in_every_report(tmp_path):
    from themes.cli import app

    n = 3000
    words = ["national scorecard accountability regulators", "external consultancy support challenge",
             "staff networks lived experience stories"]
    frame = pd.DataFrame({"id": [f"R{k}" for k in range(n)], "role": [f"group {k}" for k in range(n)],
                          "trust_type": ["Acute", "Mental health"] * (n // 2),
                          "answer": [words[k % 3] + f" answer {k}" for k in range(n)]})
    out = make_outdir(tmp_path / "out", frame)
    start = time.perf_counter()
    # --min-cell 1: groups of one respondent are not merged into "Other", so all 3,000 are groups
    res = runner.invoke(app, ["report", str(out), "--format", "md,html,docx,xlsx", "--min-cell", "1"])
    took = time.perf_counter() - start
    assert res.exit_code == 0, res.output
    assert "--by role has 3,000 groups; the report shows the 50" in res.output
    md = (out / "report" / "report.md").read_text(encoding="utf-8")
    assert 0 < md.count("| role | group ") <= 3 * 50   # labels as the header writes them
    run = json.loads((out / "report" / "report-run.json").read_text())
    assert run["notes"] and took < 120, took


def test_lone_surrogates_in_jsonl_are_replaced_and_noted(tmp_path, fast_stages):
    """A lone surrogate escape was dropped without a word (or failed the read): it is now U+FFFD,
    with a note in the console and run.json naming the rows; a real pair and an escaped backslash
    are left as they are."""
    from themes.cli import app

    src = tmp_path / "s.jsonl"
    lines = ['{"id": "R1", "answer": "bad \\ud800 staffing on wards"}',
             '{"id": "R2", "answer": "fine \\\\ud800 text \\ud83d\\ude00 about wards"}',
             '{"id": "R3", "answer": "low half \\uDFFF of staffing"}']
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    frame = load_corpus(src, text="answer", id="id").frame
    assert list(frame["text"]) == ["bad \ufffd staffing on wards", "fine \\ud800 text \U0001f600 about wards",
                                     "low half \ufffd of staffing"]
    out = tmp_path / "out"
    res = runner.invoke(app, ["extract", str(src), "--text", "answer", "--id", "id", "-o", str(out), "--no-cache"])
    assert res.exit_code == 0, res.output
    assert "2 row(s) held half of a UTF-16 surrogate pair" in " ".join(res.output.split())
    notes = json.loads((out / "run.json").read_text(encoding="utf-8"))["notes"]
    assert any("line(s) 1, 3" in n for n in notes), notes


def report_folder(tmp_path):
    from report_helpers import make_outdir

    frame = pd.DataFrame({"id": ["R1", "R2", "R3", "R4"], "role": ["Chair", "NED", "Chair", "NED"],
                          "trust_type": ["Acute"] * 4,
                          "answer": ["national scorecard accountability", "external consultancy support",
                                     "national scorecard accountability again", "external consultancy help"]})
    return make_outdir(tmp_path / "out", frame)


def test_symlinked_report_charts_is_replaced_not_followed(tmp_path):
    """Issue 16, defect 10: a symlinked report-charts folder with --force gave a half-updated report."""
    from themes.cli import app

    out = report_folder(tmp_path)
    assert runner.invoke(app, ["report", str(out), "--format", "md,html"]).exit_code == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("not the tool's")
    charts = out / "report" / "report-charts"
    import shutil

    shutil.rmtree(charts)
    charts.symlink_to(elsewhere, target_is_directory=True)
    (out / "report" / "report.html").write_text("old")
    res = runner.invoke(app, ["report", str(out), "--format", "md,html", "--force"])
    assert res.exit_code == 0, res.output
    assert charts.is_dir() and not charts.is_symlink() and any(charts.glob("*.png"))
    assert (elsewhere / "keep.txt").read_text() == "not the tool's" and len(list(elsewhere.iterdir())) == 1
    assert (out / "report" / "report.html").read_text(encoding="utf-8") != "old"
    assert not list((out / "report").glob(".staged*"))


def test_a_failed_swap_leaves_the_old_report_whole(tmp_path, monkeypatch):
    """If one rename fails halfway through putting the new files in place, every old file is put back."""
    import os
    from pathlib import Path

    import themes.io.atomic as atomic
    from themes.errors import OutputError
    from themes.report.writer import write_reports

    out = report_folder(tmp_path)
    write_reports(out, "md,html")
    folder = out / "report"
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    real, calls = os.replace, []

    def flaky(src, dst):
        calls.append(dst)
        if Path(src).parent.name.startswith(".staged") and Path(dst) == folder / "report.md":
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", flaky)
    with pytest.raises(OutputError, match="nothing was written"):
        write_reports(out, "md,html", force=True, title="A new title")
    after = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    assert after == before and (folder / "report-charts").is_dir()
    assert not list(folder.glob(".staged*"))


def test_duplicate_answer_header_is_refused_in_a_workbook(tmp_path):
    src = tmp_path / "dup.xlsx"
    pd.DataFrame([["1", "first", "Chair", "second"]], columns=["id", "answer", "role", "x"]).to_excel(src, index=False)
    import openpyxl

    book = openpyxl.load_workbook(src)
    book.active["D1"] = "answer"
    book.save(src)
    with pytest.raises(InputError, match=r"sheet 'Sheet1': the header names column 'answer' twice \(columns 2 and 4\)"):
        load_corpus(src, text="answer")


def test_duplicate_answer_header_is_refused_in_a_large_csv(tmp_path, monkeypatch):
    """A CSV past the size read whole is read in blocks; its header is checked all the same."""
    import themes.io.corpus as corpus
    from themes.io.corpus import iter_corpus

    monkeypatch.setattr(corpus, "WHOLE_CSV_BYTES", 100)
    src = tmp_path / "dup.csv"
    src.write_text("id,answer,role,answer\n" + "".join(f"{k},first {k},Chair,second\n" for k in range(50)))
    with pytest.raises(InputError, match=r"names column 'answer' twice \(columns 2 and 4\)"):
        next(iter_corpus(src, text="answer"))
    src.write_text("id,answer,role,answers\n" + "".join(f"{k},first {k},Chair,second\n" for k in range(50)))
    assert len(next(iter_corpus(src, text="answer")).frame) == 50
