"""The formula guard: the one place that makes text inert for spreadsheets, and undoes it.

A CSV cell (or header) that a spreadsheet would run as a formula is written with an apostrophe in
front. Every CSV output goes through ``write_csv`` (a test checks this), the XLSX report stores
text as text with ``FORMULA_START`` in mind, and every reader of our own folders goes through
``themes.io.outdir.read_output``, which calls ``uninert``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Separators a spreadsheet of a common locale may split an unquoted line at (a semicolon-locale
# Excel splits at ";"; tab is everyone's paste separator). Each piece after one is guarded as a
# cell is, and a text cell holding one is written in quotes.
LOCALE_SEPARATORS = (";", "\t")
_START_CLASS = "[" + re.escape("".join(FORMULA_START)) + "]"
# a piece also starts after a line break (a reader that ignores the quotes starts a row there)
_SEP_CLASS = "[" + re.escape("".join(LOCALE_SEPARATORS) + "\r\n") + "]"
# where a guard goes: the start of the cell or of a piece (after ";", tab or a line break), before any apostrophes already there
# and a formula character (counting those apostrophes makes the guard reversible: a cell that
# really starts "'=" is written "''=" and read back as "'=")
GUARD_AT = re.compile(f"(^|{_SEP_CLASS})(?='*{_START_CLASS})")
NEEDS_GUARD = re.compile(f"(?:^|{_SEP_CLASS})'*{_START_CLASS}")
GUARDED = re.compile(f"(^|{_SEP_CLASS})'(?='*{_START_CLASS})")
# a CSV line ending no cell can hold, so that "quote cells holding ';' or tab" is Python's own
# csv quoting (it quotes a cell holding a character of the line ending); see ``write_csv``
_MARKED_END = "".join(LOCALE_SEPARATORS) + '"\r\n'


def inert(value):
    """Prefix an apostrophe to text a spreadsheet would read as a formula: at the start of the
    cell and after each ``;`` or tab (``x;=1+1`` becomes ``x;'=1+1``)."""
    if isinstance(value, str):
        return GUARD_AT.sub(r"\1'", value)
    return value


def uninert(value):
    """Undo ``inert`` when reading back a CSV this package wrote."""
    if isinstance(value, str) and "'" in value:
        return GUARDED.sub(r"\1", value)
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell and every column name made inert."""
    out = frame.copy()
    out.columns = [inert(str(c)) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            risky = out[col].str.contains(NEEDS_GUARD, na=False).to_numpy(dtype=bool)
            if risky.any():
                out[col] = out[col].astype(object)
                out.loc[risky, col] = out.loc[risky, col].astype(str).map(inert)
    return out


CSV_BLOCK = 20_000   # rows converted to text at a time when a CSV goes to a file


def write_csv(frame: pd.DataFrame, path=None, header: bool = True) -> str | None:
    """Spreadsheet-inert CSV to ``path`` (a path or an open text file), or returned as text.

    Lines end in CRLF (RFC 4180): with "\\n" alone, Python's csv writer leaves a cell holding a
    bare carriage return unquoted, and every reader then splits the row there. A text cell holding
    ``;`` or a tab is quoted too: the csv writer quotes a cell holding any character of the line
    ending, so the rows are written ending in ``;``, tab, ``"``, CRLF and that ending is then cut
    to CRLF. No cell can hold that ending: an unquoted cell holds none of its characters, and
    inside a quoted one every ``"`` is doubled and the closing one is followed by ``,`` or ``;``.

    To a file the rows go ``CSV_BLOCK`` at a time, the same bytes as the whole at once: the
    guarded copy, its text and the line-ending pass then exist for one block only (the
    segments.csv of 200,000 answers, 386,181 rows, took about 300 MB more whole).
    """
    if path is None:
        return _csv_text(frame, header)
    if hasattr(path, "write"):
        _write_blocks(frame, path, header)
        return None
    with open(path, "w", encoding="utf-8", newline="") as fh:
        _write_blocks(frame, fh, header)
    return None


def _csv_text(frame: pd.DataFrame, header: bool) -> str:
    text = safe_frame(frame).to_csv(None, index=False, header=header, lineterminator=_MARKED_END)
    return text.replace(_MARKED_END, "\r\n")


def _write_blocks(frame: pd.DataFrame, fh, header: bool) -> None:
    for start in range(0, max(len(frame), 1), CSV_BLOCK):
        save_text(fh, _csv_text(frame.iloc[start:start + CSV_BLOCK], header and start == 0))


def save_text(path, text: str) -> None:
    """``text`` to ``path`` (a path, written as UTF-8, or an open text file): the one call where a
    CSV reaches the disk."""
    if hasattr(path, "write"):
        path.write(text)
        return
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


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


def md_escape(value) -> str:
    """Text shown as written in Markdown: no HTML, links or images (nothing fetched or run when the
    file is rendered), one line."""
    text = " ".join(str(value).split())
    text = text.replace("\\", "\\\\")
    for ch in "<>[]`":
        text = text.replace(ch, "\\" + ch)
    return text


SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(data) -> str:
    """JSON to embed in an HTML ``<script>`` block: ``<``, ``>``, ``&``, U+2028 and U+2029 are
    written as ``\\u003c``-style escapes, so no text inside (``</script>``, ``<!--<script``) can
    end the block or change how the browser parses it; ``JSON.parse`` reads it back unchanged."""
    text = json.dumps(data, ensure_ascii=False)
    for ch, escaped in SCRIPT_UNSAFE.items():
        text = text.replace(ch, escaped)
    return text


# characters XML 1.0 cannot hold (DOCX and XLSX are XML): C0 controls but tab, LF and CR; lone
# surrogates; U+FFFE and U+FFFF
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value):
    """Text with every character XML cannot hold replaced by a space (one for one, so character
    offsets into it still hold); anything else unchanged."""
    return NOT_XML.sub(" ", value) if isinstance(value, str) else value


def xml_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``xml_safe`` on every text cell and every column name."""
    out = frame.copy()
    out.columns = [xml_safe(str(c)) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(xml_safe, na_action="ignore")
    return out


def xml_safe_tree(value):
    """``xml_safe`` on every string inside parsed JSON (dict keys included)."""
    if isinstance(value, dict):
        return {xml_safe(k): xml_safe_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [xml_safe_tree(v) for v in value]
    return xml_safe(value)
