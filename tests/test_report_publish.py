"""Reports a writer can publish as they are (issue 15, items 5-9), read back from every format:
DOCX (python-docx), XLSX (openpyxl), Markdown and HTML (text here; the DOM in headless Chromium
in the browser test)."""

from __future__ import annotations

import shutil
import subprocess

import pandas as pd
import pytest
from typer.testing import CliRunner

import survey_fixtures as fx
from report_helpers import docx_text, xlsx_values
from themes.cli import app
from themes.report.groups import merge_small_groups

runner = CliRunner()
TEXTS = [t for _, t in fx.QUESTIONS]
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)


def _ok(res):
    assert res.exit_code == 0, res.output
    return res


@pytest.fixture
def published(tmp_path, fast_stages):
    """A Qualtrics export in a deep folder, extracted, one theme renamed after, then reported."""
    folder = tmp_path / "Private" / "Surveys 2021"
    folder.mkdir(parents=True)
    src = fx.qualtrics_csv(folder / "educators.csv")
    out = tmp_path / "out"
    env = {"THEMES_CACHE_DIR": str(tmp_path / "cache")}
    _ok(runner.invoke(app, ["extract", str(src), "--text", "Q3,Q1,Q2", "--by", "school,used_proctoring_2020_21",
                            "--min-similarity", "0.1", "-o", str(out), "--quiet"], env=env))
    _ok(runner.invoke(app, ["edit", str(out / "model"), "rename", "1", "Redesigning assessment"], env=env))
    res = _ok(runner.invoke(app, ["report", str(out), "--min-cell", "7"], env=env))
    return out / "report", folder, res


def test_no_folder_path_in_any_report(published):
    report, folder, _ = published
    texts = {"html": (report / "report.html").read_text(encoding="utf-8"), "docx": docx_text(report / "report.docx"),
             "xlsx": "\n".join(xlsx_values(report / "report.xlsx")), "md": (report / "report.md").read_text()}
    for fmt, text in texts.items():
        assert "educators.csv" in text, fmt
        assert str(folder) not in text and "Surveys 2021" not in text and "Private" not in text, fmt
    import docx

    doc = docx.Document(str(report / "report.docx"))
    assert "Source: educators.csv" in [p.text for p in doc.paragraphs]


def test_docx_questions_in_input_order_heading_1_then_themes_heading_2(published):
    import docx

    doc = docx.Document(str(published[0] / "report.docx"))
    heads = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")]
    h1 = [t for s, t in heads if s == "Heading 1"]
    order = [TEXTS[2], TEXTS[0], TEXTS[1]]  # the order --text gave
    assert [t for t in h1 if t in TEXTS] == order
    themes = pd.read_csv(published[0].parent / "themes.csv", dtype=str, keep_default_na=False)
    for k, (style, text) in enumerate(heads):
        if style == "Heading 1" and text in TEXTS:
            nxt = heads[k + 1]
            assert nxt[0] == "Heading 2"  # each question's themes sit one level under it
    h2 = {t for s, t in heads if s == "Heading 2"}
    assert "Redesigning assessment" in h2  # the edit reached the document without `label`
    assert set(themes.loc[themes["theme_id"] != "1", "name"]) <= h2 and themes.at[0, "name"] not in h2


def test_labels_verbatim_suppression_and_percentages(published):
    from openpyxl import load_workbook

    report = published[0]
    text = docx_text(report / "report.docx")
    assert "used_proctoring_2020_21" in text and "Used proctoring 2020 21" not in text
    assert "(not stated)" not in "\n".join(p for p in text.splitlines() if p.startswith("\u2014"))
    wb = load_workbook(report / "report.xlsx")
    ws = wb["Themes"]
    header = [c.value for c in ws[1]]
    share, responses = header.index("Share") + 1, header.index("Responses") + 1
    for row in range(2, ws.max_row + 1):
        n = ws.cell(row, responses).value
        if n == "<7":  # the same rule as the crosstab: a count under --min-cell shows no share
            assert ws.cell(row, share).value is None
        else:
            assert ws.cell(row, share).number_format == "0%" and ws.cell(row, responses).number_format == "#,##0"
    cross = wb["Crosstab"]
    counts = {str(c.value) for c in cross["F"][1:]}
    assert not any(v.isdigit() and 0 < int(v) < 7 for v in counts)
    summary = [ln for ln in (report / "report.md").read_text().splitlines() if ln.startswith("| ")]
    for ln in summary:
        cells = [c.strip() for c in ln.strip("|").split("|")]
        assert not any(c.isdigit() and 0 < int(c) < 7 for c in cells[1:2]), ln


def test_edit_notes_said_and_recorded(published):
    import json

    report, _, res = published
    assert "Applied the model's edits" in res.output
    run = json.loads((report / "report-run.json").read_text())
    assert any("renamed 1" in n for n in run["notes"])
    html = (report / "report.html").read_text(encoding="utf-8")
    assert "Redesigning assessment" in html


def test_merge_and_delete_reach_the_tables(tmp_path, fast_stages):
    src = fx.qualtrics_csv(tmp_path / "q.csv")
    out = tmp_path / "out"
    env = {"THEMES_CACHE_DIR": str(tmp_path / "cache")}
    _ok(runner.invoke(app, ["extract", str(src), "--text", "Q1", "--n-themes", "3", "--min-similarity", "0.1",
                            "-o", str(out), "--quiet"], env=env))
    before = pd.read_csv(out / "themes.csv")
    assert len(before) == 3
    _ok(runner.invoke(app, ["edit", str(out / "model"), "merge", "1", "2", "--name", "Recorded and live"], env=env))
    _ok(runner.invoke(app, ["edit", str(out / "model"), "delete", "3"], env=env))
    _ok(runner.invoke(app, ["report", str(out), "-f", "xlsx,md", "--min-cell", "1"], env=env))
    from openpyxl import load_workbook

    ws = load_workbook(out / "report" / "report.xlsx")["Themes"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, [c.value for c in r])) for r in ws.iter_rows(min_row=2)]
    assert [r["Theme"] for r in rows] == ["Recorded and live"]
    merged = int(before.loc[before["theme_id"].isin([1, 2]), "n_responses"].sum())
    assert before["n_responses"].iloc[:2].max() <= rows[0]["Responses"] <= merged
    md = (out / "report" / "report.md").read_text()
    assert "Recorded and live" in md and before.loc[2, "name"] not in md.split("## Summary")[1].split("\n## ")[0]


def test_many_small_groups_merge_into_other():
    rows = [{"theme_id": 1, "theme": "A", "attribute": "(all)", "group": "All respondents", "n_group": 20, "n": 9,
             "pct": 45.0}]
    rows += [{"theme_id": 1, "theme": "A", "attribute": "school", "group": g, "n_group": ng, "n": n, "pct": 0.0}
             for g, ng, n in (("Big", 12, 6), ("Law", 3, 1), ("Music", 2, 1), ("Art", 3, 1))]
    out = merge_small_groups(pd.DataFrame(rows), 5)
    school = out[out["attribute"] == "school"]
    assert school["group"].tolist() == ["Big", "Other (groups under 5)"]
    assert school["n_group"].tolist() == [12, 8] and school["n"].tolist() == [6, 3]


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it: apt-get install chromium)")
def test_html_dom_questions_headings_and_heat_headers(published, tmp_path):
    """The DOM as Chromium builds it: h2 per question in input order, h3 themes under them, no
    folder path, and heat-table group headers that do not overlap (measured by a probe script)."""
    page = (published[0] / "report.html").read_text(encoding="utf-8")
    probe = ("<script>addEventListener('load',()=>{const r=[...document.querySelectorAll('.heat th.grp')]"
             ".map(e=>e.getBoundingClientRect());let bad=0;for(let i=1;i<r.length;i++){if(r[i].top===r[i-1].top"
             "&&r[i].left<r[i-1].right-0.5)bad++;}for(const e of document.querySelectorAll('.heat th.grp'))"
             "{if(e.scrollWidth>e.clientWidth+1)bad++;}document.body.dataset.overlaps=bad;});</script>")
    probed = tmp_path / "probe.html"
    probed.write_text(page.replace("</body>", probe + "</body>"), encoding="utf-8")
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=900,1400",
                          "--virtual-time-budget=5000", "--dump-dom", probed.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    from html.parser import HTMLParser

    class Heads(HTMLParser):
        def __init__(self):
            super().__init__()
            self.heads, self.tag, self.body = [], None, {}

        def handle_starttag(self, tag, attrs):
            if tag in ("h2", "h3"):
                self.tag = tag
                self.heads.append([tag, ""])
            if tag == "body":
                self.body = dict(attrs)

        def handle_endtag(self, tag):
            self.tag = None if tag == self.tag else self.tag

        def handle_data(self, data):
            if self.tag:
                self.heads[-1][1] += data

    p = Heads()
    p.feed(dom)
    h2 = [t for tag, t in p.heads if tag == "h2"]
    assert [t for t in h2 if t in TEXTS] == [TEXTS[2], TEXTS[0], TEXTS[1]]
    k = [t for _, t in p.heads].index(TEXTS[2])
    assert p.heads[k + 1][0] == "h3"
    assert "Redesigning assessment" in [t for tag, t in p.heads if tag == "h3"]
    assert str(published[1]) not in dom and "educators.csv" in dom
    assert p.body.get("data-overlaps") == "0"
