"""Streaming `themes label`: read, label and write a file block by block, so memory stays flat
however many rows it has.

Each block of rows goes through ``themes.steps.label_chunk`` (segment, embed, assign) and the same
table builders as the in-memory ``label``; responses.csv and segments.csv are appended block by
block into the temporary OUTDIR; theme and group counts are summed in a ``Tally``; quotes come
from a bounded pool of each theme's best segments; new-theme candidates from a bounded, seeded
sample of the unassigned sentences. On inputs of one block the files are the same, byte for byte,
as the in-memory path writes.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from themes.discover.candidates import candidate_table
from themes.discover.name_phrases import default_phrases
from themes.embed.runtime import cached
from themes.io.atomic import staged_outdir
from themes.io.corpus import iter_corpus
from themes.io.outdir import write_summary
from themes.io.safe import CsvAppender
from themes.progress import Reporter
from themes.results.assign import response_labels, response_stance, segment_table
from themes.results.layout import layout_segments
from themes.results.quotes import QuotePool
from themes.results.tabulate import StanceTally, Tally, with_stance_and_summary
from themes.steps import check_accounted, label_chunk, label_embedder, label_settings, run_info, shown_themes
from themes.text.cache import default_splitter
from themes.types import UNASSIGNED, Result

CHUNK_ROWS = 20_000


class CandidatePool:
    """Sentences of unassigned responses: all of them up to ``cap``, then a uniform seeded sample."""

    def __init__(self, cap: int, seed: int, by: tuple[str, ...]):
        self.cap, self.by = cap, tuple(by)
        self.rng = np.random.default_rng(seed)
        self.keys = np.zeros(0)
        self.order = np.zeros(0, dtype=np.int64)
        self.rids = np.zeros(0, dtype=object)
        self.texts = np.zeros(0, dtype=object)
        self.vectors: np.ndarray | None = None
        self.responses: list[pd.DataFrame] = []
        self.seen = 0

    def add(self, responses: pd.DataFrame, segs, vectors: np.ndarray, assignments) -> None:
        rows = segs.frame["row"].to_numpy()
        unassigned = responses.index[responses["status"] == UNASSIGNED]
        mask = (assignments.theme_pos < 0) & np.isin(rows, unassigned)
        n = int(mask.sum())
        order = self.seen + np.flatnonzero(mask)
        self.seen += len(rows)
        if n == 0:
            return
        keys = np.concatenate([self.keys, self.rng.random(n)])
        allv = np.vstack([self.vectors, vectors[mask]]) if self.vectors is not None else vectors[mask]
        order = np.concatenate([self.order, order])
        rids = np.concatenate([self.rids, responses["response_id"].to_numpy(dtype=object)[rows[mask]]])
        texts = np.concatenate([self.texts, np.asarray(segs.texts, dtype=object)[mask]])
        keep = np.sort(np.argsort(keys, kind="stable")[:self.cap])
        self.keys, self.vectors, self.order = keys[keep], allv[keep], order[keep]
        self.rids, self.texts = rids[keep], texts[keep]
        self.responses.append(responses.loc[responses.index.isin(np.unique(rows[mask])),
                                            ["response_id", *self.by, "text"]])
        kept = set(self.rids)
        self.responses = [r[r["response_id"].isin(kept)] for r in self.responses]

    def table(self, embedder, phrases, settings) -> pd.DataFrame:
        responses = (pd.concat(self.responses, ignore_index=True) if self.responses
                     else pd.DataFrame(columns=["response_id", *self.by, "text"]))
        X = self.vectors if self.vectors is not None else np.zeros((0, 0), np.float32)
        return candidate_table(responses, self.rids, self.texts, X, embedder, phrases, settings,
                                        list(self.by))


def label_file(model, input: Path, out: Path, *, text=None, id=None, by=(), question=None, sheet=None,
               force: bool = False, quiet: bool = False, chunk_rows: int = CHUNK_ROWS, embedder=None,
               splitter=None, phrases=None, labels=None, **overrides) -> Result:
    """`themes label` on a file of any size: write OUTDIR atomically; return the small tables."""
    model, settings = label_settings(model, None, overrides)
    reporter = Reporter(quiet)
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    by = tuple(by or getattr(model, "by", ()))
    blocks = iter_corpus(input, text=text, id=id, by=by, question=question, sheet=sheet, chunk_rows=chunk_rows,
                         labels=labels)
    first = next(blocks)  # fail on a bad file or column before loading any model
    for note in first.notes:
        reporter.say(note)
    model, embedder = label_embedder(model, settings, embedder, reporter, named=overrides.get("embedding_model"))
    theme_set = shown_themes(model.theme_set)  # what the files show; deleted themes left out
    splitter = splitter or default_splitter(settings)
    with staged_outdir(out, force) as tmp:
        files = {name: CsvAppender(tmp / name) for name in ("responses.csv", "segments.csv")}
        tally = Tally(by, first.question_column is not None)
        stance = StanceTally()
        quotes = QuotePool(len(theme_set), settings.n_quotes, by, first.labels)
        candidates = CandidatePool(settings.sample_cap, settings.seed, by)
        n_segments = 0
        for corpus in _chain(first, blocks):
            segs, vectors, assignments = label_chunk(model.theme_set, corpus, embedder, splitter, settings,
                                                              reporter, timings, model.moves)
            responses = response_labels(corpus, segs, assignments, theme_set, settings.max_codes)
            seg_table = segment_table(segs, assignments, theme_set)
            responses.insert(len(responses.columns) - 1, "stance", response_stance(responses, seg_table))
            stance.add(seg_table)
            # map positions per block (the map's axes come from the block's own residuals)
            seg_table[["x", "y"]] = np.round(layout_segments(segs, vectors, assignments.theme_pos, theme_set), 4)
            check_accounted(corpus, responses)
            files["responses.csv"].write(responses)
            files["segments.csv"].write(seg_table)
            tally.add(responses, seg_table["theme_id"])
            quotes.add(seg_table, vectors, responses)
            candidates.add(responses, segs, vectors, assignments)
            n_segments += len(seg_table)
        crosstab = tally.crosstab(theme_set)
        themes = with_stance_and_summary(tally.themes_table(theme_set), stance, crosstab, by)
        quote_table = quotes.pick(themes, settings.n_quotes, settings.quote_max_words)
        t = time.perf_counter()
        new = candidates.table(cached(embedder, settings), phrases or default_phrases(settings), settings)
        timings["candidates_s"] = time.perf_counter() - t
        timings["total_s"] = time.perf_counter() - t0
        counts = {**tally.status_counts(), "segments": int(n_segments), "themes": int(len(themes)),
                  "new_candidates": int(len(new))}
        run = run_info("label", first, settings, embedder, counts, timings, {})
        run["model"] = {"kind": model.kind, "themes": int(len(theme_set)), "edits": len(model.edits),
                        "threshold": float(model.theme_set.threshold)}
        result = Result(themes=themes, responses=pd.DataFrame(), segments=pd.DataFrame(), quotes=quote_table,
                        crosstab=crosstab, run=run, theme_set=theme_set, by=by, model=model)
        write_summary(tmp, result.themes, result.quotes, result.crosstab, run, by, {"new_candidates.csv": new})
    return result


def _chain(first, rest):
    yield first
    yield from rest
