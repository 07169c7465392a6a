"""Output folders: write a Result into OUTDIR (complete files or nothing, through
``themes.io.atomic.staged_outdir``) and read one back (``read_output``, the one reader, which
undoes the formula guard of ``themes.io.safe``)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from themes.errors import InputError
from themes.io.atomic import check_outdir
from themes.io.safe import md_escape, uninert, write_csv

__all__ = ["check_outdir", "quotes_markdown", "read_output", "write_summary"]


def write_summary(tmp: Path, themes: pd.DataFrame, quotes: pd.DataFrame, crosstab: pd.DataFrame, run: dict,
                  by: tuple[str, ...], extra: dict | None = None) -> None:
    """The small files: themes.csv, quotes.csv, quotes.md, crosstab.csv, extra tables, run.json."""
    write_csv(themes, tmp / "themes.csv")
    write_csv(quotes, tmp / "quotes.csv")
    (tmp / "quotes.md").write_text(quotes_markdown(quotes, themes, by), encoding="utf-8")
    write_csv(crosstab, tmp / "crosstab.csv")
    for name, frame in (extra or {}).items():
        write_csv(frame, tmp / name)
    (tmp / "run.json").write_text(json.dumps(run, indent=2, ensure_ascii=False, default=str) + "\n",
                                  encoding="utf-8")


def read_output(folder: str | Path, name: str, required=(), raw=(), optional: bool = False) -> pd.DataFrame | None:
    """One table of an output folder that `themes extract` or `themes label` wrote, as strings,
    with the formula guard undone on every column but those in ``raw``. A missing file is an
    InputError (or None when ``optional``); so is a missing ``required`` column."""
    path = Path(folder) / name
    if not path.is_file():
        if optional:
            return None
        raise InputError(f"{path}: not found. Give the output folder that `themes extract` or `themes label` "
                         "wrote (the one holding responses.csv and themes.csv).")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    frame.columns = [uninert(c) for c in frame.columns]  # headers are guarded too (a --by column '=role')
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(f"{path}: column(s) {', '.join(missing)} missing; the file is not a `themes` table as "
                         "the current version writes it. Run `themes extract` (or `label`) again.")
    for col in frame.columns:
        if col not in raw:
            frame[col] = frame[col].map(uninert)
    return frame


def quotes_markdown(quotes: pd.DataFrame, themes: pd.DataFrame, by: tuple[str, ...]) -> str:
    """Quotes per theme, grouped by the --by values, with attributions and counts."""
    md = md_escape
    lines = ["# Quotes by theme", ""]
    for t in themes.itertuples(index=False):
        q = quotes[quotes["theme_id"] == t.theme_id]
        lines += [f"## {md(t.name)}", "", f"{t.n_responses} responses ({100 * t.share:.0f}% of those who answered). "
                  f"Keywords: {md(t.keywords)}.", ""]
        if q.empty:
            lines += ["_No quotes._", ""]
            continue
        key = by[0] if by else None
        for group, part in (q.groupby(key, sort=True) if key else [("", q)]):
            if key:
                lines += [f"### {md(group)}", ""]
            for r in part.itertuples(index=False):
                who = f" \u2014 {md(r.attribution)}" if r.attribution else ""
                cited = f"respondent {md(r.respondent_id)}" if "respondent_id" in q.columns else \
                    f"response {md(r.response_id)}"
                lines += [f"> {md(r.quote)}{who} ({cited})", ""]
    return "\n".join(lines).rstrip() + "\n"
