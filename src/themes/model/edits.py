"""Human edits to a saved theme model: rename, describe, merge, split, delete.

Each function takes a ThemeModel and returns a new one with the edit applied to its themes and
arrays, and recorded in ``edits`` (the manifest's audit trail). Labelling reads the edited
model, so the edits hold for every later ``themes label``. Theme ids never change meaning: a
merge keeps the first id, a split keeps the id for its largest part and gives the others new
ids. Merged and deleted themes keep their centres (status ``merged`` / ``deleted``): what was
near a merged theme goes to the theme it was merged into, so a merge moves no answer to a third
theme; what was near a deleted theme stays unlabelled rather than being pushed elsewhere.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pandas as pd

from themes.discover.cluster import MIN_SUB_SIZE, pooled_centre, split_groups
from themes.errors import ConfigError
from themes.model.theme_model import N_EXAMPLES, SubCentroids, ThemeModel
from themes.types import DELETED, MERGED, live_mask, resolve_rows, theme_table

EDITED = "edited"


def _record(model: ThemeModel, **edit) -> list:
    return [*model.edits, {**edit, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}]


def record(model: ThemeModel, **edit) -> ThemeModel:
    """``model`` with an edit that changes nothing in it recorded (e.g. a quote pinned in a review)."""
    return replace(model, edits=_record(model, **edit))


def _check_name(model: ThemeModel, name: str, allow: set[int] = frozenset()) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise ConfigError("A theme name cannot be empty.")
    t = model.table
    taken = t[live_mask(t) & ~t["theme_id"].isin(allow)]
    clash = taken[taken["name"].str.lower() == name.lower()]
    if len(clash):
        raise ConfigError(f"Theme {int(clash['theme_id'].iat[0])} is already called '{name}'. Choose another "
                          f"name, or merge the two: themes edit MODEL merge {int(clash['theme_id'].iat[0])} ID.")
    return name


def rename(model: ThemeModel, theme_id: int, name: str, check: bool = True) -> ThemeModel:
    """``check=False`` when the caller has checked the names it ends with (e.g. swapping two)."""
    pos = model.position(theme_id)
    name = _check_name(model, name, allow={int(theme_id)}) if check else " ".join(str(name).split())
    table = model.table.copy()
    old = table.at[pos, "name"]
    if old == name:
        return model
    table.at[pos, "name"] = name
    table.at[pos, "status"] = EDITED
    return model.with_themes(table, edits=_record(model, op="rename", theme_id=int(theme_id), old=old, new=name))


def describe(model: ThemeModel, theme_id: int, description: str | None = None,
             keywords: list[str] | None = None, examples: list[str] | None = None) -> ThemeModel:
    """Set a theme's description, keywords or examples (what `codebook import` brings back)."""
    pos = model.position(theme_id)
    table = model.table.copy()
    changed = {}
    for col, value in (("description", description), ("keywords", keywords), ("examples", examples)):
        if value is not None and value != table.at[pos, col]:
            table.at[pos, col] = value
            changed[col] = value
    if not changed:
        return model
    table.at[pos, "status"] = EDITED
    return model.with_themes(table, edits=_record(model, op="describe", theme_id=int(theme_id), **changed))


def _round_robin(lists: list[list[str]], n: int) -> list[str]:
    out: list[str] = []
    for i in range(max((len(x) for x in lists), default=0)):
        for x in lists:
            if i < len(x) and x[i] not in out:
                out.append(x[i])
    return out[:n]


def merge(model: ThemeModel, theme_ids: list[int], name: str | None = None) -> ThemeModel:
    """Fold the themes into the first of them. The others' ids are retired but their centres
    stay, marked ``merged``, so every answer any of them would have taken goes to the merged
    theme and nothing moves elsewhere."""
    ids = list(dict.fromkeys(int(i) for i in theme_ids))
    if len(ids) < 2:
        raise ConfigError("Merge needs two or more different theme ids, e.g. `themes edit MODEL merge 3 7`.")
    pos = [model.position(i) for i in ids]
    table = model.table
    questions = set(table["question"].iloc[pos])
    if len(questions) > 1:
        raise ConfigError(f"Themes {', '.join(map(str, ids))} belong to different questions; only themes of one "
                          "question can be merged.")
    keep = pos[0]
    name = _check_name(model, name, allow=set(ids)) if name else table.at[keep, "name"]
    sub, classifier = model.sub, model.classifier
    if sub is not None:
        sub = SubCentroids(means=sub.means, theme_ids=np.where(np.isin(sub.theme_ids, ids), ids[0], sub.theme_ids),
                           counts=sub.counts)
    if classifier is not None:
        classifier = replace(classifier, class_theme=np.where(np.isin(classifier.class_theme, ids), ids[0],
                                                              classifier.class_theme))
    new = table.copy()
    new.at[keep, "name"] = name
    new.at[keep, "status"] = EDITED
    new.at[keep, "keywords"] = _round_robin([table.at[p, "keywords"] for p in pos], 8)
    new.at[keep, "examples"] = _round_robin([table.at[p, "examples"] for p in pos], N_EXAMPLES)
    for p in pos[1:]:
        new.at[p, "status"] = MERGED
        new.at[p, "merged_into"] = ids[0]
    return model.with_themes(new, sub=sub, classifier=classifier,
                             edits=_record(model, op="merge", theme_ids=ids, into=ids[0], name=name))


def split(model: ThemeModel, theme_id: int, parts: int = 2, seed: int | None = None) -> ThemeModel:
    """Re-cluster one theme's sub-groups into ``parts`` themes (named '<name> (part N)')."""
    pos = model.position(theme_id)
    if model.kind == "classifier":
        raise ConfigError("A trained classifier's themes come from the labels it learnt; to split one, relabel "
                          "the examples into two labels and run `themes train` again.")
    if parts < 2:
        raise ConfigError(f"Split into {parts} parts? Give 2 or more (--parts).")
    sub = model.sub
    rows = sub.rows_of(int(theme_id)) if sub is not None else np.zeros(0, dtype=np.int64)
    if len(rows) < parts:
        why = ("this model holds no sub-groups (it was made before themes 0.1 saved them, or from a codebook); "
               "refit it with `themes extract`" if sub is None else
               f"theme {theme_id} has {len(rows)} sub-group(s) of at least {MIN_SUB_SIZE} segments, too few "
               f"for {parts} parts")
        raise ConfigError(f"Cannot split theme {theme_id}: {why}.")
    seed = int(model.settings.get("seed", 42)) if seed is None else seed
    labels = split_groups(sub.means[rows], sub.counts[rows], parts, seed)
    sizes = np.array([sub.counts[rows][labels == g].sum() for g in range(parts)])
    order = np.argsort(-sizes, kind="mergesort")
    table = model.table
    next_id = int(table["theme_id"].max()) + 1
    new_ids = [int(theme_id)] + list(range(next_id, next_id + parts - 1))
    old = table.iloc[pos]
    centres, sub_ids = [], sub.theme_ids.copy()
    for part, g in enumerate(order):
        members = rows[labels == g]
        centres.append(pooled_centre(sub.means[members], sub.counts[members]))
        sub_ids[members] = new_ids[part]
    names = [_check_name(model, f"{old['name']} (part {k + 1})", allow={int(theme_id)}) for k in range(parts)]
    # Themes merged into this one are covered by the parts (their sub-groups were pooled into it).
    absorbed = (resolve_rows(table) == pos) & (table["status"].to_numpy() == MERGED)
    parts_table = theme_table(
        ids=new_ids, names=names,
        descriptions=[f"Part {k + 1} of {parts} of the former theme '{old['name']}'; read its responses and "
                      "rename it." for k in range(parts)],
        questions=[old["question"]] * parts, statuses=[EDITED] * parts)
    rest = np.flatnonzero(~absorbed)
    before, after = rest[rest < pos], rest[rest > pos]
    new_table = pd.concat([table.iloc[before], parts_table.iloc[:1], table.iloc[after], parts_table.iloc[1:]])
    c = model.theme_set.centroids
    new_centroids = np.vstack([c[before], centres[0][None], c[after], np.stack(centres[1:])]).astype(np.float32)
    return model.with_themes(new_table, new_centroids,
                             sub=SubCentroids(means=sub.means, theme_ids=sub_ids, counts=sub.counts),
                             edits=_record(model, op="split", theme_id=int(theme_id), into=new_ids,
                                           sizes=[int(sizes[g]) for g in order]))


def delete(model: ThemeModel, theme_id: int) -> ThemeModel:
    """Hide a theme: responses that would take it are left unassigned, not moved to another."""
    pos = model.position(theme_id)
    table = model.table.copy()
    table.at[pos, "status"] = DELETED
    return model.with_themes(table, edits=_record(model, op="delete", theme_id=int(theme_id),
                                                  name=table.at[pos, "name"]))


def move(model: ThemeModel, key: str, theme_id: int | None, **detail) -> ThemeModel:
    """Send one answer or one sentence (its ``answer_key`` / ``sentence_key``) to a theme, or to
    none (``theme_id`` None): labelling the same answer again puts it there. Moving an answer
    again forgets the moves of its sentences."""
    if theme_id is not None:
        theme_id = int(model.table.at[model.position(theme_id), "theme_id"])
    moves = {k: v for k, v in model.moves.items() if "/" in key or not k.startswith(key + "/")}
    moves[key] = theme_id
    return replace(model, moves=moves, edits=_record(model, op="move", key=key, to=theme_id, **detail))


def mark_reviewed(model: ThemeModel, theme_id: int, reviewed: bool = True) -> ThemeModel:
    """Record that a reviewer signed a theme off (or took the sign-off back)."""
    model.position(theme_id)
    return replace(model, edits=_record(model, op="reviewed", theme_id=int(theme_id), reviewed=bool(reviewed)))


def reviewed_ids(model: ThemeModel) -> set[int]:
    """The live themes signed off, replaying the edit log (a later edit of a theme does not undo it)."""
    done: set[int] = set()
    for e in model.edits:
        if e.get("op") == "reviewed":
            (done.add if e.get("reviewed") else done.discard)(int(e["theme_id"]))
    live = set(model.table.loc[live_mask(model.table), "theme_id"].astype(int))
    return done & live


def undone(model: ThemeModel, edit: dict) -> ThemeModel:
    """``model`` (the state before ``edit``) with the undoing recorded, so the log keeps both."""
    return replace(model, edits=_record(model, op="undo", undid={k: v for k, v in edit.items() if k != "at"},
                                        undid_at=edit.get("at")))


def sign(model: ThemeModel, since: int, reviewer: str | None) -> ThemeModel:
    """The edits recorded after the first ``since`` signed with the reviewer's name."""
    if not reviewer:
        return model
    edits = [*model.edits[:since], *({**e, "reviewer": reviewer} for e in model.edits[since:])]
    return replace(model, edits=edits)
