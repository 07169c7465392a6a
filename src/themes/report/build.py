"""OUTDIR -> one ReportModel that every writer (HTML, DOCX, XLSX, Markdown) renders.

Redaction happens here, once, so every format shows the same anonymised texts: the responses,
the segments (map hover text and quotes, redacted through the response's spans so a name is
treated the same everywhere), and the theme names, descriptions and keywords.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from themes.report.data import OutDir
from themes.report.groups import add_intervals, overall, small_group_ids, small_groups_quoted, theme_groups
from themes.report.redact import Redactor, redact_text
from themes.report.selection import select_quotes
from themes.results.quotes import trim_quote

MAP_POINTS = 4000
LOG_COLUMNS = ["response_id", "where", "start", "end", "original", "replacement", "method"]


@dataclass
class ThemeView:
    theme_id: int
    name: str
    description: str
    keywords: list[str]
    question: str
    n: int
    share: float
    totals: dict                      # the '(all)' row of the group table: n_group, lo, hi, *_txt
    groups: dict[str, pd.DataFrame]   # --by column -> its group rows (add_intervals columns)
    quotes: pd.DataFrame
    status: str = ""

    @property
    def anchor(self) -> str:
        return f"theme-{self.theme_id}"


@dataclass
class ReportModel:
    title: str
    source: str
    created: str
    by: tuple[str, ...]
    questions: list[str]
    counts: dict
    themes: list[ThemeView]
    crosstab: pd.DataFrame
    responses: pd.DataFrame
    quotes: pd.DataFrame
    map_points: pd.DataFrame | None
    min_cell: int
    redacted: bool
    run: dict
    warnings: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    charts: dict = field(default_factory=dict)  # PNG cache shared by the DOCX and Markdown writers

    def themes_for(self, question: str) -> list[ThemeView]:
        return [t for t in self.themes if t.question == question]


def _split_keywords(text: str) -> list[str]:
    return [k.strip() for k in str(text).split(";") if k.strip()]


def redact_outdir(data: OutDir, redactor: Redactor) -> tuple[OutDir, pd.DataFrame]:
    """A copy of data with every shown text redacted, and the redaction log."""
    resp, seg, themes = data.responses.copy(), data.segments.copy(), data.themes.copy()
    resp_text = dict(zip(resp["response_id"], resp["text"]))
    sliced = [resp_text.get(r, "")[s:e] for r, s, e in zip(seg["response_id"], seg["start"], seg["end"])]
    odd = np.flatnonzero(np.asarray(sliced, dtype=object) != seg["text"].to_numpy(dtype=object))
    fields = [("name", "name"), ("description", "description"), ("keywords", "keywords")]
    texts = resp["text"].tolist() + seg["text"].iloc[odd].tolist()
    texts += [str(v) for _, col in fields for v in themes[col]]  # made from the answers: matched in any case
    hits = redactor.scan(texts, derived=len(fields) * len(themes))
    n_resp, n_th = len(resp), len(themes)
    log = []
    for k, rid in enumerate(resp["response_id"]):
        log += [(rid, "response text", h.start, h.end, h.original, h.replacement, h.source) for h in hits[k]]
    resp["text"] = [redact_text(t, h) for t, h in zip(texts[:n_resp], hits[:n_resp])]
    for f, (label, col) in enumerate(fields):
        base = n_resp + len(odd) + f * n_th
        for j, tid in enumerate(themes["theme_id"]):
            log += [("", f"theme {tid} {label}", h.start, h.end, h.original, h.replacement, h.source)
                    for h in hits[base + j]]
        themes[col] = [redact_text(texts[base + j], hits[base + j]) for j in range(n_th)]
    by_rid = {rid: hits[k] for k, rid in enumerate(resp["response_id"])}
    new_seg = [redact_text(resp_text.get(r, ""), by_rid.get(r, []), s, e)
               for r, s, e in zip(seg["response_id"], seg["start"], seg["end"])]
    for j, i in enumerate(odd):  # a segment that is not a slice of its response: redacted on its own
        new_seg[i] = redact_text(texts[n_resp + j], hits[n_resp + j])
    seg["text"] = new_seg
    names = dict(zip(themes["theme_id"], themes["name"]))
    if "primary_theme" in resp.columns:
        resp["primary_theme"] = [names.get(int(i), "") if str(i).strip() else "" for i in resp["primary_theme_id"]]
    if "theme_names" in resp.columns:
        resp["theme_names"] = [";".join(names.get(int(i), "") for i in ids.split(";")) if ids else ""
                               for ids in resp["theme_ids"]]
    cross = data.crosstab.copy()
    cross["theme"] = cross["theme_id"].map(names).fillna(cross["theme"])
    out = OutDir(path=data.path, themes=themes, responses=resp, segments=seg, crosstab=cross, run=data.run,
                 by=data.by, question_column=data.question_column, pins=data.pins)
    return out, pd.DataFrame(log, columns=LOG_COLUMNS)


def _map_points(data: OutDir) -> pd.DataFrame | None:
    if not data.has_map or data.segments.empty:
        return None
    seg = data.segments
    take = np.unique(np.linspace(0, len(seg) - 1, min(len(seg), MAP_POINTS)).astype(np.int64))
    part = seg.iloc[take]
    question = dict(zip(data.responses["response_id"], data.responses["question"])) \
        if "question" in data.responses.columns else {}
    return pd.DataFrame({
        "x": part["x"].to_numpy(dtype=float), "y": part["y"].to_numpy(dtype=float),
        "theme_id": part["theme_id"].fillna(-1).astype("int64").to_numpy(), "question": [question.get(r, "") for r in part["response_id"]],
        "text": [trim_quote(t, 40) for t in part["text"]],
    })


def build_report(data: OutDir, redactor: Redactor | None = None, min_cell: int = 5, n_quotes: int = 5,
                 max_words: int = 60, title: str | None = None,
                 skip_small_groups: bool = False) -> tuple[ReportModel, pd.DataFrame]:
    """The report's content, and the redaction log (empty without a redactor). With
    ``skip_small_groups`` no one from a --by group of fewer than min_cell respondents is quoted."""
    log = pd.DataFrame(columns=LOG_COLUMNS)
    if redactor is not None:
        data, log = redact_outdir(data, redactor)
    exclude = small_group_ids(data.responses, data.by, min_cell) if skip_small_groups else None
    quotes = select_quotes(data, n=n_quotes, max_words=max_words, exclude=exclude)
    table = add_intervals(data.crosstab, min_cell)
    views = []
    for t in data.themes.itertuples(index=False):
        tid = int(t.theme_id)
        views.append(ThemeView(
            theme_id=tid, name=t.name, description=t.description, keywords=_split_keywords(t.keywords),
            question=str(t.question), n=int(t.n_responses), share=float(t.share), totals=overall(table, tid),
            groups={col: theme_groups(table, tid, col) for col in data.by},
            quotes=quotes[quotes["theme_id"] == tid].reset_index(drop=True), status=str(getattr(t, "status", ""))))
    questions = list(dict.fromkeys(str(q) for q in data.themes["question"]))
    run = data.run
    warnings = small_groups_quoted(quotes, data.responses, data.by, min_cell)
    model = ReportModel(
        title=title or "Themes in survey responses", source=str(run.get("input", data.path)),
        created=time.strftime("%d %B %Y"), by=data.by, questions=questions, counts=dict(run.get("counts", {})),
        themes=views, crosstab=table, responses=data.responses, quotes=quotes, map_points=_map_points(data),
        min_cell=min_cell, redacted=redactor is not None, run=run, warnings=warnings,
        settings={"min_cell": min_cell, "n_quotes": n_quotes, "max_words": max_words,
                  "skip_small_groups": skip_small_groups,
                  "redact": redactor is not None, "redactions": int(len(log))})
    return model, log
