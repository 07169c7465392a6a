"""Codebooks and hand labels: seeded extraction, zero-shot codebook models and trained
classifiers. Called from themes.pipeline (extract --codebook, label with a codebook) and from
`themes train`."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from .assign import assign
from .classify import MIN_EXAMPLES, fit_classifier, label_summaries, response_vectors, training_labels
from .cluster import blend_centres, seed_centres
from .codebook import Codebook
from .config import Settings
from .errors import InputError, ThemesError
from .ingest import build_corpus
from .model import N_EXAMPLES, ThemeModel, theme_table
from . import pipeline
from .pipeline import _embed, _embed_texts, _settings, _versions, fit_theme_set, new_embedder
from .progress import Reporter
from .quotes import trim_quote
from .segment import segment
from .types import Corpus, Segments, ThemeSet

SEED_VOTE = 0.5   # extract --codebook: a cluster is new when more than this share of it no codebook theme took


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


def codebook_model(codebook: Codebook, embedder, settings: Settings, reporter: Reporter | None = None) -> ThemeModel:
    """A centroid model made from a codebook alone (no data needed)."""
    theme_set = codebook_theme_set(codebook, embedder, settings, reporter or Reporter(True))
    return ThemeModel(theme_set=theme_set, embedder=_versions(embedder)["embedder"], settings=settings.to_dict())


def readable(corpus: Corpus) -> Corpus:
    """A classifier reads short non-answers too ('Nothing.'): the hand labels say what they mean."""
    frame = corpus.frame.copy()
    frame["has_content"] = frame["text"].str.strip() != ""
    return replace(corpus, frame=frame)


def with_content(corpus: Corpus, themes_of: dict) -> Corpus:
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
    read = readable(corpus)
    usable = read.frame["has_content"].to_numpy() & np.array([bool(s) for s in label_sets])
    counts = pd.Series([lab for s, u in zip(label_sets, usable) if u for lab in s]).value_counts()
    classes = sorted(counts.index[counts >= MIN_EXAMPLES], key=lambda c: (-counts[c], c))
    dropped = sorted(set(counts.index) - set(classes))
    if dropped:
        reporter.say(f"Left out {len(dropped)} label(s) with fewer than {MIN_EXAMPLES} examples: {', '.join(dropped)}.")
    if not classes:
        raise InputError(f"{corpus.source}: no label in column '{labels}' has {MIN_EXAMPLES} or more examples "
                         "with text; label more responses.")
    segs = segment(read, splitter or pipeline.default_splitter(settings), settings.min_segment_words, settings.max_segment_words)
    embedder = embedder or new_embedder(settings.model, settings)
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


