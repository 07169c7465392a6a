"""OUTDIR -> one ReportModel that every writer (HTML, DOCX, XLSX, Markdown) renders.

Redaction happens here, once, so every format shows the same anonymised texts: the responses,
the segments (map hover text and quotes, redacted through the response's spans so a name is
treated the same everywhere), and the theme names, descriptions and keywords.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from pathlib import PurePath, PureWindowsPath

import numpy as np
import pandas as pd

from themes.io.safe import xml_safe
from themes.report.data import OutDir
from themes.report.groups import (
    add_intervals,
    cell_text,
    largest_groups,
    merge_small_groups,
    overall,
    small_group_ids,
    small_groups_quoted,
    theme_groups,
)
from themes.report.redact import Redactor, redact_text
from themes.report.selection import select_quotes
from themes.results.quotes import trim_quote

MAP_POINTS = 4000
PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")
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
    n_txt: str = ""                   # the count and share as shown: suppressed like every other cell
    share_txt: str = ""

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
    labels: dict = field(default_factory=dict)  # --by column -> the label shown for it
    notes: list[str] = field(default_factory=list)    # what the output folder says, and what the report leaves out

    def themes_for(self, question: str) -> list[ThemeView]:
        return [t for t in self.themes if t.question == question]

    def label(self, column: str) -> str:
        """A --by column as the report names it: its --labels label, else its header as written."""
        return str(self.labels.get(column, column))

    @property
    def by_question(self) -> bool:
        """Whether the report has a question level above the themes."""
        return any(self.questions)


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
    themes["name"] = readable_names(themes["name"].tolist(), themes["keywords"].tolist(), themes["theme_id"].tolist())
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
    out = replace(data, themes=themes, responses=resp, segments=seg, crosstab=cross)
    return out, pd.DataFrame(log, columns=LOG_COLUMNS)


def readable_names(names: list[str], keywords: list[str], ids: list) -> list[str]:
    """Redacted theme names that still read as names: one made of a placeholder ('[PERSON] poll')
    becomes its keywords without placeholders ('poll and feedback'), and two themes never share
    a name (the second gets its id)."""
    out = []
    for name, kws in zip(names, keywords):
        if PLACEHOLDER.search(name):
            plain = [k for k in _split_keywords(kws) if not PLACEHOLDER.search(k)][:2]
            name = " and ".join(plain).capitalize() if plain else name
        out.append(name)
    seen: set[str] = set()
    for k, (name, tid) in enumerate(zip(out, ids)):
        if name.lower() in seen:
            out[k] = f"{name} (theme {tid})"
        seen.add(out[k].lower())
    return out


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
    shown, cut = largest_groups(merge_small_groups(data.crosstab, min_cell))
    table = add_intervals(shown, min_cell)
    views = []
    for t in data.themes.itertuples(index=False):
        tid = int(t.theme_id)
        totals = overall(table, tid)
        base = int(totals["n_group"]) if totals else int(round(t.n_responses / t.share)) if t.share else 0
        _, _, n_txt, share_txt = cell_text(int(t.n_responses), base, min_cell)
        views.append(ThemeView(n_txt=n_txt, share_txt=share_txt,
            theme_id=tid, name=t.name, description=t.description, keywords=_split_keywords(t.keywords),
            question=str(t.question), n=int(t.n_responses), share=float(t.share), totals=overall(table, tid),
            groups={col: theme_groups(table, tid, col) for col in data.by},
            quotes=quotes[quotes["theme_id"] == tid].reset_index(drop=True), status=str(getattr(t, "status", ""))))
    with_themes = set(map(str, data.themes["question"]))
    questions = [q for q in data.questions if q in with_themes]  # the input's order
    views.sort(key=lambda v: questions.index(v.question))      # stable: each question's themes as they were
    run = data.run
    warnings = small_groups_quoted(quotes, data.responses, data.by, min_cell)
    model = ReportModel(
        title=xml_safe(title or "Themes in survey responses"), source=file_name(str(run.get("input", data.path.name))),
        created=time.strftime("%d %B %Y"), by=data.by, questions=questions, counts=dict(run.get("counts", {})),
        themes=views, crosstab=table, responses=data.responses, quotes=quotes, map_points=_map_points(data),
        min_cell=min_cell, redacted=redactor is not None, run=run, warnings=warnings,
        settings={"min_cell": min_cell, "n_quotes": n_quotes, "max_words": max_words,
                  "skip_small_groups": skip_small_groups,
                  "redact": redactor is not None, "redactions": int(len(log))},
        labels=dict(data.labels), notes=list(data.notes) + cut)
    return model, log


def file_name(path: str) -> str:
    """The input's file name only: a report never shows the folder it was read from (POSIX or
    Windows paths alike)."""
    return PureWindowsPath(PurePath(path).name).name if path else ""
