"""Hostile text in every field of a report (issue 16, defects 2 and 3): answers, ids, `--by`
names and values, theme names and the title. The HTML page stays whole (every section there, its
own script runs) and nothing injected runs; `report.md` is escaped as `quotes.md` is."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from report_helpers import make_outdir
from themes.cli import app
from themes.io.outdir import read_output
from themes.io.safe import write_csv

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
runner = CliRunner()
# each payload, if it ever ran, would set the page's <html id="pwned">
RUN = "document.documentElement.id='pwned'"
PAYLOADS = [
    "We tried <!--<script a few times.",
    f"<script>{RUN}</script> boards",
    f'<img src=x onerror="{RUN}"> regulators',
    "</script><script>" + RUN + "</script>",
    "&lt;!--&lt;script x",
    "line\u2028sep\u2029para",
    f"[click](javascript:{RUN}) ![x](javascript:{RUN})",
]


@pytest.fixture
def hostile(tmp_path, tiny_frame):
    frame = tiny_frame.rename(columns={"role": "<b>role</b>"})
    for k, payload in enumerate(PAYLOADS):
        frame.loc[k, "answer"] = f"{payload} national scorecard accountability regulators boards"
    frame.loc[0, "id"] = f"<script>{RUN}</script>"
    frame.loc[1, "<b>role</b>"] = f'<img src=x onerror="{RUN}">'
    frame.loc[2, "<b>role</b>"] = "<!--<script "
    out = make_outdir(tmp_path / "out", frame, by=("<b>role</b>", "trust_type"))
    themes = read_output(out, "themes.csv")
    # a .qdc name `&lt;!--&lt;script x` arrives decoded; the escaped form must show as written
    names = ["<!--<script x", "&lt;!--&lt;script x", f'<img src=x onerror="{RUN}">']
    themes["name"] = [names[k % len(names)] for k in range(len(themes))]
    write_csv(themes, out / "themes.csv")
    # the model holds the same names (a report takes names from the model: its edits win)
    manifest = json.loads((out / "model" / "manifest.json").read_text(encoding="utf-8"))
    by_id = dict(zip(themes["theme_id"].astype(int), themes["name"]))
    for t in manifest["themes"]:
        t["name"] = by_id.get(int(t["id"]), t["name"])
    (out / "model" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    res = runner.invoke(app, ["report", str(out), "--title", "<!--<script " + RUN, "--min-cell", "1", "--quiet"])
    assert res.exit_code == 0, res.output
    return out


def sections(html: str) -> list[str]:
    return re.findall(r'<section id="([^"]+)"', html)


def test_map_data_has_no_raw_angle_brackets_and_reads_back(hostile):
    html = (hostile / "report" / "report.html").read_text(encoding="utf-8")
    block = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html, re.S).group(1)
    assert not set(block) & set("<>&\u2028\u2029"), "raw <, >, & or line separators in the JSON block"
    data = json.loads(block)
    assert any("<!--<script" in p[4] for p in data["points"])
    assert "&lt;!--&lt;script x" in [t["name"] for t in data["themes"]]


def test_report_md_is_escaped_like_quotes_md(hostile):
    for name in ("report/report.md", "quotes.md"):
        md = re.sub(r"(?m)^>", "", (hostile / name).read_text(encoding="utf-8"))  # block quotes
        assert not re.search(r"(?<!\\)[<>]", md), f"{name}: live HTML"
        assert not re.search(r"(?<!\\)\]\(javascript:", md), f"{name}: live link"
        assert "\\<script\\>" in md  # escaped, still readable


def test_every_section_in_the_source(hostile):
    html = (hostile / "report" / "report.html").read_text(encoding="utf-8")
    assert html.count("<section") == len(sections(html)) >= 5
    assert "pwned'</script>" not in html


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it: apt-get install chromium)")
def test_hostile_report_renders_whole_in_chromium_and_nothing_runs(hostile, tmp_path):
    page = hostile / "report" / "report.html"
    source = page.read_text(encoding="utf-8")
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'p'}",
           "--virtual-time-budget=5000", "--dump-dom", page.resolve().as_uri()]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    # a swallowed page serialises as its raw text inside the <script>, closed again at the end
    assert source.count("</body>") == html.count("</body>") == 1, "the page was swallowed"
    assert sections(html) == sections(source) and "<footer" in html
    assert re.search(r'id="map-legend"[^>]*><button', html), "the page's own script did not run"
    assert not re.search(r"<html[^>]*pwned", html), "an injected script ran"
