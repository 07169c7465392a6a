"""Characters XML cannot hold (issue 16, defect 4): DOCX and XLSX are written with them replaced
by spaces, and one report format failing never takes the others with it."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from report_helpers import docx_text, make_outdir, xlsx_values
from themes.cli import app

runner = CliRunner()
CONTROLS = "\x00\x01\x08\x0b\x0c\x1b\x1f\ufffe"


@pytest.fixture
def controlled(tmp_path, tiny_frame):
    frame = tiny_frame.copy()
    frame.loc[0, "answer"] = "Vertical\x0btab and escape\x1b[31m national scorecard accountability regulators"
    frame.loc[1, "answer"] = "NUL\x00 here and \x01\x08\x0c\x1f\ufffe national scorecard regulators boards"
    frame.loc[2, "role"] = "NED\x0b(acting)"
    return make_outdir(tmp_path / "out", frame)


def test_docx_and_xlsx_hold_control_characters_as_spaces(controlled):
    res = runner.invoke(app, ["report", str(controlled), "--title", "Board\x1b survey\x00 2024", "--min-cell", "1",
                              "--quiet"])
    assert res.exit_code == 0, res.output
    rep = controlled / "report"
    text = docx_text(rep / "report.docx")
    values = "\n".join(xlsx_values(rep / "report.xlsx"))
    for shown in (text, values, (rep / "report.md").read_text(encoding="utf-8"),
                  (rep / "report.html").read_text(encoding="utf-8")):
        assert not set(shown) & set(CONTROLS)
    assert "Board  survey  2024" in text
    assert "Vertical tab and escape [31m" in values


def test_extract_then_report_with_a_nul_after_the_first_64_kb(tmp_path, fast_stages):
    rows = [f"R{k},Chair,national scorecard accountability regulators boards answer {k}" for k in range(1500)]
    rows += [f"N{k},NED\x00late,late NUL\x00 and vertical\x0btab national scorecard regulators" for k in range(3)]
    src = tmp_path / "late_nul.csv"
    src.write_text("id,role,answer\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert src.stat().st_size > 65536
    out = tmp_path / "out"
    res = runner.invoke(app, ["extract", str(src), "--text", "answer", "--id", "id", "--by", "role", "-o", str(out),
                              "--quiet"], env={"THEMES_CACHE_DIR": str(tmp_path / "cache")})
    assert res.exit_code == 0, res.output
    rep = runner.invoke(app, ["report", str(out), "--format", "docx,xlsx", "--min-cell", "1", "--quiet"])
    assert rep.exit_code == 0, rep.output
    assert "NED late" in docx_text(out / "report" / "report.docx")


def test_one_format_failing_keeps_the_others(controlled, monkeypatch):
    import themes.report.xlsx_report as xlsx_report

    def broken(model, path):
        path.write_bytes(b"half")
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(xlsx_report, "write_xlsx", broken)
    res = runner.invoke(app, ["report", str(controlled), "--quiet"])
    assert res.exit_code == 2, res.output
    line = res.output.strip().splitlines()
    assert len(line) == 1 and "report.xlsx" in line[0] and "simulated failure" in line[0], res.output
    rep = controlled / "report"
    assert not (rep / "report.xlsx").exists(), "a half-written file was kept"
    for name in ("report.html", "report.docx", "report.md"):
        assert (rep / name).stat().st_size > 1000, name
    run = json.loads((rep / "report-run.json").read_text())
    assert "xlsx" in run["failed"] and not any(f.endswith(".xlsx") for f in run["files"])
