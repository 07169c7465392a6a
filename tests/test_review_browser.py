"""`themes review` end to end in the system Chromium, driven by Selenium through Debian's
chromedriver: open the app on an extract of the example corpus, rename a theme, merge two, move
one answer, pin a quote, undo once, save; then read the folder and the model's edit log back and
check `themes report` shows the review. Clicks, typing and dialogs go through WebDriver, as a
reviewer's would."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from themes.cli import app
from themes.review.server import ReviewServer
from themes.review.session import ReviewSession

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                                 reason="chromium and chromedriver are not installed (CI: apt-get install chromium "
                                        "chromium-driver)")]
webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

runner = CliRunner()
CORPUS = Path(__file__).resolve().parents[1] / "corpora" / "board_survey.csv"
SHOTS = Path(os.environ["THEMES_REVIEW_SHOTS"]) if os.environ.get("THEMES_REVIEW_SHOTS") else None
HOSTILE = "<img src=x onerror=\"document.title='pwned'\"> <b>Boards</b> must answer to regulators for the scorecard."
RENAMED, MERGED = "Accountability to regulators", "Support and challenge"


def _read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture
def outdir(tmp_path, fast_stages, monkeypatch):
    """`themes extract` of the example corpus (fake embedder), plus one answer written to attack
    the page."""
    monkeypatch.setenv("THEMES_CACHE_DIR", str(tmp_path / "cache"))
    corpus = _read(CORPUS)
    hostile = {**corpus.iloc[0].to_dict(), "response_id": "BS-HOSTILE", "answer": HOSTILE}
    pd.concat([corpus, pd.DataFrame([hostile])]).to_csv(tmp_path / "survey.csv", index=False)
    out = tmp_path / "out"
    res = runner.invoke(app, ["extract", str(tmp_path / "survey.csv"), "--text", "answer", "--id", "response_id",
                              "--question", "question", "--by", "role,trust_type", "-o", str(out), "--quiet",
                              "--n-themes", "4"])
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture
def driver(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The driver's path is given, so Selenium Manager (which would look for one online) never runs.
    drv = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    yield drv
    drv.quit()


def test_review_in_the_browser(outdir, driver, tmp_path):
    themes = _read(outdir / "themes.csv")
    question = themes["question"].iat[0]
    mine = themes[themes["question"] == question].sort_values("n_responses", key=lambda c: c.astype(int),
                                                              ascending=False)
    board, consult, networks = (int(t) for t in mine["theme_id"].iloc[:3])
    untouched = set(mine["name"].iloc[3:])
    prior = _read(outdir / "responses.csv").set_index("response_id")
    server = ReviewServer(ReviewSession(outdir)).start()
    wait = WebDriverWait(driver, 20)

    def css(selector, within=None):
        return (within or driver).find_element(By.CSS_SELECTOR, selector)

    def edit(button, unsaved, answer=None):
        """Click an edit's button (answering its prompt), wait until the page has redrawn (the
        old page's elements go stale) and the header counts the unsaved edits."""
        old = css("#app > *")
        button.click()
        if answer is not None:
            prompt = wait.until(EC.alert_is_present())
            prompt.send_keys(answer)
            prompt.accept()
        wait.until(EC.staleness_of(old))
        wait.until(lambda d: css("#state").text == unsaved)

    def overview():  # back to all themes through the page's own link
        css("#app a[href='#/']").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#merge-selected"))

    try:
        driver.get(server.url)
        rows = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "table.themes tbody tr"))
        assert len(rows) == len(themes) and driver.title.startswith("Review")
        driver.save_screenshot(tmp_path / "overview.png")
        # rename a theme on its page
        css(f"table.themes a[href='#/theme/{board}']").click()
        name = wait.until(EC.element_to_be_clickable((By.ID, "name")))
        name.clear()
        name.send_keys(RENAMED)
        edit(css("#rename"), "1 unsaved change")
        assert css("#name").get_attribute("value") == RENAMED
        driver.save_screenshot(tmp_path / "theme.png")
        # search finds the hostile answer, shown as text: no element made from it, nothing run
        overview()
        css("#search").send_keys("regulators for the scorecard")
        css("form button[type='submit']").click()
        card = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "[data-response='BS-HOSTILE']"))
        assert css(".text", card).text.startswith("<img")
        assert not driver.find_elements(By.CSS_SELECTOR, "#app img, #app b") and driver.title != "pwned"
        # merge two themes: tick both, the prompt names the merged one
        overview()
        css(f"tr[data-theme='{consult}'] input[type='checkbox']").click()
        css(f"tr[data-theme='{networks}'] input[type='checkbox']").click()
        edit(css("#merge-selected"), "2 unsaved changes", answer=MERGED)
        assert len(driver.find_elements(By.CSS_SELECTOR, "table.themes tbody tr")) == len(themes) - 1
        # move one answer of the merged theme (one not also in the renamed theme) to the renamed one
        driver.find_element(By.LINK_TEXT, MERGED).click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".answer select"))
        card = next(c for c in driver.find_elements(By.CSS_SELECTOR, ".answer") if RENAMED not in css(".meta", c).text)
        moved = card.get_attribute("data-response")
        Select(css("select", card)).select_by_value(str(board))
        edit(css(".move-answer", card), "3 unsaved changes")
        # pin a quote on the renamed theme, then undo the pin
        overview()
        driver.find_element(By.LINK_TEXT, RENAMED).click()
        card = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".answer"))
        css("summary", card).click()
        edit(css(".pin", card), "4 unsaved changes")
        assert len(driver.find_elements(By.CSS_SELECTOR, "ol.quotes li")) == 1
        edit(css("#undo"), "5 unsaved changes")
        assert not driver.find_elements(By.CSS_SELECTOR, "ol.quotes li")
        edit(css("#save"), "All saved")
        assert css("#message").text.startswith("Saved")
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE" and "favicon" not in e["message"]]
        assert not errors, errors
    finally:
        server.close()
    after = _read(outdir / "themes.csv")
    assert set(after.loc[after["question"] == question, "name"]) == {RENAMED, MERGED} | untouched
    assert len(after) == len(themes) - 1
    r = _read(outdir / "responses.csv").set_index("response_id")
    assert r.at[moved, "theme_ids"] == str(board) and r.at[moved, "primary_theme"] == RENAMED
    held = [i for i, ids in prior["theme_ids"].items() if {str(consult), str(networks)} & set(ids.split(";")) and i != moved]
    assert held and all(MERGED in r.at[i, "theme_names"].split(";") for i in held)  # both merged themes' answers
    log = json.loads((outdir / "model" / "manifest.json").read_text())["edits"]
    assert [e["op"] for e in log] == ["rename", "merge", "move", "undo"] and log[-1]["undid"]["op"] == "quote"
    assert json.loads((outdir / "review.json").read_text())["pins"] == {}
    res = runner.invoke(app, ["report", str(outdir), "--format", "html,md", "--quiet"])
    assert res.exit_code == 0, res.output
    md = (outdir / "report" / "report.md").read_text()
    assert f"## {RENAMED}" in md and f"## {MERGED}" in md
    for shot in ("overview.png", "theme.png"):
        assert (tmp_path / shot).stat().st_size > 10_000
        shutil.copy(tmp_path / shot, SHOTS / shot) if SHOTS else None
