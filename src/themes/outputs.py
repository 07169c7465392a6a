"""Write a Result into OUTDIR: complete files or nothing.

Everything is written into a temporary folder beside OUTDIR (``.OUTDIR.tmp-HOST-PID-XXXX``) and
renamed into place at the end, so an interrupted run never leaves a half-written OUTDIR. An
interrupted run (Ctrl-C, SIGTERM) removes its temporary folder; one that was killed outright
(SIGKILL, power loss) cannot, and the next run writing beside it removes temporary folders whose
process, on this host, is gone. CSV cells (and headers) that a spreadsheet would run as a formula
are written as inert text: every CSV output goes through ``write_csv`` (a test checks this), and
any future spreadsheet output must go through ``safe_frame``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
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


def uninert(value):
    """Undo ``inert`` when reading back a CSV this package wrote."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell and every column name made inert."""
    out = frame.copy()
    out.columns = [inert(str(c)) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            risky = out[col].str.startswith(FORMULA_START, na=False).to_numpy(dtype=bool)
            if risky.any():
                out[col] = out[col].astype(object)
                out.loc[risky, col] = "'" + out.loc[risky, col].astype(str)
    return out


def write_csv(frame: pd.DataFrame, path=None, header: bool = True) -> str | None:
    """Spreadsheet-inert CSV to ``path`` (a path or an open text file), or returned as text.

    Lines end in CRLF (RFC 4180): with "\\n" alone, Python's csv writer leaves a cell holding a
    bare carriage return unquoted, and every reader then splits the row there.
    """
    return safe_frame(frame).to_csv(path, index=False, header=header, encoding="utf-8", lineterminator="\r\n")


def check_outdir(outdir: Path, force: bool) -> None:
    if outdir.exists() and not outdir.is_dir():
        raise OutputError(f"{outdir}: exists and is not a folder. Choose another -o.")
    if outdir.is_dir() and any(outdir.iterdir()) and not force:
        raise OutputError(f"{outdir}: folder exists and is not empty. Use --force to replace it, or choose "
                          "another -o.")


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9.]", "_", socket.gethostname()) or "host"


def _temp_prefix(outdir: Path, kind: str) -> str:
    return f".{outdir.name}.{kind}-{_host()}-{os.getpid()}-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temp(outdir: Path) -> list[Path]:
    """Remove temporary folders left beside OUTDIR by runs on this host that were killed."""
    outdir = Path(outdir)
    parent = outdir.resolve().parent
    pattern = re.compile(rf"^\.{re.escape(outdir.name)}\.(tmp|old)-(?P<host>.+)-(?P<pid>\d+)-[^-]*$")
    removed = []
    if not parent.is_dir():
        return removed
    for path in parent.iterdir():
        m = pattern.match(path.name)
        if m and path.is_dir() and m["host"] == _host() and not _alive(int(m["pid"])):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def temp_outdir(outdir: str | Path, force: bool = False) -> Path:
    """A fresh temporary folder beside OUTDIR (stale ones from killed runs removed first);
    ``commit_outdir`` renames it into place."""
    outdir = Path(outdir)
    check_outdir(outdir, force)
    parent = outdir.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temp(outdir)
        return Path(tempfile.mkdtemp(prefix=_temp_prefix(outdir, "tmp"), dir=parent))
    except OSError as exc:
        raise OutputError(f"{parent}: cannot write here ({exc.strerror or exc}). Choose another -o.") from None


def commit_outdir(tmp: Path, outdir: str | Path) -> Path:
    """Replace OUTDIR by the finished temporary folder; with --force, the old folder is put back
    if the swap fails."""
    outdir = Path(outdir)
    parent = outdir.resolve().parent
    os.chmod(tmp, 0o755)
    if outdir.exists():
        old = Path(tempfile.mkdtemp(prefix=_temp_prefix(outdir, "old"), dir=parent))
        os.replace(outdir, old / "x")
        try:
            os.replace(tmp, outdir)
        except BaseException:
            os.replace(old / "x", outdir)
            old.rmdir()
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, outdir)
    return outdir


def discard_outdir(tmp: Path, outdir: str | Path, exc: BaseException) -> None:
    """Remove the temporary folder of a failed run; a full disk becomes a clear OutputError."""
    shutil.rmtree(tmp, ignore_errors=True)
    if isinstance(exc, OSError):
        raise OutputError(f"{outdir}: could not write the results ({exc.strerror or exc}); nothing was "
                          "written. Free some space or choose another -o.") from None


class CsvAppender:
    """Write a CSV block by block (header once), byte for byte as ``write_csv`` writes the whole."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.rows = 0
        self._started = False

    def write(self, frame: pd.DataFrame) -> None:
        with open(self.path, "a" if self._started else "w", encoding="utf-8", newline="") as fh:
            write_csv(frame, fh, header=not self._started)
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
    except BaseException as exc:
        discard_outdir(tmp, outdir, exc)
        raise
    return Path(outdir)
