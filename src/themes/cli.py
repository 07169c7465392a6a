"""Command line: thin Typer commands that call plain functions.

A ThemesError becomes its one-line message and exit code 2; anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Themes, labelled responses, quotes and reports from free-text survey answers. Offline.")

# Shared options
TEXT = typer.Option(None, "--text", help="Column holding the free text (default: the column with the longest texts).")
ID = typer.Option(None, "--id", help="Column of unique response ids (default: row numbers 1, 2, ...).")
BY = typer.Option("", "--by", help="Comma-separated attribute columns to group by, e.g. role,trust_type.")
QUESTION = typer.Option(None, "--question", help="Column naming the question; themes are found per question.")
SHEET = typer.Option(None, "--sheet", help="Sheet to read from an XLSX file (default: the first).")
OUT = typer.Option(Path("out"), "-o", "--out", help="Output folder.")
FORCE = typer.Option(False, "--force", help="Replace a non-empty output folder.")
SEED = typer.Option(42, "--seed", help="Random seed; the same input and seed give the same output files.")
QUIET = typer.Option(False, "--quiet", "-q", help="No progress bars or messages.")
NO_CACHE = typer.Option(False, "--no-cache", help="Do not read or write the embedding cache.")
MODEL = typer.Option("all-MiniLM-L6-v2", "--model", help="Embedding model: a packaged name or a local folder.")


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def _fail(message: str) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code=2)


def run_guarded(fn, *args, **kwargs):
    from .errors import ThemesError

    try:
        return fn(*args, **kwargs)
    except ThemesError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        typer.echo("Interrupted: nothing was written.", err=True)
        raise typer.Exit(code=130)


def _version(value: bool):
    if value:
        from . import __version__

        typer.echo(f"themes {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Show the version and exit.")):
    """Themes, labelled responses, quotes and reports from free-text survey answers. Offline."""


@app.command()
def extract(
    input: Path = typer.Argument(..., help="Survey export: .csv, .tsv, .xlsx, .parquet or .jsonl."),
    text: Optional[str] = TEXT, id: Optional[str] = ID, by: str = BY, question: Optional[str] = QUESTION,
    sheet: Optional[str] = SHEET, out: Path = OUT, force: bool = FORCE, seed: int = SEED,
    n_themes: Optional[int] = typer.Option(None, "--n-themes", help="Force the number of themes (per question)."),
    min_similarity: float = typer.Option(0.20, "--min-similarity",
                                         help="Cosine below which a sentence fits no theme (unassigned)."),
    codebook: Optional[Path] = typer.Option(
        None, "--codebook", help="A codebook (.yaml): its themes take the answers near them first; the rest "
                                 "become new themes (status 'new')."),
    codebook_similarity: float = typer.Option(
        0.35, "--codebook-similarity", help="With --codebook: cosine at which a sentence is taken by a codebook theme."),
    model: str = MODEL, no_cache: bool = NO_CACHE, quiet: bool = QUIET,
):
    """Discover themes, label every response, pick quotes, tabulate by group."""
    from . import commands

    run_guarded(commands.extract_file, input, out, text=text, id=id, by=_split(by), question=question, sheet=sheet,
                codebook=codebook, force=force, quiet=quiet, seed=seed, n_themes=n_themes,
                min_similarity=min_similarity, codebook_similarity=codebook_similarity, model=model,
                use_cache=not no_cache)


@app.command()
def label(
    model: Path = typer.Argument(..., help="A model folder (OUTDIR/model from `themes extract`, or from `themes "
                                           "train`), or a codebook .yaml (labels with its themes only)."),
    input: Path = typer.Argument(..., help="New responses: .csv, .tsv, .xlsx, .parquet or .jsonl."),
    text: Optional[str] = TEXT, id: Optional[str] = ID, by: str = BY, question: Optional[str] = QUESTION,
    sheet: Optional[str] = SHEET, out: Path = OUT, force: bool = FORCE,
    min_similarity: Optional[float] = typer.Option(
        None, "--min-similarity", help="Cosine below which a sentence fits no theme (default: the model's; "
                                       "0.20 for a codebook)."),
    no_cache: bool = NO_CACHE, quiet: bool = QUIET,
):
    """Label new responses against a saved set of themes (or a codebook), without re-clustering."""
    from . import commands

    run_guarded(commands.label_file, model, input, out, text=text, id=id, by=_split(by), question=question,
                sheet=sheet, force=force, quiet=quiet, use_cache=not no_cache, min_similarity=min_similarity)


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
    from . import commands

    run_guarded(commands.codebook_export, model, out, force=force, quiet=quiet)


@codebook_app.command("import")
def codebook_import(
    codebook: Path = typer.Argument(..., help="A codebook .yaml, edited by hand."),
    model: Path = typer.Argument(..., help="The model folder it came from; changed in place, edits recorded."),
    quiet: bool = QUIET,
):
    """Apply a hand-edited codebook's names, descriptions, keywords and examples to the model."""
    from . import commands

    run_guarded(commands.codebook_import, codebook, model, quiet=quiet)


@app.command(context_settings={"allow_interspersed_args": True})
def edit(
    model: Path = typer.Argument(..., help="A model folder (changed in place; each edit is recorded in it)."),
    action: str = typer.Argument(..., help="rename ID NAME | merge ID ID [ID ...] | split ID | delete ID"),
    args: List[str] = typer.Argument(None, help="Theme ids (from themes.csv), and the new name for rename."),
    name: Optional[str] = typer.Option(None, "--name", help="merge: the merged theme's name (default: the first's)."),
    parts: int = typer.Option(2, "--parts", help="split: how many themes to split into."),
    quiet: bool = QUIET,
):
    """Rename, merge, split or delete themes; every later `themes label` honours the edits."""
    from . import commands

    run_guarded(commands.edit_model, model, action, list(args or []), name=name, parts=parts, quiet=quiet)


@app.command()
def train(
    input: Path = typer.Argument(..., help="Hand-labelled responses: .csv, .tsv, .xlsx, .parquet or .jsonl."),
    labels: str = typer.Option(..., "--labels", help="Column of labels; several per response joined by --sep."),
    sep: str = typer.Option(";", "--sep", help="What joins several labels in one cell."),
    text: Optional[str] = TEXT, id: Optional[str] = ID, by: str = BY, question: Optional[str] = QUESTION,
    sheet: Optional[str] = SHEET,
    out: Path = typer.Option(Path("model"), "-o", "--out", help="The model folder to write."),
    force: bool = FORCE, seed: int = SEED, model: str = MODEL, no_cache: bool = NO_CACHE, quiet: bool = QUIET,
):
    """Learn the labels from hand-labelled responses (a classifier on the embeddings), for `themes label`."""
    from . import commands

    run_guarded(commands.train_file, input, out, labels=labels, text=text, id=id, by=_split(by), question=question,
                sheet=sheet, sep=sep, force=force, quiet=quiet, seed=seed, model=model, use_cache=not no_cache)


def main() -> None:
    try:
        app()
    except BrokenPipeError:  # e.g. `themes --help | head`
        sys.exit(0)


if __name__ == "__main__":
    main()
