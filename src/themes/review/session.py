"""A review session: an output folder and its model in memory, the edits a reviewer makes to
them, the undo history, and what each answer holds after the edits.

Every edit is a function of ``themes.model.edits`` applied to the model (so it lands in the
model's edit log, signed with the reviewer's name) and the same change made to the folder's
segment labels, from which each answer's themes are worked out again exactly as labelling does
(``themes.results.assign.themes_by_row``). Nothing is written until ``save``
(``themes.review.save``).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from themes.errors import ConfigError, InputError
from themes.io.outdir import read_output
from themes.model import edits
from themes.model.edits import rename as rename_theme
from themes.model.persist import MANIFEST, find_model, load_model
from themes.model.theme_model import ThemeModel
from themes.report.data import load_outdir, read_pins
from themes.results.assign import answer_key, sentence_key, themes_by_row
from themes.types import NO_CONTENT, Assignments, Segments, ThemeSet, live_mask, theme_table

HISTORY = 100          # undo steps kept
REVIEW_FILE = "review.json"


@dataclass
class Snapshot:
    """What an edit changes, kept so that it can be undone."""

    model: ThemeModel
    seg_theme: np.ndarray
    pins: dict
    edit: dict = field(default_factory=dict)


def table_model(themes) -> ThemeModel:
    """A stand-in model for a folder without one (a `themes label` output): the themes of
    themes.csv, no centres. Its edits are kept in the folder's review.json."""
    table = theme_table(ids=themes["theme_id"].tolist(), names=themes["name"].tolist(),
                        keywords=[[k.strip() for k in str(v).split(";") if k.strip()] for v in themes["keywords"]],
                        descriptions=themes["description"].tolist(), questions=themes["question"].tolist(),
                        statuses=themes["status"].tolist() if "status" in themes else None)
    return ThemeModel(theme_set=ThemeSet(table=table, centroids=np.zeros((len(table), 1), np.float32), threshold=0.0),
                      embedder={})


class ReviewSession:
    """Load with ``ReviewSession(outdir, model=None, reviewer=None)``; every public method that
    changes something holds ``lock`` and pushes an undo step."""

    def __init__(self, outdir: str | Path, model: str | Path | None = None, reviewer: str | None = None,
                 embedding_model: str | None = None):
        self.outdir = Path(outdir)
        self.embedding_model = embedding_model   # a local embedding model folder the user named (for splits)
        self.data = load_outdir(self.outdir)
        self.reviewer = (reviewer or "").strip() or None
        self.lock = threading.RLock()
        path = find_model(model) if model is not None else self.outdir / "model"
        if model is not None and not (path / MANIFEST).is_file():
            raise InputError(f"--model {model}: not a model folder (no {MANIFEST}).")
        self.model_path = path if (path / MANIFEST).is_file() else None
        extra = self._read_extra()
        self.model = load_model(self.model_path) if self.model_path else table_model(self.data.themes)
        if self.model_path is None:
            self.model = replace(self.model, edits=list(extra.get("edits", [])))
        self._check_themes()
        self.pins: dict[int, list[tuple[str, int]]] = read_pins(self.outdir)
        self.quotes = read_output(self.outdir, "quotes.csv", optional=True)
        resp = self.data.responses
        self.row_of = {rid: i for i, rid in enumerate(resp["response_id"])}
        seg = self.data.segments
        self.seg_row = seg["response_id"].map(self.row_of).to_numpy(dtype=np.int64)
        self.seg_theme = seg["theme_id"].fillna(-1).to_numpy(dtype=np.int64)
        self.loaded_theme = self.seg_theme.copy()
        self.questions = (resp["question"].to_numpy(dtype=object) if self.data.question_column
                          else np.full(len(resp), "", dtype=object))
        self.has_content = (resp["status"] != NO_CONTENT).to_numpy()
        self.history: list[Snapshot] = []
        self.saved_at = len(self.model.edits)
        self.unsaved = 0
        self.themes_of: dict[int, list[int]] = {}
        self.derive()

    # --- reading -----------------------------------------------------------------------------
    def _read_extra(self) -> dict:
        path = self.outdir / REVIEW_FILE
        if not path.is_file():
            return {}
        try:
            extra = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: not valid JSON ({exc}). Delete it to start the review afresh.") from None
        return extra if isinstance(extra, dict) else {}

    def _check_themes(self) -> None:
        live = set(self.live()["theme_id"].astype(int))
        missing = sorted(set(self.data.themes["theme_id"].astype(int)) - live)
        if missing:
            raise ConfigError(f"{self.outdir}: themes.csv has theme(s) {', '.join(map(str, missing))} that the model "
                              f"{self.model_path} lacks; give the model that labelled this folder (--model).")

    def live(self):
        """The themes shown (neither deleted nor merged), in model order."""
        t = self.model.table
        return t[live_mask(t)].reset_index(drop=True)

    def derive(self, rows: np.ndarray | None = None) -> None:
        """Each answer's themes (strongest first) from its segments' labels; only ``rows`` when given."""
        ids = self.live()["theme_id"].to_numpy(dtype=np.int64)
        pos_of = np.full(int(max(ids.max(initial=0), self.seg_theme.max(initial=0))) + 2, -1, dtype=np.int64)
        pos_of[ids] = np.arange(len(ids))
        mask = slice(None) if rows is None else np.isin(self.seg_row, rows)
        theme = self.seg_theme[mask]
        pos = np.where(theme >= 0, pos_of[np.maximum(theme, 0)], -1)
        frame = pd.DataFrame({"row": self.seg_row[mask]})
        held = themes_by_row(Segments(frame=frame), Assignments(theme_pos=pos, score=self.data.segments["score"]
                                                                .to_numpy(dtype=np.float32)[mask]))
        if rows is None:
            self.themes_of = {}
        else:
            for r in rows:
                self.themes_of.pop(int(r), None)
        self.themes_of.update({r: [int(ids[p]) for p in ps] for r, ps in held.items() if ps})

    def set_reviewer(self, name: str) -> str:
        """The name later edits are signed with (blank: unsigned)."""
        with self.lock:
            self.reviewer = " ".join(str(name).split())[:80] or None
            return self.reviewer or ""

    def reviewed(self) -> set[int]:
        return edits.reviewed_ids(self.model)

    def theme_name(self, theme_id: int | None) -> str:
        if theme_id is None:
            return "Unassigned"
        t = self.model.table
        return str(t.loc[t["theme_id"] == int(theme_id), "name"].iat[0])

    # --- editing -----------------------------------------------------------------------------
    def edit(self, change, rows=None) -> dict:
        """Run ``change()`` (which returns the new model) with an undo step and the reviewer's name."""
        with self.lock:
            before = Snapshot(self.model, self.seg_theme.copy(), {k: list(v) for k, v in self.pins.items()})
            n = len(self.model.edits)
            try:
                model = change()
            except BaseException:
                self.seg_theme, self.pins = before.seg_theme, before.pins
                raise
            if model is self.model and np.array_equal(before.seg_theme, self.seg_theme) and before.pins == self.pins:
                return {"changed": False}
            self.model = edits.sign(model, n, self.reviewer)
            before.edit = self.model.edits[-1] if len(self.model.edits) > n else {}
            self.history = [*self.history, before][-HISTORY:]
            self.unsaved += 1
            self.derive(None if rows is None else np.asarray(sorted(set(rows)), dtype=np.int64))
            return {"changed": True, "edit": before.edit}

    def _theme_rows(self, *theme_ids: int) -> np.ndarray:
        return np.unique(self.seg_row[np.isin(self.seg_theme, list(theme_ids))])

    def rename_theme(self, theme_id: int, name: str) -> dict:
        return self.edit(lambda: rename_theme(self.model, int(theme_id), name), rows=[])

    def describe(self, theme_id: int, description: str) -> dict:
        return self.edit(lambda: edits.describe(self.model, int(theme_id), description=str(description).strip()),
                          rows=[])

    def merge(self, theme_ids: list[int], name: str | None = None) -> dict:
        ids = [int(i) for i in theme_ids]

        def change():
            model = edits.merge(self.model, ids, name=name or None)
            self.seg_theme = np.where(np.isin(self.seg_theme, ids), ids[0], self.seg_theme)
            return model
        return self.edit(change, rows=self._theme_rows(*ids))

    def delete(self, theme_id: int) -> dict:
        tid = int(theme_id)

        def change():
            model = edits.delete(self.model, tid)
            self.seg_theme = np.where(self.seg_theme == tid, -1, self.seg_theme)
            return model
        return self.edit(change, rows=self._theme_rows(tid))

    def mark_reviewed(self, theme_id: int, reviewed: bool = True) -> dict:
        return self.edit(lambda: edits.mark_reviewed(self.model, int(theme_id), reviewed), rows=[])

    def _target(self, row: int, theme_id) -> int | None:
        if theme_id is None or theme_id == "" or int(theme_id) < 0:
            return None
        tid = int(theme_id)
        q = self.questions[row]
        t = self.live()
        hit = t[t["theme_id"] == tid]
        if hit.empty:
            raise ConfigError(f"There is no theme {tid} to move to.")
        if self.data.question_column and hit["question"].iat[0] not in ("", q):
            raise ConfigError(f"Theme {tid} belongs to another question; an answer can only move to a theme of "
                              "its own question.")
        return tid

    def _row(self, response_id: str) -> int:
        row = self.row_of.get(str(response_id))
        if row is None:
            raise ConfigError(f"There is no answer {response_id} in this folder.")
        return row

    def move_answer(self, response_id: str, theme_id: int | None) -> dict:
        row = self._row(response_id)
        to = self._target(row, theme_id)
        segs = np.flatnonzero(self.seg_row == row)
        if not len(segs):
            raise ConfigError(f"Answer {response_id} has no sentences long enough to label, so it cannot be moved.")
        text = str(self.data.responses["text"].iat[row])

        def change():
            self.seg_theme = self.seg_theme.copy()
            self.seg_theme[segs] = -1 if to is None else to
            return edits.move(self.model, answer_key(self.questions[row], text), to, response_id=str(response_id),
                              was=self.themes_of.get(row, []))
        return self.edit(change, rows=[row])

    def move_sentence(self, response_id: str, segment_index: int, theme_id: int | None) -> dict:
        row = self._row(response_id)
        to = self._target(row, theme_id)
        seg = self.data.segments
        hit = np.flatnonzero((self.seg_row == row) & (seg["segment_index"].to_numpy() == int(segment_index)))
        if not len(hit):
            raise ConfigError(f"Answer {response_id} has no sentence {segment_index}.")
        i = int(hit[0])
        text = str(self.data.responses["text"].iat[row])

        def change():
            was = int(self.seg_theme[i])
            self.seg_theme = self.seg_theme.copy()
            self.seg_theme[i] = -1 if to is None else to
            return edits.move(self.model, sentence_key(self.questions[row], text, str(seg["text"].iat[i])), to,
                              response_id=str(response_id), segment_index=int(segment_index),
                              was=None if was < 0 else was)
        return self.edit(change, rows=[row])

    def pin(self, theme_id: int, response_id: str, segment_index: int, action: str = "pin") -> dict:
        """Pin a sentence as one of the theme's report quotes, unpin it, or move it up or down."""
        tid, key = int(theme_id), (str(response_id), int(segment_index))
        if action not in ("pin", "unpin", "up", "down"):
            raise ConfigError(f"Unknown quote action {action!r}: pin, unpin, up or down.")
        self.model.position(tid)

        def change():
            pins = [p for p in self.pins.get(tid, []) if p != key]
            old = self.pins.get(tid, [])
            at = old.index(key) if key in old else len(pins)
            if action != "unpin":
                at = {"pin": at, "up": max(at - 1, 0), "down": min(at + 1, len(pins))}[action]
                pins.insert(at, key)
            self.pins = {**self.pins, tid: pins}
            if pins == old:
                return self.model
            return edits.record(self.model, op="quote", action=action, theme_id=tid, response_id=key[0],
                                segment_index=key[1])
        return self.edit(change, rows=[])

    def undo(self) -> dict:
        """Go back one edit; the log keeps the edit and its undoing."""
        with self.lock:
            if not self.history:
                raise ConfigError("Nothing to undo.")
            step = self.history[-1]
            self.history = self.history[:-1]
            changed = np.flatnonzero(step.seg_theme != self.seg_theme)
            self.model = edits.sign(edits.undone(step.model, step.edit), len(step.model.edits), self.reviewer)
            self.seg_theme, self.pins = step.seg_theme, step.pins
            self.unsaved += 1
            self.derive(np.unique(self.seg_row[changed]))
            return {"changed": True, "undid": step.edit}
