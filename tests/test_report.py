"""`themes report` and `themes quotes` on a small OUTDIR (fake embedder; no spaCy, no browser)."""

import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from report_helpers import docx_text, make_outdir
from themes.cli import app

runner = CliRunner()


@pytest.fixture
def outdir(tmp_path, tiny_frame):
    frame = tiny_frame.copy()
    frame.loc[3, "answer"] = '=HYPERLINK("http://evil.example","click") External consultancy support gave challenge.'
    frame.loc[4, "answer"] = "-2+3 We used external consultancy support; the challenge from consultants was useful."
    return make_outdir(tmp_path / "out", frame)


def _report(outdir, *args):
    return runner.invoke(app, ["report", str(outdir), *args])


def test_all_formats_written_and_readable(outdir):
    res = _report(outdir, "--quiet")
    assert res.exit_code == 0, res.output
    rep = outdir / "report"
    for name in ("report.html", "report.docx", "report.xlsx", "report.md", "report-run.json"):
        assert (rep / name).is_file(), name
    assert not (rep / "report-redaction-log.csv").exists()
    themes = pd.read_csv(outdir / "themes.csv")
    html = (rep / "report.html").read_text(encoding="utf-8")
    md = (rep / "report.md").read_text(encoding="utf-8")
    text = docx_text(rep / "report.docx")
    for name in themes["name"]:
        assert name in html and f"## {name}" in md and name in text
    run = json.loads((rep / "report-run.json").read_text())
    assert run["settings"]["min_cell"] == 5 and run["warnings"]  # every tiny group is under 5
    assert "fewer than 5 respondents" in res.stderr
    for link in re.findall(r"\]\(([^)]+\.png)\)", md):
        assert (rep / link).is_file()


def test_html_is_self_contained(outdir):
    assert _report(outdir, "--format", "html", "--quiet").exit_code == 0
    html = (outdir / "report" / "report.html").read_text(encoding="utf-8")
    assert "<svg" in html and 'id="map"' in html and 'id="map-data"' in html
    # nothing to fetch: no external src/href, no CSS url(), no imports
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "url(" not in html and "@import" not in html
    data = json.loads(re.search(r'id="map-data">(.*?)</script>', html, re.S).group(1))
    assert len(data["points"]) == len(pd.read_csv(outdir / "segments.csv"))
    # a response's text is escaped, never live markup
    assert '<a href="http://evil' not in html


def test_docx_has_title_summary_sections_and_attributed_block_quotes(outdir):
    import docx

    assert _report(outdir, "--format", "docx", "--quiet").exit_code == 0
    doc = docx.Document(str(outdir / "report" / "report.docx"))
    styles = [p.style.name for p in doc.paragraphs]
    assert styles.count("Title") == 1 and "Quote" in styles
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    themes = pd.read_csv(outdir / "themes.csv")
    assert headings[0] == "Summary" and set(themes["name"]) <= set(headings)
    quotes = [p.text for p in doc.paragraphs if p.style.name == "Quote"]
    assert all(re.search(r"\u2014 (Chair|NED), (Acute|Mental health) trust$", q) for q in quotes)
    assert len(doc.inline_shapes) >= len(themes)  # a chart per theme (and the summary chart)
    summary = doc.tables[0]
    assert [c.text for c in summary.rows[0].cells][:2] == ["Theme", "Responses"]


def test_xlsx_sheets_frozen_filtered_and_formulas_inert(outdir):
    from openpyxl import load_workbook

    assert _report(outdir, "--format", "xlsx", "--quiet").exit_code == 0
    wb = load_workbook(str(outdir / "report" / "report.xlsx"))
    assert wb.sheetnames == ["Themes", "Responses", "Quotes", "Crosstab", "Codebook", "Run"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    ws = wb["Responses"]
    header = [c.value for c in ws[1]]
    col = header.index("Answer") + 1
    cells = {ws.cell(r, 1).value: ws.cell(r, col) for r in range(2, ws.max_row + 1)}
    assert cells["R04"].value.startswith("=HYPERLINK(") and cells["R04"].data_type == "s"
    assert cells["R05"].value.startswith("-2+3") and cells["R05"].data_type == "s"
    assert cells["R04"].quotePrefix
    formulas = [c.coordinate for s in wb.worksheets for row in s.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    ct = wb["Crosstab"]
    assert "<5" in [c.value for row in ct.iter_rows(min_row=2) for c in row]


def test_min_cell_one_shows_every_count(outdir):
    assert _report(outdir, "--format", "md", "--min-cell", "1", "--quiet").exit_code == 0
    md = (outdir / "report" / "report.md").read_text(encoding="utf-8")
    assert "<5" not in md and "<1" not in md


def test_one_file_and_refusals(outdir, tmp_path):
    target = tmp_path / "deliver" / "board.docx"
    assert _report(outdir, "--format", "docx", "-o", str(target), "--quiet").exit_code == 0
    assert target.is_file() and (target.parent / "board-run.json").is_file()
    again = _report(outdir, "--format", "docx", "-o", str(target), "--quiet")
    assert again.exit_code == 2 and "--force" in again.output
    assert _report(outdir, "--format", "docx", "-o", str(target), "--force", "--quiet").exit_code == 0
    res = _report(outdir, "--format", "html,docx", "-o", str(tmp_path / "x.html"))
    assert res.exit_code == 2 and "one format" in res.output
    res = _report(outdir, "--format", "pdf")
    assert res.exit_code == 2 and "html, docx, xlsx, md" in res.output
    (outdir / "crosstab.csv").unlink()
    res = _report(outdir, "--format", "md")
    assert res.exit_code == 2 and "crosstab.csv" in res.output and "Traceback" not in res.output


def test_old_outdir_without_map_columns_still_reports(outdir):
    seg = pd.read_csv(outdir / "segments.csv", dtype=str, keep_default_na=False)
    seg.drop(columns=["x", "y"]).to_csv(outdir / "segments.csv", index=False)
    assert _report(outdir, "--format", "html", "--quiet").exit_code == 0
    assert "No map" in (outdir / "report" / "report.html").read_text(encoding="utf-8")


def test_skip_small_groups_quotes_nobody_from_them(outdir):
    res = _report(outdir, "--format", "md", "--min-cell", "3", "--skip-small-groups", "--quiet")
    assert res.exit_code == 0 and "fewer than" not in res.stderr
    run = json.loads((outdir / "report" / "report-run.json").read_text())
    assert run["settings"]["skip_small_groups"] and run["warnings"] == []


def test_quotes_command_md_csv_and_errors(outdir, tmp_path):
    themes = pd.read_csv(outdir / "themes.csv")
    name = themes["name"].iloc[0]
    res = runner.invoke(app, ["quotes", str(outdir), "--theme", name.upper(), "--by", "trust_type", "--n", "2"])
    assert res.exit_code == 0, res.output
    assert f"## {name}" in res.stdout and "### Acute trust" in res.stdout or "### Mental health trust" in res.stdout
    assert res.stdout.count("\n> ") <= 2
    out = tmp_path / "q.csv"
    res = runner.invoke(app, ["quotes", str(outdir), "--format", "csv", "-o", str(out), "--max-words", "5"])
    assert res.exit_code == 0, res.output
    q = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert q.groupby("response_id").size().max() == 1  # no response quoted under two themes
    assert all(len(t.replace("\u2026", "").split()) <= 6 for t in q["quote"])
    starts = [t for t in q["quote"] if t[:2] in ("'=", "'-")]
    assert all(t.startswith(("'=HYPERLINK", "'-2+3")) for t in starts)
    assert not any(t.startswith(("=", "-", "+", "@")) for t in q["quote"])
    res = runner.invoke(app, ["quotes", str(outdir), "--theme", name[:-1]])
    assert res.exit_code == 2 and "Did you mean" in res.output
    res = runner.invoke(app, ["quotes", str(outdir), "--by", "region"])
    assert res.exit_code == 2 and "role, trust_type" in res.output


def test_redaction_reaches_responses_segments_theme_words_and_log(outdir):
    from themes.report.build import build_report, redact_outdir
    from themes.report.data import load_outdir
    from themes.report.redact import Redactor

    data = load_outdir(outdir)
    word = data.themes["keywords"].iloc[0].split(";")[0].strip()  # a keyword, as the theme lists it
    data.segments.loc[0, "text"] = data.segments.loc[0, "text"] + f" {word.upper()}"  # not a slice any more
    red, log = redact_outdir(data, Redactor(terms={word: "[PLACE]"}, ner=False))
    shown = " ".join(red.responses["text"]) + " ".join(red.segments["text"]) + " ".join(red.themes["keywords"])
    shown += " ".join(red.themes["name"]) + " ".join(red.responses["theme_names"])
    assert word.lower() not in shown.lower() and "[PLACE]" in shown
    assert red.segments.loc[0, "text"].endswith("[PLACE]")
    assert set(log["original"].str.lower()) == {word.lower()} and (log["replacement"] == "[PLACE]").all()
    assert log["where"].str.startswith("theme").any() and (log["where"] == "response text").any()
    model, _ = build_report(data, Redactor(terms={word: "[PLACE]"}, ner=False))
    assert model.redacted and not model.quotes["quote"].str.lower().str.contains(word.lower()).any()


def test_report_without_by_columns(tmp_path, tiny_frame):
    out = make_outdir(tmp_path / "plain", tiny_frame[["id", "answer"]], by=())
    res = _report(out, "--quiet")
    assert res.exit_code == 0, res.output
    md = (out / "report" / "report.md").read_text(encoding="utf-8")
    assert "\n> \u201c" in md and "Attribute" not in md
    res = runner.invoke(app, ["quotes", str(out)])
    assert res.exit_code == 0 and "> " in res.stdout
