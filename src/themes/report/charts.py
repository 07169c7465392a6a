"""PNG charts (matplotlib, Agg backend) for the DOCX and Markdown reports."""

from __future__ import annotations

import io
import textwrap

import pandas as pd

from themes.report.style import NHS_BLUE, NHS_DARK_GREY, NHS_MID_GREY, NHS_PALE_GREY


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 9, "axes.edgecolor": NHS_MID_GREY,
                         "axes.labelcolor": NHS_DARK_GREY, "xtick.color": NHS_DARK_GREY,
                         "ytick.color": NHS_DARK_GREY, "svg.hashsalt": "themes"})
    return plt


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=130, bbox_inches="tight", metadata={"Software": None})
    fig.clf()
    return buf.getvalue()


def _bars(ax, labels, shares, los, his, hidden, min_cell: int, colour: str = NHS_BLUE) -> None:
    ys = list(range(len(labels)))[::-1]
    for y, s, lo, hi, hide in zip(ys, shares, los, his, hidden):
        if hide:
            ax.text(1.0, y, f"<{min_cell} (suppressed)", va="center", ha="left", color=NHS_MID_GREY, fontsize=8)
            continue
        ax.barh(y, 100 * s, color=colour, height=0.62)
        ax.plot([100 * lo, 100 * hi], [y, y], color=NHS_DARK_GREY, linewidth=1)
        for x in (lo, hi):
            ax.plot([100 * x, 100 * x], [y - 0.15, y + 0.15], color=NHS_DARK_GREY, linewidth=1)
        ax.text(100 * hi + 1.5, y, f"{100 * s:.0f}%", va="center", fontsize=8, color=NHS_DARK_GREY)
    ax.set_yticks(ys)
    ax.set_yticklabels([textwrap.shorten(str(lab), 42, placeholder="\u2026") for lab in labels])
    ax.set_xlim(0, 105)
    ax.set_ylim(-0.6, len(labels) - 0.4)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0f}%")
    ax.grid(axis="x", color=NHS_PALE_GREY)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def prevalence_png(groups: dict[str, pd.DataFrame], min_cell: int, title: str = "") -> bytes | None:
    """One panel per --by attribute: % of each group whose answer holds the theme, with 95% CIs."""
    panels = [(col, g) for col, g in groups.items() if len(g)]
    if not panels:
        return None
    plt = _pyplot()
    heights = [max(0.9, 0.24 * len(g) + 0.55) for _, g in panels]
    fig, axes = plt.subplots(len(panels), 1, figsize=(6.3, sum(heights) + 0.4),
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    for ax, (col, g) in zip(axes[:, 0], panels):
        _bars(ax, g["group"].tolist(), g["share"].tolist(), g["lo"].tolist(), g["hi"].tolist(),
              g["suppressed"].tolist(), min_cell)
        ax.set_title(f"By {col.replace('_', ' ')}", loc="left", fontsize=9, color=NHS_DARK_GREY, fontweight="bold")
    if title:
        fig.suptitle(title, x=0.02, ha="left", fontsize=10, fontweight="bold", color=NHS_DARK_GREY)
    fig.tight_layout()
    out = _png(fig)
    plt.close(fig)
    return out


def theme_chart(model, theme) -> bytes | None:
    """prevalence_png for one theme of a ReportModel, rendered once per report."""
    key = ("theme", theme.theme_id)
    if key not in model.charts:
        model.charts[key] = prevalence_png(theme.groups, model.min_cell)
    return model.charts[key]


def question_chart(model, question: str) -> bytes | None:
    """overview_png for the themes of one question of a ReportModel, rendered once per report."""
    key = ("question", question)
    if key not in model.charts:
        themes = model.themes_for(question)
        model.charts[key] = overview_png([t.name for t in themes], [t.share for t in themes],
                                         [t.totals.get("lo", t.share) for t in themes],
                                         [t.totals.get("hi", t.share) for t in themes])
    return model.charts[key]


def overview_png(names: list[str], shares: list[float], los: list[float], his: list[float],
                 title: str = "") -> bytes | None:
    """Share of respondents (who answered the question) whose answer holds each theme."""
    if not names:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.3, 0.26 * len(names) + 0.8))
    _bars(ax, names, shares, los, his, [False] * len(names), 0)
    if title:
        ax.set_title(textwrap.shorten(title, 90, placeholder="\u2026"), loc="left", fontsize=9,
                     color=NHS_DARK_GREY, fontweight="bold")
    fig.tight_layout()
    out = _png(fig)
    plt.close(fig)
    return out
