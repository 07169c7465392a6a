"""Edits reach the documents: an OUTDIR's tables re-derived from its model's edits.

After `themes edit OUTDIR/model rename|merge|delete`, the model's manifest holds the edited
themes but the tables beside it were written before. Here the tables are brought up to date
without re-running anything: names, descriptions and keywords come from the manifest, a merged
theme's answers count for the theme it went into, a deleted theme's answers lose it (an answer
left with no theme becomes unassigned), and the counts, shares, stance and cross-tables are
tallied again from the responses. A split needs the answers' vectors, so it is reported, not
applied: `themes label` applies it.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from themes.results.tabulate import StanceTally, tally_of, with_stance_and_summary
from themes.types import LABELLED, UNASSIGNED, ThemeSet, live_mask, resolve_rows, theme_table


def model_themes(folder) -> pd.DataFrame | None:
    """The themes of OUTDIR/model/manifest.json as a theme table, or None without a readable one."""
    path = folder / "model" / "manifest.json"
    try:
        themes = json.loads(path.read_text(encoding="utf-8"))["themes"]
        return theme_table(ids=[int(t["id"]) for t in themes], names=[str(t["name"]) for t in themes],
                           keywords=[list(t.get("keywords") or []) for t in themes],
                           descriptions=[str(t.get("description") or "") for t in themes],
                           questions=[str(t.get("question") or "") for t in themes],
                           statuses=[str(t.get("status") or "discovered") for t in themes],
                           merged_into=[int(t.get("merged_into") or 0) for t in themes])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _ids(text: str) -> list[int]:
    return [int(x) for x in str(text).split(";") if x.strip()]


def apply_model_edits(themes: pd.DataFrame, responses: pd.DataFrame, segments: pd.DataFrame,
                      by: tuple[str, ...], table: pd.DataFrame):
    """((themes, responses, segments, crosstab) with the model's edits applied, or None when the
    model's themes are those the tables show; notes saying what was done)."""
    target = resolve_rows(table)
    ids = table["theme_id"].to_numpy()
    to = {int(ids[r]): (int(ids[target[r]]) if target[r] >= 0 else None) for r in range(len(table))}
    live = table[live_mask(table)].reset_index(drop=True)
    name_of = dict(zip(live["theme_id"], live["name"]))
    shown = themes["theme_id"].astype(int).tolist()
    notes = []
    split = [int(t) for t in live["theme_id"] if int(t) not in shown]
    if split:
        notes.append(f"Theme(s) {', '.join(map(str, split))} came from a split after these tables were written; "
                     "run `themes label` with the model to place answers in them.")
    names = dict(zip(themes["theme_id"].astype(int), themes["name"]))
    if all(to.get(t, t) == t and name_of.get(t) == names[t] for t in shown):
        return None, notes
    resp, seg = responses.copy(), segments.copy()
    mapped = []
    for text in resp["theme_ids"]:
        out = []
        for t in _ids(text):
            t = to.get(t, t)
            if t is not None and t not in out:
                out.append(t)
        mapped.append(out)
    resp["theme_ids"] = [";".join(map(str, m)) for m in mapped]
    resp["theme_names"] = [";".join(name_of.get(t, "") for t in m) for m in mapped]
    resp["primary_theme_id"] = [str(m[0]) if m else "" for m in mapped]
    resp["primary_theme"] = [name_of.get(m[0], "") if m else "" for m in mapped]
    resp["status"] = np.where(resp["status"].eq(LABELLED) & resp["theme_ids"].eq(""), UNASSIGNED, resp["status"])
    seg["theme_id"] = pd.array([to.get(int(t), int(t)) if pd.notna(t) else pd.NA for t in seg["theme_id"]],
                               dtype="Int64")
    kept = live[live["theme_id"].isin([to.get(t, t) for t in shown])].reset_index(drop=True)
    theme_set = ThemeSet(table=kept, centroids=np.zeros((len(kept), 1), np.float32), threshold=0.0)
    counted = resp.assign(primary_theme_id=pd.to_numeric(resp["primary_theme_id"]).astype("Int64"))
    if "question" not in counted.columns:
        theme_set.table["question"] = ""
    tally = tally_of(counted, by, seg)
    crosstab = tally.crosstab(theme_set)
    stance = StanceTally().add(seg) if "stance" in seg.columns else StanceTally()
    new = with_stance_and_summary(tally.themes_table(theme_set), stance, crosstab, by)
    if "question" not in new.columns:
        new["question"] = ""
    done = [f"{t} -> {to[t]}" if to.get(t) is not None else f"{t} deleted" for t in shown if to.get(t, t) != t]
    renamed = [str(t) for t in shown if to.get(t, t) == t and name_of.get(t) != names[t]]
    notes.insert(0, "Applied the model's edits to these tables"
                 + (f": renamed {', '.join(renamed)}" if renamed else "")
                 + (f"{';' if renamed else ':'} {', '.join(done)}" if done else "") + ".")
    return (new, resp, seg, crosstab), notes
