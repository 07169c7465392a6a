"""Inline SVG charts for the HTML report (no scripts, no external files; hover shows a tooltip)."""

from __future__ import annotations

from html import escape

import pandas as pd

from themes.report.style import NHS_BLUE, NHS_DARK_GREY, NHS_MID_GREY, NHS_PALE_GREY

ROW = 24
LABEL_W = 165
PLOT_W = 220
RIGHT_W = 44


def _short(text: str, n: int = 26) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1].rstrip() + "\u2026"


def bars_svg(rows: list[dict], title: str, min_cell: int, css_class: str = "chart bars") -> str:
    """Horizontal bars with 95% CI whiskers. Each row: label, share, lo, hi, hidden (bool), tip."""
    top, bottom = 8, 26
    height = top + ROW * len(rows) + bottom
    width = LABEL_W + PLOT_W + RIGHT_W
    x0 = LABEL_W

    def sx(v: float) -> float:
        return round(x0 + PLOT_W * v, 1)

    out = [f'<svg class="{css_class}" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">', f"<title>{escape(title)}</title>"]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = sx(tick)
        out.append(f'<line x1="{x}" y1="{top - 4}" x2="{x}" y2="{height - bottom + 2}" stroke="{NHS_PALE_GREY}"/>')
        out.append(f'<text x="{x}" y="{height - bottom + 16}" text-anchor="middle" class="tick">{int(tick * 100)}%</text>')
    for k, r in enumerate(rows):
        y = top + k * ROW
        mid = y + ROW / 2
        out.append(f'<g class="bar-row"><title>{escape(r["tip"])}</title>')
        out.append(f'<rect x="0" y="{y}" width="{width}" height="{ROW}" fill="transparent"/>')
        out.append(f'<text x="{x0 - 8}" y="{mid + 4}" text-anchor="end" class="label">{escape(_short(r["label"]))}</text>')
        if r["hidden"]:
            out.append(f'<text x="{x0 + 4}" y="{mid + 4}" class="suppressed" fill="{NHS_MID_GREY}">'
                       f'&lt;{min_cell} (suppressed)</text></g>')
            continue
        w = max(0.0, sx(r["share"]) - x0)
        out.append(f'<rect class="bar" x="{x0}" y="{y + 5}" width="{round(w, 1)}" height="{ROW - 10}" '
                   f'fill="{NHS_BLUE}" rx="2"/>')
        lo, hi = sx(r["lo"]), sx(r["hi"])
        out.append(f'<path class="ci" d="M{lo} {mid}H{hi}M{lo} {mid - 4}V{mid + 4}M{hi} {mid - 4}V{mid + 4}" '
                   f'stroke="{NHS_DARK_GREY}" fill="none"/>')
        out.append(f'<text x="{hi + 5}" y="{mid + 4}" class="value">{100 * r["share"]:.0f}%</text></g>')
    out.append("</svg>")
    return "".join(out)


def group_rows(groups: pd.DataFrame, min_cell: int) -> list[dict]:
    """bars_svg rows from a theme's group table (add_intervals columns)."""
    rows = []
    for g in groups.itertuples(index=False):
        if g.suppressed:
            tip = f"{g.group}: fewer than {min_cell} (suppressed)"
        else:
            tip = f"{g.group}: {g.n} of {g.n_group} ({g.pct_txt}; 95% CI {g.ci_txt})"
        rows.append({"label": g.group, "share": g.share, "lo": g.lo, "hi": g.hi, "hidden": bool(g.suppressed),
                     "tip": tip})
    return rows
