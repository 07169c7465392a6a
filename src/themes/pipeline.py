"""The only chains: ``extract`` discovers themes (optionally seeded by a codebook), ``label``
applies a saved model or a codebook, ``train`` fits a classifier on hand labels. Each is a list
of commented stage calls over the public step layer (themes.steps) and the stage packages."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from themes.config import Settings
from themes.discover.candidates import new_candidates
from themes.discover.describe import local_describer
from themes.discover.fit import fit_theme_set, name_theme_set
from themes.discover.name_phrases import default_phrases
from themes.discover.split import split_by_stance
from themes.embed.runtime import cached, embed_segments, embedder_info, new_embedder
from themes.errors import ConfigError, InputError, ThemesError
from themes.io.corpus import build_corpus, require_content
from themes.io.limits import peak_mb, use_system_memory_pool
from themes.model.theme_model import N_EXAMPLES, ThemeModel, sub_centroids
from themes.progress import Reporter
from themes.results.assign import assign
from themes.steps import (
    as_corpus,
    build_tables,
    label_chunk,
    label_embedder,
    label_settings,
    result_counts,
    run_info,
    settings_with,
    shown_themes,
    with_examples,
)
from themes.text.cache import default_annotator, default_splitter, default_terms
from themes.text.segment import segment
from themes.types import Result, ThemeSet

FINE_TUNE_HINT = 20   # `train` suggests --fine-tune when most labels have fewer examples than this


def extract(data, text: str | None = None, by=(), id: str | None = None, question: str | None = None,
            seed: int | None = None, settings: Settings | None = None, embedder=None, splitter=None,
            phrases=None, quiet: bool = True, engine: str = "local", codebook=None, **overrides) -> Result:
    """Discover themes in survey responses and label every response.

    With ``codebook`` (a Codebook or the path of one) the codebook's themes take the segments
    near them first and the rest is clustered into themes marked ``new``.

    ``data`` is a DataFrame (or a Corpus from themes.load_corpus). Returns a Result whose tables
    are the files ``themes extract`` writes. ``embedder``: any object with ``name``,
    ``dimension`` and ``embed(texts)`` (themes.types.Embedder). ``engine="spark"``: ``data`` is
    a path Spark can read (or a Spark/pandas DataFrame); see themes.engines.spark.engine.extract.
    """
    if engine != "local":
        return _other_engine(engine, "extract", data, text=text, by=by, id=id, question=question, seed=seed,
                             settings=settings, quiet=quiet, embedder=embedder, phrases=phrases, **overrides)
    use_system_memory_pool()
    settings = settings_with(settings, seed, overrides)
    reporter = Reporter(quiet)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    from themes.exchange.files import load_codebook
    from themes.model.codebook import Codebook

    # ingest: the rows, their ids and attributes; nothing to discover in blanks and non-answers
    corpus = as_corpus(data, text, by, id, question)
    if codebook is not None and not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    require_content(corpus)
    for note in corpus.notes:
        reporter.say(note)
    describer = local_describer(settings) if settings.describe == "local" else None  # fails now if not installed

    # segment: sentence-sized pieces of each substantive answer
    t = time.perf_counter()
    # (no name is kept for the default splitter: its cache's memo of every answer's spans, 106 MB
    # at 200,000 answers, goes once the answers are split)
    segs = segment(corpus, splitter or default_splitter(settings), settings.min_segment_words,
                   settings.max_segment_words, default_annotator(settings))
    timings["segment_s"] = time.perf_counter() - t
    timings["segment_peak_mb"] = peak_mb()

    # embed: one unit vector per distinct segment text (cached on disk; themes.types.SegmentVectors)
    own_embedder = embedder is None
    embedder = embedder or new_embedder(settings.model, settings)
    t = time.perf_counter()
    vectors = embed_segments(segs, embedder, settings, reporter, compact=True)
    timings["embed_s"] = time.perf_counter() - t
    timings["embed_peak_mb"] = peak_mb()

    # cluster: themes per question (a codebook's themes first, when given)
    t = time.perf_counter()
    if codebook is None:
        theme_set, fit_info = fit_theme_set(segs, vectors, settings)
    else:
        from themes.model.seeding import codebook_theme_set, fit_seeded_theme_set

        seeds = codebook_theme_set(codebook, embedder, settings, reporter, status="codebook")
        theme_set, fit_info = fit_seeded_theme_set(segs, vectors, settings, seeds)
    timings["cluster_s"] = time.perf_counter() - t
    timings["cluster_peak_mb"] = peak_mb()

    # assign and name: each segment to its nearest theme; names and keywords from the segments
    t = time.perf_counter()
    assignments = assign(vectors, segs, theme_set)
    if settings.stance_split:
        theme_set, n_split = split_by_stance(theme_set, segs, vectors, assignments, settings.min_theme_size)
        fit_info = {**fit_info, "stance_splits": n_split}
        if n_split:
            assignments = assign(vectors, segs, theme_set)
    named, naming = name_theme_set(theme_set, segs, vectors, assignments, cached(embedder, settings),
                                   phrases or default_phrases(settings), default_terms(settings),
                                   settings.normalise, describer)
    fit_info = {**fit_info, "naming": naming}
    if own_embedder and hasattr(embedder, "release"):   # nothing past naming embeds: the model's memory
        embedder.release()                               # goes before the tables are made
    if codebook is not None:
        from themes.model.seeding import keep_codebook_text

        named = keep_codebook_text(named, theme_set)
    theme_set = named
    timings["name_s"] = time.perf_counter() - t
    timings["name_peak_mb"] = peak_mb()

    # tables, quotes and the model that labels new answers the same way
    result = build_tables(corpus, segs, vectors, assignments, theme_set, settings)
    model = ThemeModel(theme_set=with_examples(theme_set, result.quotes), embedder=embedder_info(embedder),
                       settings=settings.to_dict(), by=corpus.by, question_column=corpus.question_column,
                       sub=sub_centroids(vectors, assignments.theme_pos, theme_set, settings.seed))
    timings["tables_peak_mb"] = peak_mb()
    timings["total_s"] = time.perf_counter() - t0
    result.run = run_info("extract", corpus, settings, embedder, result_counts(result), timings, fit_info)
    result.theme_set = theme_set
    result.model = model
    return result


def label(model, data, text: str | None = None, by=(), id: str | None = None, question: str | None = None,
          embedder=None, splitter=None, phrases=None, settings: Settings | None = None, quiet: bool = True,
          engine: str = "local", **overrides) -> Result:
    """Label responses against a saved theme model (a ThemeModel, a model folder, or a codebook),
    without re-clustering. Responses that fit no theme are ``unassigned`` and listed, with a
    suggested grouping, in ``result.extra_tables['new_candidates.csv']``.

    ``engine="spark"``: ``data`` is a path Spark can read (or a Spark/pandas DataFrame); see
    themes.engines.spark.engine.label."""
    if not by and isinstance(model, ThemeModel) and isinstance(data, pd.DataFrame) \
            and set(model.by) <= set(map(str, data.columns)):
        by = model.by   # the attribute columns it was fitted with, when the data has them
    if engine != "local":
        return _other_engine(engine, "label", model, data, text=text, by=by, id=id, question=question,
                             settings=settings, quiet=quiet, embedder=embedder, phrases=phrases, **overrides)
    use_system_memory_pool()
    model, settings = label_settings(model, settings, overrides)
    reporter = Reporter(quiet)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    # ingest, and the embedder the model was fitted with
    corpus = as_corpus(data, text, by, id, question)
    for note in corpus.notes:
        reporter.say(note)
    model, embedder = label_embedder(model, settings, embedder, reporter, named=overrides.get("embedding_model"))
    splitter = splitter or default_splitter(settings)
    themes_of = None
    if model.kind == "classifier":
        # a classifier reads whole responses (short non-answers too)
        from themes.model.classifier import classify_responses
        from themes.model.seeding import readable, with_content

        segs = segment(readable(corpus), splitter, settings.min_segment_words, settings.max_segment_words)
        vectors = embed_segments(segs, embedder, settings, reporter)
        theme_set, assignments, themes_of = classify_responses(model, segs, vectors, len(corpus))
        corpus = with_content(corpus, themes_of)
    else:
        # segment, embed, assign to the nearest live theme
        theme_set = shown_themes(model.theme_set)
        segs, vectors, assignments = label_chunk(model.theme_set, corpus, embedder, splitter, settings,
                                                 reporter, timings, model.moves)
    # tables, and a suggested grouping of what fits no theme
    result = build_tables(corpus, segs, vectors, assignments, theme_set, settings, themes_of)
    t = time.perf_counter()
    candidates = new_candidates(result, segs, vectors, assignments, cached(embedder, settings),
                                phrases or default_phrases(settings), settings)
    timings["candidates_s"] = time.perf_counter() - t
    timings["total_s"] = time.perf_counter() - t0
    result.run = run_info("label", corpus, settings, embedder, result_counts(result), timings, {})
    result.run["model"] = {"kind": model.kind, "themes": int(len(theme_set)), "edits": len(model.edits),
                           "threshold": float(model.theme_set.threshold)}
    result.run["counts"]["new_candidates"] = int(len(candidates))
    result.extra_tables = {"new_candidates.csv": candidates}
    result.theme_set = theme_set
    result.model = model
    return result


def train(data: pd.DataFrame, labels: str, text: str | None = None, by=(), id: str | None = None,
          question: str | None = None, sep: str = ";", seed: int | None = None, settings: Settings | None = None,
          embedder=None, splitter=None, quiet: bool = True, source: str = "<data frame>",
          codebook=None, **overrides) -> ThemeModel:
    """Fit a classifier model on hand-labelled responses.

    ``labels`` names a column of ``sep``-joined labels; rows with no label are not used. With
    ``question``, one classifier is fitted per question on that question's rows and labels (the
    model keeps which question each label belongs to, and `label --question` gives a response
    only its question's labels). Labels with fewer than ``FEW_EXAMPLES`` examples are kept
    (``model.info['few_examples']``): a classifier learns even from one or two. ``model.info``
    holds the held-out figures. With ``codebook`` (a themes.model.codebook.Codebook), each code's
    name, description clauses and examples are extra training rows for it, and a code no
    response carries is learned from them alone (themes.model.training). Save it with
    ``themes.save_model``. With ``settings.fine_tune`` (epochs), the sentence model is first
    fine-tuned on the codes' texts (themes.embed.finetune) and the model keeps it."""
    from themes.model.classifier import FEW_EXAMPLES, combine, response_vectors, training_labels
    from themes.model.seeding import readable
    from themes.model.training import fit_questions
    from themes.results.quotes import trim_quote

    settings = settings_with(settings, seed, overrides)
    reporter = Reporter(quiet)
    if not isinstance(data, pd.DataFrame):
        raise ThemesError("train() takes a pandas DataFrame; read files with themes.io.corpus.read_table.")
    # ingest, and the labels each usable row carries
    frame = data.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    corpus = build_corpus(frame, text=text, id=id, by=list(by or ()), question=question, source=source)
    label_sets = training_labels(frame, labels, sep, source)
    read = readable(corpus)
    usable = read.frame["has_content"].to_numpy() & np.array([bool(s) for s in label_sets])
    if not usable.any():
        raise InputError(f"{corpus.source}: no row has both text and a label in column '{labels}'; label more "
                         "responses.")
    # segment and embed; a response's vector is the mean of its segments'
    segs = segment(read, splitter or default_splitter(settings), settings.min_segment_words,
                   settings.max_segment_words)
    embedder = embedder or new_embedder(settings.model, settings)
    if settings.fine_tune:   # the sentence model learns the codes' examples first (themes.embed.finetune)
        from themes.embed.finetune import fine_tune
        from themes.model.training import fine_tune_groups

        groups = fine_tune_groups(read.frame["text"].tolist(), usable, corpus.frame["question"].to_numpy(),
                                  label_sets, codebook, bool(question), settings.normalise)
        embedder = fine_tune(embedder, groups, settings.fine_tune, settings.seed, reporter)
    vectors = embed_segments(segs, embedder, settings, reporter)
    R, has = response_vectors(segs.frame["row"].to_numpy(), vectors, len(corpus))
    # one classifier per question (one for all without --question); thresholds from held-out folds
    texts = [trim_quote(t, settings.quote_max_words) for t in read.frame["text"].to_numpy()]
    parts, unused = fit_questions(R, usable & has, corpus.frame["question"].to_numpy(), label_sets, texts, codebook,
                                  bool(question), embedder, settings, reporter, N_EXAMPLES)
    if unused:
        reporter.say(f"{len(unused)} codebook code(s) have no question here and no hand label of that name, so no "
                     f"classifier learned them: {', '.join(unused)}. Give them a question in the codebook.")
    clf, info, table, centroids = combine(parts)
    few = sorted({f"{lab} ({q})" if q else lab for q, *_, counts in parts for lab, n in counts.items()
                  if n < FEW_EXAMPLES})
    if few:
        reporter.say(f"{len(few)} label(s) have fewer than {FEW_EXAMPLES} examples and were kept (label more "
                     f"responses to make them reliable): {', '.join(few)}.")
    info["few_examples"] = few
    counts = [n for *_, c in parts for n in c.values()]
    if not settings.fine_tune and counts and float(np.median(counts)) < FINE_TUNE_HINT:
        reporter.say(f"Most labels have fewer than {FINE_TUNE_HINT} examples: `--fine-tune` teaches the sentence model "
                     "them first (about a minute; with 10 per code it added 0.02 micro-F1 on the FFT benchmark, "
                     "docs/benchmarks.md Coding).")
    info["left_out"] = []
    if settings.fine_tune:   # the held-out folds' responses were among what the encoder learned
        info["fine_tune"] = {"epochs": settings.fine_tune, "base_model": settings.model, "heldout_optimistic": True}
    if codebook is not None:
        info["codebook"] = {"source": str(codebook.source), "codes": len(codebook), "unused": unused}
    return ThemeModel(theme_set=ThemeSet(table=table, centroids=centroids, threshold=settings.min_similarity),
                      embedder=embedder_info(embedder), settings=settings.to_dict(), by=corpus.by,
                      question_column=corpus.question_column, kind="classifier", classifier=clf, info=info,
                      encoder=embedder if settings.fine_tune else None)


def _other_engine(engine: str, command: str, *args, **kwargs):
    if engine != "spark":
        raise ConfigError(f"Unknown engine '{engine}'. Use engine='local' (default) or engine='spark'.")
    from themes.engines.spark import engine as spark_engine

    return getattr(spark_engine, command)(*args, **kwargs)
