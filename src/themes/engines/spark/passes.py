"""The passes of the Spark engine (see spark_engine for the whole): what runs on the executors,
and the driver-side steps that prepare and sample the data.

What runs where:
- executors: read the input, split responses into sentences and embed them (``mapInPandas``;
  the model and spaCy load once per Python worker and are reused by every partition it runs),
  then assign every sentence to its nearest theme and build each response's labels;
- driver: fit themes on a seeded sample of at most ``fit_sample`` sentences, name them, and build
  the small tables (themes, crosstab, quotes, new candidates) from Spark aggregations.
The per-block work calls the same functions as the local engine (build_corpus, segment,
embed_texts, assign, response_labels, segment_table), so both engines label alike.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from themes.config import Settings
from themes.embed.models import EmbeddingCache, embed_texts
from themes.errors import InputError
from themes.io.corpus import build_corpus, guess_text_column
from themes.results.assign import assign, response_labels, response_stance, segment_table
from themes.text.segment import annotate, segment, spacy_splitter
from themes.types import Corpus, Segments, ThemeSet

ROW, MID, AUTO_ID = "_row", "_mid", "__themes_row_id"
SEG_ARRAYS = ("seg_start", "seg_end", "seg_text", "seg_vec")
_WORKER: dict = {}  # per Python worker process: embedders and the splitter, loaded once


# ----- executor side: top-level functions, so each worker imports this module and keeps _WORKER

def worker_embedder(settings: Settings):
    from themes.embed.runtime import new_embedder

    key = ("embedder", settings.model, settings.batch_size, settings.backend)
    if key not in _WORKER:
        _WORKER[key] = new_embedder(settings.model, settings)
    return _WORKER[key]


def worker_splitter():
    if "splitter" not in _WORKER:
        _WORKER["splitter"] = spacy_splitter()
    return _WORKER["splitter"]


def embed_block(pdf: pd.DataFrame, spec: dict) -> pd.DataFrame:
    """Input rows (+ _row) -> one row per response with its sentences and their vectors."""
    frame = pdf.reset_index(drop=True)
    settings = Settings(**spec["settings"])
    corpus = build_corpus(frame, text=spec["text"], id=spec["id"], by=spec["by"], question=spec["question"])
    segs = segment(corpus, worker_splitter(), settings.min_segment_words, settings.max_segment_words)
    embedder = worker_embedder(settings)
    cache = (EmbeddingCache(settings.cache_path, f"{embedder.name}@{embedder.version}", embedder.dimension)
             if settings.use_cache else None)
    vectors = embed_texts(segs.texts_for(settings.normalise), embedder, cache).astype(np.float32)
    out = corpus.frame.copy()
    out.insert(0, ROW, frame[ROW].to_numpy(dtype=np.int64))
    sf = segs.frame
    bounds = np.searchsorted(sf["row"].to_numpy(), np.arange(len(out) + 1))
    parts = list(zip(bounds[:-1], bounds[1:]))
    starts, ends = sf["start"].to_numpy(), sf["end"].to_numpy()
    texts = sf["text"].to_numpy(dtype=object)
    out["seg_start"] = [starts[a:b].tolist() for a, b in parts]
    out["seg_end"] = [ends[a:b].tolist() for a, b in parts]
    out["seg_text"] = [texts[a:b].tolist() for a, b in parts]
    out["seg_vec"] = [[v.tobytes() for v in vectors[a:b]] for a, b in parts]
    return out


def unpack(pdf: pd.DataFrame, by, question_column, dim: int) -> tuple[Corpus, Segments, np.ndarray]:
    """Rows written by embed_block -> (Corpus, Segments, vectors) of that block."""
    frame = pdf.reset_index(drop=True)
    corpus = Corpus(frame=frame[["response_id", "text", "question", "has_content", *by]], by=tuple(by),
                    question_column=question_column)
    lens = np.array([len(s) for s in frame["seg_start"]], dtype=np.int64)
    row = np.repeat(np.arange(len(frame)), lens)
    flat = {c: [x for seq in frame[c] for x in seq] for c in SEG_ARRAYS}
    seg = pd.DataFrame({
        "row": row, "response_id": frame["response_id"].to_numpy()[row],
        "segment_index": np.arange(len(row)) - np.repeat(np.cumsum(lens) - lens, lens),
        "start": np.asarray(flat["seg_start"], dtype=np.int64), "end": np.asarray(flat["seg_end"], dtype=np.int64),
        "text": pd.Series(flat["seg_text"], dtype=object), "question": frame["question"].to_numpy()[row],
    })
    vectors = (np.frombuffer(b"".join(flat["seg_vec"]), dtype=np.float32).reshape(-1, dim) if len(row)
               else np.zeros((0, dim), np.float32))
    return corpus, Segments(frame=annotate(seg)), vectors


def label_block(pdf: pd.DataFrame, spec: dict) -> pd.DataFrame:
    """Rows written by embed_block -> responses.csv columns, plus each sentence's theme and score."""
    corpus, segs, vectors = unpack(pdf, spec["by"], spec["question_column"], spec["dim"])
    theme_set = ThemeSet(table=pd.DataFrame(spec["table"]), centroids=np.asarray(spec["centroids"], np.float32),
                         threshold=spec["threshold"])
    assignments = assign(vectors, segs, theme_set)
    out = response_labels(corpus, segs, assignments, theme_set)
    seg = segment_table(segs, assignments, theme_set)
    bounds = np.searchsorted(segs.frame["row"].to_numpy(), np.arange(len(out) + 1))
    parts = list(zip(bounds[:-1], bounds[1:]))
    theme = seg["theme_id"].fillna(-1).to_numpy(dtype=np.int64)
    score = seg["score"].to_numpy(dtype=float)
    stance = seg["stance"].to_numpy(dtype=object)
    out.insert(len(out.columns) - 1, "stance", response_stance(out, seg))   # before text, as locally
    out.insert(0, ROW, pdf[ROW].to_numpy(dtype=np.int64))
    out["seg_theme"] = [theme[a:b].tolist() for a, b in parts]
    out["seg_score"] = [score[a:b].tolist() for a, b in parts]
    out["seg_stance"] = [stance[a:b].tolist() for a, b in parts]
    for c in SEG_ARRAYS:
        out[c] = pdf[c].to_numpy()
    return out


# ----- driver side

def _schema(by, question: bool, labelled: bool):
    from pyspark.sql import types as T

    s, arr = T.StringType(), T.ArrayType
    fields = [T.StructField(ROW, T.LongType()), T.StructField("response_id", s)]
    if labelled:
        fields += ([T.StructField("question", s)] if question else []) + [T.StructField(c, s) for c in by]
        fields += [T.StructField("status", s), T.StructField("primary_theme_id", T.LongType()),
                   T.StructField("primary_theme", s), T.StructField("theme_ids", s), T.StructField("theme_names", s),
                   T.StructField("stance", s), T.StructField("text", s), T.StructField("seg_theme", arr(T.LongType())),
                   T.StructField("seg_score", arr(T.DoubleType())), T.StructField("seg_stance", arr(s))]
    else:
        fields += [T.StructField("text", s), T.StructField("question", s), T.StructField("has_content", T.BooleanType())]
        fields += [T.StructField(c, s) for c in by]
    fields += [T.StructField("seg_start", arr(T.LongType())), T.StructField("seg_end", arr(T.LongType())),
               T.StructField("seg_text", arr(s)), T.StructField("seg_vec", arr(T.BinaryType()))]
    return T.StructType(fields)


def _frame(spark, data, source_format, notes: list, encoding: str | None = None):
    from pyspark.sql import DataFrame as SparkFrame

    from themes.engines.spark.io import read_input

    if isinstance(data, SparkFrame):
        return data, "<spark data frame>"
    if isinstance(data, pd.DataFrame):
        frame = data.reset_index(drop=True)
        frame.columns = [str(c) for c in frame.columns]
        return spark.createDataFrame(frame.astype(object).where(frame.notna(), "").astype(str)), "<data frame>"
    return read_input(spark, data, source_format, notes, encoding), str(data)


def prepare(spark, data, text, id, by, question, source_format=None, encoding: str | None = None):
    """Check the columns on a sample, number the rows in input order (``_row``), check ids, and
    spread the rows over the cluster. Returns (frame, spec, notes, n_rows, source). ``encoding``:
    a CSV's text encoding (``--encoding``; default: guessed, see io.csv_encoding)."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    read_notes: list[str] = []
    frame, source = _frame(spark, data, source_format, read_notes, encoding)
    probe = frame.limit(1000).toPandas()
    if len(probe.columns) and len(probe) == 0:
        raise InputError(f"{source}: the header is there but there are no rows of answers.")
    notes = tuple(read_notes) + build_corpus(probe, text=text, id=id, by=by, question=question, source=source).notes
    text = text or guess_text_column(probe)
    frame = frame.withColumn(MID, F.monotonically_increasing_id()).persist(StorageLevel.MEMORY_AND_DISK)
    sizes = sorted(frame.groupBy(F.shiftright(F.col(MID), 33).alias("p")).count().collect())
    offsets, total = [], 0
    for p, n in sizes:
        offsets += [F.lit(int(p)), F.lit(total)]
        total += int(n)
    lookup = F.create_map(*offsets)[F.shiftright(F.col(MID), 33)]
    frame = frame.withColumn(ROW, (lookup + F.col(MID).bitwiseAND(F.lit((1 << 33) - 1))).cast("long")).drop(MID)
    if id is None:
        frame, id = frame.withColumn(AUTO_ID, (F.col(ROW) + 1).cast("string")), AUTO_ID
    else:
        _check_ids(frame, id, source)
    cols = [c for c in dict.fromkeys([ROW, text, id, *by, *([question] if question else [])])]
    frame = frame.select([F.col(f"`{c}`") for c in cols])
    target = spark.sparkContext.defaultParallelism * 2
    if frame.rdd.getNumPartitions() < target:
        frame = frame.repartition(target)
    spec = {"text": text, "id": id, "by": list(by), "question": question}
    return frame, spec, notes, total, source


def _check_ids(frame, id: str, source: str) -> None:
    from pyspark.sql import functions as F

    c = F.trim(F.col(f"`{id}`"))
    blank = frame.where(c.isNull() | (c == "") | F.lower(c).isin("nan", "none")).select(ROW).limit(1).collect()
    if blank:
        raise InputError(f"{source}: row {blank[0][0] + 2} has no value in the id column '{id}'. Fill it, or "
                         "leave out --id.")
    dup = frame.groupBy(c.alias("i")).count().where("count > 1").limit(1).collect()
    if dup:
        raise InputError(f"{source}: id '{dup[0]['i']}' in column '{id}' appears more than once. Ids must be "
                         "unique; fix them, or leave out --id to number the rows.")


def embed_all(frame, spec: dict, settings: Settings):
    """Executors: sentences and vectors of every response (persisted: later passes reuse them)."""
    from pyspark import StorageLevel

    # the cache folder is resolved here: executors may not see the driver's THEMES_CACHE_DIR
    spec = {**spec, "settings": dataclasses.asdict(settings.replace(cache_dir=str(settings.cache_path)))}
    by, question = spec["by"], spec["question"]

    def run(blocks):
        for pdf in blocks:
            if len(pdf):
                yield embed_block(pdf, spec)

    return frame.mapInPandas(run, _schema(by, question is not None, False)).persist(StorageLevel.MEMORY_AND_DISK)


def label_all(embedded, theme_set: ThemeSet, by, question_column, dim: int):
    """Executors: every sentence to its nearest theme; each response's labels."""
    from pyspark import StorageLevel

    table = theme_set.table.copy()
    table["keywords"] = [list(k) for k in table["keywords"]]
    spec = {"by": list(by), "question_column": question_column, "dim": int(dim), "threshold": float(theme_set.threshold),
            "table": table.to_dict("list"), "centroids": theme_set.centroids.tolist()}

    def run(blocks):
        for pdf in blocks:
            if len(pdf):
                yield label_block(pdf, spec)

    return embedded.mapInPandas(run, _schema(by, question_column is not None, True)).persist(
        StorageLevel.MEMORY_AND_DISK)


def collect_segments(frame, cap: int, seed: int, dim: int, extra=()) -> tuple[pd.DataFrame, Segments, np.ndarray]:
    """Driver: a seeded sample of about ``cap`` sentences (all of them when fewer), in input order."""
    from pyspark.sql import functions as F

    n = frame.select(F.sum(F.size("seg_start"))).first()[0] or 0
    part = frame if n <= cap else frame.sample(False, min(1.0, 1.1 * cap / n), seed)
    question = F.col("question") if "question" in frame.columns else F.lit("")
    cols = [F.col(f"`{c}`") for c in dict.fromkeys([ROW, "response_id", "text", *extra])]
    rows = part.select(*cols, question.alias("question"), *SEG_ARRAYS).toPandas()
    rows = rows.sort_values(ROW, kind="mergesort").reset_index(drop=True)
    rows["has_content"] = True
    return rows, *unpack(rows, [], None, dim)[1:]
