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


def export_file(path: Path, *, qdpx: Path | None = None, qdc: Path | None = None, force: bool = False,
                quiet: bool = False) -> dict:
    """`themes export`: an OUTDIR as a REFI-QDA project (.qdpx) and/or its codebook (.qdc)."""
    from .errors import ConfigError
    from .refi import check_target, write_qdc
    from .refi_project import load_codebook, write_qdpx

    if qdpx is None and qdc is None:
        raise ConfigError("Nothing to export: give --qdpx FILE.qdpx (project) and/or --qdc FILE.qdc (codebook).")
    for target, suffix in ((qdpx, ".qdpx"), (qdc, ".qdc")):
        if target is not None:
            check_target(target, force, suffix)  # both names checked before anything is written
    reporter = Reporter(quiet)
    done: dict = {}
    if qdpx is not None:
        counts = write_qdpx(path, qdpx, force=force)
        done["qdpx"] = counts
        reporter.say(f"Wrote {qdpx}: {counts['sources']} sources, {counts['cases']} cases, {counts['codes']} codes, "
                     f"{counts['selections']} coded segments.")
        if counts["sources_beyond_bmp"]:
            reporter.say(f"Note: {counts['sources_beyond_bmp']} answers hold characters such as emoji; offsets count "
                         "them as one character, and programs that count UTF-16 units may shift the coding "
                         "after them by one place (see docs/refi-qda.md).")
    if qdc is not None:
        codebook = load_codebook(path)
        write_qdc(codebook, qdc, force=force)
        done["qdc"] = {"codes": len(codebook["themes"])}
        reporter.say(f"Wrote {qdc}: {len(codebook['themes'])} codes.")
    return done
