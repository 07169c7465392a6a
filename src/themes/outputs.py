"""Write a Result into OUTDIR: complete files or nothing.

Everything is written into a temporary folder beside OUTDIR and renamed into place at the end,
so an interrupted run never leaves a half-written OUTDIR. CSV cells that a spreadsheet would
run as a formula are written as inert text.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .atomic import atomic_folder
from .errors import OutputError
from .persist import save_model
from .quotes import quotes_markdown
from .types import Result

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(value):
    """Prefix an apostrophe to text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(inert)
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    safe_frame(frame).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def check_outdir(outdir: Path, force: bool) -> None:
    if outdir.exists() and not outdir.is_dir():
        raise OutputError(f"{outdir}: exists and is not a folder. Choose another -o.")
    if outdir.is_dir() and any(outdir.iterdir()) and not force:
        raise OutputError(f"{outdir}: folder exists and is not empty. Use --force to replace it, or choose "
                          "another -o.")


def write_result(result: Result, outdir: str | Path, force: bool = False, model=None) -> Path:
    outdir = Path(outdir)
    check_outdir(outdir, force)
    with atomic_folder(outdir) as tmp:
        write_csv(result.themes, tmp / "themes.csv")
        write_csv(result.responses, tmp / "responses.csv")
        write_csv(result.segments, tmp / "segments.csv")
        write_csv(result.quotes, tmp / "quotes.csv")
        themes_for_md = result.themes
        (tmp / "quotes.md").write_text(quotes_markdown(result.quotes, themes_for_md, result.by), encoding="utf-8")
        write_csv(result.crosstab, tmp / "crosstab.csv")
        extra = result.run.get("_extra_tables", {})
        for name, frame in extra.items():
            write_csv(frame, tmp / name)
        run = {k: v for k, v in result.run.items() if not k.startswith("_")}
        (tmp / "run.json").write_text(json.dumps(run, indent=2, ensure_ascii=False, default=str) + "\n",
                                      encoding="utf-8")
        if model is not None:
            save_model(model, tmp / "model")
    return outdir
