"""Write the bad-input fixtures in this folder (run it again to rebuild them).

    python tests/data/bad/make_fixtures.py

Every file is small and committed; tests/test_bad_input.py runs each through `themes extract`.
encrypted.xlsx needs `msoffcrypto-tool` (only here, to make the file; themes never needs it):
without it the committed copy is left as it is.
"""

from __future__ import annotations

import csv
import io
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADER = ["response_id", "role", "answer"]

# Twelve ordinary answers (three themes), reused so every file that should work has some substance.
BASE = [
    ("Chair", "A national scorecard would hold boards to account; regulators must use it."),
    ("NED", "Regulators should hold boards to account with a national scorecard."),
    ("Chair", "Accountability through the national scorecard and regulators holding boards to account."),
    ("NED", "External consultancy support gave useful challenge to the board."),
    ("Chair", "We used external consultancy support; the challenge from consultants was useful."),
    ("NED", "Consultancy support and external challenge from consultants helped the board."),
    ("Chair", "Staff networks told lived experience stories at board meetings."),
    ("NED", "Listening to staff networks and hearing lived experience stories."),
    ("Chair", "Lived experience stories from staff networks were told at the board."),
    ("NED", "Board development sessions on race equality with an external facilitator."),
    ("Chair", "Reverse mentoring for board members by staff from ethnic minority backgrounds."),
    ("NED", "Publishing the workforce race equality standard data at every board meeting."),
]


def rows(answers=None, start=1):
    answers = answers if answers is not None else [a for _, a in BASE]
    return [[f"R{start + i:03d}", BASE[i % len(BASE)][0], a] for i, a in enumerate(answers)]


def csv_text(table, header=HEADER, delimiter=",") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(table)
    return buf.getvalue()


OUT = HERE


def write(name: str, data: str | bytes, encoding: str = "utf-8") -> None:
    raw = data if isinstance(data, bytes) else data.encode(encoding)
    (OUT / name).write_bytes(raw)


ACCENTED = [
    "Caf\u00e9-style board sessions \u2013 informal, \u00a3500 budget, \u201cpeer\u201d learning that\u2019s useful.",
    "Na\u00efve targets don\u2019t help; the board\u2019s r\u00f4le is to ask \u201cwhy?\u201d \u2013 every month.",
]
LATIN1 = [
    "Caf\u00e9 sessions for the board cost \u00a3500; \u00bd day each, at 20\u00b0C. Gr\u00fc\u00dfe to the team.",
    "The r\u00e9sum\u00e9 of each NED \u00a9 the trust; se\u00f1or consultants were na\u00efve.",
]
UNICODE = [
    "Staff networks \U0001F44D told lived experience stories \U0001F30D at the board.",
    "董事会应该听取员工的声音。",                                 # Chinese
    "يجب على المجلس الاستماع.",                                  # Arabic
    "Совет должен слушать персонал.",                             # Russian
    "Dylai'r bwrdd wrando ar staff ŵ ŷ \u2014 Cymraeg.",           # Welsh
    "\U0001F44D\U0001F44D\U0001F44D",                             # emoji only
    "e\u0301quipe: combining accents and zero\u200bwidth space.",  # combining accent, zero-width space
]
HTML = [
    "<p>Staff networks told <b>lived experience</b> stories at the board.</p>",
    "<script>alert('x')</script>External consultancy support helped.",
    "Regulators &amp; a national scorecard<br>would hold boards to account.",
    "<img src=\"http://example.invalid/t.png\"> [link](http://example.invalid) ![img](http://example.invalid/i.png)",
]
FORMULAS = [
    "=HYPERLINK(\"http://example.invalid\",\"click\") national scorecard regulators",
    "+44 7700 900000 call me about the national scorecard",
    "-1 for consultants; external consultancy support was poor",
    "@SUM(A1:A9) staff networks and lived experience stories",
    "\tTab-led answer about staff networks and lived experience",
    "=cmd|' /C calc'!A0 regulators hold boards to account",
]


def long_answer(n_chars: int = 50_000) -> str:
    sentences = [a for _, a in BASE]
    out, i = [], 0
    while sum(len(s) + 1 for s in out) < n_chars:
        out.append(sentences[i % len(sentences)])
        i += 1
    return " ".join(out)[:n_chars]


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, table in sheets.items():
        ws = wb.create_sheet(name)
        for r in table:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_zip_times(buf.getvalue())


def _fixed_zip_times(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps so rebuilding the fixtures gives the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                import re

                body = re.sub(rb"<dcterms:(created|modified)([^>]*)>[^<]*<", rb"<dcterms:\1\2>2024-01-01T00:00:00Z<",
                              body)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, body)
    return buf.getvalue()


def main(folder: Path = HERE) -> None:
    global OUT
    OUT = Path(folder)
    good = rows()
    write("empty.csv", b"")
    write("header_only.csv", csv_text([]))
    write("good.csv", csv_text(good))
    dup = rows()
    dup[5][0] = dup[2][0]
    write("duplicate_ids.csv", csv_text(dup))
    write("cp1252.csv", csv_text(rows([*ACCENTED, *[a for _, a in BASE]])), encoding="cp1252")
    write("latin1.csv", csv_text(rows([*LATIN1, *[a for _, a in BASE]])), encoding="latin-1")
    accented = rows([*ACCENTED, *[a for _, a in BASE]])
    write("bom.csv", csv_text(accented), encoding="utf-8-sig")
    write("utf16.txt", csv_text(rows([*ACCENTED, *UNICODE[:2], *[a for _, a in BASE]]), delimiter="\t"),
          encoding="utf-16")                                                # Excel "Unicode Text"
    write("semicolon.csv", csv_text(good, delimiter=";"))                   # European Excel CSV
    write("sep_line.csv", "sep=;\r\n" + csv_text(good, delimiter=";"))      # Excel's separator hint
    text = csv_text(good).splitlines(keepends=True)
    text[4] = text[4].rstrip("\r\n") + ",extra,fields\r\n"   # data row 4 (file line 5): 5 fields, header 3
    write("ragged_long.csv", "".join(text))
    text = csv_text(good).splitlines(keepends=True)
    text[3] = "R003,Chair\r\n"                                # data row 3 lacks its answer
    write("ragged_short.csv", "".join(text))
    multi = [a for _, a in BASE]
    multi[1] = "First line about regulators.\nSecond line: hold boards to account,\r\nwith a national scorecard."
    multi[4] = "An old Mac export:\rexternal consultancy support and challenge from consultants."  # bare CR
    write("quoted_newlines.csv", csv_text(rows(multi)))
    write("long_response.csv", csv_text(rows([long_answer(), *[a for _, a in BASE]])))
    write("unicode.csv", csv_text(rows([*UNICODE, *[a for _, a in BASE]])))
    write("html.csv", csv_text(rows([*HTML, *[a for _, a in BASE]])))
    formula_rows = rows([*FORMULAS, *[a for _, a in BASE]])
    formula_rows[0][0] = "=1+1"          # hostile id
    formula_rows[1][1] = "@role"         # hostile --by value
    write("formulas.csv", csv_text(formula_rows, header=["response_id", "-role", "answer"]))
    write("binary.csv", bytes(range(256)) * 8)                      # not text at all
    write("no_content.csv", csv_text(rows(["N/A", "", "-", "nothing", "No comment", "  ", "n/a", "..."])))
    write("one_response.csv", csv_text(rows([BASE[3][1]])))
    write("identical.csv", csv_text(rows([BASE[0][1]] * 10)))
    numbers = [a for _, a in BASE]
    numbers[0] = "We have 3 NEDs and 2 chairs; a budget of 1.2m and 40% turnover."
    numbers[1] = "5"
    numbers[2] = "2024"
    write("numbers_in_text.csv", csv_text(rows(numbers)))
    write("all_numbers.csv", csv_text(rows([str(i * 7 % 10) for i in range(12)])))

    sheets = {
        "Notes": [["About this export"], ["Exported from the survey tool."]],
        "Answers": [HEADER, *[[i + 1, r, a] for i, (r, a) in enumerate(BASE)]],  # numeric ids
        "Lookup": [["code", "label"], [1, "Chair"], [2, "NED"]],
    }
    book = xlsx_bytes(sheets)
    write("sheets.xlsx", book)
    write("xlsx_named.csv", book)                                   # a workbook with the wrong name
    write("corrupt.xlsx", book[: len(book) // 2])                   # cut short
    write("text_named.xlsx", csv_text(good))                        # a CSV with the wrong name
    try:
        import msoffcrypto  # noqa: F401
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:
        print("msoffcrypto-tool not installed: encrypted.xlsx left as committed", file=sys.stderr)
    else:
        plain = xlsx_bytes({"Answers": [HEADER, *rows()]})
        out = io.BytesIO()
        OOXMLFile(io.BytesIO(plain)).encrypt("secret", out)
        write("encrypted.xlsx", out.getvalue())


if __name__ == "__main__":
    main()
