"""Splitting a theme in a review: the model's split (``themes.model.edits.split``, which
re-clusters the theme's sub-groups), and the theme's sentences in this folder sent to the
nearest part. The sentences are embedded again with the model's embedder (the vector cache
makes that quick when the folder was made on this machine). ``preview`` shows the parts
without changing anything; ``split`` applies it and names the parts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from themes.embed.runtime import embed_segments
from themes.errors import ConfigError
from themes.model import edits
from themes.model.edits import rename as rename_theme
from themes.progress import Reporter
from themes.review.session import ReviewSession
from themes.steps import label_embedder, label_settings
from themes.text.segment import annotate
from themes.types import Segments

SAMPLES = 4


def _parts(s: ReviewSession, theme_id: int, parts: int):
    """(split model, indices of the theme's sentences, the part id each goes to)."""
    if s.model_path is None:
        raise ConfigError("Splitting needs the model that made this folder; start the review with --model MODEL.")
    model = edits.split(s.model, int(theme_id), parts=int(parts))
    into = model.edits[-1]["into"]
    idx = np.flatnonzero(s.seg_theme == int(theme_id))
    if not len(idx):
        return model, idx, np.zeros(0, dtype=np.int64)
    _, settings = label_settings(s.model, None, {})
    _, embedder = label_embedder(s.model, settings, named=s.embedding_model)
    frame = annotate(pd.DataFrame({"text": s.data.segments["text"].iloc[idx].astype(str).to_numpy()}))
    vectors = embed_segments(Segments(frame=frame), embedder, settings, Reporter(True))
    centres = model.theme_set.centroids[[model.position(i) for i in into]]
    return model, idx, np.asarray(into, dtype=np.int64)[np.argmax(vectors @ centres.T, axis=1)]


def preview(s: ReviewSession, theme_id: int, parts: int = 2) -> dict:
    """The parts a split would make: their size in this folder and a few of their sentences."""
    with s.lock:
        model, idx, part_of = _parts(s, theme_id, parts)
        score = s.data.segments["score"].to_numpy(dtype=float)
        out = []
        for k, pid in enumerate(model.edits[-1]["into"]):
            mine = idx[part_of == pid]
            best = mine[np.argsort(-score[mine], kind="mergesort")[:SAMPLES]]
            out.append({"part": k + 1, "sentences": int(len(mine)),
                        "answers": int(len(np.unique(s.seg_row[mine]))),
                        "name": str(model.table.at[model.position(pid), "name"]),
                        "examples": [str(s.data.segments["text"].iat[i]) for i in best]})
        return {"theme_id": int(theme_id), "parts": out}


def split(s: ReviewSession, theme_id: int, parts: int = 2, names: list[str] | None = None) -> dict:
    """Split the theme and give its parts ``names`` (blank: the '(part N)' name)."""
    holder: dict = {}

    def change():
        model, idx, part_of = _parts(s, theme_id, parts)
        into = model.edits[-1]["into"]
        chosen = [str(n).strip() for n in (names or [])]
        for pid, name in zip(into, chosen):
            if name:
                model = rename_theme(model, pid, name, check=False)
        clash = [n for n in chosen if n and chosen.count(n) > 1]
        if clash:
            raise ConfigError(f"Two parts are both called '{clash[0]}'; give each part its own name.")
        for pid, name in zip(into, chosen):
            if name:
                rename_theme(model, pid, name)  # checks the name against the other themes
        s.seg_theme = s.seg_theme.copy()
        s.seg_theme[idx] = part_of
        holder["into"] = into
        return model
    with s.lock:
        rows = np.unique(s.seg_row[s.seg_theme == int(theme_id)])
        result = s.edit(change, rows=rows)
    return {**result, "into": holder.get("into", [])}
