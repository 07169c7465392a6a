"""Write the chosen report formats for one OUTDIR: complete files or none.

Everything is rendered into a temporary folder beside the destination and then moved into place.
Names: ``<stem>.html|.docx|.xlsx|.md``, ``<stem>-charts/`` (PNG files the Markdown links to),
``<stem>-run.json`` (settings, files, warnings) and, with redaction, ``<stem>-redaction-log.csv``,
which holds the original names and is never linked from or included in a report.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from themes.errors import ConfigError, OutputError
from themes.io.atomic import staged_files
from themes.io.safe import write_csv
from themes.report.build import build_report
from themes.report.data import load_outdir
from themes.report.redact import Redactor

FORMATS = ("html", "docx", "xlsx", "md")
SUFFIX = {".html": "html", ".htm": "html", ".docx": "docx", ".xlsx": "xlsx", ".md": "md"}


@dataclass
class ReportRun:
    files: list[Path]
    warnings: list[str] = field(default_factory=list)
    redactions: int = 0
    log: Path | None = None
    notes: list[str] = field(default_factory=list)


def parse_formats(text: str | list[str]) -> list[str]:
    items = text if isinstance(text, list) else [f.strip().lower() for f in str(text).split(",") if f.strip()]
    bad = [f for f in items if f not in FORMATS]
    if bad or not items:
        raise ConfigError(f"--format {','.join(items) or '(empty)'}: unknown format {', '.join(bad) or ''}. "
                          f"Use a comma-separated list of {', '.join(FORMATS)}.")
    return list(dict.fromkeys(items))


def destination(outdir: Path, formats: list[str], out: Path | None) -> tuple[Path, str]:
    """(folder, file stem) for the reports."""
    if out is None:
        return Path(outdir) / "report", "report"
    out = Path(out)
    kind = SUFFIX.get(out.suffix.lower())
    if kind is not None:
        if formats != [kind]:
            raise ConfigError(f"-o {out}: a file name fits one format, but --format asks for {','.join(formats)}. "
                              "Give a folder with -o, or one format.")
        return out.parent, out.stem
    if out.exists() and not out.is_dir():
        raise OutputError(f"-o {out}: exists and is not a folder. Give a folder or a file name ending in "
                          f".{formats[0]}.")
    return out, "report"


def _targets(folder: Path, stem: str, formats: list[str], redact: bool) -> list[str]:
    names = [f"{stem}.{f}" for f in formats] + [f"{stem}-run.json"]
    if "md" in formats:
        names.append(f"{stem}-charts")
    if redact:
        names.append(f"{stem}-redaction-log.csv")
    return names


def write_reports(outdir: str | Path, formats="html,docx,xlsx,md", out: str | Path | None = None,
                  redactor: Redactor | None = None, min_cell: int = 5, n_quotes: int = 5, max_words: int = 60,
                  title: str | None = None, force: bool = False, skip_small_groups: bool = False) -> ReportRun:
    """Read OUTDIR, build the report once, write each format. Returns the files and warnings."""
    formats = parse_formats(formats)
    if min_cell < 1:
        raise ConfigError(f"--min-cell {min_cell}: must be 1 or more (1 turns suppression off).")
    if n_quotes < 0 or max_words < 5:
        raise ConfigError("--n-quotes must be 0 or more and --max-words 5 or more.")
    folder, stem = destination(Path(outdir), formats, Path(out) if out else None)
    names = _targets(folder, stem, formats, redactor is not None)
    existing = [n for n in names if (folder / n).exists()]
    if existing and not force:
        raise OutputError(f"{folder / existing[0]}: already exists. Use --force to replace the report, or choose "
                          "another -o.")
    data = load_outdir(outdir)
    model, log = build_report(data, redactor, min_cell=min_cell, n_quotes=n_quotes, max_words=max_words, title=title,
                              skip_small_groups=skip_small_groups)

    with staged_files(folder) as tmp:
        for fmt in formats:
            path = tmp / f"{stem}.{fmt}"
            if fmt == "html":
                from themes.report.html_report import render_html

                path.write_text(render_html(model), encoding="utf-8")
            elif fmt == "docx":
                from themes.report.docx_report import write_docx

                write_docx(model, path)
            elif fmt == "xlsx":
                from themes.report.xlsx_report import write_xlsx

                write_xlsx(model, path)
            else:
                from themes.report.md_report import render_markdown

                text, charts = render_markdown(model, f"{stem}-charts")
                path.write_text(text, encoding="utf-8")
                (tmp / f"{stem}-charts").mkdir()
                for name, png in charts.items():
                    (tmp / f"{stem}-charts" / name).write_bytes(png)
        if redactor is not None:
            write_csv(log, tmp / f"{stem}-redaction-log.csv")
        run = {"command": "report", "outdir": str(outdir), "formats": formats,
               "files": [str(folder / n) for n in names], "settings": model.settings, "warnings": model.warnings,
               "notes": model.notes,
               "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        (tmp / f"{stem}-run.json").write_text(json.dumps(run, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    log_path = folder / f"{stem}-redaction-log.csv" if redactor is not None else None
    return ReportRun(files=[folder / n for n in names], warnings=model.warnings, redactions=len(log), log=log_path,
                     notes=model.notes)
