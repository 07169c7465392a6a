"""Files -> a frame of strings: CSV/TSV, XLSX, Parquet, JSON Lines.

The file's content is checked against its name before it is parsed (a workbook named .csv, a
password-protected workbook, binary data), text encodings and separators are detected, and
every failure is an InputError saying what, where and how to fix it. What was guessed (an
encoding other than UTF-8, a separator other than the comma, a sheet) is returned in
``frame.attrs["notes"]`` so the run can say so.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from themes.errors import InputError

READERS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
           ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
# Tried in order; latin-1 decodes any bytes, so it is last.
CSV_ENCODINGS = (("utf-8-sig", "UTF-8"), ("cp1252", "Windows-1252"), ("latin-1", "Latin-1"))
SEPARATORS = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # Excel 97-2003 files and encrypted workbooks
ZIP_MAGIC = b"PK\x03\x04"
SNIFF_BYTES = 65536
SEP_LINE = re.compile(r"^\ufeff?sep=(.)\r?$")


def read_table(path: str | Path, sheet: str | None = None, columns: Sequence[str] = ()) -> pd.DataFrame:
    """Read a survey export into a frame of strings (blank cells are "", never NaN).

    ``columns`` are the columns the caller will ask for; with a workbook of several sheets and
    no ``sheet``, they pick the sheet that has them.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found. Check the path.")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file. Give the survey export file.")
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            f"{path}: unknown file type '{path.suffix}'. Use .csv, .tsv, .xlsx, .parquet or .jsonl."
        )
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror or exc}). Check its permissions.") from None
    if size == 0:
        raise InputError(f"{path}: the file is empty. Export the survey again with a header row and answers.")
    if kind == "csv":
        frame = _read_csv(path, head)
    elif kind == "xlsx":
        frame = _read_xlsx(path, head, sheet, columns)
    elif kind == "parquet":
        frame = _read_other(path, lambda: pd.read_parquet(path), "a Parquet file")
    else:
        frame = _read_jsonl(path)
    attrs = dict(frame.attrs)
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.attrs.update(attrs)
    return frame


# ---------------------------------------------------------------- what the bytes really are

def _looks_like_text(text: str) -> bool:
    """Text files hold almost no control characters (tab and line breaks aside)."""
    sample = text[:SNIFF_BYTES]
    if not sample:
        return True
    controls = sum(1 for ch in sample if ch not in "\t\n\r\f" and unicodedata.category(ch) == "Cc")
    return controls <= 0.01 * len(sample)


def _is_workbook(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return any(n.startswith("xl/") for n in zf.namelist())
    except (zipfile.BadZipFile, OSError):
        return True  # a damaged zip that started like one: most likely a workbook


def _not_text_message(path: Path, head: bytes) -> str:
    if head.startswith(ZIP_MAGIC):
        if _is_workbook(path):
            return f"{path}: this is an Excel workbook (.xlsx), not CSV text. Rename it to .xlsx, or export it as CSV."
        return f"{path}: this is a zip archive, not CSV text. Unzip it and give the survey file inside."
    if head.startswith(OLE2_MAGIC):
        return (f"{path}: this is an Excel 97-2003 or password-protected workbook, not CSV text. Open it in "
                "Excel and save it as CSV (or as .xlsx without a password).")
    if head.startswith(b"%PDF"):
        return f"{path}: this is a PDF, not CSV text. Export the survey responses as CSV or .xlsx."
    return (f"{path}: this does not look like a text CSV file (it holds binary data). "
            "If it is a spreadsheet, save it as .xlsx or export it as CSV.")


# ---------------------------------------------------------------- CSV / TSV / TXT

def _decode(path: Path, data: bytes) -> tuple[str, str]:
    """(text, encoding name): UTF-16 with a BOM, else UTF-8, else Windows-1252, else Latin-1."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise InputError(f"{path}: starts like UTF-16 text but cannot be decoded as it. Save it as "
                             "UTF-8 CSV.") from None
    for codec, label in CSV_ENCODINGS:
        try:
            return data.decode(codec), label
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


# the Java (Spark) names of the encodings guess_encoding returns
JAVA_ENCODINGS = {"UTF-8": "UTF-8", "UTF-16": "UTF-16", "Windows-1252": "windows-1252", "Latin-1": "ISO-8859-1"}


def guess_encoding(head: bytes) -> str:
    """The encoding ``_decode`` would choose (its label: "UTF-8", "Windows-1252", ...), judged on
    the first bytes of a file (a character cut at their end is not held against UTF-8)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    for codec, label in CSV_ENCODINGS:
        try:
            codecs.getincrementaldecoder(codec)().decode(head, final=False)
            return label
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def guess_separator(path: Path, text: str) -> str:
    """The suffix's separator, unless the header line has none of it but another one."""
    default = "\t" if path.suffix.lower() == ".tsv" else ","
    header = text.split("\n", 1)[0]
    m = SEP_LINE.match(header)
    if m:  # Excel's "sep=;" first line names the separator
        return m.group(1)
    if header.count(default):
        return default
    counts = {sep: header.count(sep) for sep in SEPARATORS}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] else default


def _read_csv(path: Path, head: bytes) -> pd.DataFrame:
    if head.startswith((ZIP_MAGIC, OLE2_MAGIC, b"%PDF")):
        raise InputError(_not_text_message(path, head))
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if b"\x00" in head and not utf16:
        raise InputError(_not_text_message(path, head))
    text, encoding = _decode(path, path.read_bytes())
    if not _looks_like_text(text):
        raise InputError(_not_text_message(path, head))
    sep = guess_separator(path, text)
    notes = []
    if encoding not in ("UTF-8", "UTF-16"):
        notes.append(f"Read {path.name} as {encoding} text (it is not UTF-8); check accented letters in "
                     "responses.csv.")
    if sep != ("\t" if path.suffix.lower() == ".tsv" else ","):
        notes.append(f"Read {path.name} as {SEPARATORS[sep]}-separated.")
    skip = 1 if SEP_LINE.match(text.split("\n", 1)[0]) else 0
    check_header(path, text, sep, skip)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skiprows=skip)
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: no header row found. The first line must name the columns.") from None
    except pd.errors.ParserError as exc:
        raise InputError(f"{path}: {_parser_problem(exc, sep)}") from None
    frame.attrs["notes"] = notes
    return frame.fillna("")


def check_header(path: Path, text: str, sep: str, skip: int = 0) -> None:
    """Refuse a CSV header (the first line of ``text`` after ``skip`` lines) that names a column twice."""
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        for _ in range(skip):
            next(rows)
        header = [h.strip() for h in next(rows)]
    except (StopIteration, csv.Error):
        return
    check_unique(path, header)


def check_unique(path: Path, header, where: str = "") -> None:
    """Refuse a header that names a column twice (pandas would rename the second 'answer.1' and
    --text answer would silently read the first)."""
    seen: dict[str, int] = {}
    for k, name in enumerate(header, start=1):
        if name and name in seen:
            raise InputError(f"{path}{where}: the header names column '{name}' twice (columns {seen[name]} and {k}). "
                             "Rename one of them so each column name is unique.")
        seen.setdefault(name, k)


def _parser_problem(exc: Exception, sep: str) -> str:
    msg = str(exc)
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", msg)
    if m:
        want, line, saw = m.groups()
        return (f"line {line} has {saw} fields but the header has {want}. Put answers that contain a "
                f"{SEPARATORS.get(sep, repr(sep))} in double quotes, or re-export the file as CSV.")
    m = re.search(r"EOF inside string starting at row (\d+)", msg)
    if m:
        return (f"a double quote opened in data row {m.group(1)} is never closed. Fix the quotes there, or "
                "re-export the file as CSV.")
    return f"cannot read it as CSV ({first_line(exc)}). Re-export the file as CSV."


# ---------------------------------------------------------------- XLSX

def _xlsx_unopenable(path: Path, head: bytes, exc: Exception | None) -> InputError:
    if head.startswith(OLE2_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in path.read_bytes():
            return InputError(f"{path}: the workbook is password-protected (encrypted). Open it in Excel, "
                              "remove the password (File > Info > Protect Workbook) and save, or export the "
                              "sheet as CSV.")
        return InputError(f"{path}: this is an Excel 97-2003 workbook (.xls) with an .xlsx name. Open it in "
                          "Excel and save it as .xlsx or CSV.")
    if not head.startswith(ZIP_MAGIC):
        decoded = head.decode("latin-1")
        if b"\x00" not in head and _looks_like_text(decoded):
            return InputError(f"{path}: this is a text file, not an Excel workbook. If it is CSV, rename it "
                              "to .csv.")
    why = f" ({type(exc).__name__})" if exc is not None else ""
    return InputError(f"{path}: cannot open this workbook{why}: it is damaged or cut short. Export it again "
                      "from Excel, or save the sheet as CSV.")


def _read_xlsx(path: Path, head: bytes, sheet: str | None, columns: Sequence[str]) -> pd.DataFrame:
    if not head.startswith(ZIP_MAGIC):
        raise _xlsx_unopenable(path, head, None)
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
        names = list(book.sheet_names)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise _xlsx_unopenable(path, head, exc) from None
    if not names:
        raise InputError(f"{path}: the workbook has no sheets. Export the survey again.")
    notes = []
    if sheet is not None and sheet not in names:
        raise InputError(f"{path}: no sheet named '{sheet}'. Sheets: {', '.join(names)}. Choose one with --sheet.")
    if sheet is None:
        sheet = _pick_sheet(path, book, names, [c for c in columns if c])
        if len(names) > 1:
            notes.append(f"Read sheet '{sheet}' of {len(names)} ({', '.join(names)}); choose another with --sheet.")
    try:
        check_extent(path, book.book[sheet], sheet)
        rows = book.book[sheet].iter_rows(min_row=1, max_row=100, values_only=True)
        first = next((r for r in rows if any(v is not None and str(v).strip() for v in r)), ())  # pandas' header row
        check_unique(path, ["" if v is None else str(v).strip() for v in first], f", sheet '{sheet}'")
        frame = pd.read_excel(book, sheet_name=sheet, dtype=str, keep_default_na=False)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"{path}: cannot read sheet '{sheet}' ({first_line(exc)}). Export it again from "
                         "Excel, or save the sheet as CSV.") from None
    frame = frame.fillna("")
    frame.attrs["notes"] = notes
    if len(names) > 1:
        frame.attrs.update(sheet=sheet, sheets=names)
    if len(names) > 1 and frame.shape[1] == 0:
        raise InputError(f"{path}: sheet '{sheet}' is empty. Sheets: {', '.join(names)}. Choose one with --sheet.")
    return frame


XLSX_DENSE_MAX = 20_000_000  # cells of the rectangle a sheet spans, past which it must be mostly full


def check_extent(path: Path, worksheet, sheet: str) -> None:
    """Refuse a sheet whose used cells span a far larger rectangle than they fill (one stray cell
    at XFD1048576 would make the table 1,048,576 x 16,384 cells in memory). The sheet is scanned
    once, row by row, without building the table."""
    worksheet.reset_dimensions()  # the stored dimension may lie either way
    rows = width = used = 0
    for row in worksheet.iter_rows(values_only=True):
        rows += 1
        if row:
            width = max(width, len(row))
            used += sum(v is not None for v in row)
    if rows * width > XLSX_DENSE_MAX and rows * width > 10 * used:
        raise InputError(f"{path}: sheet '{sheet}' spans {rows:,} rows x {width:,} columns but holds only {used:,} "
                         "cells; a stray cell far from the data makes it so. Delete the empty rows and columns "
                         "after the data in Excel, or save the sheet as CSV.")


def _pick_sheet(path: Path, book, names: list[str], columns: list[str]) -> str:
    """The first sheet, unless it lacks the asked-for columns and exactly one other sheet has them."""
    if len(names) == 1 or not columns:
        return names[0]

    def has_all(name: str) -> bool:
        try:
            header = pd.read_excel(book, sheet_name=name, nrows=0)
        except Exception:
            return False
        return set(columns) <= {str(c).strip() for c in header.columns}

    if has_all(names[0]):
        return names[0]
    fits = [n for n in names[1:] if has_all(n)]
    if len(fits) > 1:
        raise InputError(f"{path}: sheets {', '.join(repr(n) for n in fits)} all have the column(s) "
                         f"{', '.join(columns)}. Choose one with --sheet.")
    return fits[0] if fits else names[0]  # none fits: the column check names the sheet and its columns


# ---------------------------------------------------------------- Parquet / JSON Lines

def _read_other(path: Path, reader, what: str) -> pd.DataFrame:
    try:  # converting to text is inside: a damaged string column fails only there
        frame = reader()
        return frame.astype(object).where(frame.notna(), "").astype(str)
    except Exception as exc:
        raise InputError(f"{path}: cannot read it as {what} ({first_line(exc)}).") from None


# a JSON string escape: a surrogate pair, a lone surrogate, or any other escape (so an escaped
# backslash followed by "ud800" is not taken for one)
JSON_ESCAPE = re.compile(r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})|\\u(d[89a-f][0-9a-f]{2})|\\.", re.I | re.S)


def _read_jsonl(path: Path) -> pd.DataFrame:
    """JSON Lines; a lone surrogate escape (``\\ud800`` without its pair: no character, which the
    JSON parser would drop or fail on) becomes U+FFFD, and a note says how many rows held one."""
    data = path.read_bytes()
    notes = []
    source = path
    if re.search(rb"\\u[dD]", data):
        try:
            text, rows = lone_surrogates(data.decode("utf-8"))
        except UnicodeDecodeError:  # not UTF-8: the parser says so below
            rows = []
        if rows:
            shown = ", ".join(str(r) for r in rows[:5]) + (", ..." if len(rows) > 5 else "")
            notes.append(f"Read {path.name}: {len(rows)} row(s) held half of a UTF-16 surrogate pair (an escape "
                         f"such as \\ud800 with no partner; line(s) {shown}); each is read as U+FFFD (the "
                         "replacement character). Check the program that wrote the file.")
            source = io.StringIO(text)
    frame = _read_other(path, lambda: pd.read_json(source, lines=True, dtype=False), "JSON Lines")
    frame.attrs["notes"] = notes
    return frame


def lone_surrogates(text: str) -> tuple[str, list[int]]:
    """(text with each lone surrogate escape written \\ufffd, the 1-based lines that held one)."""
    out, rows = [], []
    for number, line in enumerate(text.split("\n"), start=1):
        fixed = JSON_ESCAPE.sub(lambda m: "\\ufffd" if m.group(3) else m.group(0), line) if "\\u" in line else line
        if fixed != line:
            rows.append(number)
        out.append(fixed)
    return "\n".join(out), rows


def first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
