"""The agreement tables `themes evaluate` prints (rich)."""

from __future__ import annotations

from pathlib import Path

from themes.evaluate.coders import coder_table


def print_evaluation(ev, target: Path) -> None:
    """The summary, the two-coder table and one row per human code, then the notes and files."""
    from rich.console import Console
    from rich.table import Table

    s = ev.summary
    console = Console()
    head = Table(title=f"Agreement with {s['gold']} ({s['gold_col']}), {s['n_scored']} responses",
                 header_style="bold")
    head.add_column("Measure")
    head.add_column("Value", justify="right")
    rows = [("NMI (primary theme vs first code)", fmt(s["nmi"])), ("ARI", fmt(s["ari"])),
            ("Accuracy after one-to-one matching", fmt(s["hungarian_accuracy"])),
            (f"Theme recovery F1 (mean over codes with >= {s['min_gold_size']} responses)", fmt(s["recovery_f1"])),
            ("Theme recovery F1, weighted by code size", fmt(s["recovery_f1_weighted"])),
            ("Cohen's kappa (all decisions)", fmt(s["kappa"])),
            ("Krippendorff's alpha (all decisions)", fmt(s["alpha"])),
            ("Unassigned (of responses with content)", f"{100 * s['unassigned_share']:.1f}%"),
            ("Themes / human codes", f"{s['n_themes']} / {s['n_gold_labels']}")]
    for row in rows:
        head.add_row(*row)
    console.print(head)
    console.print(coder_table(s))
    per = Table(title="Each human code and its theme "
                      f"({'the theme of its own name' if s['matching'] == 'by name' else 'best overlap'})",
                header_style="bold")
    for col in ("Human code", "n", "Theme", "F1", "Kappa", "Alpha"):
        per.add_column(col, justify="left" if col in ("Human code", "Theme") else "right")
    for r in ev.recovery.itertuples(index=False):
        theme = f"{r.theme} {r.theme_name}" if r.theme is not None else "-"
        per.add_row(str(r.gold), str(r.n_gold), theme, fmt(r.f1), fmt(r.kappa), fmt(r.alpha))
    console.print(per)
    for note in ev.notes:
        console.print(f"Note: {note}")
    console.print(f"{len(ev.disagreements)} responses where tool and human codes differ: "
                  f"{target}/disagreements.csv. Wrote evaluation.json and evaluation_crosstab.csv to {target}/")


def fmt(v) -> str:
    return "-" if v is None or v != v else f"{v:.2f}"
