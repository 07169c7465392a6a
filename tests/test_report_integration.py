"""Reports on the example corpus (real model), redaction with the real spaCy NER, and the HTML
report rendered in headless Chromium."""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from report_helpers import docx_text, make_outdir, xlsx_values
from themes.cli import app

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpora" / "board_survey.csv"
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
runner = CliRunner()

PLANTED = [
    ("Chair", "Acute trust", "National scorecard accountability for boards. Dr Amara Okafor told us regulators must "
                             "hold boards to account."),
    ("NED", "Acute trust", "Hold boards to account with a national scorecard and regulators, as Wexbridge University "
                           "Hospitals NHS Foundation Trust learned."),
    ("Chair", "Mental health trust", "Accountability through the national scorecard here in Leeds, regulators holding "
                                     "boards to account."),
    ("NED", "Mental health trust", "External consultancy support from Deloitte gave useful challenge to the board."),
    ("Chair", "Acute trust", "We used external consultancy support in Manchester; the challenge from consultants was "
                             "useful."),
    ("NED", "Mental health trust", "Consultancy support and external challenge from consultants at Northbridge "
                                   "Partnership helped."),
    ("Chair", "Mental health trust", "Staff networks and lived experience stories from Priya Sharma at board meetings."),
    ("NED", "Acute trust", "Listening to staff networks at Kingsmead Hospital, hearing lived experience stories."),
    ("Chair", "Acute trust", "Lived experience of staff networks told as stories by Big Kev at the board in Bristol."),
    ("NED", "Mental health trust", "N/A"),
    ("Chair", "Acute trust", "Regulators should hold boards to account with a national scorecard, said NHS England and "
                             "the CQC. Separately, staff networks shared lived experience stories with the board."),
    ("NED", "Acute trust", ""),
]
NAMES = ["Amara Okafor", "Wexbridge University Hospitals NHS Foundation Trust", "Leeds", "Deloitte", "Manchester",
         "Northbridge Partnership", "Priya Sharma", "Kingsmead Hospital", "Big Kev", "Bristol"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    base = tmp_path_factory.mktemp("report-demo")
    out = base / "out"
    res = runner.invoke(app, ["extract", str(CORPUS), "--text", "answer", "--id", "response_id", "--by",
                              "role,trust_type", "--question", "question", "-o", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["report", str(out), "--format", "html,docx,xlsx,md", "--redact", "--quiet"])
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    base = tmp_path_factory.mktemp("planted")
    frame = pd.DataFrame({"id": [f"R{i + 1:02d}" for i in range(len(PLANTED))], "role": [r for r, _, _ in PLANTED],
                          "trust_type": [t for _, t, _ in PLANTED], "answer": [a for _, _, a in PLANTED]})
    out = make_outdir(base / "out", frame)
    terms = base / "terms.txt"
    terms.write_text("# nicknames the NER cannot know\nbig kev => [PERSON]\n", encoding="utf-8")
    res = runner.invoke(app, ["report", str(out), "--redact-terms", str(terms), "--quiet", "--n-quotes", "10"])
    assert res.exit_code == 0, res.output
    q = runner.invoke(app, ["quotes", str(out), "--redact-terms", str(terms), "--format", "csv", "--n", "10"])
    assert q.exit_code == 0, q.output
    return out, q.stdout


def test_example_corpus_writes_all_four(demo):
    rep = demo / "report"
    themes = pd.read_csv(demo / "themes.csv")
    text = docx_text(rep / "report.docx")
    assert all(name in text for name in themes["name"])
    values = xlsx_values(rep / "report.xlsx")
    assert set(themes["name"]) <= set(values)
    md = (rep / "report.md").read_text(encoding="utf-8")
    assert md.count("\n> \u201c") >= len(themes)
    log = pd.read_csv(rep / "report-redaction-log.csv", dtype=str, keep_default_na=False)
    assert list(log.columns)[:2] == ["response_id", "where"]
    # national bodies survive redaction
    assert "NHS England" in md or "CQC" in md or "NHS England" in " ".join(values)
    assert "[ORGANISATION]" not in " ".join(themes["name"])


def test_planted_names_redacted_in_every_format_and_logged(planted):
    out, quotes_csv = planted
    rep = out / "report"
    shown = {
        "html": (rep / "report.html").read_text(encoding="utf-8"),
        "md": (rep / "report.md").read_text(encoding="utf-8"),
        "docx": docx_text(rep / "report.docx"),
        "xlsx": "\n".join(xlsx_values(rep / "report.xlsx")),
        "quotes csv": quotes_csv,
    }
    for fmt, text in shown.items():
        for name in NAMES:
            assert name.lower() not in text.lower(), (fmt, name)
        assert "[PERSON]" in text and "[PLACE]" in text, fmt
        assert "NHS England" in text or fmt == "docx"
    assert "[ORGANISATION]" in shown["xlsx"]
    log = pd.read_csv(rep / "report-redaction-log.csv", dtype=str, keep_default_na=False)
    logged = " | ".join(log["original"]).lower()
    for name in NAMES:
        assert name.lower() in logged, name
    assert "nhs england" not in logged and "cqc" not in logged
    assert set(log["response_id"]) - {""} <= {f"R{i:02d}" for i in range(1, 13)}
    # no report links to or embeds the log
    assert "redaction-log" not in shown["html"] + shown["md"] + shown["docx"] + shown["xlsx"]


def _chromium(tmp_path, *args):
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
           f"--user-data-dir={tmp_path / 'profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it: apt-get install chromium)")
def test_html_renders_in_headless_chromium(demo, tmp_path):
    from PIL import Image

    page = (demo / "report" / "report.html").resolve().as_uri()
    dom = _chromium(tmp_path, "--virtual-time-budget=5000", "--dump-dom", page)
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    themes = pd.read_csv(demo / "themes.csv")
    from html import escape

    assert all(escape(name) in html for name in themes["name"])
    assert html.count('<svg class="chart bars"') >= len(themes)
    assert 'class="heat chart"' in html and '<canvas id="map"' in html
    # the script ran: it built the map legend buttons (the group tabs are buttons too, so look inside the legend)
    import re

    assert re.search(r'id="map-legend"[^>]*><button', html)
    shot = tmp_path / "shot.png"
    res = _chromium(tmp_path, "--window-size=1280,1600", f"--screenshot={shot}", page)
    assert shot.is_file(), res.stderr[-2000:]
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.std() > 20  # not a blank page
    assert (pixels < 128).mean() > 0.02  # some dark text and bars


def test_ner_false_alarms_are_kept_and_names_found_once_are_redacted_everywhere():
    from themes.report.redact import Redactor, redact_text

    texts = ["Absolutely brilliant care from the Hospital team.", "The hospital was clean and the hospital food hot.",
             "ABSOLUTELY fantastic, absolutely.", "Dr Amara Okafor was so kind to my Mum.",
             "Okafor explained everything and the Dr rang back.", "NHS England and the CQC should act."]
    red = Redactor()
    out = [redact_text(t, h) for t, h in zip(texts, red.scan(texts))]
    assert out[0] == texts[0] and out[2] == texts[2] and out[5] == texts[5]
    assert out[3] == "Dr [PERSON] was so kind to my Mum."
    assert out[4].startswith("[PERSON] explained") and "the Dr rang back" in out[4]
