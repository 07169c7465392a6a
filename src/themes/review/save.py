"""Saving a review: the output tables worked out again from the reviewed labels, and the folder
replaced whole (``themes.io.atomic.staged_outdir``), so a reader sees the old folder or the new
one, never a mix. The model is saved with its edit log (and the reviewer's moves) beside it."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import replace

import numpy as np
import pandas as pd

from themes.io.atomic import staged_outdir
from themes.io.outdir import read_output, write_summary
from themes.io.safe import write_csv
from themes.model.persist import replace_model, save_model
from themes.report.data import OutDir
from themes.report.selection import select_quotes
from themes.results.tabulate import StanceTally, tally_of, with_stance_and_summary
from themes.review.session import REVIEW_FILE, ReviewSession
from themes.types import LABELLED, NO_CONTENT, UNASSIGNED, ThemeSet, live_mask

WRITTEN = ("responses.csv", "segments.csv", "themes.csv", "quotes.csv", "quotes.md", "crosstab.csv", "run.json",
           REVIEW_FILE)
QUOTE_COLUMNS = ["theme_id", "theme", "attribution", "quote", "response_id", "score"]


def reviewed_responses(s: ReviewSession) -> pd.DataFrame:
    """responses.csv as the review leaves it: each answer's status and themes from its sentences."""
    resp = s.data.responses.copy()
    names = dict(zip(s.live()["theme_id"].astype(int), s.live()["name"]))
    held = [s.themes_of.get(r, []) for r in range(len(resp))]
    resp["status"] = [NO_CONTENT if not c else LABELLED if h else UNASSIGNED for c, h in zip(s.has_content, held)]
    resp["primary_theme_id"] = pd.array([h[0] if h else pd.NA for h in held], dtype="Int64")
    resp["primary_theme"] = [names[h[0]] if h else "" for h in held]
    resp["theme_ids"] = [";".join(map(str, h)) for h in held]
    resp["theme_names"] = [";".join(names[i] for i in h) for h in held]
    return resp


def reviewed_segments(s: ReviewSession) -> pd.DataFrame:
    seg = s.data.segments.copy()
    seg["theme_id"] = pd.array(np.where(s.seg_theme >= 0, s.seg_theme, 0), dtype="Int64")
    seg.loc[s.seg_theme < 0, "theme_id"] = pd.NA
    return seg


def shown_set(s: ReviewSession) -> ThemeSet:
    t = s.model.table
    keep = live_mask(t)
    return ThemeSet(table=t[keep].reset_index(drop=True), centroids=s.model.theme_set.centroids[keep],
                    threshold=s.model.theme_set.threshold)


def reviewed_quotes(s: ReviewSession, themes: pd.DataFrame, responses: pd.DataFrame, segments: pd.DataFrame,
                    crosstab: pd.DataFrame) -> pd.DataFrame:
    """quotes.csv: a theme whose sentences and pins are as loaded keeps its quotes (its new name);
    the others' are chosen again from the sentences (pinned ones first), as `themes report` does."""
    by = list(s.data.by)
    old = s.quotes if s.quotes is not None else pd.DataFrame(columns=[*QUOTE_COLUMNS, *by])
    old = old.assign(theme_id=pd.to_numeric(old["theme_id"]).astype("int64"), score=pd.to_numeric(old["score"]))
    ids = themes["theme_id"].astype(int).tolist()
    same = [t for t in ids if t not in s.pins and np.array_equal(s.loaded_theme == t, s.seg_theme == t)]
    kept = old[old["theme_id"].isin(same)]
    settings = s.data.run.get("settings", {}) if isinstance(s.data.run, dict) else {}
    data = OutDir(path=s.outdir, themes=themes, responses=responses, segments=segments, crosstab=crosstab,
                  run=s.data.run, by=s.data.by, question_column=s.data.question_column, pins=s.pins)
    new = select_quotes(data, n=int(settings.get("n_quotes", 5)), max_words=int(settings.get("quote_max_words", 60)),
                        theme_ids=[t for t in ids if t not in same], exclude=set(kept["response_id"]))
    order = {t: k for k, t in enumerate(ids)}
    out = pd.concat([kept, new.drop(columns=["segment_index", "rank"])], ignore_index=True)
    out = out.assign(_o=out["theme_id"].map(order)).dropna(subset=["_o"])
    out = out.sort_values("_o", kind="mergesort").drop(columns="_o").reset_index(drop=True)
    names = dict(zip(themes["theme_id"], themes["name"]))
    out = out.astype({"theme_id": "int64", "score": "float64"})
    out["theme"] = out["theme_id"].map(names)
    return out[["theme_id", "theme", *by, "attribution", "quote", "response_id", "score"]]


def reviewed_tables(s: ReviewSession) -> dict:
    """Every table of the folder as the review leaves it."""
    responses, segments = reviewed_responses(s), reviewed_segments(s)
    theme_set = shown_set(s)
    tally = tally_of(responses, s.data.by, segments)
    crosstab = tally.crosstab(theme_set)
    themes = with_stance_and_summary(tally.themes_table(theme_set), StanceTally().add(segments), crosstab, s.data.by)
    quotes = reviewed_quotes(s, themes, responses, segments, crosstab)
    run = dict(s.data.run) if isinstance(s.data.run, dict) else {}
    run["counts"] = {**run.get("counts", {}), **tally.status_counts(), "themes": int(len(themes))}
    return {"responses": responses, "segments": segments, "themes": themes, "crosstab": crosstab, "quotes": quotes,
            "run": run}


def save_review(s: ReviewSession) -> dict:
    """Write the reviewed folder (and model) in place; what was written."""
    with s.lock:
        tables = reviewed_tables(s)
        inside = s.model_path is not None and s.model_path.resolve().parent == s.outdir.resolve()
        run = tables["run"]
        run["review"] = {"saved": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "reviewer": s.reviewer,
                         "edits": len(s.model.edits), "model": str(s.model_path) if s.model_path else None}
        extra = {"pins": {str(k): [list(p) for p in v] for k, v in s.pins.items() if v},
                 "reviewed": sorted(s.reviewed())}
        if s.model_path is None:
            extra["edits"] = s.model.edits
        with staged_outdir(s.outdir, force=True) as tmp:
            for item in sorted(s.outdir.iterdir()):
                if item.name in WRITTEN or item.name.startswith(".") or (inside and item.name == "model"):
                    continue
                (shutil.copytree if item.is_dir() else shutil.copy2)(item, tmp / item.name)
            write_csv(tables["responses"], tmp / "responses.csv")
            write_csv(tables["segments"], tmp / "segments.csv")
            write_summary(tmp, tables["themes"], tables["quotes"], tables["crosstab"], run, s.data.by)
            (tmp / REVIEW_FILE).write_text(json.dumps(extra, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            if inside:
                save_model(s.model, tmp / "model")
        if s.model_path is not None and not inside:
            replace_model(s.model, s.model_path)
        s.data = replace(s.data, responses=tables["responses"], segments=tables["segments"],
                         themes=tables["themes"], crosstab=tables["crosstab"], run=run)
        s.quotes = read_output(s.outdir, "quotes.csv", optional=True)
        s.loaded_theme = s.seg_theme.copy()
        s.unsaved = 0
        return {"saved": str(s.outdir), "model": str(s.model_path) if s.model_path else None,
                "edits": len(s.model.edits), "counts": run["counts"]}

