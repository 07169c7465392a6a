"""Plain functions behind the CLI commands: read files, run the pipeline, write files."""

from __future__ import annotations

from pathlib import Path

from .config import Settings
from .ingest import load_corpus
from .outputs import check_outdir, write_result
from .progress import Reporter


def extract_file(input: Path, out: Path, *, text=None, id=None, by=(), question=None, sheet=None,
                 force: bool = False, quiet: bool = False, engine: str = "local", master: str = "local[2]",
                 out_format: str = "parquet", **settings) -> Path:
    """`themes extract`: read INPUT, discover themes, write OUTDIR atomically."""
    from .pipeline import extract

    check_outdir(Path(out), force)  # fail before the slow work, not after
    if engine != "local":
        result = extract(str(input), text=text, id=id, by=by, question=question, quiet=quiet, engine=engine,
                         master=master, out=out, out_format=out_format, force=force, settings=Settings(**settings))
        summary(result, out, Reporter(quiet))
        return Path(out)
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
               force: bool = False, quiet: bool = False, engine: str = "local", master: str = "local[2]",
               out_format: str = "parquet", **overrides) -> Path:
    """`themes label`: apply a saved model to INPUT block by block, write OUTDIR atomically."""
    from .persist import load_model
    from .pipeline import label
    from .stream import label_file as label_stream

    check_outdir(Path(out), force)
    if engine != "local":
        result = label(load_model(model), str(input), text=text, id=id, by=by, question=question, quiet=quiet,
                       engine=engine, master=master, out=out, out_format=out_format, force=force, **overrides)
        summary(result, out, Reporter(quiet))
        return Path(out)
    result = label_stream(load_model(model), input, out, text=text, id=id, by=by, question=question, sheet=sheet,
                          force=force, quiet=quiet, **overrides)
    summary(result, out, Reporter(quiet))
    return Path(out)
