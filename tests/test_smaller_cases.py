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
