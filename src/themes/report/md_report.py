"""Markdown for pasting into other tools; charts are PNG files in a folder beside it."""

from __future__ import annotations

from themes.io.safe import md_escape
from themes.report.build import ReportModel, ThemeView
from themes.report.charts import question_chart, theme_chart
from themes.report.selection import group_quotes
from themes.report.style import counts_line, disclosure_note, plural, redaction_note


def _cell(value) -> str:
    return md_escape(value).replace("|", "\\|")


def _table(header: list[str], rows: list[list], right: set[int] = frozenset()) -> list[str]:
    align = ["---:" if k in right else "---" for k in range(len(header))]
    out = ["| " + " | ".join(_cell(h) for h in header) + " |", "| " + " | ".join(align) + " |"]
    out += ["| " + " | ".join(_cell(v) for v in r) + " |" for r in rows]
    return out + [""]


def _theme(m: ReportModel, t: ThemeView, charts: dict[str, bytes], chart_dir: str) -> list[str]:
    h = "###" if m.by_question else "##"  # under its question's ## heading
    lines = [f"{h} {md_escape(t.name)}", ""]
    ci = f"; 95% CI {t.totals['ci_txt']}" if t.totals.get("ci_txt") else ""
    share = f" ({t.share_txt} of those who answered{ci})" if t.share_txt else ""
    lines += [f"**{t.n_txt} responses**{share}."
              + (f" Question: *{md_escape(t.question)}*" if t.question and not m.by_question else ""), ""]
    if t.description:
        lines += [md_escape(t.description), ""]
    if t.keywords:
        lines += ["Keywords: " + md_escape(", ".join(t.keywords[:8])), ""]
    rows = [[m.label(col), g.group, g.n_group_txt, g.n_txt, g.pct_txt, g.ci_txt]
            for col, groups in t.groups.items() for g in groups.itertuples(index=False)]
    if rows:
        lines += _table(["Attribute", "Group", "Respondents", "With this theme", "%", "95% CI"], rows, {2, 3, 4, 5})
        png = theme_chart(m, t)
        if png:
            name = f"theme-{t.theme_id}.png"
            charts[name] = png
            lines += [f"![{_cell(t.name)}: share by group]({chart_dir}/{name})", ""]
    lines += [f"{h}# What respondents said", ""]
    if t.quotes.empty:
        lines += ["_No quotes._", ""]
    for group, part in group_quotes(t.quotes, m.by[0] if m.by else None):
        if group:
            lines += [f"{h}## {md_escape(group)}", ""]
        for q in part.itertuples(index=False):
            lines += [f"> \u201c{md_escape(q.quote)}\u201d"]
            if q.attribution:
                lines += [">", f"> \u2014 {md_escape(q.attribution)}"]
            lines += [""]
    return lines


def render_markdown(m: ReportModel, chart_dir: str) -> tuple[str, dict[str, bytes]]:
    """The Markdown text and the PNG charts it links to ({file name: bytes} inside chart_dir)."""
    charts: dict[str, bytes] = {}
    lines = [f"# {md_escape(m.title)}", "",
             f"{md_escape(m.source)} \u00b7 {counts_line(m)} \u00b7 "
             f"{plural(len(m.themes), 'theme')} \u00b7 {m.created}", "",
             f"_{redaction_note(m.redacted)} {disclosure_note(m.min_cell)}_", "", "## Summary", ""]
    for k, q in enumerate(m.questions, 1):
        themes = m.themes_for(q)
        if q:
            lines += [f"### {md_escape(q)}", ""]
        lines += _table(["Theme", "Responses", "Share of those who answered", "95% CI"],
                        [[t.name, t.n_txt, t.share_txt, t.totals.get("ci_txt", "")] for t in themes], {1, 2, 3})
        png = question_chart(m, q)
        if png:
            charts[f"overview-{k}.png"] = png
            lines += [f"![Share of respondents by theme]({chart_dir}/overview-{k}.png)", ""]
    for q in m.questions:  # in the input's order
        if m.by_question:
            lines += [f"## {md_escape(q or 'Other answers')}", ""]
        for t in m.themes_for(q):
            lines += _theme(m, t, charts, chart_dir)
    return "\n".join(lines).rstrip() + "\n", charts
