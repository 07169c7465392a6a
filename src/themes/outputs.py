"""Write a Result into OUTDIR: complete files or nothing.

Everything is written into a temporary folder beside OUTDIR and renamed into place at the end,
so an interrupted run never leaves a half-written OUTDIR. CSV cells that a spreadsheet would
run as a formula are written as inert text.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

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
            risky = out[col].str.startswith(FORMULA_START, na=False).to_numpy(dtype=bool)
            if risky.any():
                out[col] = out[col].astype(object)
                out.loc[risky, col] = "'" + out.loc[risky, col].astype(str)
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    safe_frame(frame).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def check_outdir(outdir: Path, force: bool) -> None:
    if outdir.exists() and not outdir.is_dir():
        raise OutputError(f"{outdir}: exists and is not a folder. Choose another -o.")
    if outdir.is_dir() and any(outdir.iterdir()) and not force:
        raise OutputError(f"{outdir}: folder exists and is not empty. Use --force to replace it, or choose "
                          "another -o.")


def temp_outdir(outdir: str | Path, force: bool = False) -> Path:
    """A fresh temporary folder beside OUTDIR; ``commit_outdir`` renames it into place."""
    outdir = Path(outdir)
    check_outdir(outdir, force)
    parent = outdir.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{outdir.name}.tmp-", dir=parent))


def commit_outdir(tmp: Path, outdir: str | Path) -> Path:
    """Replace OUTDIR by the finished temporary folder, in one rename."""
    outdir = Path(outdir)
    parent = outdir.resolve().parent
    os.chmod(tmp, 0o755)
    if outdir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.old-", dir=parent))
        os.replace(outdir, old / "x")
        os.replace(tmp, outdir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, outdir)
    return outdir


class CsvAppender:
    """Write a CSV block by block (header once), as ``write_csv`` would write the whole table."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.rows = 0
        self._started = False

    def write(self, frame: pd.DataFrame) -> None:
        with open(self.path, "a" if self._started else "w", encoding="utf-8", newline="") as fh:
            safe_frame(frame).to_csv(fh, index=False, header=not self._started, lineterminator="\n")
        self._started = True
        self.rows += len(frame)


def write_summary(tmp: Path, themes: pd.DataFrame, quotes: pd.DataFrame, crosstab: pd.DataFrame, run: dict,
                  by: tuple[str, ...], extra: dict | None = None) -> None:
    """The small files: themes.csv, quotes.csv, quotes.md, crosstab.csv, extra tables, run.json."""
    write_csv(themes, tmp / "themes.csv")
    write_csv(quotes, tmp / "quotes.csv")
    (tmp / "quotes.md").write_text(quotes_markdown(quotes, themes, by), encoding="utf-8")
    write_csv(crosstab, tmp / "crosstab.csv")
    for name, frame in (extra or {}).items():
        write_csv(frame, tmp / name)
    run = {k: v for k, v in run.items() if not k.startswith("_")}
    (tmp / "run.json").write_text(json.dumps(run, indent=2, ensure_ascii=False, default=str) + "\n",
                                  encoding="utf-8")


def write_result(result: Result, outdir: str | Path, force: bool = False, model=None) -> Path:
    tmp = temp_outdir(outdir, force)
    try:
        write_csv(result.responses, tmp / "responses.csv")
        write_csv(result.segments, tmp / "segments.csv")
        write_summary(tmp, result.themes, result.quotes, result.crosstab, result.run, result.by,
                      result.run.get("_extra_tables", {}))
        if model is not None:
            save_model(model, tmp / "model")
        commit_outdir(tmp, outdir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Path(outdir)
