"""One self-contained HTML file: styles, scripts, charts (inline SVG) and map data all inline.

Nothing is fetched when the page opens (no CDN, no fonts, no images from elsewhere), so it works
offline and can be emailed or put on an intranet as it is.
"""

from __future__ import annotations

from html import escape
from importlib import resources

from themes.io.safe import script_json
from themes.report.build import ReportModel, ThemeView
from themes.report.selection import group_quotes
from themes.report.style import (
    UNASSIGNED_COLOUR,
    counts_line,
    disclosure_note,
    pct,
    plural,
    redaction_note,
    theme_colour,
)
from themes.report.svg import bars_svg, group_rows


def _asset(name: str) -> str:
    return resources.files("themes.report").joinpath("assets", name).read_text(encoding="utf-8")


def _share_cell(share: float, lo: float, hi: float) -> str:
    return (f'<div class="share"><div class="track"><div class="fill" style="width:{100 * share:.1f}%"></div>'
            f'<div class="ci" style="left:{100 * lo:.1f}%;width:{100 * max(hi - lo, 0):.1f}%"></div></div>'
            f"<span>{pct(share)}</span></div>")


def _cards(m: ReportModel) -> str:
    c = m.counts
    items = [(c.get("rows", len(m.responses)), "responses"),
             *([(c["respondents"], "respondents")] if c.get("respondents") else []),
             (c.get("rows", 0) - c.get("no_content", 0), "with an answer"),
             (c.get("labelled", 0), "in at least one theme"),
             (len(m.themes), "themes")]
    if len(m.questions) > 1:
        items.append((len(m.questions), "questions"))
    return '<div class="cards">' + "".join(
        f'<div class="card"><span class="num">{n:,}</span><span class="lbl">{escape(lab)}</span></div>'
        for n, lab in items) + "</div>"


def _overview(m: ReportModel) -> str:
    out = ['<section id="overview"><h2>Overview</h2>', _cards(m),
           f'<p class="note">{escape(redaction_note(m.redacted))} {escape(disclosure_note(m.min_cell))}</p>']
    for q in m.questions:
        themes = m.themes_for(q)
        if q:
            out.append(f'<h3 class="question">{escape(q)}</h3>')
        out.append('<table class="overview"><colgroup><col style="width:24%"><col><col style="width:11%">'
                   '<col style="width:27%"></colgroup><thead><tr><th>Theme</th><th>What it covers</th>'
                   '<th class="num">Responses</th><th>Share of those who answered (95% CI)</th></tr></thead><tbody>')
        for t in themes:
            tot = t.totals
            ci = f' title="95% CI {escape(tot.get("ci_txt", ""))} of {tot.get("n_group_txt", "")}"' if tot else ""
            share = (_share_cell(t.share, tot.get("lo", t.share), tot.get("hi", t.share)) if t.share_txt
                     else '<span class="muted">suppressed</span>')
            out.append(f'<tr><td><a href="#{t.anchor}">{escape(t.name)}</a></td>'
                       f'<td class="desc">{escape(t.description)}</td><td class="num">{escape(t.n_txt)}</td>'
                       f"<td{ci if t.share_txt else ''}>{share}</td></tr>")
        out.append("</tbody></table>")
    out.append("</section>")
    return "".join(out)


def _heat_colour(share: float) -> str:
    # white -> NHS blue
    a = min(max(share, 0.0), 1.0) ** 0.8
    r, g, b = (int(round(255 + (c - 255) * a)) for c in (0, 94, 184))
    ink = "#fff" if a > 0.55 else "#212B32"
    return f"background:rgb({r},{g},{b});color:{ink}"


def _heatmap(m: ReportModel, col: str, themes: list[ThemeView]) -> str:
    table = m.crosstab[(m.crosstab["attribute"] == col) & m.crosstab["theme_id"].isin([t.theme_id for t in themes])]
    if table.empty:
        return ""
    groups = list(dict.fromkeys(table["group"]))
    sizes = table.drop_duplicates("group").set_index("group")["n_group_txt"]
    head = "".join(f'<th class="grp"><b>{escape(g)}</b>n{"" if str(sizes[g]).startswith("<") else "="}'
                   f'{escape(str(sizes[g]))}</th>' for g in groups)
    rows = []
    for t in themes:
        part = table[table["theme_id"] == t.theme_id].set_index("group")
        cells = []
        for g in groups:
            if g not in part.index:
                cells.append('<td class="cell">\u2013</td>')
                continue
            r = part.loc[g]
            if r["suppressed"]:
                cells.append(f'<td class="cell sup" title="{escape(g)}: suppressed">{escape(r["n_txt"])}</td>')
            else:
                tip = f'{g}: {r["n"]} of {r["n_group"]} ({r["pct_txt"]}, 95% CI {r["ci_txt"]})'
                cells.append(f'<td class="cell" style="{_heat_colour(r["share"])}" title="{escape(tip)}">'
                             f'{escape(r["pct_txt"])}</td>')
        rows.append(f'<tr><td><a href="#{t.anchor}">{escape(t.name)}</a></td>{"".join(cells)}</tr>')
    width = f"width:min(100%,{190 + 125 * len(groups)}px)"
    return (f'<table class="heat chart" style="{width}"><thead><tr><th>Theme</th>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _prevalence(m: ReportModel) -> str:
    if not m.by:
        return ""
    out = ['<section id="groups"><h2>Themes by group</h2>',
           '<p>The share of each group whose answer holds the theme. Hover over a cell for the count and the 95% '
           'confidence interval. Hatched cells are suppressed small numbers.</p>']
    for col in m.by:
        out.append(f'<h3 id="by-{escape(col)}">By {escape(m.label(col))}</h3>')
        for q in m.questions:
            if q and len(m.questions) > 1:
                out.append(f'<p class="question">{escape(q)}</p>')
            out.append(_heatmap(m, col, m.themes_for(q)))
    out.append("</section>")
    return "".join(out)


def _map_json(m: ReportModel) -> str:
    pts = m.map_points
    themes, index = [], {}
    for q_pos, q in enumerate(m.questions):
        for k, t in enumerate(m.themes_for(q)):
            index[t.theme_id] = len(themes)
            themes.append({"name": t.name, "colour": theme_colour(k), "question": q_pos})
    q_index = {q: k for k, q in enumerate(m.questions)}
    points = [[round(float(x), 4), round(float(y), 4), index.get(int(t), -1),
               q_index.get(q, 0), text]
              for x, y, t, q, text in zip(pts["x"], pts["y"], pts["theme_id"], pts["question"], pts["text"])]
    data = {"themes": themes, "points": points, "unassigned": UNASSIGNED_COLOUR}
    return script_json(data)


def _map(m: ReportModel) -> str:
    if m.map_points is None or m.map_points.empty:
        return ('<section id="map-section"><h2>Map of answers</h2><p class="muted">No map: this output folder has '
                'no x, y columns in segments.csv. Run `themes extract` again with this version.</p></section>')
    options = ""
    if len(m.questions) > 1:
        options = ('<label>Question <select id="map-question">' + "".join(
            f'<option value="{k}">{escape(q)}</option>' for k, q in enumerate(m.questions)) + "</select></label>")
    n = len(m.map_points)
    return (f'<section id="map-section"><h2>Map of answers</h2><p>Each dot is a sentence from an answer, placed near '
            f"sentences with a similar meaning and coloured by its theme. Hover over a dot to read it; click a theme "
            f"below to hide or show it. ({plural(n, 'sentence')} shown.)</p>"
            f'<div class="map-controls">{options}</div><div class="map-wrap"><canvas id="map" class="chart" '
            f'aria-label="Map of answer sentences coloured by theme"></canvas><div id="map-tip"></div></div>'
            f'<div id="map-legend" class="map-legend"></div>'
            f'<script type="application/json" id="map-data">{_map_json(m)}</script></section>')


def _quotes(m: ReportModel, t: ThemeView) -> str:
    if t.quotes.empty:
        return '<p class="muted">No quotes.</p>'
    views, tabs = [], []
    keys = list(m.by) or [""]
    for k, col in enumerate(keys):
        parts = []
        for group, part in group_quotes(t.quotes, col or None):
            items = "".join(f'<blockquote><p>\u201c{escape(q.quote)}\u201d</p>'
                            + (f"<footer>\u2014 {escape(q.attribution)}</footer>" if q.attribution else "")
                            + "</blockquote>" for q in part.itertuples(index=False))
            heading = f"<h4>{escape(group)}</h4>" if group else ""
            parts.append(f'<div class="quote-group">{heading}{items}</div>')
        hide = " hidden" if k else ""
        views.append(f'<div class="quote-view" data-by="{escape(col)}"{hide}>{"".join(parts)}</div>')
        tabs.append(f'<button type="button" data-by="{escape(col)}" class="{"on" if k == 0 else ""}">'
                    f"{escape(m.label(col))}</button>")
    tabbar = f'<div class="quote-tabs">Group quotes by {"".join(tabs)}</div>' if len(keys) > 1 else ""
    return f'<div class="quotes"><h3>What respondents said</h3>{tabbar}{"".join(views)}</div>'


def _theme(m: ReportModel, t: ThemeView) -> str:
    """One theme: an h2 section alone, an h3 section under its question's h2."""
    tot = t.totals
    meta = [f"<span><strong>{escape(t.n_txt)}</strong> responses</span>"]
    if t.share_txt:
        meta.append(f"<span><strong>{escape(t.share_txt)}</strong> of those who answered"
                    + (f" (95% CI {escape(tot['ci_txt'])})" if tot.get("ci_txt") else "") + "</span>")
    if t.question and not m.by_question:
        meta.append(f'<span class="question">{escape(t.question)}</span>')
    h = "h3" if m.by_question else "h2"
    kws = "".join(f'<span class="kw">{escape(k)}</span>' for k in t.keywords[:8])
    charts = "".join(
        f"<figure><figcaption>By {escape(m.label(col))}</figcaption>"
        f"{bars_svg(group_rows(g, m.min_cell), f'{t.name}: share by {col}', m.min_cell)}</figure>"
        for col, g in t.groups.items() if len(g))
    return (f'<section id="{t.anchor}" class="theme"><{h}>{escape(t.name)}</{h}>'
            f'<div class="theme-meta">{"".join(meta)}</div><p>{escape(t.description)}</p>'
            f'<p class="muted">Keywords: {kws}</p>'
            + (f'<div class="charts">{charts}</div>' if charts else "") + _quotes(m, t) + "</section>")


def _themes(m: ReportModel) -> str:
    """The themes, under an h2 for each question (in the input's order) when there are questions."""
    if not m.by_question:
        return "".join(_theme(m, t) for t in m.themes)
    return "".join(f'<section id="question-{k}" class="question-section"><h2>{escape(q or "Other answers")}</h2>'
                   + "".join(_theme(m, t) for t in m.themes_for(q)) + "</section>"
                   for k, q in enumerate(m.questions, 1))


def _toc(m: ReportModel) -> str:
    items = ['<li><a href="#overview">Overview</a></li>']
    if m.by:
        items.append('<li><a href="#groups">Themes by group</a></li>')
    items.append('<li><a href="#map-section">Map of answers</a></li>')
    for k, q in enumerate(m.questions):
        if m.by_question:
            items.append(f'<li class="q"><a href="#question-{k + 1}">{escape(q or "Other answers")}</a></li>')
        items += [f'<li><a href="#{t.anchor}">{escape(t.name)}</a></li>' for t in m.themes_for(q)]
    items.append('<li class="q"><a href="#method">How this report was made</a></li>')
    return f'<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>{"".join(items)}</ol></nav>'


def _method(m: ReportModel) -> str:
    v = m.run.get("versions", {})
    emb = v.get("embedder", {}) if isinstance(v.get("embedder"), dict) else {}
    return (f'<section id="method"><h2>How this report was made</h2><p>Answers were split into sentences, each '
            f"sentence was turned into a vector by the {escape(str(emb.get('name', 'sentence embedding')))} model on "
            f"this computer, and similar sentences were grouped into themes. An answer counts towards every theme one "
            f"of its sentences belongs to, so shares add up to more than 100%. Quotes are sentences close to the "
            f"centre of their theme, chosen to differ from each other and to come from different groups; no answer "
            f"is quoted twice.</p><p>{escape(disclosure_note(m.min_cell))} {escape(redaction_note(m.redacted))}</p>"
            f'<p class="muted">Source: {escape(m.source)}. themes {escape(str(v.get("themes", "")))}, seed '
            f"{escape(str(m.run.get('seed', '')))}, run {escape(str(m.run.get('created', '')))}.</p></section>")


def render_html(m: ReportModel) -> str:
    body = _overview(m) + _prevalence(m) + _map(m) + _themes(m) + _method(m)
    sub = f"{escape(m.source)} \u00b7 {escape(counts_line(m))} \u00b7 {m.created}"
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
            f"script-src 'unsafe-inline'; img-src data:\">"
            f"<title>{escape(m.title)}</title><style>{_asset('report.css')}</style></head><body>"
            f'<header class="masthead"><h1>{escape(m.title)}</h1><p>{sub}</p></header>'
            f'<div class="layout">{_toc(m)}<main>{body}</main></div>'
            f'<footer class="page">Made with themes, offline. This page loads nothing from the internet.</footer>'
            f"<script>{_asset('report.js')}</script></body></html>\n")
