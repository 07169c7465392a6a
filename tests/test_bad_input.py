"""Every bad input in tests/data/bad through `themes extract`: a correct result, or exit code 2
with a one-line message naming the file, and never a traceback or a half-written OUTDIR.

The fixtures are written by tests/data/bad/make_fixtures.py; docs/reliability.md lists each
case and its outcome.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from themes.cli import app
from themes.io.safe import inert

BAD = Path(__file__).resolve().parent / "data" / "bad"
STATUSES = {"labelled", "unassigned", "no_content"}
OUT_FILES = ("themes.csv", "responses.csv", "segments.csv", "quotes.csv", "quotes.md", "crosstab.csv", "run.json",
             "model/manifest.json", "model/centroids.npy")
runner = CliRunner()


def run_extract(tmp_path, src: Path, *args: str):
    out = tmp_path / "out"
    res = runner.invoke(app, ["extract", str(src), *args, "-o", str(out), "--quiet"],
                        env={"THEMES_CACHE_DIR": str(tmp_path / "cache")})
    return res, out


def read_source(name: str, encoding: str = "utf-8", delimiter: str = ",") -> list[dict]:
    """The fixture's rows, read with the csv module (not with the code under test)."""
    text = (BAD / name).read_bytes().decode(encoding).removeprefix("sep=;\r\n")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


def read_csv_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def assert_refused(res, out: Path, pattern: str, where: str) -> str:
    """Exit code 2, one line naming the file, no traceback, nothing written beside OUTDIR either."""
    import re

    assert res.exit_code == 2, res.output
    assert isinstance(res.exception, SystemExit), res.exception
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), res.output
    assert "Traceback" not in res.output
    assert where in lines[0], lines[0]
    assert re.search(pattern, lines[0]), lines[0]
    assert not out.exists()
    assert not list(out.parent.glob(f".{out.name}.*")), "temporary folder left behind"
    return lines[0]


def assert_complete(res, out: Path, ids: list[str], texts: list[str] | None = None) -> list[dict]:
    """Exit 0, every output file there, every input row in responses.csv once, in order."""
    assert res.exit_code == 0, res.output
    for name in OUT_FILES:
        assert (out / name).is_file(), name
    assert not list(out.parent.glob(f".{out.name}.*")), "temporary folder left behind"
    rows = read_csv_rows(out / "responses.csv")
    assert [r["response_id"] for r in rows] == [inert(i) for i in ids]
    assert all(r["status"] in STATUSES for r in rows)
    if texts is not None:
        assert [r["text"] for r in rows] == [inert(t) for t in texts]
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["counts"]["rows"] == len(ids)
    return rows


# ----------------------------------------------------------------------------- refused

REFUSED = [
    # fixture, extra arguments, what the message must say
    ("empty.csv", ["--text", "answer"], r"the file is empty\. Export the survey again"),
    ("header_only.csv", ["--text", "answer"], r"no rows of answers\. Export the survey again"),
    ("good.csv", ["--text", "anwser"],
     r"no column 'anwser' \(given by --text\)\. Columns there: response_id, role, answer\. Did you mean 'answer'\?"),
    ("good.csv", ["--text", "ANSWER"], r"Did you mean 'answer'\?"),
    ("good.csv", ["--text", "answer", "--by", "region"], r"no column 'region' \(given by --by\).*Columns there"),
    ("duplicate_ids.csv", ["--text", "answer", "--id", "response_id"],
     r"id 'R003' in column 'response_id' appears more than once \(rows 4, 7\)\. Ids must be unique"),
    ("ragged_long.csv", ["--text", "answer"],
     r"line 5 has 5 fields but the header has 3\. Put answers that contain a comma in double quotes"),
    ("binary.csv", ["--text", "answer"], r"does not look like a text CSV file \(it holds binary data\)"),
    ("xlsx_named.csv", ["--text", "answer"], r"this is an Excel workbook \(\.xlsx\), not CSV text\. Rename it"),
    ("corrupt.xlsx", ["--text", "answer"], r"cannot open this workbook .*damaged or cut short\. Export it again"),
    ("encrypted.xlsx", ["--text", "answer"], r"password-protected \(encrypted\)\. .*remove the password"),
    ("text_named.xlsx", ["--text", "answer"], r"this is a text file, not an Excel workbook\. .*rename it to \.csv"),
    ("sheets.xlsx", ["--text", "answer", "--sheet", "Answer"],
     r"no sheet named 'Answer'\. Sheets: Notes, Answers, Lookup\. Choose one with --sheet"),
    ("sheets.xlsx", ["--text", "reply"],
     r"\(sheet 'Notes'; others: Answers, Lookup; choose with --sheet\): no column 'reply'"),
    ("no_content.csv", ["--text", "answer"],
     r"no answers to find themes in: all 8 rows in column 'answer' are blank or non-answers"),
    ("all_numbers.csv", ["--text", "answer"],
     r"all 12 rows in column 'answer' hold only numbers .*Check that --text names the free-text column"),
]


@pytest.mark.parametrize("name,args,pattern", REFUSED, ids=[f"{n}{' '.join(a[2:])}" for n, a, _ in REFUSED])
def test_refused_with_one_line(tmp_path, fast_stages, name, args, pattern):
    res, out = run_extract(tmp_path, BAD / name, *args)
    assert_refused(res, out, pattern, str(BAD / name))


def test_ole2_header_named_xlsx(tmp_path, fast_stages):
    """An Excel 97-2003 (OLE2) file named .xlsx: openpyxl must not get to crash on it."""
    src = tmp_path / "old.xlsx"
    src.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4088))
    res, out = run_extract(tmp_path, src, "--text", "answer")
    assert_refused(res, out, r"Excel 97-2003 workbook \(\.xls\) with an \.xlsx name\. .*save it as \.xlsx", str(src))


def test_existing_outdir_untouched_when_input_is_bad(tmp_path, fast_stages):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    res = runner.invoke(app, ["extract", str(BAD / "binary.csv"), "--text", "answer", "-o", str(out), "--force",
                              "--quiet"])
    assert res.exit_code == 2 and (out / "keep.txt").read_text() == "mine"


# ----------------------------------------------------------------------------- correct results

def test_good_file(tmp_path, fast_stages):
    src = read_source("good.csv")
    res, out = run_extract(tmp_path, BAD / "good.csv", "--text", "answer", "--id", "response_id", "--by", "role")
    assert_complete(res, out, [r["response_id"] for r in src], [r["answer"] for r in src])


@pytest.mark.parametrize("name,encoding,delimiter,note", [
    ("cp1252.csv", "cp1252", ",", "as Windows-1252 text"),
    ("latin1.csv", "latin-1", ",", "as Windows-1252 text"),   # Windows-1252 agrees with Latin-1 on letters
    ("bom.csv", "utf-8-sig", ",", None),
    ("utf16.txt", "utf-16", "\t", "tab-separated"),            # Excel's "Unicode Text"
    ("semicolon.csv", "utf-8", ";", "semicolon-separated"),    # Excel in many European locales
    ("sep_line.csv", "utf-8", ";", "semicolon-separated"),     # ... with Excel's "sep=;" first line
])
def test_encodings_and_separators(tmp_path, fast_stages, name, encoding, delimiter, note):
    src = read_source(name, encoding, delimiter)
    assert src[0]["response_id"] == "R001"
    assert name in ("semicolon.csv", "sep_line.csv") or any(ord(ch) > 127 for r in src for ch in r["answer"])
    res, out = run_extract(tmp_path, BAD / name, "--text", "answer", "--id", "response_id", "--by", "role")
    rows = assert_complete(res, out, [r["response_id"] for r in src], [r["answer"] for r in src])
    assert [r["role"] for r in rows] == [r["role"] for r in src]
    notes = json.loads((out / "run.json").read_text())["notes"]
    if note:
        assert any(note in n for n in notes), notes
    if encoding not in ("cp1252", "latin-1"):
        assert not any("Windows-1252" in n or "Latin-1" in n for n in notes), notes


def test_ragged_short_rows_are_blank(tmp_path, fast_stages):
    """A row with fewer fields than the header: the missing cells are blank (no_content here)."""
    res, out = run_extract(tmp_path, BAD / "ragged_short.csv", "--text", "answer", "--id", "response_id")
    rows = assert_complete(res, out, [f"R{i:03d}" for i in range(1, 13)])
    assert rows[2]["status"] == "no_content" and rows[2]["text"] == ""


def test_quoted_newlines_kept(tmp_path, fast_stages):
    src = read_source("quoted_newlines.csv")
    assert "\n" in src[1]["answer"] and "\r" in src[4]["answer"].replace("\r\n", "")
    res, out = run_extract(tmp_path, BAD / "quoted_newlines.csv", "--text", "answer", "--id", "response_id")
    assert_complete(res, out, [r["response_id"] for r in src], [r["answer"] for r in src])
    segs = [s for s in read_csv_rows(out / "segments.csv") if s["response_id"] == "R002"]
    assert len(segs) >= 2 and all("\n" not in s["text"] for s in segs)  # a line break ends a segment


def test_very_long_response(tmp_path, fast_stages):
    src = read_source("long_response.csv")
    assert len(src[0]["answer"]) == 50_000
    res, out = run_extract(tmp_path, BAD / "long_response.csv", "--text", "answer", "--id", "response_id")
    rows = assert_complete(res, out, [r["response_id"] for r in src], [r["answer"] for r in src])
    assert rows[0]["status"] == "labelled"
    segs = [s for s in read_csv_rows(out / "segments.csv") if s["response_id"] == "R001"]
    assert len(segs) > 100 and all(len(s["text"].split()) <= 120 for s in segs)
    assert segs[-1]["end"] == "50000"


def test_emoji_and_other_scripts(tmp_path, fast_stages):
    src = read_source("unicode.csv")
    res, out = run_extract(tmp_path, BAD / "unicode.csv", "--text", "answer", "--id", "response_id")
    rows = assert_complete(res, out, [r["response_id"] for r in src], [r["answer"] for r in src])
    status = {r["text"]: r["status"] for r in rows}
    assert status["\U0001F44D\U0001F44D\U0001F44D"] == "no_content"   # emoji only: nothing to theme
    for text in src[1:5]:  # Chinese, Arabic, Russian, Welsh: answers, never dropped
        assert status[text["answer"]] != "no_content"


def test_html_kept_as_text_and_never_live_in_markdown(tmp_path, fast_stages):
    src = read_source("html.csv")
    res, out = run_extract(tmp_path, BAD / "html.csv", "--text", "answer", "--id", "response_id", "--n-themes", "1",
                           "--min-similarity", "-1")
    assert_complete(res, out, [r["response_id"] for r in src], [r["answer"] for r in src])
    md = (out / "quotes.md").read_text(encoding="utf-8")
    for live in ("<script", "<img", "<br>", "<p>", "](http", "![", "[link]"):
        assert live not in md, live


def test_formula_text_inert(tmp_path, fast_stages):
    src = read_source("formulas.csv")
    res, out = run_extract(tmp_path, BAD / "formulas.csv", "--text", "answer", "--id", "response_id",
                           "--by=-role")
    rows = assert_complete(res, out, [r["response_id"] for r in src], [r["answer"] for r in src])
    assert rows[0]["response_id"] == "'=1+1" and rows[0]["text"].startswith("'=HYPERLINK")
    assert "'-role" in rows[0] and rows[1]["'-role"] == "'@role"


def test_one_response(tmp_path, fast_stages):
    res, out = run_extract(tmp_path, BAD / "one_response.csv", "--text", "answer")
    rows = assert_complete(res, out, ["1"])
    assert rows[0]["status"] == "labelled"
    assert len(read_csv_rows(out / "themes.csv")) == 1


def test_all_identical(tmp_path, fast_stages):
    res, out = run_extract(tmp_path, BAD / "identical.csv", "--text", "answer", "--id", "response_id")
    rows = assert_complete(res, out, [f"R{i:03d}" for i in range(1, 11)])
    assert {r["status"] for r in rows} == {"labelled"}
    themes = read_csv_rows(out / "themes.csv")
    assert len(themes) == 1 and themes[0]["n_responses"] == "10"
    assert len(read_csv_rows(out / "quotes.csv")) == 1  # identical answers are quoted once


def test_numbers_in_text(tmp_path, fast_stages):
    src = read_source("numbers_in_text.csv")
    res, out = run_extract(tmp_path, BAD / "numbers_in_text.csv", "--text", "answer", "--id", "response_id")
    rows = assert_complete(res, out, [r["response_id"] for r in src], [r["answer"] for r in src])
    assert rows[0]["status"] != "no_content"                           # words with numbers: an answer
    assert rows[1]["status"] == rows[2]["status"] == "no_content"      # a bare number: not an answer


def test_workbook_sheet_with_the_column_is_found(tmp_path, fast_stages):
    book = load_workbook(BAD / "sheets.xlsx", read_only=True)
    table = list(book["Answers"].values)
    res, out = run_extract(tmp_path, BAD / "sheets.xlsx", "--text", "answer", "--id", "response_id")
    assert_complete(res, out, [str(r[0]) for r in table[1:]], [r[2] for r in table[1:]])
    notes = json.loads((out / "run.json").read_text())["notes"]
    assert any("sheet 'Answers' of 3 (Notes, Answers, Lookup)" in n for n in notes), notes


def test_workbook_named_sheet(tmp_path, fast_stages):
    res, out = run_extract(tmp_path, BAD / "sheets.xlsx", "--text", "answer", "--sheet", "Answers")
    assert_complete(res, out, [str(i) for i in range(1, 13)])


def test_duplicate_ids_without_id_are_numbered(tmp_path, fast_stages):
    res, out = run_extract(tmp_path, BAD / "duplicate_ids.csv", "--text", "answer")
    assert_complete(res, out, [str(i) for i in range(1, 13)])


def test_every_fixture_is_covered():
    """A fixture added to tests/data/bad must be given a case here."""
    source = Path(__file__).read_text()
    for path in BAD.iterdir():
        if path.is_file() and path.suffix != ".py":
            assert f'"{path.name}"' in source, path.name


# ----------------------------------------------------------------------------- label

SOURCES = {  # fixture: (encoding, delimiter) for reading it independently
    "good.csv": ("utf-8", ","), "cp1252.csv": ("cp1252", ","), "latin1.csv": ("latin-1", ","),
    "bom.csv": ("utf-8-sig", ","), "utf16.txt": ("utf-16", "\t"), "semicolon.csv": ("utf-8", ";"),
    "ragged_short.csv": ("utf-8", ","), "quoted_newlines.csv": ("utf-8", ","), "long_response.csv": ("utf-8", ","),
    "unicode.csv": ("utf-8", ","), "html.csv": ("utf-8", ","), "one_response.csv": ("utf-8", ","),
    "identical.csv": ("utf-8", ","), "numbers_in_text.csv": ("utf-8", ","), "no_content.csv": ("utf-8", ","),
    "all_numbers.csv": ("utf-8", ","), "sheets.xlsx": (None, None),
}


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_label_accounts_for_every_row(tmp_path, fast_stages, name):
    """`themes label` on each file that reads: every row once, in order. Answers with no content
    (even all of them) are a valid result here: the themes already exist."""
    res, out = run_extract(tmp_path, BAD / "good.csv", "--text", "answer")
    assert res.exit_code == 0, res.output
    if name.endswith(".xlsx"):
        table = list(load_workbook(BAD / name, read_only=True)["Answers"].values)
        ids, texts = [str(r[0]) for r in table[1:]], [r[2] for r in table[1:]]
    else:
        src = read_source(name, *SOURCES[name])
        ids, texts = [r["response_id"] for r in src], [r["answer"] or "" for r in src]
    lab = tmp_path / "labelled"
    res = runner.invoke(app, ["label", str(out / "model"), str(BAD / name), "--text", "answer", "--id",
                              "response_id", "-o", str(lab), "--quiet"], env={"THEMES_CACHE_DIR": str(tmp_path / "c")})
    assert res.exit_code == 0, res.output
    rows = read_csv_rows(lab / "responses.csv")
    assert [r["response_id"] for r in rows] == [inert(i) for i in ids]
    assert [r["text"] for r in rows] == [inert(t) for t in texts]
    if name in ("no_content.csv", "all_numbers.csv"):
        assert {r["status"] for r in rows} == {"no_content"}


def test_fixtures_are_what_their_script_writes(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_fixtures", BAD / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    for path in tmp_path.iterdir():
        if path.name != "encrypted.xlsx":  # encrypted with a random salt: made once, committed
            assert path.read_bytes() == (BAD / path.name).read_bytes(), path.name
    assert {p.name for p in tmp_path.iterdir()} | {"make_fixtures.py", "encrypted.xlsx"} == \
        {p.name for p in BAD.iterdir() if p.is_file()}


# ----------------------------------------------------------------------------- the environment

def test_unclosed_quote(tmp_path, fast_stages):
    src = tmp_path / "q.csv"
    src.write_text('response_id,answer\nR1,"fine"\nR2,"never closed\nR3,more\n', encoding="utf-8")
    res, out = run_extract(tmp_path, src, "--text", "answer")
    assert_refused(res, out, r"a double quote opened in data row \d+ is never closed", str(src))


def test_outdir_that_cannot_be_made(tmp_path, fast_stages):
    (tmp_path / "file").write_text("x")
    out = tmp_path / "file" / "out"
    res = runner.invoke(app, ["extract", str(BAD / "good.csv"), "--text", "answer", "-o", str(out), "--quiet",
                              "--no-cache"])
    assert res.exit_code == 2 and "cannot write here" in res.output and "Choose another -o" in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_disk_full_while_writing_keeps_the_old_outdir(tmp_path, fast_stages, monkeypatch):
    import errno

    from themes.io import safe

    res, out = run_extract(tmp_path, BAD / "good.csv", "--text", "answer")
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    real = safe.save_text

    def full(path, text):  # the disk fills at the real write call
        if Path(getattr(path, "name", path) or "").name == "quotes.csv":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, text)

    monkeypatch.setattr(safe, "save_text", full)
    res = runner.invoke(app, ["extract", str(BAD / "good.csv"), "--text", "answer", "-o", str(out), "--force",
                              "--quiet"], env={"THEMES_CACHE_DIR": str(tmp_path / "cache")})
    assert res.exit_code == 2 and "No space left on device" in res.output and "nothing was written" in res.output
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert not list(tmp_path.glob(".out.*"))


def test_cache_that_cannot_be_written(tmp_path, fast_stages):
    (tmp_path / "file").write_text("x")
    res = runner.invoke(app, ["extract", str(BAD / "good.csv"), "--text", "answer", "-o", str(tmp_path / "out"),
                              "--quiet"], env={"THEMES_CACHE_DIR": str(tmp_path / "file" / "cache")})
    assert res.exit_code == 2 and "cannot write the embedding cache" in res.output and "--no-cache" in res.output
    assert not (tmp_path / "out").exists()


def test_unreadable_cache_shards_are_embedded_again(tmp_path, fast_stages):
    res, out = run_extract(tmp_path, BAD / "good.csv", "--text", "answer")
    first = (out / "segments.csv").read_bytes()
    for shard in (tmp_path / "cache").rglob("*.npy"):
        shard.write_bytes(shard.read_bytes()[: len(shard.read_bytes()) // 2])  # damaged on disk
    calls = fast_stages.calls
    res = runner.invoke(app, ["extract", str(BAD / "good.csv"), "--text", "answer", "-o", str(tmp_path / "again"),
                              "--quiet"], env={"THEMES_CACHE_DIR": str(tmp_path / "cache")})
    assert res.exit_code == 0, res.output
    assert fast_stages.calls > calls and (tmp_path / "again" / "segments.csv").read_bytes() == first


def test_workbook_with_two_fitting_sheets_asks_which(tmp_path, fast_stages):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Notes"
    book.active.append(["About this export"])
    for name in ("Wave 1", "Wave 2"):
        sheet = book.create_sheet(name)
        sheet.append(["answer"])
        sheet.append(["Staff networks told lived experience stories."])
    src = tmp_path / "waves.xlsx"
    book.save(src)
    res, out = run_extract(tmp_path, src, "--text", "answer")
    assert_refused(res, out, r"sheets 'Wave 1', 'Wave 2' all have the column\(s\) answer\. Choose one with --sheet",
                   str(src))
