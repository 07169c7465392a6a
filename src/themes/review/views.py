"""What the review app shows, as plain JSON-ready dicts: the overview, a theme's page (its
answers a page at a time, its quotes and groups), the unassigned answers and a search. Texts
go out as data; the page puts them in as text, never as HTML."""

from __future__ import annotations

from collections import Counter

import numpy as np

from themes.review.session import ReviewSession
from themes.types import NO_CONTENT

PAGE = 25


def _counts(s: ReviewSession) -> tuple[Counter, Counter]:
    n, primary = Counter(), Counter()
    for held in s.themes_of.values():
        n.update(held)
        primary[held[0]] += 1
    return n, primary


def _answered(s: ReviewSession, question: str) -> int:
    if not question or not s.data.question_column:
        return int(s.has_content.sum())
    return int((s.has_content & (s.questions == question)).sum())


def overview(s: ReviewSession) -> dict:
    """Questions in input order; per question its themes with size, share, stance mix and sign-off."""
    with s.lock:
        n, primary = _counts(s)
        stance = s.data.segments["stance"].to_numpy(dtype=object) if "stance" in s.data.segments else None
        mix: dict[int, Counter] = {}
        if stance is not None:
            held = s.seg_theme >= 0
            for (tid, st), k in Counter(zip(s.seg_theme[held].tolist(), stance[held].tolist())).items():
                mix.setdefault(tid, Counter())[st] = k
        reviewed = s.reviewed()
        live = s.live()
        questions = list(dict.fromkeys(s.questions.tolist())) or [""]
        unassigned = Counter(q for q, c, r in zip(s.questions.tolist(), s.has_content, range(len(s.questions)))
                             if c and r not in s.themes_of)
        out = []
        for q in questions:
            themes = []
            for t in live.itertuples(index=False):
                if s.data.question_column and t.question not in ("", q):
                    continue
                denom = _answered(s, t.question)
                c = mix.get(int(t.theme_id), Counter())
                total = sum(c.values())
                themes.append({"id": int(t.theme_id), "name": t.name, "description": t.description,
                               "keywords": list(t.keywords), "status": t.status, "n": n.get(int(t.theme_id), 0),
                               "n_primary": primary.get(int(t.theme_id), 0),
                               "share": round(n.get(int(t.theme_id), 0) / denom, 4) if denom else 0.0,
                               "stance": {k: round(c.get(k, 0) / total, 3) if total else 0.0
                                          for k in ("positive", "negative", "neutral")},
                               "reviewed": int(t.theme_id) in reviewed})
            out.append({"question": q, "answered": _answered(s, q), "unassigned": unassigned.get(q, 0),
                        "themes": themes})
        return {"title": s.outdir.name, "responses": len(s.questions), "questions": out, **status(s)}


def status(s: ReviewSession) -> dict:
    last = s.model.edits[-1] if s.model.edits else None
    return {"unsaved": s.unsaved, "can_undo": bool(s.history), "edits": len(s.model.edits), "last_edit": last,
            "has_model": s.model_path is not None, "can_split": s.model.sub is not None,
            "reviewer": s.reviewer or "", "by": list(s.data.by)}


def _answer(s: ReviewSession, row: int, theme_id: int | None) -> dict:
    resp = s.data.responses
    segs = np.flatnonzero(s.seg_row == row)
    seg = s.data.segments
    return {"response_id": str(resp["response_id"].iat[row]), "text": str(resp["text"].iat[row]),
            "question": str(s.questions[row]),
            "attributes": {b: str(resp[b].iat[row]) for b in s.data.by},
            "themes": [{"id": t, "name": s.theme_name(t)} for t in s.themes_of.get(row, [])],
            "sentences": [{"index": int(seg["segment_index"].iat[i]), "start": int(seg["start"].iat[i]),
                           "end": int(seg["end"].iat[i]), "text": str(seg["text"].iat[i]),
                           "theme_id": None if s.seg_theme[i] < 0 else int(s.seg_theme[i]),
                           "in_theme": theme_id is not None and int(s.seg_theme[i]) == theme_id,
                           "pinned": theme_id is not None and
                           (str(resp["response_id"].iat[row]), int(seg["segment_index"].iat[i])) in s.pins.get(theme_id, [])}
                          for i in segs]}


def _page(s: ReviewSession, rows: list[int], page: int, theme_id: int | None, size: int = PAGE) -> dict:
    pages = max(1, -(-len(rows) // size))
    page = min(max(int(page), 1), pages)
    return {"total": len(rows), "page": page, "pages": pages,
            "answers": [_answer(s, r, theme_id) for r in rows[(page - 1) * size:page * size]]}


def theme_page(s: ReviewSession, theme_id: int | None, page: int = 1) -> dict:
    """A theme's description, keywords, groups, pinned quotes and one page of its answers
    (strongest first); ``theme_id`` None: the unassigned answers, in input order."""
    with s.lock:
        if theme_id is None:
            rows = [r for r in range(len(s.questions)) if s.has_content[r] and r not in s.themes_of]
            return {"theme": None, **_page(s, rows, page, None), **status(s)}
        pos = s.model.position(theme_id)
        t = s.model.table.iloc[pos]
        mine = s.seg_theme == theme_id
        score = s.data.segments["score"].to_numpy(dtype=float)
        best: dict[int, float] = {}
        for r, sc in zip(s.seg_row[mine].tolist(), score[mine].tolist()):
            best[r] = max(best.get(r, -1.0), sc)
        rows = sorted((r for r, held in s.themes_of.items() if theme_id in held), key=lambda r: (-best.get(r, -1.0), r))
        targets = [{"id": int(x.theme_id), "name": x.name} for x in s.live().itertuples(index=False)
                   if not s.data.question_column or x.question in ("", t.question)]
        return {"theme": {"id": int(theme_id), "name": t["name"], "description": t["description"],
                          "keywords": list(t["keywords"]), "status": t["status"], "question": t["question"],
                          "reviewed": int(theme_id) in s.reviewed(), "groups": groups(s, theme_id, t["question"]),
                          "quotes": pinned(s, theme_id)},
                "targets": targets, **_page(s, rows, page, int(theme_id)), **status(s)}


def groups(s: ReviewSession, theme_id: int, question: str) -> list[dict]:
    """Per --by column and group: who answered, how many hold the theme, as % of the group."""
    resp = s.data.responses
    scope = s.has_content if not (question and s.data.question_column) else s.has_content & (s.questions == question)
    holds = np.zeros(len(resp), dtype=bool)
    holds[[r for r, held in s.themes_of.items() if theme_id in held]] = True
    out = []
    for b in s.data.by:
        values = resp[b].to_numpy(dtype=object)
        n_group, n = Counter(values[scope].tolist()), Counter(values[scope & holds].tolist())
        out += [{"attribute": b, "group": str(g), "n_group": k, "n": n.get(g, 0),
                 "pct": round(100 * n.get(g, 0) / k, 1) if k else 0.0} for g, k in sorted(n_group.items())]
    return out


def pinned(s: ReviewSession, theme_id: int) -> list[dict]:
    seg = s.data.segments
    out = []
    for rid, index in s.pins.get(theme_id, []):
        row = s.row_of.get(rid)
        hit = np.flatnonzero((s.seg_row == row) & (seg["segment_index"].to_numpy() == index)) if row is not None else []
        if len(hit):
            i = int(hit[0])
            out.append({"response_id": rid, "index": index, "text": str(seg["text"].iat[i]),
                        "in_theme": int(s.seg_theme[i]) == theme_id})
    return out


def search(s: ReviewSession, query: str, page: int = 1) -> dict:
    """Answers whose text holds ``query`` (case-insensitive), in input order."""
    with s.lock:
        query = str(query).strip()
        resp = s.data.responses
        if not query:
            return {"query": "", **_page(s, [], 1, None), **status(s)}
        hit = resp["text"].str.contains(query, case=False, regex=False).to_numpy() & (resp["status"] != NO_CONTENT)
        return {"query": query, **_page(s, np.flatnonzero(hit).tolist(), page, None), **status(s)}


def history(s: ReviewSession) -> dict:
    with s.lock:
        return {"edits": list(reversed(s.model.edits[-200:])), **status(s)}
