"""Screenshots of parts of an HTML report with headless Chromium (for docs/).

    python scripts/report_screenshots.py REPORT.html OUT_PREFIX [SECTION_ID ...]

For each section id (default: overview) a copy of the page that shows only the masthead, the
contents and that section is rendered to OUT_PREFIX-<id>.png.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def shot(html: Path, section: str, out: Path, width: int = 1400, height: int = 1100) -> None:
    css = (f"<style>main > section:not(#{section}) {{ display: none; }} footer.page {{ display: none; }}</style>"
           "</head>")
    page = html.read_text(encoding="utf-8").replace("</head>", css, 1)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "page.html"
        copy.write_text(page, encoding="utf-8")
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                        f"--user-data-dir={tmp}/profile", f"--window-size={width},{height}",
                        "--virtual-time-budget=3000", f"--screenshot={out}", copy.as_uri()],
                       check=True, capture_output=True, timeout=120)


def main() -> None:
    html, prefix = Path(sys.argv[1]), sys.argv[2]
    for section in sys.argv[3:] or ["overview"]:
        shot(html, section, Path(f"{prefix}-{section}.png"))
        print(f"{prefix}-{section}.png")


if __name__ == "__main__":
    main()
