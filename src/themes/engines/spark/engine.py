"""The Spark engine: ``themes extract|label --engine spark`` (and ``engine="spark"`` in the
Python API) for millions of responses. Needs the extra: ``pip install 'themes[spark]'``.

1. prepare: read any Spark-readable input, check columns on a sample, number rows in input order;
2. executors embed every sentence (spark_passes.embed_all; model loaded once per worker);
3. extract only: the driver fits and names themes on a seeded sample of ``fit_sample`` sentences;
4. executors assign every sentence and label every response (spark_passes.label_all);
5. the driver builds themes.csv, crosstab.csv, quotes and new candidates from Spark aggregations
   and bounded samples; responses and segments are written by Spark as Parquet (or CSV) folders.
See docs/scale.md for running on a cluster.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from themes.config import Settings
from themes.discover.candidates import candidate_table
from themes.discover.describe import local_describer
from themes.discover.fit import fit_theme_set, name_theme_set
from themes.discover.name_phrases import default_phrases
from themes.embed.runtime import cached, embedder_info, new_embedder
from themes.engines.spark.io import check_source, session, write_table
from themes.engines.spark.passes import ROW, collect_segments, embed_all, label_all, prepare
from themes.errors import ConfigError
from themes.io.atomic import staged_outdir
from themes.io.outdir import check_outdir, write_summary
from themes.model.persist import ThemeModel, save_model
from themes.progress import Reporter
from themes.results.assign import assign
from themes.results.quotes import CANDIDATES, pick_quotes
from themes.results.tabulate import StanceTally, Tally, with_stance_and_summary
from themes.steps import label_embedder, label_settings, run_info, settings_with
from themes.text.cache import default_terms
from themes.types import UNASSIGNED, Corpus, Result

OUT_FORMATS = ("parquet", "csv")


def extract(data, text: str | None = None, by=(), id: str | None = None, question: str | None = None,
            seed: int | None = None, settings: Settings | None = None, quiet: bool = True,
            master: str = "local[2]", out=None, out_format: str = "parquet", force: bool = False,
            source_format: str | None = None, embedder=None, phrases=None, encoding: str | None = None,
            **overrides) -> Result:
    """Discover themes with Spark. ``data``: a path Spark reads (Parquet, CSV, JSON Lines, a folder)
    or a Spark/pandas DataFrame. The Result's responses and segments are Spark DataFrames; with
    ``out`` everything is also written there (responses/segments as ``out_format`` folders)."""
    settings = settings_with(settings, seed, overrides)
    check_source(data)
    describer = local_describer(settings) if settings.describe == "local" else None   # runs on the driver
    run = _Run("extract", settings, quiet, master, out, out_format, force)
    frame, spec, notes, n_rows, source = prepare(run.spark, data, text, id, by, question, source_format, encoding)
    run.note(notes)
    embedder = embedder or new_embedder(settings.model, settings)
    embedded = embed_all(frame, spec, settings)
    t = time.perf_counter()
    _, segs, vectors = collect_segments(embedded, settings.sample_cap, settings.seed, embedder.dimension)
    run.timings["embed_and_sample_s"] = time.perf_counter() - t
    t = time.perf_counter()
    theme_set, fit_info = fit_theme_set(segs, vectors, settings)
    theme_set, naming = name_theme_set(theme_set, segs, vectors, assign(vectors, segs, theme_set),
                                       cached(embedder, settings), phrases or default_phrases(settings),
                                       default_terms(settings), settings.normalise, describer)
    fit_info = {**fit_info, "naming": naming}
    run.timings["fit_and_name_s"] = time.perf_counter() - t
    model = ThemeModel(theme_set=theme_set, embedder=embedder_info(embedder),
                       settings=settings.to_dict(), by=tuple(by), question_column=question)
    return run.finish(embedded, model, embedder, phrases, tuple(by), question, n_rows, source, notes, fit_info)


def label(model, data, text: str | None = None, by=(), id: str | None = None, question: str | None = None,
          settings: Settings | None = None, quiet: bool = True, master: str = "local[2]", out=None,
          out_format: str = "parquet", force: bool = False, source_format: str | None = None, embedder=None,
          phrases=None, encoding: str | None = None, **overrides) -> Result:
    """Label responses against a saved model with Spark (see ``extract`` for ``data`` and ``out``)."""
    model, settings = label_settings(model, settings, overrides)
    check_source(data)
    model, embedder = label_embedder(model, settings, embedder, named=overrides.get("embedding_model"))  # a codebook: a model
    if model.kind != "centroid" or (model.table["status"].isin(["merged", "deleted"])).any():
        raise ConfigError("The Spark engine labels with theme models and codebooks whose edits are renames only; "
                          "for a trained classifier or merged/deleted themes use the local engine (--engine local).")
    settings = settings.replace(model=model.embedder.get("name", settings.model))
    run = _Run("label", settings, quiet, master, out, out_format, force)
    by = tuple(by or model.by)
    frame, spec, notes, n_rows, source = prepare(run.spark, data, text, id, by, question, source_format, encoding)
    run.note(notes)
    embedded = embed_all(frame, spec, settings)
    return run.finish(embedded, model, embedder, phrases, by, question, n_rows, source, notes, {})


class _Run:
    """One Spark run: its settings, timings, and the steps after the themes are known."""

    def __init__(self, command, settings, quiet, master, out, out_format, force):
        if out_format not in OUT_FORMATS:
            from themes.errors import ConfigError

            raise ConfigError(f"Output format '{out_format}' is not one of {', '.join(OUT_FORMATS)}.")
        if out is not None:
            check_outdir(Path(out), force)  # fail before the slow work
        self.command, self.settings, self.out, self.out_format, self.force = command, settings, out, out_format, force
        self.reporter = Reporter(quiet)
        self.t0 = time.perf_counter()
        self.timings: dict[str, float] = {}
        self.spark = session(master)

    def note(self, notes) -> None:
        for n in notes:
            self.reporter.say(n)

    def finish(self, embedded, model, embedder, phrases, by, question, n_rows, source, notes, fit_info) -> Result:
        from pyspark.sql import functions as F

        settings, theme_set, dim = self.settings, model.theme_set, int(embedder.dimension)
        t = time.perf_counter()
        labelled = label_all(embedded, theme_set, by, question, dim)
        tally = Tally(by, question is not None)
        keys = [*(["question"] if question else []), "status", "theme_ids", "primary_theme_id", *by]
        groups = labelled.groupBy(*[F.col(f"`{c}`") for c in keys]).count().toPandas()
        tally.add(groups, weight=groups["count"])
        seg_counts = (labelled.select(F.explode("seg_theme").alias("t")).where("t >= 0").groupBy("t").count()
                      .collect())
        tally.segments.update({int(r["t"]): int(r["count"]) for r in seg_counts})
        embedded.unpersist()
        self.timings["label_s"] = time.perf_counter() - t
        pairs = labelled.select(F.explode(F.arrays_zip("seg_theme", "seg_stance")).alias("p")).where("p.seg_theme >= 0")
        stance_counts = pairs.groupBy(F.col("p.seg_theme").alias("theme_id"),
                                      F.col("p.seg_stance").alias("stance")).count().toPandas()
        stance = StanceTally().add(stance_counts, weight=stance_counts["count"])
        crosstab = tally.crosstab(theme_set)
        themes = with_stance_and_summary(tally.themes_table(theme_set), stance, crosstab, by)
        quotes = _quotes(labelled, themes, by, settings, dim)
        extra = {}
        if self.command == "label":
            extra["new_candidates.csv"] = _candidates(labelled, cached(embedder, settings),
                                                      phrases or default_phrases(settings),
                                                      settings, by, dim)
        n_segments = labelled.select(F.sum(F.size("seg_theme"))).first()[0] or 0
        counts = {**tally.status_counts(), "segments": int(n_segments),
                  "themes": int(len(themes))}
        if counts["rows"] != n_rows:
            raise RuntimeError(f"Internal error: {n_rows} rows in, {counts['rows']} labelled. Nothing was written; "
                               "please report this.")
        if extra:
            counts["new_candidates"] = int(len(extra["new_candidates.csv"]))
        corpus = Corpus(frame=pd.DataFrame(), by=by, question_column=question, source=source, notes=tuple(notes))
        self.timings["total_s"] = time.perf_counter() - self.t0
        run = run_info(self.command, corpus, settings, embedder, counts, self.timings, fit_info)
        run["engine"] = {"name": "spark", "master": self.spark.sparkContext.master,
                         "partitions": labelled.rdd.getNumPartitions()}
        responses, segments = _big_tables(labelled, by, question)
        result = Result(themes=themes, responses=responses, segments=segments, quotes=quotes,
                        crosstab=crosstab, run=run, theme_set=theme_set, by=by, model=model)
        if self.out is not None:
            self._write(result, extra, model if self.command == "extract" else None)
        return result

    def _write(self, result: Result, extra: dict, model) -> None:
        with staged_outdir(self.out, self.force) as tmp:
            write_table(result.responses.orderBy(ROW).drop(ROW), tmp, "responses", self.out_format)
            write_table(result.segments.orderBy(ROW, "segment_index").drop(ROW), tmp, "segments", self.out_format)
            write_summary(tmp, result.themes, result.quotes, result.crosstab, result.run, result.by, extra)
            if model is not None:
                save_model(model, tmp / "model")


def _big_tables(labelled, by, question):
    """responses and segments (with ``_row`` for ordering) as Spark DataFrames, local columns."""
    from pyspark.sql import functions as F

    cols = ["response_id", *(["question"] if question else []), *by, "status", "primary_theme_id", "primary_theme",
            "theme_ids", "theme_names", "stance", "text"]
    responses = labelled.select(ROW, *[F.col(f"`{c}`") for c in cols])
    s = F.posexplode(F.arrays_zip("seg_start", "seg_end", "seg_text", "seg_theme", "seg_score", "seg_stance"))
    segments = labelled.select(ROW, "response_id", s.alias("segment_index", "s")).select(
        ROW, "response_id", "segment_index", F.col("s.seg_start").alias("start"), F.col("s.seg_end").alias("end"),
        F.col("s.seg_text").alias("text"),
        F.when(F.col("s.seg_theme") >= 0, F.col("s.seg_theme")).cast("long").alias("theme_id"),
        F.col("s.seg_score").alias("score"), F.col("s.seg_stance").alias("stance"))
    return responses, segments


def _quotes(labelled, themes: pd.DataFrame, by, settings: Settings, dim: int) -> pd.DataFrame:
    """The best CANDIDATES (+ what other themes may take) sentences of each theme, then the local pick."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    keep = CANDIDATES + settings.n_quotes * len(themes)
    s = F.posexplode(F.arrays_zip("seg_text", "seg_theme", "seg_score", "seg_vec"))
    seg = labelled.select(ROW, "response_id", *[F.col(f"`{c}`") for c in by], s.alias("idx", "s")).where(
        "s.seg_theme >= 0").select(ROW, "idx", "response_id", *[F.col(f"`{c}`") for c in by],
                                   F.col("s.seg_text").alias("text"), F.col("s.seg_theme").alias("theme_id"),
                                   F.col("s.seg_score").alias("score"), F.col("s.seg_vec").alias("vec"))
    rank = F.row_number().over(Window.partitionBy("theme_id").orderBy(F.desc("score"), ROW, "idx"))
    top = seg.withColumn("rank", rank).where(F.col("rank") <= keep).drop("rank").toPandas()
    top = top.sort_values([ROW, "idx"], kind="mergesort").reset_index(drop=True)
    vectors = (np.frombuffer(b"".join(top["vec"]), dtype=np.float32).reshape(-1, dim) if len(top)
               else np.zeros((0, dim), np.float32))
    segments = top[["response_id", "text"]].assign(theme_id=top["theme_id"].astype("Int64"), score=top["score"])
    responses = top.drop_duplicates("response_id")[["response_id", *by]]
    return pick_quotes(segments, vectors, responses, themes, by, settings.n_quotes, settings.quote_max_words)


def _candidates(labelled, embedder, phrases, settings: Settings, by, dim: int) -> pd.DataFrame:
    """new_candidates.csv from a seeded sample of at most ``fit_sample`` unassigned sentences."""
    from pyspark.sql import functions as F

    unassigned = labelled.where(F.col("status") == UNASSIGNED)
    rows, segs, vectors = collect_segments(unassigned, settings.sample_cap, settings.seed, dim, extra=by)
    return candidate_table(rows[["response_id", *by, "text"]], segs.frame["response_id"].to_numpy(),
                                    segs.texts, vectors, embedder, phrases, settings, list(by))
