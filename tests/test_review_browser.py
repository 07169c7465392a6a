"""`themes review` end to end in headless Chromium: open the app on an extract, rename a theme,
merge two, move one answer, pin a quote, undo once, save; then read the folder and the model's
edit log back and check `themes report` shows the review."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cdp import CHROMIUM, Browser
from conftest import TINY
from themes.cli import app
from themes.review.server import ReviewServer
from themes.review.session import ReviewSession

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI: apt-get install chromium)")]
runner = CliRunner()
SHOTS = Path(os.environ["THEMES_REVIEW_SHOTS"]) if os.environ.get("THEMES_REVIEW_SHOTS") else None
HOSTILE = "<img src=x onerror=\"document.title='pwned'\"> <b>Boards</b> must answer to regulators for the scorecard."


def _read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture
def outdir(tmp_path, fast_stages, monkeypatch):
    monkeypatch.setenv("THEMES_CACHE_DIR", str(tmp_path / "cache"))
    rows = [*TINY, ("NED", "Acute trust", HOSTILE)]
    frame = pd.DataFrame({"id": [f"R{i + 1:02d}" for i in range(len(rows))], "role": [r for r, _, _ in rows],
                          "trust_type": [t for _, t, _ in rows], "answer": [a for _, _, a in rows]})
    frame.to_csv(tmp_path / "survey.csv", index=False)
    out = tmp_path / "out"
    res = runner.invoke(app, ["extract", str(tmp_path / "survey.csv"), "--text", "answer", "--id", "id", "--by",
                              "role,trust_type", "-o", str(out), "--quiet", "--n-themes", "3", "--min-similarity", "0.1"])
    assert res.exit_code == 0, res.output
    return out


def test_review_in_the_browser(outdir, tmp_path):
    prim = _read(outdir / "responses.csv").set_index("response_id")["primary_theme_id"]
    board, consult, networks = int(prim["R01"]), int(prim["R04"]), int(prim["R07"])
    server = ReviewServer(ReviewSession(outdir)).start()
    browser = Browser(tmp_path / "profile", prompt_text="Support and networks")
    try:
        browser.goto(server.url)
        browser.wait("document.querySelectorAll('table.themes tbody tr').length === 3")
        browser.screenshot(tmp_path / "overview.png")
        # rename
        browser.js(f"document.querySelector('a[href=\"#/theme/{board}\"]').click()")
        browser.wait("document.querySelector('#name') !== null")
        browser.js("document.querySelector('#name').value = 'Accountability to regulators'; "
                   "document.querySelector('#rename').click()")
        browser.wait("document.querySelector('#state').textContent === '1 unsaved change'")
        # the hostile answer is shown as text: no element made from it, nothing run
        browser.wait("document.querySelector('[data-response=\"R13\"]') !== null")
        assert browser.js("document.querySelector('[data-response=\"R13\"] .text').textContent").startswith("<img")
        assert browser.js("document.querySelectorAll('#app img, #app b').length") == 0
        assert browser.js("document.title") != "pwned"
        browser.screenshot(tmp_path / "theme.png")
        # merge two themes (the prompt names the merged one)
        browser.js("location.hash = '#/'")
        browser.wait(f"document.querySelector('tr[data-theme=\"{consult}\"] input') !== null")
        browser.js(f"document.querySelector('tr[data-theme=\"{consult}\"] input').click();"
                   f"document.querySelector('tr[data-theme=\"{networks}\"] input').click();"
                   "document.querySelector('#merge-selected').click()")
        browser.wait("document.querySelectorAll('table.themes tbody tr').length === 2")
        # move one answer (R04) to the renamed theme
        browser.js(f"location.hash = '#/theme/{consult}'")
        browser.wait("document.querySelector('[data-response=\"R04\"] select') !== null")
        browser.js(f"const card = document.querySelector('[data-response=\"R04\"]');"
                   f"card.querySelector('select').value = '{board}'; card.querySelector('.move-answer').click()")
        browser.wait("document.querySelector('#state').textContent === '3 unsaved changes'")
        # pin a quote, then undo it
        browser.js(f"location.hash = '#/theme/{board}'")
        browser.wait("document.querySelector('[data-response=\"R02\"] .pin') !== null")
        browser.js("document.querySelector('[data-response=\"R02\"] .pin').click()")
        browser.wait("document.querySelectorAll('ol.quotes li').length === 1")
        browser.js("document.querySelector('#undo').click()")
        browser.wait("document.querySelector('#state').textContent === '5 unsaved changes' && "
                     "document.querySelectorAll('ol.quotes li').length === 0")
        browser.js("document.querySelector('#save').click()")
        browser.wait("document.querySelector('#message').textContent.startsWith('Saved')")
        assert not browser.errors, browser.errors
    finally:
        browser.close()
        server.close()
    themes = _read(outdir / "themes.csv").set_index("theme_id")
    assert set(themes["name"]) == {"Accountability to regulators", "Support and networks"}
    r = _read(outdir / "responses.csv").set_index("response_id")
    assert r.at["R04", "theme_ids"] == str(board) and r.at["R07", "primary_theme"] == "Support and networks"
    log = json.loads((outdir / "model" / "manifest.json").read_text())["edits"]
    assert [e["op"] for e in log] == ["rename", "merge", "move", "undo"] and log[-1]["undid"]["op"] == "quote"
    assert json.loads((outdir / "review.json").read_text())["pins"] == {}
    res = runner.invoke(app, ["report", str(outdir), "--format", "html,md", "--quiet"])
    assert res.exit_code == 0, res.output
    md = (outdir / "report" / "report.md").read_text()
    assert "## Accountability to regulators" in md and "## Support and networks" in md
    for shot in ("overview.png", "theme.png"):
        assert (tmp_path / shot).stat().st_size > 10_000
        shutil.copy(tmp_path / shot, SHOTS / shot) if SHOTS else None
