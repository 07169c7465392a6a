"""Word document (python-docx): title page, summary, one section per theme, notes on method."""

from __future__ import annotations

import io
from pathlib import Path

from themes.report.build import ReportModel, ThemeView
from themes.report.charts import question_chart, theme_chart
from themes.report.selection import group_quotes
from themes.report.style import NHS_BLUE, NHS_DARK_GREY, counts_line, disclosure_note, plural, redaction_note

HEADER_FILL = NHS_BLUE.lstrip("#")
ZEBRA_FILL = "F0F4F5"


def _rgb(hex_colour: str):
    from docx.shared import RGBColor

    return RGBColor.from_string(hex_colour.lstrip("#"))


def _shade(cell, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    props = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    props.append(shd)


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    props = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    props.append(el)


def _table(doc, header: list[str], rows: list[list[str]], numeric: set[int] = frozenset(), widths=None):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.autofit = False
    _repeat_header(table.rows[0])
    for k, text in enumerate(header):
        cell = table.rows[0].cells[k]
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        run.font.color.rgb = _rgb("FFFFFF")
        _shade(cell, HEADER_FILL)
    for r, values in enumerate(rows):
        cells = table.add_row().cells
        for k, text in enumerate(values):
            cells[k].text = str(text)
            if k in numeric:
                cells[k].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
            if r % 2:
                _shade(cells[k], ZEBRA_FILL)
    if widths:
        for k, col in enumerate(table.columns):
            col.width = Cm(widths[k])
    for row in table.rows:
        for k, cell in enumerate(row.cells):
            for p in cell.paragraphs:
                p.paragraph_format.space_after = Pt(0)
                for run in p.runs:
                    run.font.size = Pt(9.5)
            if widths:
                cell.width = Cm(widths[k])
    doc.add_paragraph()
    return table


def _picture(doc, png: bytes | None, width_cm: float = 14.5) -> None:
    from docx.shared import Cm

    if png:
        doc.add_picture(io.BytesIO(png), width=Cm(width_cm))


def _page_number_footer(doc, text: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    p = doc.sections[0].footer.paragraphs[0]
    p.text = f"{text} \u00b7 page "
    run = p.add_run()
    for kind, value in (("begin", None), ("instr", " PAGE "), ("end", None)):
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = value
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        run._r.append(el)


def _styles(doc) -> None:
    from docx.shared import Cm, Pt

    section = doc.sections[0]  # A4, 2 cm margins
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.0))

    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10.5)
    for name, size in (("Title", 30), ("Heading 1", 18), ("Heading 2", 14), ("Heading 3", 12), ("Heading 4", 11)):
        st = doc.styles[name]
        st.font.name = "Arial"
        st.font.size = Pt(size)
        st.font.color.rgb = _rgb(NHS_BLUE if name in ("Title", "Heading 1", "Heading 2") else NHS_DARK_GREY)
    quote = doc.styles["Quote"]
    quote.font.name = "Arial"
    quote.font.size = Pt(10.5)
    quote.font.color.rgb = _rgb("212B32")
    quote.paragraph_format.left_indent = Pt(18)
    quote.paragraph_format.space_after = Pt(8)


def _title_page(doc, m: ReportModel) -> None:
    from docx.enum.text import WD_BREAK
    from docx.shared import Pt

    for _ in range(6):
        doc.add_paragraph()
    doc.add_paragraph(m.title, style="Title")
    sub = doc.add_paragraph(style="Subtitle")
    sub.add_run(f"{counts_line(m)}, {plural(len(m.themes), 'theme')}")
    doc.add_paragraph(f"Source: {m.source}")
    doc.add_paragraph(m.created)
    for _ in range(8):
        doc.add_paragraph()
    note = doc.add_paragraph(f"{redaction_note(m.redacted)} {disclosure_note(m.min_cell)}")
    for run in note.runs:
        run.font.size = Pt(9)
        run.font.color.rgb = _rgb(NHS_DARK_GREY)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _summary(doc, m: ReportModel) -> None:
    doc.add_heading("Summary", level=1)
    c = m.counts
    doc.add_paragraph(
        f"{plural(int(c.get('rows', 0)), 'response')} were read; {int(c.get('rows', 0)) - int(c.get('no_content', 0)):,} "
        f"gave an answer and {int(c.get('labelled', 0)):,} of those fit at least one theme. An answer can hold "
        "several themes, so the shares add up to more than 100%.")
    for q in m.questions:
        themes = m.themes_for(q)
        if q:
            doc.add_heading(q, level=2)
        rows = [[t.name, t.n_txt, t.share_txt, t.totals.get("ci_txt", "")] for t in themes]
        _table(doc, ["Theme", "Responses", "Share of those who answered", "95% CI"], rows, {1, 2, 3},
               widths=[7.5, 2.5, 3.5, 2.5])
        _picture(doc, question_chart(m, q))


def _theme(doc, m: ReportModel, t: ThemeView, level: int = 1) -> None:
    """One theme: Heading 1 alone, Heading 2 under its question."""
    from docx.shared import Pt

    heading = doc.add_heading(t.name, level=level)
    heading.paragraph_format.page_break_before = level == 1
    meta = doc.add_paragraph()
    shown = f" ({t.share_txt} of those who answered" if t.share_txt else " (of those who answered"
    meta.add_run(f"{t.n_txt} responses{shown}")
    meta.add_run(f"; 95% CI {t.totals['ci_txt']})" if t.totals.get("ci_txt") else ")")
    if t.question and level == 1:
        meta.add_run(f"\nQuestion: {t.question}").italic = True
    if t.description:
        doc.add_paragraph(t.description)
    if t.keywords:
        kw = doc.add_paragraph()
        kw.add_run("Keywords: ").bold = True
        kw.add_run(", ".join(t.keywords[:8]))
    rows = [[m.label(col) if k == 0 else "", g.group, g.n_group_txt, g.n_txt, g.pct_txt, g.ci_txt]
            for col, groups in t.groups.items() for k, g in enumerate(groups.itertuples(index=False))]
    if rows:
        doc.add_heading("By group", level=level + 1)
        _table(doc, ["Attribute", "Group", "Respondents", "With this theme", "%", "95% CI"], rows, {2, 3, 4, 5},
               widths=[2.4, 5.6, 2.7, 2.5, 1.4, 2.2])
        _picture(doc, theme_chart(m, t))
    doc.add_heading("What respondents said", level=level + 1)
    if t.quotes.empty:
        doc.add_paragraph("No quotes.")
    key = m.by[0] if m.by else None
    for group, part in group_quotes(t.quotes, key):
        if group:
            doc.add_heading(group, level=level + 2)
        for q in part.itertuples(index=False):
            p = doc.add_paragraph(style="Quote")
            p.add_run(f"\u201c{q.quote}\u201d")
            if q.attribution:
                who = p.add_run(f"\n\u2014 {q.attribution}")
                who.italic = False
                who.font.size = Pt(9)
                who.font.color.rgb = _rgb(NHS_DARK_GREY)


def _method(doc, m: ReportModel) -> None:
    doc.add_heading("How this report was made", level=1).paragraph_format.page_break_before = True
    doc.add_paragraph(
        "Answers were split into sentences, each sentence was turned into a vector by a sentence-embedding model "
        "running on this computer, and similar sentences were grouped into themes. An answer counts towards every "
        "theme one of its sentences belongs to. Quotes are sentences close to the centre of their theme, chosen to "
        "differ from each other and to come from different groups; no answer is quoted twice.")
    doc.add_paragraph(disclosure_note(m.min_cell))
    doc.add_paragraph(redaction_note(m.redacted))
    v = m.run.get("versions", {})
    doc.add_paragraph(f"Source: {m.source}; themes {v.get('themes', '')}; seed {m.run.get('seed', '')}; "
                      f"run {m.run.get('created', '')}.")


def write_docx(m: ReportModel, path: Path) -> None:
    import docx

    doc = docx.Document()
    _styles(doc)
    doc.core_properties.title = m.title
    doc.core_properties.author = "themes"
    doc.core_properties.comments = "Made with themes, offline."
    _page_number_footer(doc, m.title)
    _title_page(doc, m)
    _summary(doc, m)
    if m.by_question:  # Heading 1 the question, Heading 2 its themes, in the input's order
        for q in m.questions:
            doc.add_heading(q or "Other answers", level=1).paragraph_format.page_break_before = True
            for t in m.themes_for(q):
                _theme(doc, m, t, level=2)
    else:
        for t in m.themes:
            _theme(doc, m, t)
    _method(doc, m)
    doc.save(str(path))
