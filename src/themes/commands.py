"""Plain functions behind the CLI commands: read files, run the pipeline, write files."""

from __future__ import annotations

from pathlib import Path

from .config import Settings
from .ingest import load_corpus
from .outputs import check_outdir, write_result
from .progress import Reporter


def extract_file(input: Path, out: Path, *, text=None, id=None, by=(), question=None, sheet=None,
                 force: bool = False, quiet: bool = False, **settings) -> Path:
    """`themes extract`: read INPUT, discover themes, write OUTDIR atomically."""
    from .pipeline import extract

    check_outdir(Path(out), force)  # fail before the slow work, not after
    corpus = load_corpus(input, text=text, id=id, by=by, question=question, sheet=sheet)
    result = extract(corpus, settings=Settings(**settings), quiet=quiet)
    write_result(result, out, force=force, model=result.model)
    summary(result, out, Reporter(quiet))
    return Path(out)


def summary(result, out: Path, reporter: Reporter) -> None:
    c = result.run["counts"]
    reporter.say(
        f"{c['rows']} responses: {c['labelled']} labelled, {c['unassigned']} unassigned "
        f"({c['unassigned_pct']}% of those with content), {c['no_content']} without content; "
        f"{c['themes']} themes. Wrote {out}/"
    )
    if not reporter.quiet:
        for t in result.themes.head(15).itertuples(index=False):
            reporter.say(f"  {t.theme_id:>3}  {t.name:<40} {t.n_responses:>6} ({100 * t.share:.0f}%)")


def label_file(model: Path, input: Path, out: Path, *, text=None, id=None, by=(), question=None, sheet=None,
               force: bool = False, quiet: bool = False, **overrides) -> Path:
    """`themes label`: apply a saved model to INPUT, write OUTDIR atomically."""
    from .persist import load_model
    from .pipeline import label

    check_outdir(Path(out), force)
    theme_model = load_model(model)
    corpus = load_corpus(input, text=text, id=id, by=by or theme_model.by, question=question, sheet=sheet)
    result = label(theme_model, corpus, quiet=quiet, **overrides)
    write_result(result, out, force=force)
    summary(result, out, Reporter(quiet))
    return Path(out)


def evaluate_file(outdir: Path, gold: Path, gold_col: str, *, id=None, sep: str = ";", sheet=None,
                  out: Path | None = None, quiet: bool = False) -> Path:
    """`themes evaluate`: score OUTDIR against a gold file, print a table, write the files."""
    from .evaluate import evaluate_outdir, write_evaluation

    ev = evaluate_outdir(Path(outdir), Path(gold), gold_col, id_col=id, sep=sep, sheet=sheet)
    target = Path(out) if out is not None else Path(outdir)
    write_evaluation(ev, target)
    if not quiet:
        print_evaluation(ev, target)
    return target


def print_evaluation(ev, target: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    s = ev.summary
    console = Console()
    head = Table(title=f"Agreement with {s['gold']} ({s['gold_col']}), {s['n_scored']} responses",
                 header_style="bold")
    head.add_column("Measure")
    head.add_column("Value", justify="right")
    rows = [("NMI (primary theme vs first code)", _fmt(s["nmi"])), ("ARI", _fmt(s["ari"])),
            ("Accuracy after one-to-one matching", _fmt(s["hungarian_accuracy"])),
            (f"Theme recovery F1 (mean over codes with >= {s['min_gold_size']} responses)", _fmt(s["recovery_f1"])),
            ("Theme recovery F1, weighted by code size", _fmt(s["recovery_f1_weighted"])),
            ("Cohen's kappa (all decisions)", _fmt(s["kappa"])),
            ("Krippendorff's alpha (all decisions)", _fmt(s["alpha"])),
            ("Unassigned (of responses with content)", f"{100 * s['unassigned_share']:.1f}%"),
            ("Themes / human codes", f"{s['n_themes']} / {s['n_gold_labels']}")]
    for row in rows:
        head.add_row(*row)
    console.print(head)
    per = Table(title="Each human code and the theme that best matches it", header_style="bold")
    for col in ("Human code", "n", "Theme", "F1", "Kappa", "Alpha"):
        per.add_column(col, justify="left" if col in ("Human code", "Theme") else "right")
    for r in ev.recovery.itertuples(index=False):
        theme = f"{r.theme} {r.theme_name}" if r.theme is not None else "-"
        per.add_row(str(r.gold), str(r.n_gold), theme, _fmt(r.f1), _fmt(r.kappa), _fmt(r.alpha))
    console.print(per)
    for note in ev.notes:
        console.print(f"Note: {note}")
    console.print(f"{len(ev.disagreements)} responses where tool and human codes differ: "
                  f"{target}/disagreements.csv. Wrote evaluation.json and evaluation_crosstab.csv to {target}/")


def _fmt(v) -> str:
    return "-" if v is None or v != v else f"{v:.2f}"
