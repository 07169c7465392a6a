"""Definitions chosen so that a codebook of the run's own names and definitions gives its themes
back.

A names-and-definitions codebook (``themes label CODEBOOK``) places each theme at the mean
embedding of its name and each clause of its definition (``statements``; themes.model.seeding),
and a segment takes the nearest such centre that clears the threshold. A definition that quotes
the theme's most typical segments can still sit nearer a neighbouring theme than the theme's
own answers do. ``sharpen`` therefore chooses, for each theme, among definitions composed from
different choices of its typical segments (themes.discover.fit builds them with
themes.discover.define, so every one reads the same way), the one whose centre gives back the
most segments: those of the theme that it takes, plus those of the other themes of its question
that it does not take from them. Coordinate ascent, ``PASSES`` passes over the themes in order; a
definition changes only when the count strictly rises, so the result is deterministic and never
worse on the run's own segments than the first definitions. A candidate is only considered when
its clauses stay near the theme's name (cosine between the name and the mean of the clauses at
most ``NAME_SLACK`` below the default's), so a definition never drifts to another part of a
broad theme than its name speaks for. At most ``SAMPLE`` segments per
question are counted (a fixed draw for a seed).
"""

from __future__ import annotations

import re

import numpy as np

PASSES = 2
SAMPLE = 20_000
NAME_SLACK = 0.1   # a candidate's clauses may sit this much further (cosine) from the name than the default's
#: The reporting frame themes.discover.define puts in front of each clause, left out of statements.
_FRAME = re.compile(r"^(?:views are mixed:\s*)?(?:respondents|others)\s+(?:say(?: they)?|point to|call to|describe it as)\s+",
                    re.IGNORECASE)


def statements(name: str, description: str) -> list[str]:
    """The name and each sentence or clause of the description (split at ". ", "; ", "? ", "! "
    and line breaks; clauses of one word dropped), without the reporting frame of the tool's own
    definitions ("Views are mixed: respondents say", "others point to"): a codebook theme's
    centre is the mean of their embeddings, so each statement counts as one typical answer
    rather than one long text averaging them, and answers do not say "respondents say" (what
    leaving the frame out changed is in docs/method.md); each clause is then embedded once,
    whichever place it has in a definition."""
    parts = [p.strip(" .;:") for p in re.split(r"(?<=[.;!?])\s+|\n+", description.strip())]
    return [name] + [_FRAME.sub("", p) for p in parts if len(p.split()) >= 2]


def _centres(names: list[str], options: list[list[str]], embedder) -> tuple[list, list[np.ndarray]]:
    """Per theme, its candidates' centres as (U, A): the theme's distinct statement vectors
    (statements x dimensions) and the weights that make each candidate's unit centre from them
    (statements x candidates), so that a block of vectors ``x`` scores every candidate as
    ``(x @ U.T) @ A`` (a few dozen statements make over a hundred candidates); and each
    candidate's cosine between the name and the mean of its clauses alone."""
    groups = [[statements(n, d) for d in opts] for n, opts in zip(names, options)]
    flat = sorted({s for g in groups for st in g for s in st})
    index = {s: i for i, s in enumerate(flat)}
    vecs = np.asarray(embedder.embed(flat), dtype=np.float64) if flat else np.zeros((0, 1))

    def unit(rows):
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return rows / np.where(norms > 0, norms, 1.0)

    centres, coherence = [], []
    for g in groups:
        own = sorted({index[s] for st in g for s in st})
        where = {i: j for j, i in enumerate(own)}
        counts = np.zeros((len(own), len(g)))
        for c, st in enumerate(g):
            for s in st:
                counts[where[index[s]], c] += 1
        u = vecs[own]
        norms = np.linalg.norm(u.T @ counts, axis=0)
        centres.append((u.astype(np.float32), (counts / np.where(norms > 0, norms, 1.0)).astype(np.float32)))
        clauses = unit(np.stack([vecs[[index[s] for s in st[1:]]].sum(axis=0) if len(st) > 1 else vecs[index[st[0]]]
                                 for st in g]))
        coherence.append(clauses @ vecs[index[g[0][0]]] / max(np.linalg.norm(vecs[index[g[0][0]]]), 1e-12))
    return centres, coherence


def _columns(x: np.ndarray, centre) -> np.ndarray:
    """Rows x candidates: each row's cosine to each candidate centre."""
    u, a = centre
    return (x @ u.T) @ a


def given_back(sims: np.ndarray, target: np.ndarray, p: int, columns: np.ndarray, threshold: float):
    """How many rows keep their theme (``target``: column positions) when column ``p`` of the
    rows x themes ``sims`` is replaced by ``columns``: a row's theme must be its best column and
    clear ``threshold``. ``columns`` is one column (an int back) or rows x candidates (one count
    per candidate)."""
    one = columns.ndim == 1
    cols = columns[:, None] if one else columns
    rest = best_other(sims, p)[:, None]
    mine = (target == p)[:, None]
    own = sims[np.arange(len(sims)), target][:, None]
    took = mine & (cols > rest) & (cols >= threshold)
    kept = ~mine & (own >= rest) & (own >= cols) & (own >= threshold)
    counts = (took | kept).sum(axis=0)
    return int(counts[0]) if one else counts


def best_other(sims: np.ndarray, p: int) -> np.ndarray:
    """Each row's best score among the columns other than ``p``."""
    if sims.shape[1] < 2:
        return np.full(len(sims), -np.inf, np.float32)
    return np.delete(sims, p, axis=1).max(axis=1)


def sharpen(names: list[str], options: list[list[str]], questions: list[str], vectors: np.ndarray,
            theme_pos: np.ndarray, seg_questions: np.ndarray, embedder, threshold: float,
            seed: int = 0, name_slack: float = NAME_SLACK) -> tuple[list[str], int]:
    """(one definition per theme, how many changed from the first option). ``options[p]`` are
    theme ``p``'s candidate definitions, the default first; ``theme_pos`` each segment's theme
    (-1: none) and ``seg_questions`` its question. ``name_slack`` (inf: off) bounds how far a
    candidate's clauses may sit from the name, below the default's."""
    chosen = [0] * len(names)
    if not names or not len(vectors):
        return [o[0] for o in options], 0
    cands, coherence = _centres(names, options, embedder)
    qs = np.asarray(questions, dtype=object)
    rng = np.random.default_rng(seed)
    for q in dict.fromkeys(questions):
        themes = np.flatnonzero(qs == q)
        if len(themes) < 2 or all(len(options[p]) < 2 for p in themes):
            continue
        col = {int(p): i for i, p in enumerate(themes)}
        rows = np.flatnonzero(np.isin(theme_pos, themes) & (seg_questions == q))
        if len(rows) > SAMPLE:
            rows = np.sort(rng.choice(rows, SAMPLE, replace=False))
        if not len(rows):
            continue
        x = np.asarray(vectors[rows], dtype=np.float32)
        target = np.array([col[int(t)] for t in theme_pos[rows]], dtype=np.int64)
        sims = np.stack([_columns(x, (cands[p][0], cands[p][1][:, :1]))[:, 0] for p in themes], axis=1)  # defaults
        for _ in range(PASSES):
            moved = False
            for p in themes:
                c = col[int(p)]
                if len(options[p]) < 2:
                    continue
                # a candidate may not drift from the theme's name: its clauses must stay about as
                # close to the name as the default's are
                near = coherence[p] >= coherence[p][0] - name_slack
                columns = _columns(x, cands[p])
                scores = np.where(near, given_back(sims, target, c, columns, threshold), -1)
                best = int(np.argmax(scores))   # the first of equals: the default wins ties
                if scores[best] > scores[chosen[p]]:
                    chosen[p] = best
                    sims[:, c] = columns[:, best]
                    moved = True
            if not moved:
                break
    return [options[p][chosen[p]] for p in range(len(names))], sum(c != 0 for c in chosen)
