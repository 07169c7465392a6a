"""Time `themes report` stage by stage on the NHS Friends and Family Test comments.

    python benchmarks/report_speed.py [OUTDIR]

Without OUTDIR, runs `themes extract` on ../shared/data/nhs-fft/fft_v6_tidy.csv (--by trust,
service_type_1 --question question) into a temporary folder first. Prints one table: seconds
per step and the size of each file.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path


def data_dir() -> Path:
    here = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    return here if here.is_dir() else Path("/work/shared/data")


def main() -> None:
    from themes.commands import extract_file
    from themes.report.build import build_report
    from themes.report.data import load_outdir
    from themes.report.docx_report import write_docx
    from themes.report.html_report import render_html
    from themes.report.md_report import render_markdown
    from themes.report.redact import Redactor
    from themes.report.xlsx_report import write_xlsx

    tmp = Path(tempfile.mkdtemp(prefix="report-bench-"))
    rows = []
    if len(sys.argv) > 1:
        outdir = Path(sys.argv[1])
    else:
        outdir = tmp / "fft"
        t = time.perf_counter()
        extract_file(data_dir() / "nhs-fft" / "fft_v6_tidy.csv", outdir, text="text", id="comment_id",
                     by=["trust", "service_type_1"], question="question", quiet=True)
        rows.append(("extract (for reference)", time.perf_counter() - t, ""))

    def step(name, fn, path=None):
        t = time.perf_counter()
        out = fn()
        size = f"{path.stat().st_size / 1e6:.1f} MB" if path is not None and path.exists() else ""
        rows.append((name, time.perf_counter() - t, size))
        return out

    data = step("load OUTDIR", lambda: load_outdir(outdir))
    step("build report (no redaction)", lambda: build_report(data))
    model, log = step("build report with --redact (spaCy NER)", lambda: build_report(data, Redactor()))
    html = tmp / "r.html"
    step("HTML", lambda: html.write_text(render_html(model), encoding="utf-8"), html)
    step("DOCX (with charts)", lambda: write_docx(model, tmp / "r.docx"), tmp / "r.docx")
    step("XLSX", lambda: write_xlsx(model, tmp / "r.xlsx"), tmp / "r.xlsx")
    step("Markdown (charts cached)", lambda: render_markdown(model, "charts"))
    n = len(data.responses)
    print(f"\n{n:,} responses, {len(data.segments):,} segments, {len(data.themes)} themes, "
          f"{len(log):,} redactions\n")
    print(f"| {'step':<40} | {'seconds':>8} | {'file':>8} |")
    print(f"| {'-' * 40} | {'-' * 8}:| {'-' * 8}:|")
    for name, sec, size in rows:
        print(f"| {name:<40} | {sec:>8.1f} | {size:>8} |")


if __name__ == "__main__":
    main()
