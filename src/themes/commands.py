"""Plain functions behind the CLI commands: read files, run the pipeline, write files."""

from __future__ import annotations

from pathlib import Path

from themes.config import Settings
from themes.errors import ConfigError, OutputError
from themes.io.corpus import load_corpus, read_table
from themes.io.outdir import check_outdir
from themes.progress import Reporter
from themes.steps import write_result


def extract_file(input: Path, out: Path, *, text=None, id=None, by=(), question=None, sheet=None, labels=None,
                 codebook: Path | None = None, force: bool = False, quiet: bool = False, engine: str = "local",
                 master: str = "local[2]", out_format: str = "parquet", encoding: str | None = None,
                 **settings) -> Path:
    """`themes extract`: read INPUT, discover themes (seeded by a codebook if given), write OUTDIR atomically."""
    from themes.exchange.files import load_codebook
    from themes.pipeline import extract

    check_outdir(Path(out), force, inputs=(input, codebook))  # fail before the slow work, not after
    book = load_codebook(codebook) if codebook is not None else None
    spark_only(engine, encoding)
    if engine != "local":
        result = extract(str(input), text=text, id=id, by=by, question=question, quiet=quiet, engine=engine,
                         master=master, out=out, out_format=out_format, force=force, settings=Settings(**settings),
                         encoding=encoding)
        summary(result, out, Reporter(quiet))
        return Path(out)
    corpus = load_corpus(input, text=text, id=id, by=by, question=question, sheet=sheet, labels=labels)
    result = extract(corpus, settings=Settings(**settings), quiet=quiet, codebook=book)
    write_result(result, out, force=force, model=result.model)
    summary(result, out, Reporter(quiet))
    return Path(out)


def spark_only(engine: str, encoding: str | None) -> None:
    if encoding is not None and engine == "local":
        raise ConfigError(f"--encoding {encoding}: is for --engine spark. The local engine reads UTF-8, UTF-16, "
                          "Windows-1252 and Latin-1 by itself (judged on the whole file) and says which it used.")


def summary(result, out: Path, reporter: Reporter) -> None:
    c = result.run["counts"]
    reporter.say(
        f"{c['rows']} responses: {c['labelled']} labelled, {c['unassigned']} unassigned "
        f"({c['unassigned_pct']}% of those with content), {c['no_content']} without content; "
        f"{c['themes']} themes. Wrote {out}/"
    )
    if not reporter.quiet:
        for line in theme_lines(result.themes, out):
            reporter.say(line)


def theme_lines(themes, out: Path, limit: int = 40) -> list[str]:
    """Every theme, grouped by question in the order the themes run (the input's), or the first
    ``limit`` and where the rest are."""
    lines, last = [], None
    for k, t in enumerate(themes.itertuples(index=False)):
        if k == limit:
            lines.append(f"  ... and {len(themes) - limit} more themes: see {Path(out) / 'themes.csv'}")
            break
        q = str(getattr(t, "question", "") or "")
        if q and q != last:
            lines.append(f"{q}")
            last = q
        lines.append(f"  {t.theme_id:>3}  {t.name:<40} {t.n_responses:>6} ({100 * t.share:.0f}%)")
    return lines


def label_file(model: Path, input: Path, out: Path, *, text=None, id=None, by=(), question=None, sheet=None, labels=None,
               force: bool = False, quiet: bool = False, engine: str = "local", master: str = "local[2]",
               out_format: str = "parquet", encoding: str | None = None, **overrides) -> Path:
    """`themes label`: apply a saved model (or a codebook) to INPUT, write OUTDIR atomically.
    Centroid models and codebooks label block by block (memory does not grow with the rows); a
    trained classifier labels the file in one piece."""
    from themes.engines.stream import label_file as label_stream
    from themes.model.codebook import Codebook
    from themes.pipeline import label
    from themes.steps import resolve_model

    check_outdir(Path(out), force, inputs=(model, input))
    theme_model = resolve_model(model)
    overrides = {k: v for k, v in overrides.items() if v is not None}
    spark_only(engine, encoding)
    if engine != "local":
        result = label(theme_model, str(input), text=text, id=id, by=by, question=question, quiet=quiet,
                       engine=engine, master=master, out=out, out_format=out_format, force=force, encoding=encoding,
                       **overrides)
    elif getattr(theme_model, "kind", "centroid") == "classifier":
        corpus = load_corpus(input, text=text, id=id, by=by or theme_model.by, question=question, sheet=sheet,
                             labels=labels)
        result = label(theme_model, corpus, quiet=quiet, **overrides)
        write_result(result, out, force=force)
    else:
        default_by = () if isinstance(theme_model, Codebook) else theme_model.by
        result = label_stream(theme_model, input, out, text=text, id=id, by=by or default_by, question=question,
                              sheet=sheet, force=force, quiet=quiet, labels=labels, **overrides)
    summary(result, out, Reporter(quiet))
    return Path(out)


def export_file(path: Path, *, qdpx: Path | None = None, qdc: Path | None = None, bertopic: Path | None = None,
                force: bool = False, quiet: bool = False) -> dict:
    """`themes export`: an OUTDIR as a REFI-QDA project (.qdpx), its codebook (.qdc) and/or a BERTopic folder."""
    from themes.errors import ConfigError
    from themes.exchange.bertopic import write_bertopic
    from themes.exchange.qdc import check_target, write_qdc
    from themes.exchange.qdpx import folder_codebook, write_qdpx

    if qdpx is None and qdc is None and bertopic is None:
        raise ConfigError("Nothing to export: give --qdpx FILE.qdpx (project), --qdc FILE.qdc (codebook) and/or "
                          "--bertopic DIR (a BERTopic model folder).")
    for target, suffix in ((t, x) for t, x in ((qdpx, ".qdpx"), (qdc, ".qdc")) if t is not None):
        check_target(target, force, suffix)  # every name checked before anything is written
    if bertopic is not None:
        check_outdir(Path(bertopic), force, inputs=(path,))
    reporter = Reporter(quiet)
    done: dict = {}
    if qdpx is not None:
        done["qdpx"] = counts = write_qdpx(path, qdpx, force=force)
        reporter.say(f"Wrote {qdpx}: {counts['sources']} sources, {counts['cases']} cases, {counts['codes']} codes, "
                     f"{counts['selections']} coded segments.")
        if counts["sources_beyond_bmp"]:
            reporter.say(f"Note: {counts['sources_beyond_bmp']} answers hold characters such as emoji; offsets count "
                         "them as one character, and programs that count UTF-16 units may shift the coding "
                         "after them by one place (see docs/refi-qda.md).")
    if qdc is not None:
        write_qdc(codebook := folder_codebook(path), qdc, force=force)
        done["qdc"] = {"codes": len(codebook)}
        reporter.say(f"Wrote {qdc}: {len(codebook)} codes.")
    if bertopic is not None:
        done["bertopic"] = counts = write_bertopic(path, bertopic, force=force)
        reporter.say(f"Wrote {bertopic}: {counts['topics']} topics, {counts['documents']} documents "
                     f"({counts['unassigned']} unassigned, topic -1). Load it with BERTopic.load(DIR, embedding_model=...).")
    return done


def _redactor(redact: bool, redact_terms=None, allow_terms=None):
    """A Redactor when asked for (a terms file implies --redact), else None."""
    if not (redact or redact_terms):
        return None
    from themes.report.redact import Redactor, default_allow, read_allow, read_terms

    terms = read_terms(redact_terms) if redact_terms else None
    allow = default_allow() + (read_allow(allow_terms) if allow_terms else [])
    return Redactor(terms=terms, allow=allow)


def report_file(outdir: Path, formats: str = "html,docx,xlsx,md", out: Path | None = None, *, redact: bool = False,
                redact_terms: Path | None = None, allow_terms: Path | None = None, min_cell: int = 5,
                n_quotes: int = 5, max_words: int = 60, title: str | None = None, force: bool = False,
                skip_small_groups: bool = False, quiet: bool = False):
    """`themes report`: HTML, DOCX, XLSX and Markdown reports from an OUTDIR."""
    from themes.report.writer import write_reports

    reporter = Reporter(quiet)
    run = write_reports(outdir, formats, out, redactor=_redactor(redact, redact_terms, allow_terms),
                        min_cell=min_cell, n_quotes=n_quotes, max_words=max_words, title=title, force=force,
                        skip_small_groups=skip_small_groups)
    warn_small_groups(run.warnings, min_cell)
    for note in run.notes:
        reporter.say(note)
    for path in run.files:
        reporter.say(f"Wrote {path}")
    if run.log is not None:
        reporter.say(f"{run.redactions} names redacted; the log {run.log} holds the originals: keep it private.")
    return run


def warn_small_groups(warnings: list[str], min_cell: int, limit: int = 10) -> None:
    """Always on stderr (even with --quiet): quotes from groups small enough to identify someone."""
    import sys

    if not warnings:
        return
    print(f"Warning: quotes from {len(warnings)} group(s) with fewer than {min_cell} respondents could identify "
          "someone (use --skip-small-groups to leave them out, or fewer --by columns):", file=sys.stderr)
    for w in warnings[:limit]:
        print(f"  - {w}", file=sys.stderr)
    if len(warnings) > limit:
        print(f"  ... and {len(warnings) - limit} more (all listed in the -run.json file).", file=sys.stderr)


def quotes_text(outdir: Path, *, theme: str | None = None, by: str | None = None, n: int = 5, max_words: int = 60,
                fmt: str = "md", redact: bool = False, redact_terms: Path | None = None,
                allow_terms: Path | None = None, min_cell: int = 5, skip_small_groups: bool = False) -> str:
    """`themes quotes`: representative, varied quotes per theme as Markdown or CSV text."""
    from themes.errors import ConfigError
    from themes.io.outdir import quotes_markdown
    from themes.io.safe import write_csv
    from themes.report.build import redact_outdir
    from themes.report.data import load_outdir
    from themes.report.groups import small_group_ids, small_groups_quoted
    from themes.report.selection import select_quotes

    if fmt not in ("md", "csv"):
        raise ConfigError(f"--format {fmt}: use md or csv.")
    if n < 1 or max_words < 5:
        raise ConfigError("--n must be 1 or more and --max-words 5 or more.")
    data = load_outdir(outdir)
    if by and by not in data.by:
        raise ConfigError(f"--by {by}: not one of the --by columns of {outdir} ({', '.join(data.by) or 'none'}).")
    ids = match_themes(data.themes, theme) if theme else None
    redactor = _redactor(redact, redact_terms, allow_terms)
    if redactor is not None:
        data, _ = redact_outdir(data, redactor)
    exclude = small_group_ids(data.responses, data.by, min_cell) if skip_small_groups else None
    quotes = select_quotes(data, n=n, max_words=max_words, group_by=by, theme_ids=ids, exclude=exclude)
    warn_small_groups(small_groups_quoted(quotes, data.responses, data.by, min_cell), min_cell)
    if fmt == "csv":
        return write_csv(quotes)
    themes = data.themes if ids is None else data.themes[data.themes["theme_id"].isin(ids)]
    group = by or (data.by[0] if data.by else None)
    return quotes_markdown(quotes, themes, (group,) if group else ())


def match_themes(themes, name: str) -> list[int]:
    """Theme ids whose name (case-insensitive) or id equals NAME; a ConfigError naming close ones if none."""
    import difflib

    from themes.errors import ConfigError

    wanted = name.strip().lower()
    hits = [int(t.theme_id) for t in themes.itertuples(index=False)
            if str(t.name).strip().lower() == wanted or str(t.theme_id) == wanted]
    if hits:
        return hits
    close = difflib.get_close_matches(name, themes["name"].astype(str).tolist(), n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else " See themes.csv for the names."
    raise ConfigError(f"--theme {name!r}: no theme has this name or id.{hint}")


def write_text_file(path: Path, text: str) -> None:
    """Write text completely or not at all (temp file, then rename)."""
    from themes.errors import OutputError
    from themes.io.atomic import write_file

    path = Path(path)
    if path.is_dir():
        raise OutputError(f"-o {path}: is a folder. Give a file name.")
    path.parent.mkdir(parents=True, exist_ok=True)
    write_file(path, lambda fh: fh.write(text), "w")


def evaluate_file(outdir: Path, gold: Path, gold_col: str, *, id=None, sep: str = ";", sheet=None,
                  out: Path | None = None, quiet: bool = False, gold2: str | None = None) -> Path:
    """`themes evaluate`: score OUTDIR against a gold file, print a table, write the files."""
    from themes.evaluate.console import print_evaluation
    from themes.evaluate.scoring import evaluate_outdir, write_evaluation

    ev = evaluate_outdir(Path(outdir), Path(gold), gold_col, id_col=id, sep=sep, sheet=sheet, gold2_col=gold2)
    target = Path(out) if out is not None else Path(outdir)
    write_evaluation(ev, target)
    if not quiet:
        print_evaluation(ev, target)
    return target


def codebook_export(model: Path, out: Path, force: bool = False, quiet: bool = False) -> Path:
    """`themes codebook export`: the model's themes as a YAML codebook."""
    from themes.model.codebook import codebook_from_model, write_codebook
    from themes.model.persist import load_model

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
    from themes.exchange.files import load_codebook
    from themes.model.codebook import apply_codebook
    from themes.model.persist import find_model, load_model, replace_model

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
    from themes.model import edits
    from themes.model.persist import find_model, load_model, replace_model

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


def review_outdir(outdir: Path, *, port: int = 0, open_browser: bool = True, model: Path | None = None,
                  reviewer: str | None = None, embedding_model: str | None = None) -> None:
    """`themes review`: the browser review app on 127.0.0.1 until Ctrl-C."""
    from themes.review.server import serve
    from themes.review.session import ReviewSession

    serve(ReviewSession(outdir, model, reviewer, embedding_model), port=port, open_browser=open_browser)


FEW_CODEBOOK_EXAMPLES = 15   # examples per code under which `train --codebook` alone coded worse than `label`


def train_file(input: Path, out: Path, *, labels: str, text=None, id=None, by=(), question=None, sheet=None,
               sep: str = ";", force: bool = False, quiet: bool = False, codebook: Path | None = None,
               **settings) -> Path:
    """`themes train`: fit a classifier model on hand-labelled responses (and a codebook's
    statements and examples, with ``codebook``), write MODEL atomically."""
    from themes.exchange.files import load_codebook
    from themes.model.persist import replace_model
    from themes.model.training import codebook_frame
    from themes.pipeline import train

    if input is None and codebook is None:
        raise ConfigError("train: give hand-labelled responses (INPUT --labels COLUMN), a --codebook, or both.")
    if input is not None and not labels:
        raise ConfigError(f"{input}: say which column holds the labels with --labels COLUMN.")
    out = Path(out)
    check_outdir(out, force, inputs=tuple(p for p in (input, codebook) if p is not None))
    book = load_codebook(codebook) if codebook is not None else None
    if input is None:   # the codebook's names, clauses and examples are the training rows
        frame = codebook_frame(book)
        per_code = sum(len(t.examples) for t in book.themes) / max(len(book), 1)
        if per_code < FEW_CODEBOOK_EXAMPLES and not settings.get("fine_tune"):
            Reporter(quiet).say(
                f"{codebook}: {per_code:.1f} examples per code. A classifier learned from a codebook alone beat "
                f"`themes label {codebook}` only with about {FEW_CODEBOOK_EXAMPLES} or more, or with --fine-tune "
                "(docs/benchmarks.md, Coding); with fewer, add --fine-tune or label with the codebook itself.")
        model = train(frame, "codes", text="text", question="question" if frame["question"].ne("").any() else None,
                      sep="\n", settings=Settings(**settings), quiet=quiet, source=str(codebook))
    else:
        frame = read_table(input, sheet=sheet)
        model = train(frame, labels, text=text, id=id, by=by, question=question, sep=sep,
                      settings=Settings(**settings), quiet=quiet, source=str(input), codebook=book)
    replace_model(model, out)
    info = model.info
    what = "labelled responses" if input is not None else f"texts and examples of {codebook}"
    Reporter(quiet).say(
        f"Trained on {info['n_train']} {what}: {len(model.classifier.labels)} labels; held-out "
        f"micro-F1 {info['heldout_micro_f1']:.3f} ({info['folds']} folds"
        f"{'; optimistic, as the fine-tuned sentence model learned every row' if 'fine_tune' in info else ''}). "
        f"Wrote {out}/. "
        f"Label with `themes label {out} NEW.csv -o labelled/`.")
    return out
