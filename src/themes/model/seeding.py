"""Codebooks as themes: seeded extraction (extract --codebook) and zero-shot codebook models
(label with a codebook); and the corpus views a trained classifier reads. Called from
themes.pipeline and themes.steps."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from themes.config import Settings
from themes.discover.cluster import blend_centres, seed_centres
from themes.discover.fit import fit_theme_set
from themes.embed.runtime import embed_with_cache, embedder_info
from themes.model.codebook import Codebook
from themes.model.theme_model import ThemeModel
from themes.progress import Reporter
from themes.results.assign import assign
from themes.types import Corpus, Segments, ThemeSet, theme_table

SEED_VOTE = 0.5   # extract --codebook: a cluster is new when more than this share of it no codebook theme took


def codebook_theme_set(codebook: Codebook, embedder, settings: Settings, reporter: Reporter,
                       status: str | None = None) -> ThemeSet:
    """A codebook's themes with centres from their words: the mean embedding of the name, each
    sentence of the description and its quoted word lists (CodebookTheme.centre_statements),
    pulled towards the embeddings of their examples (names and descriptions alone are enough)."""
    themes = codebook.themes
    meaning = statement_centres([t.centre_statements() for t in themes], embedder, settings, reporter)
    examples = [embed_with_cache(t.examples, embedder, settings, reporter) if t.examples else np.zeros((0, 0))
                for t in themes]
    table = theme_table(ids=[t.id for t in themes], names=[t.name for t in themes],
                        keywords=[t.keywords for t in themes], descriptions=[t.description for t in themes],
                        questions=[t.question for t in themes],
                        statuses=[status or t.status for t in themes], examples=[t.examples for t in themes])
    return ThemeSet(table=table, centroids=seed_centres(meaning, examples), threshold=settings.min_similarity)


def statement_centres(statements: list[list[str]], embedder, settings: Settings, reporter: Reporter) -> np.ndarray:
    """One unit vector per theme: the mean of its statements' embeddings."""
    flat = [s for group in statements for s in group]
    vecs = embed_with_cache(flat, embedder, settings, reporter) if flat else np.zeros((0, embedder.dimension))
    owner = np.repeat(np.arange(len(statements)), [len(g) for g in statements])
    sums = np.zeros((len(statements), vecs.shape[1]), dtype=np.float64)
    np.add.at(sums, owner, vecs)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return (sums / np.where(norms > 0, norms, 1.0)).astype(np.float32)


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
    """A centroid model made from a codebook alone (no data needed), with its coding rule
    from the codebook (themes.model.calibrate): stance twins, non-answer codes, and optionally
    several codes per segment (``Settings.code_margin``)."""
    from themes.model.calibrate import calibrate

    theme_set = codebook_theme_set(codebook, embedder, settings, reporter or Reporter(True))
    coding = calibrate(codebook, theme_set, settings.min_similarity, settings.code_margin)
    theme_set = replace(theme_set, coding=coding)
    return ThemeModel(theme_set=theme_set, embedder=embedder_info(embedder), settings=settings.to_dict())


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
