"""Plain functions behind the CLI commands: read files, run the pipeline, write files."""

from __future__ import annotations

from pathlib import Path

from .config import Settings
from .errors import ConfigError, OutputError
from .ingest import load_corpus, read_table
from .outputs import check_outdir, write_result
from .progress import Reporter


def extract_file(input: Path, out: Path, *, text=None, id=None, by=(), question=None, sheet=None,
                 codebook: Path | None = None, force: bool = False, quiet: bool = False, **settings) -> Path:
    """`themes extract`: read INPUT, discover themes (seeded by a codebook if given), write OUTDIR atomically."""
    from .codebook import load_codebook
    from .pipeline import extract

    check_outdir(Path(out), force)  # fail before the slow work, not after
    book = load_codebook(codebook) if codebook is not None else None
    corpus = load_corpus(input, text=text, id=id, by=by, question=question, sheet=sheet)
    result = extract(corpus, settings=Settings(**settings), quiet=quiet, codebook=book)
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
    """`themes label`: apply a saved model (or a codebook) to INPUT, write OUTDIR atomically."""
    from .codebook import Codebook
    from .pipeline import label, resolve_model

    check_outdir(Path(out), force)
    theme_model = resolve_model(model)
    default_by = () if isinstance(theme_model, Codebook) else theme_model.by
    corpus = load_corpus(input, text=text, id=id, by=by or default_by, question=question, sheet=sheet)
    overrides = {k: v for k, v in overrides.items() if v is not None}
    result = label(theme_model, corpus, quiet=quiet, **overrides)
    write_result(result, out, force=force)
    summary(result, out, Reporter(quiet))
    return Path(out)


def codebook_export(model: Path, out: Path, force: bool = False, quiet: bool = False) -> Path:
    """`themes codebook export`: the model's themes as a YAML codebook."""
    from .codebook import codebook_from_model, write_codebook
    from .persist import load_model

    out = Path(out)
    if out.exists() and not force:
        raise OutputError(f"{out}: file exists. Use --force to replace it, or choose another -o.")
    book = codebook_from_model(load_model(model))
    write_codebook(book, out)
    Reporter(quiet).say(f"Wrote {len(book)} themes to {out}. Edit names, descriptions, keywords and examples, then "
                        f"`themes codebook import {out} {model}`, or use it with `themes extract --codebook {out}`.")
    return out


def codebook_import(codebook: Path, model: Path, quiet: bool = False) -> list[str]:
    """`themes codebook import`: bring a hand-edited codebook's changes into the model, as edits."""
    from .codebook import apply_codebook, load_codebook
    from .persist import find_model, load_model, replace_model

    folder = find_model(model)
    theme_model, notes = apply_codebook(load_model(folder), load_codebook(codebook))
    reporter = Reporter(quiet)
    if any(not n.startswith("themes ") for n in notes):
        replace_model(theme_model, folder)
    for note in notes:
        reporter.say(f"  {note}")
    reporter.say(f"{sum(1 for n in notes if not n.startswith('themes '))} theme(s) changed in {folder}.")
    return notes


EDIT_USAGE = ("themes edit MODEL rename ID \"New name\" | merge ID ID [ID ...] [--name \"Name\"] | "
              "split ID [--parts 2] | delete ID")


def _ids(args: list[str], n: int | None) -> list[int]:
    try:
        ids = [int(a) for a in args]
    except ValueError:
        raise ConfigError(f"Theme ids are whole numbers (see themes.csv); got {' '.join(args)}. Usage: {EDIT_USAGE}") from None
    if n is not None and len(ids) != n:
        raise ConfigError(f"Expected {n} theme id(s), got {len(ids)}. Usage: {EDIT_USAGE}")
    return ids


def edit_model(model: Path, action: str, args: list[str], *, name: str | None = None, parts: int = 2,
               quiet: bool = False) -> str:
    """`themes edit`: rename, merge, split or delete themes in a saved model (recorded in its manifest)."""
    from . import edits
    from .persist import find_model, load_model, replace_model

    folder = find_model(model)
    m = load_model(folder)
    action = action.lower()
    if action == "rename":
        if len(args) != 2:
            raise ConfigError(f"rename takes a theme id and the new name. Usage: {EDIT_USAGE}")
        m = edits.rename(m, _ids(args[:1], 1)[0], args[1])
        done = f"theme {args[0]} is now '{args[1]}'"
    elif action == "merge":
        ids = _ids(args, None)
        m = edits.merge(m, ids, name=name)
        done = f"themes {', '.join(map(str, ids))} merged into theme {ids[0]} '{m.table.at[m.position(ids[0]), 'name']}'"
    elif action == "split":
        tid = _ids(args, 1)[0]
        m = edits.split(m, tid, parts=parts)
        done = (f"theme {tid} split into themes {', '.join(map(str, m.edits[-1]['into']))} "
                f"(segments {', '.join(map(str, m.edits[-1]['sizes']))}); rename them after reading them")
    elif action == "delete":
        tid = _ids(args, 1)[0]
        m = edits.delete(m, tid)
        done = f"theme {tid} deleted: answers near it will be left unassigned"
    else:
        raise ConfigError(f"Unknown edit '{action}'. Usage: {EDIT_USAGE}")
    replace_model(m, folder)
    Reporter(quiet).say(f"{done}. Saved {folder} ({len(m.edits)} edits recorded).")
    return done


def train_file(input: Path, out: Path, *, labels: str, text=None, id=None, by=(), question=None, sheet=None,
               sep: str = ";", force: bool = False, quiet: bool = False, **settings) -> Path:
    """`themes train`: fit a classifier model on hand-labelled responses, write MODEL atomically."""
    from .persist import replace_model
    from .pipeline import train

    out = Path(out)
    check_outdir(out, force)
    frame = read_table(input, sheet=sheet)
    model = train(frame, labels, text=text, id=id, by=by, question=question, sep=sep,
                  settings=Settings(**settings), quiet=quiet, source=str(input))
    replace_model(model, out)
    info = model.info
    Reporter(quiet).say(
        f"Trained on {info['n_train']} labelled responses: {len(model.classifier.labels)} labels; held-out "
        f"micro-F1 {info['heldout_micro_f1']:.3f} ({info['folds']} folds). Wrote {out}/. "
        f"Label with `themes label {out} NEW.csv -o labelled/`.")
    return out
