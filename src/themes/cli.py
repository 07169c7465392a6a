"""Command line: thin Typer commands that call plain functions.

A ThemesError becomes its one-line message and exit code 2; anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Themes, labelled responses, quotes and reports from free-text survey answers. Offline.")

# Shared options
TEXT = typer.Option(None, "--text", help="Column holding the free text (default: the column with the longest texts). "
                    "Several columns, A,B,C, or a pattern such as 'Q*': one question each, in that order (a wide "
                    "export, one row per respondent).")
TEXT_ALL = typer.Option(False, "--text-all", help="Every free-text column is a question (a wide export); the survey "
                        "tool's own columns, --id and --by are left out.")
LABELS = typer.Option("", "--labels", help="Labels to show for columns or question ids, e.g. "
                      "'used_proctoring=Used proctoring,Q5=What would you change?' (default: the header as written, "
                      "or the question text of a Qualtrics export).")
ID = typer.Option(None, "--id", help="Column of unique response ids (default: row numbers 1, 2, ...).")
BY = typer.Option("", "--by", help="Comma-separated attribute columns to group by, e.g. role,trust_type.")
QUESTION = typer.Option(None, "--question", help="Column naming the question; themes are found per question.")
SHEET = typer.Option(None, "--sheet", help="Sheet to read from an XLSX file (default: the first).")
OUT = typer.Option(Path("out"), "-o", "--out", help="Output folder.")
FORCE = typer.Option(False, "--force", help="Replace a non-empty output folder.")
SEED = typer.Option(42, "--seed", help="Random seed; the same input and seed give the same output files.")
QUIET = typer.Option(False, "--quiet", "-q", help="No progress bars or messages.")
NO_CACHE = typer.Option(False, "--no-cache", help="Do not read or write the embedding cache.")
NO_NORMALISE = typer.Option(False, "--no-normalise",
                            help="Embed and name the text as typed (by default @handles, links, e-mail addresses, "
                                 "HTML and emoji are left out of embedding, keywords and names; outputs keep the "
                                 "original text either way).")
MODEL = typer.Option("all-MiniLM-L6-v2", "--model", help="Embedding model: a packaged name or a local folder.")
BACKEND = typer.Option("torch", "--backend",
                       help="Embedding runtime: torch, or onnx (ONNX Runtime, same themes; pip install 'themes\\[onnx]').")
DEVICE = typer.Option("auto", "--device",
                      help="Where embedding and clustering run: auto (a CUDA GPU when torch sees one), cpu or cuda.")
ENGINE = typer.Option("local", "--engine", help="local (one machine) or spark (pip install 'themes\\[spark]').")
MASTER = typer.Option("local[2]", "--spark-master",
                      help="Spark master URL for --engine spark (ignored inside an active session, e.g. Databricks).")
OUT_FORMAT = typer.Option("parquet", "--out-format",
                          help="--engine spark: write responses and segments as parquet or csv folders.")
ENCODING = typer.Option(None, "--encoding",
                        help="--engine spark: a CSV's text encoding, utf-8, utf-16, windows-1252 or latin-1 (default: "
                             "guessed from a local file or folder; UTF-8 for a remote path). The local engine "
                             "detects it from the whole file.")


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def _labels(value: str) -> dict[str, str]:
    """'a=Label A,b=Label, with a comma' -> {a: 'Label A', b: 'Label, with a comma'}: a comma
    starts a new pair only where a 'name=' follows."""
    import re

    out = {}
    for part in re.split(r",(?=[^,=]+=)", value or ""):
        if not part.strip():
            continue
        if "=" not in part:
            _fail(f"--labels {part.strip()!r}: write column=Label (pairs separated by commas).")
        key, label = part.split("=", 1)
        out[key.strip()] = label.strip()
    return out


def _text(text: str | None, text_all: bool) -> str | None:
    if text_all and text:
        _fail("--text-all reads every free-text column; leave out --text, or name the columns with --text A,B,C.")
    return "*" if text_all else text


def _fail(message: str) -> None:
    typer.echo("Error: " + message.replace("\r", " ").replace("\n", " "), err=True)  # always one line
    raise typer.Exit(code=2)


def run_guarded(fn, *args, **kwargs):
    from themes.errors import ThemesError

    try:
        return fn(*args, **kwargs)
    except ThemesError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        typer.echo("Interrupted: nothing was written.", err=True)
        raise typer.Exit(code=130) from None


def _version(value: bool):
    if value:
        from themes import __version__

        typer.echo(f"themes {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Show the version and exit.")):
    """Themes, labelled responses, quotes and reports from free-text survey answers. Offline."""


@app.command()
def extract(
    input: str = typer.Argument(..., help="Survey export: .csv, .tsv, .xlsx, .parquet or .jsonl "
                                          "(--engine spark: any path Spark reads)."),
    text: str | None = TEXT, id: str | None = ID, by: str = BY, question: str | None = QUESTION,
    sheet: str | None = SHEET, out: Path = OUT, force: bool = FORCE, seed: int = SEED,
    n_themes: int | None = typer.Option(None, "--n-themes", help="Force the number of themes (per question)."),
    min_similarity: float = typer.Option(0.20, "--min-similarity",
                                         help="Cosine below which a sentence fits no theme (unassigned)."),
    fit_sample: int | None = typer.Option(None, "--fit-sample",
                                             help="Fit the themes on a seeded sample of this many distinct sentences "
                                                  "and only assign the rest. Default: every sentence (memory grows "
                                                  "linearly, so this is for speed only)."),
    codebook: Path | None = typer.Option(
        None, "--codebook", help="A codebook (.yaml): its themes take the answers near them first; the rest "
                                 "become new themes (status 'new')."),
    codebook_similarity: float = typer.Option(
        0.35, "--codebook-similarity", help="With --codebook: cosine at which a sentence is taken by a codebook theme."),
    model: str = MODEL, no_cache: bool = NO_CACHE, quiet: bool = QUIET, backend: str = BACKEND,
    device: str = DEVICE, engine: str = ENGINE, spark_master: str = MASTER, out_format: str = OUT_FORMAT, no_normalise: bool = NO_NORMALISE,
    stance_split: bool = typer.Option(
        False, "--stance-split", help="Split a theme whose answers divide into positive and critical into one theme "
                                      "per side (kept only where the sentences themselves separate); by default it "
                                      "stays whole and its definition says views are mixed."),
    describe: str = typer.Option(
        "extractive", "--describe", help="extractive (default): names and definitions from the answers' own words; "
                                         "local: a small packaged model on the CPU writes them, each checked as the "
                                         "extractive ones are, else the extractive one stays "
                                         "(pip install 'themes[describe]')."),
    text_all: bool = TEXT_ALL, labels: str = LABELS, encoding: str | None = ENCODING,
):
    """Discover themes, label every response, pick quotes, tabulate by group."""
    from themes import commands

    run_guarded(commands.extract_file, input, out, text=_text(text, text_all), labels=_labels(labels), id=id, by=_split(by), question=question, sheet=sheet,
                codebook=codebook, force=force, quiet=quiet, engine=engine, master=spark_master,
                out_format=out_format, encoding=encoding, seed=seed, n_themes=n_themes, min_similarity=min_similarity,
                codebook_similarity=codebook_similarity, model=model, use_cache=not no_cache, backend=backend, device=device,
                normalise=not no_normalise, stance_split=stance_split, describe=describe, **({"fit_sample": fit_sample} if fit_sample is not None else {}))


@app.command()
def label(
    model: Path = typer.Argument(..., help="A model folder (OUTDIR/model from `themes extract`, or from `themes "
                                           "train`), or a codebook .yaml (labels with its themes only)."),
    input: str = typer.Argument(..., help="New responses: .csv, .tsv, .xlsx, .parquet or .jsonl "
                                          "(--engine spark: any path Spark reads)."),
    text: str | None = TEXT, id: str | None = ID, by: str = BY, question: str | None = QUESTION,
    sheet: str | None = SHEET, out: Path = OUT, force: bool = FORCE, no_cache: bool = NO_CACHE,
    quiet: bool = QUIET, backend: str = BACKEND, device: str = DEVICE, engine: str = ENGINE,
    spark_master: str = MASTER, out_format: str = OUT_FORMAT,
    min_similarity: float | None = typer.Option(
        None, "--min-similarity", help="Cosine below which a sentence fits no theme (default: the model's; "
                                       "0.20 for a codebook)."),
    max_codes: int | None = typer.Option(None, "--max-codes", min=1,
                                         help="The most themes (codes) one response takes (default 8)."),
    code_margin: float | None = typer.Option(
        None, "--code-margin", min=0.0, max=0.99,
        help="With a codebook: a sentence also takes every code whose cosine is within this of its best code's "
             "(default 0: one code per sentence; an answer still takes one per sentence)."),
    text_all: bool = TEXT_ALL, labels: str = LABELS, encoding: str | None = ENCODING,
    model_folder: str | None = typer.Option(
        None, "--model", help="The embedding model, when the model was fitted with a local model folder: themes "
                              "loads that folder only when you name it here (packaged models need nothing)."),
):
    """Label new responses against a saved set of themes (or a codebook), without re-clustering. Reads and writes
    large files block by block, so memory does not grow with the number of rows."""
    from themes import commands

    run_guarded(commands.label_file, model, input, out, text=_text(text, text_all), labels=_labels(labels), id=id, by=_split(by), question=question,
                sheet=sheet, force=force, quiet=quiet, engine=engine, master=spark_master, out_format=out_format,
                encoding=encoding, use_cache=not no_cache, backend=backend, device=device, min_similarity=min_similarity,
                max_codes=max_codes, code_margin=code_margin, embedding_model=model_folder)


@app.command()
def export(
    path: Path = typer.Argument(..., help="An output folder of `themes extract`/`label` (or, for --qdc, a model "
                                          "folder)."),
    qdpx: Path | None = typer.Option(None, "--qdpx", help="Write a REFI-QDA project (.qdpx) for NVivo, "
                                        "ATLAS.ti, MAXQDA, QualCoder: answers, themes as codes, coded sentences."),
    qdc: Path | None = typer.Option(None, "--qdc", help="Write the themes as a REFI-QDA codebook (.qdc)."),
    bertopic: Path | None = typer.Option(None, "--bertopic", help="Write the themes as a BERTopic model folder "
                                            "(safetensors), for BERTopic.load(DIR) and its visualisations."),
    force: bool = typer.Option(False, "--force", help="Replace existing files."),
    quiet: bool = QUIET,
):
    """Export themes and coding for qualitative-analysis programs (REFI-QDA) or BERTopic."""
    from themes import commands

    run_guarded(commands.export_file, path, qdpx=qdpx, qdc=qdc, bertopic=bertopic, force=force, quiet=quiet)


REDACT = typer.Option(False, "--redact", help="Replace names of people, organisations and places with [PERSON], "
                      "[ORGANISATION], [PLACE] (spaCy NER + --redact-terms).")
REDACT_TERMS = typer.Option(None, "--redact-terms", exists=True, dir_okay=False,
                            help="Text file of names/terms to redact, one per line (case-insensitive, whole words; "
                                 "'term => [LABEL]' sets the replacement). Implies --redact.")
ALLOW_TERMS = typer.Option(None, "--allow-terms", exists=True, dir_okay=False,
                           help="Text file of names never redacted, added to the built-in list of national bodies "
                                "(NHS England, CQC, ...).")
MIN_CELL = typer.Option(5, "--min-cell", help="Counts below this (and smaller groups) are shown as '<N' (disclosure "
                        "control); quotes from --by groups this small are warned about.")
SKIP_SMALL = typer.Option(False, "--skip-small-groups", help="Quote nobody from a combination of --by values with "
                          "fewer than --min-cell respondents.")
MAX_WORDS = typer.Option(60, "--max-words", help="Longer quotes are cut at a clause, with an ellipsis.")


@app.command()
def report(
    outdir: Path = typer.Argument(..., exists=True, file_okay=False, help="A folder written by `themes extract` or "
                                  "`themes label`."),
    format: str = typer.Option("html,docx,xlsx,md", "--format", "-f", help="Comma-separated: html, docx, xlsx, md."),
    out: Path | None = typer.Option(None, "-o", "--out", help="Folder for the reports (default OUTDIR/report), "
                                       "or a file name when one format is asked for."),
    redact: bool = REDACT, redact_terms: Path | None = REDACT_TERMS, allow_terms: Path | None = ALLOW_TERMS,
    min_cell: int = MIN_CELL,
    n_quotes: int = typer.Option(5, "--n-quotes", help="Quotes per theme."), max_words: int = MAX_WORDS,
    title: str | None = typer.Option(None, "--title", help="Report title."),
    skip_small_groups: bool = SKIP_SMALL,
    force: bool = typer.Option(False, "--force", help="Replace existing report files."), quiet: bool = QUIET,
):
    """Reports people can read: HTML (offline, interactive), Word, Excel and Markdown."""
    from themes import commands

    run_guarded(commands.report_file, outdir, format, out, redact=redact, redact_terms=redact_terms,
                allow_terms=allow_terms, min_cell=min_cell, n_quotes=n_quotes, max_words=max_words, title=title,
                force=force, skip_small_groups=skip_small_groups, quiet=quiet)


@app.command()
def quotes(
    outdir: Path = typer.Argument(..., exists=True, file_okay=False, help="A folder written by `themes extract` or "
                                  "`themes label`."),
    theme: str | None = typer.Option(None, "--theme", help="Only this theme (name or id)."),
    by: str | None = typer.Option(None, "--by", help="Spread quotes over the groups of this --by column."),
    n: int = typer.Option(5, "--n", help="Quotes per theme."), max_words: int = MAX_WORDS,
    format: str = typer.Option("md", "--format", "-f", help="md or csv."),
    out: Path | None = typer.Option(None, "-o", "--out", help="Write to this file instead of the screen."),
    redact: bool = REDACT, redact_terms: Path | None = REDACT_TERMS, allow_terms: Path | None = ALLOW_TERMS,
    min_cell: int = MIN_CELL, skip_small_groups: bool = SKIP_SMALL,
):
    """Representative, varied, attributed quotes for each theme."""
    from themes import commands

    text = run_guarded(commands.quotes_text, outdir, theme=theme, by=by, n=n, max_words=max_words, fmt=format,
                       redact=redact, redact_terms=redact_terms, allow_terms=allow_terms, min_cell=min_cell,
                       skip_small_groups=skip_small_groups)
    if out is None:
        typer.echo(text, nl=False)
    else:
        run_guarded(commands.write_text_file, out, text)


def _terminate(signum, frame):
    raise KeyboardInterrupt  # SIGTERM (e.g. a job scheduler) cleans up like Ctrl-C


@app.command()
def evaluate(
    outdir: Path = typer.Argument(..., exists=True, file_okay=False,
                                  help="A folder written by `themes extract` or `themes label`."),
    gold: Path = typer.Option(..., "--gold", exists=True, dir_okay=False,
                              help="Human coding: .csv, .tsv, .xlsx, .parquet or .jsonl."),
    gold_col: str = typer.Option(..., "--gold-col", help="Column of the gold file holding the human code(s)."),
    sep: str = typer.Option(";", "--sep", help="Separator between codes in one cell; the first is the main one."),
    id: str | None = typer.Option(None, "--id", help="Gold column of response ids (default: join on row order)."),
    sheet: str | None = SHEET,
    out: Path | None = typer.Option(None, "-o", "--out", help="Folder for the evaluation files (default: OUTDIR)."),
    gold2: str | None = typer.Option(None, "--gold2", help="A second coder's column in the gold file: scored against "
                                                           "--gold-col the same way, beside the tool."),
    quiet: bool = QUIET,
):
    """Compare themes with human coding: exact set agreement, F1, Cohen's kappa, Krippendorff's alpha, NMI."""
    from themes import commands

    run_guarded(commands.evaluate_file, outdir, gold, gold_col, id=id, sep=sep, sheet=sheet, out=out, quiet=quiet,
                gold2=gold2)


codebook_app = typer.Typer(no_args_is_help=True, help="Write a model's themes as an editable YAML codebook, "
                                                      "and bring the edits back.")
app.add_typer(codebook_app, name="codebook")


@codebook_app.command("export")
def codebook_export(
    model: Path = typer.Argument(..., help="A model folder (or the OUTDIR holding model/)."),
    out: Path = typer.Option(Path("codebook.yaml"), "-o", "--out", help="The codebook file to write."),
    force: bool = typer.Option(False, "--force", help="Replace an existing file."), quiet: bool = QUIET,
):
    """Write the themes (names, descriptions, keywords, example quotes) as a YAML codebook."""
    from themes import commands

    run_guarded(commands.codebook_export, model, out, force=force, quiet=quiet)


@codebook_app.command("import")
def codebook_import(
    codebook: Path = typer.Argument(..., help="A codebook .yaml, edited by hand."),
    model: Path = typer.Argument(..., help="The model folder it came from; changed in place, edits recorded."),
    quiet: bool = QUIET,
):
    """Apply a hand-edited codebook's names, descriptions, keywords and examples to the model."""
    from themes import commands

    run_guarded(commands.codebook_import, codebook, model, quiet=quiet)


@app.command(context_settings={"allow_interspersed_args": True})
def edit(
    model: Path = typer.Argument(..., help="A model folder (changed in place; each edit is recorded in it)."),
    action: str = typer.Argument(..., help="rename ID NAME | merge ID ID [ID ...] | split ID | delete ID"),
    args: list[str] = typer.Argument(None, help="Theme ids (from themes.csv), and the new name for rename."),
    name: str | None = typer.Option(None, "--name", help="merge: the merged theme's name (default: the first's)."),
    parts: int = typer.Option(2, "--parts", help="split: how many themes to split into."),
    quiet: bool = QUIET,
):
    """Rename, merge, split or delete themes; every later `themes label` honours the edits."""
    from themes import commands

    run_guarded(commands.edit_model, model, action, list(args or []), name=name, parts=parts, quiet=quiet)


@app.command()
def review(
    outdir: Path = typer.Argument(..., exists=True, file_okay=False,
                                  help="A folder written by `themes extract` or `themes label`."),
    port: int = typer.Option(0, "--port", help="Port on 127.0.0.1 (default: a free one)."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Print the URL only; do not open a browser."),
    model: Path | None = typer.Option(None, "--model", help="The model to record the edits in (default: "
                                                           "OUTDIR/model; a `themes label` output needs it)."),
    reviewer: str | None = typer.Option(None, "--reviewer", help="Your name, recorded with each edit."),
    embedding_model: str | None = typer.Option(
        None, "--embedding-model", help="To split themes of a model fitted with a local embedding model folder: "
                                        "that folder (themes loads it only when you name it)."),
):
    """Review the themes in your browser: read answers, rename, merge, split, move, sign off, save."""
    from themes import commands

    run_guarded(commands.review_outdir, outdir, port=port, open_browser=not no_browser, model=model,
                reviewer=reviewer, embedding_model=embedding_model)


@app.command()
def train(
    input: Path | None = typer.Argument(None, help="Hand-labelled responses: .csv, .tsv, .xlsx, .parquet or .jsonl "
                                        "(leave out to learn from a --codebook's texts and examples alone)."),
    labels: str | None = typer.Option(None, "--labels", help="Column of labels; several per response joined by --sep."),
    sep: str = typer.Option(";", "--sep", help="What joins several labels in one cell."),
    text: str | None = TEXT, id: str | None = ID, by: str = BY, question: str | None = QUESTION,
    sheet: str | None = SHEET,
    out: Path = typer.Option(Path("model"), "-o", "--out", help="The model folder to write."),
    codebook: Path | None = typer.Option(
        None, "--codebook", help="A codebook (.yaml or REFI-QDA .qdc) whose names, descriptions and examples are "
        "learned too: codes match labels by name; a code no response carries is learned from the codebook alone."),
    fine_tune: bool = typer.Option(
        False, "--fine-tune", help="Fine-tune the sentence model on the examples first (SetFit-style, about a minute "
        "on a laptop for 40 codes; the model folder keeps it, about 90 MB). Helps most with few examples per code."),
    force: bool = FORCE, seed: int = SEED, model: str = MODEL, no_cache: bool = NO_CACHE, quiet: bool = QUIET,
):
    """Learn the labels from hand-labelled responses and/or a codebook (a classifier on the embeddings), for
    `themes label`."""
    from themes import commands
    from themes.embed.finetune import FINE_TUNE_EPOCHS

    run_guarded(commands.train_file, input, out, labels=labels, text=text, id=id, by=_split(by), question=question,
                sheet=sheet, sep=sep, force=force, quiet=quiet, seed=seed, model=model, use_cache=not no_cache,
                codebook=codebook, fine_tune=FINE_TUNE_EPOCHS if fine_tune else 0)


def main() -> None:
    import signal

    from themes.io.limits import use_system_memory_pool

    signal.signal(signal.SIGTERM, _terminate)
    use_system_memory_pool()   # before any file is read into Arrow-backed columns
    try:
        app()
    except BrokenPipeError:  # e.g. `themes --help | head`
        sys.exit(0)


if __name__ == "__main__":
    main()
