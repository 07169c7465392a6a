"""Excel workbook (openpyxl): Themes, Responses, Quotes, Crosstab, Codebook and Run sheets.

Every sheet has a frozen, filterable header row. Text that a spreadsheet would run as a formula
(starting with = + - @, a tab or a carriage return) is stored as a plain string cell with the
quote prefix set, so it shows as typed and never runs.
"""

from __future__ import annotations

import json
from pathlib import Path

from themes.io.safe import FORMULA_START
from themes.report.build import ReportModel
from themes.report.style import NHS_BLUE

WRAP_WIDTH = 70


def put(ws, row: int, col: int, value):
    """Write one cell; formula-like text stays inert text."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = ws.cell(row=row, column=col)
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def _sheet(wb, title: str, header: list[str], rows: list[list], widths: dict[int, float] | None = None,
           formats: dict[int, str] | None = None):
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    fill = PatternFill("solid", fgColor=NHS_BLUE.lstrip("#"))
    for c, name in enumerate(header, 1):
        cell = put(ws, 1, c, name)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    widths = widths or {}
    for r, values in enumerate(rows, 2):
        for c, value in enumerate(values, 1):
            cell = put(ws, r, c, value)
            cell.alignment = wrap if widths.get(c, 0) >= WRAP_WIDTH - 20 else top
            if formats and c in formats and isinstance(value, (int, float)):
                cell.number_format = formats[c]
    for c, name in enumerate(header, 1):
        longest = max([len(str(name))] + [len(str(v[c - 1])) for v in rows[:200]])
        ws.column_dimensions[get_column_letter(c)].width = widths.get(c, min(max(10, longest + 2), 40))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(1, len(rows) + 1)}"
    return ws


def _r(x):
    return None if x is None else round(float(x), 4)


def _flatten(prefix: str, value, out: list[list]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    elif isinstance(value, list) and not all(isinstance(v, (str, int, float)) for v in value):
        out.append([prefix, json.dumps(value, ensure_ascii=False, default=str)])
    else:
        out.append([prefix, ", ".join(map(str, value)) if isinstance(value, list) else value])


def write_xlsx(m: ReportModel, path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    by = list(m.by)
    has_q = len(m.questions) > 1 or any(m.questions)

    header = ["Theme id"] + (["Question"] if has_q else []) + ["Theme", "Description", "Keywords", "Responses",
                                                               "Share", "95% CI low", "95% CI high"]
    rows = []
    for t in m.themes:  # suppressed like every other table: '<5' and no share
        hide = not t.share_txt
        rows.append([t.theme_id] + ([t.question] if has_q else [])
                    + [t.name, t.description, "; ".join(t.keywords), t.n_txt if hide else t.n,
                       None if hide else t.share, None if hide else _r(t.totals.get("lo")),
                       None if hide else _r(t.totals.get("hi"))])
    off = 1 if has_q else 0  # columns after Theme id move right by one with a Question column
    _sheet(wb, "Themes", header, rows, {2 + off: 30, 3 + off: 50, 4 + off: 40},
           {5 + off: "#,##0", 6 + off: "0%", 7 + off: "0%", 8 + off: "0%"})

    resp = m.responses
    cols = ["response_id"] + [c for c in ("respondent_id", "question") if c in resp.columns] + by
    cols += [c for c in ("status", "primary_theme", "theme_names", "text") if c in resp.columns]
    names = {"response_id": "Response id", "respondent_id": "Respondent id", "question": "Question",
             "status": "Status", "primary_theme": "Primary theme", "theme_names": "Themes", "text": "Answer",
             **{c: m.label(c) for c in by}}
    _sheet(wb, "Responses", [names[c] for c in cols],
           resp[cols].astype(object).where(resp[cols].notna(), "").values.tolist(),
           {len(cols): 90, len(cols) - 1: 30})

    q = m.quotes
    cite = "respondent_id" in q.columns
    qcols = ["theme_id", "theme", *by, "attribution", "quote", "respondent_id" if cite else "response_id"]
    _sheet(wb, "Quotes", ["Theme id", "Theme", *[m.label(c) for c in by], "Attribution",
                          "Quote", "Respondent id" if cite else "Response id"], q[qcols].values.tolist() if len(q) else [],
           {2: 28, len(by) + 3: 34, len(by) + 4: 80})

    ct = m.crosstab
    rows = []
    for r in ct.itertuples(index=False):
        hide = bool(r.suppressed)
        rows.append([r.theme_id, r.theme, m.label(r.attribute), r.group, r.n_group_txt if r.n_group < m.min_cell else r.n_group,
                     r.n_txt if hide else r.n, None if hide else _r(r.share), None if hide else _r(r.lo),
                     None if hide else _r(r.hi)])
    _sheet(wb, "Crosstab", ["Theme id", "Theme", "Attribute", "Group", "Respondents", "With this theme", "Share",
                            "95% CI low", "95% CI high"], rows, {2: 28, 4: 34},
           {5: "#,##0", 6: "#,##0", 7: "0%", 8: "0%", 9: "0%"})

    examples = {t.theme_id: " | ".join(t.quotes["quote"].head(3)) for t in m.themes}
    _sheet(wb, "Codebook", ["id", "name", "description", "keywords", "examples", "question", "status"],
           [[t.theme_id, t.name, t.description, "; ".join(t.keywords), examples[t.theme_id], t.question,
             t.status] for t in m.themes],
           {2: 30, 3: 50, 4: 40, 5: 80, 6: 40})

    run_rows: list[list] = [["report.title", m.title], ["report.created", m.created]]
    _flatten("report", {k: v for k, v in m.settings.items()}, run_rows)
    run_rows.append(["report.small_group_warnings", len(m.warnings)])
    _flatten("", {k: (m.source if k == "input" else v) for k, v in m.run.items() if k not in ("notes",)}, run_rows)
    _sheet(wb, "Run", ["Setting", "Value"], run_rows, {1: 36, 2: 70})
    wb.properties.creator = "themes"
    wb.properties.title = m.title
    wb.save(str(path))
