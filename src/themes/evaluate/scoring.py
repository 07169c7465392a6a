"""`themes evaluate`: compare an extract or label output folder with human coding.

Reads OUTDIR/responses.csv (and themes.csv for names), joins a gold file on the response id or
on row order, and scores the tool's labels against the human ones (see agreement.py). Rows
whose gold value is empty are left out of every score. Responses the tool left without a theme
(``no_content``, ``unassigned``) form two clusters of their own for NMI, ARI and accuracy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from themes.errors import InputError
from themes.evaluate.agreement import agreement, clustering_scores, cross_table, recovery_means, theme_recovery
from themes.io.atomic import write_path
from themes.io.corpus import read_table
from themes.io.outdir import read_output
from themes.types import NO_CONTENT, UNASSIGNED

MIN_GOLD_SIZE = 5
PSEUDO = {NO_CONTENT: "(no content)", UNASSIGNED: "(unassigned)"}


@dataclass
class Evaluation:
    """What `themes evaluate` reports: summary figures and the tables behind them."""

    summary: dict
    recovery: pd.DataFrame          # per gold label: best theme, F1 (and kappa, alpha)
    crosstab: pd.DataFrame          # themes (rows) x gold labels (columns), response counts
    disagreements: pd.DataFrame     # responses where tool and human codes differ
    notes: list[str] = field(default_factory=list)


def split_labels(value: str, sep: str) -> list[str]:
    """'a; b;;a' -> ['a', 'b']: stripped, blanks dropped, first occurrence kept, order kept."""
    out: list[str] = []
    for part in str(value).split(sep) if sep else [str(value)]:
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return out


def read_outdir(outdir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """responses.csv and themes.csv of an extract/label output folder, as strings."""
    responses = read_output(outdir, "responses.csv", required=("response_id", "status", "primary_theme_id", "theme_ids"))
    return responses, read_output(outdir, "themes.csv")


def join_gold(responses: pd.DataFrame, gold: pd.DataFrame, gold_col: str, id_col: str | None, sep: str,
              source: str) -> tuple[pd.DataFrame, list[str]]:
    """The responses that have a gold row, with a ``gold`` column (list of labels).

    With ``id_col`` the gold rows are matched on it against response_id; without, gold row i is
    response i and the two files must have the same number of rows.
    """
    from themes.io.corpus import check_column

    check_column(gold, gold_col, "--gold-col", source)
    notes: list[str] = []
    labels = gold[gold_col].map(lambda v: split_labels("" if pd.isna(v) else v, sep))
    if id_col is None:
        if len(gold) != len(responses):
            raise InputError(f"{source}: {len(gold)} rows, but the output has {len(responses)} responses. "
                             "Without --id the gold file must have one row per response, in the same order; "
                             "or name its id column with --id.")
        joined = responses.copy()
        joined["gold"] = labels.to_numpy()
    else:
        check_column(gold, id_col, "--id", source)
        ids = gold[id_col].astype(str).str.strip()
        dup = ids[ids.duplicated()]
        if len(dup):
            raise InputError(f"{source}: id '{dup.iloc[0]}' appears more than once in column '{id_col}'. "
                             "Give one gold row per response.")
        known = set(responses["response_id"])
        unknown = [i for i in ids if i not in known]
        if len(unknown) == len(ids):
            raise InputError(f"{source}: none of the ids in column '{id_col}' (e.g. '{ids.iloc[0]}') is a "
                             f"response_id of the output (e.g. '{responses['response_id'].iloc[0]}'). "
                             "Check --id, or leave it out to join on row order.")
        if unknown:
            notes.append(f"{len(unknown)} gold row(s) have ids not in the output and were left out "
                         f"(e.g. '{unknown[0]}').")
        by_id = dict(zip(ids, labels))
        joined = responses[responses["response_id"].isin(by_id)].copy()
        joined["gold"] = joined["response_id"].map(by_id)
    empty = joined["gold"].map(len) == 0
    if empty.any():
        notes.append(f"{int(empty.sum())} response(s) with an empty gold value were left out of the scores.")
    joined = joined[~empty].reset_index(drop=True)
    if len(joined) == 0:
        raise InputError(f"{source}: no response has a gold label in column '{gold_col}'.")
    return joined, notes


def tool_labels(responses: pd.DataFrame) -> tuple[list[str], list[set[str]]]:
    """Per response: the primary theme id (or '(no content)' / '(unassigned)') and the set of
    theme ids it holds, as strings; from a responses table read from CSV or held in memory."""
    primary = [PSEUDO.get(st, f"({st})") if pd.isna(pid) or str(pid) == "" else str(pid)
               for pid, st in zip(responses["primary_theme_id"], responses["status"])]
    sets = [set(str(s).split(";")) if s else set() for s in responses["theme_ids"]]
    return primary, sets


def evaluate_tables(responses: pd.DataFrame, themes: pd.DataFrame, gold: pd.DataFrame, gold_col: str,
                    id_col: str | None = None, sep: str = ";", source: str = "gold",
                    min_size: int = MIN_GOLD_SIZE) -> Evaluation:
    """Score an output's responses table against a gold table (both as read from CSV). Theme
    recovery and agreement cover the gold labels held by at least ``min_size`` responses."""
    responses = responses.assign(response_id=responses["response_id"].astype(str))  # a Result's tables work too
    joined, notes = join_gold(responses, gold, gold_col, id_col, sep, source)
    primary, sets = tool_labels(joined)
    gold_sets = joined["gold"].tolist()
    names = dict(zip(themes["theme_id"].astype(str), themes["name"]))

    summary = {"n_scored": len(joined), "min_gold_size": min_size}
    summary.update(clustering_scores(primary, [g[0] for g in gold_sets]))
    rec = theme_recovery(sets, gold_sets, min_size)
    summary.update(recovery_means(rec))
    mapping = dict(zip(rec["gold"], rec["theme"]))
    agree, overall = agreement(sets, gold_sets, mapping)
    rec = rec.merge(agree[["gold", "kappa", "alpha"]], on="gold", how="left")
    rec.insert(3, "theme_name", rec["theme"].map(lambda t: names.get(t, "")))
    substantive = joined["status"] != NO_CONTENT
    summary.update({
        "unassigned_share": float((joined["status"] == UNASSIGNED).sum() / max(int(substantive.sum()), 1)),
        "n_no_content": int((~substantive).sum()),
        "n_themes": int(len(themes)),
        "n_gold_labels": int(len({g for s in gold_sets for g in s})),
        "n_gold_labels_scored": int(len(rec)),
        "kappa": overall["kappa"], "alpha": overall["alpha"],
        "kappa_mean": overall["kappa_mean"], "alpha_mean": overall["alpha_mean"],
    })
    order = [str(t) for t in themes["theme_id"]]
    tab = cross_table([s or {PSEUDO.get(st, st)} for s, st in zip(sets, joined["status"])], gold_sets,
                      order + list(PSEUDO.values()))
    tab = tab[tab.sum(axis=1) > 0]
    tab.insert(0, "theme_name", [names.get(t, "") for t in tab.index])
    tab = tab.reset_index()
    return Evaluation(summary=summary, recovery=rec, crosstab=tab,
                      disagreements=_disagreements(joined, sets, mapping, names), notes=notes)


def _disagreements(joined: pd.DataFrame, sets: list[set[str]], mapping: dict, names: dict) -> pd.DataFrame:
    """Responses where the human codes (of the scored codes) and the tool's mapped codes differ."""
    by_theme: dict[str, list[str]] = {}
    for g, t in mapping.items():
        if t is not None:
            by_theme.setdefault(t, []).append(g)
    rows = []
    for i, (s, g) in enumerate(zip(sets, joined["gold"])):
        human = [c for c in g if c in mapping]
        tool = [c for t in sorted(s, key=lambda t: (len(t), t)) for c in by_theme.get(t, [])]
        if set(human) == set(tool):
            continue
        rows.append({"response_id": joined["response_id"].iat[i], "status": joined["status"].iat[i],
                     "human_codes": ";".join(human), "tool_codes": ";".join(dict.fromkeys(tool)),
                     "only_human": ";".join(c for c in human if c not in tool),
                     "only_tool": ";".join(c for c in dict.fromkeys(tool) if c not in human),
                     "tool_themes": ";".join(f"{t} {names.get(t, '')}".strip() for t in sorted(s, key=int)),
                     "text": joined["text"].iat[i] if "text" in joined else ""})
    cols = ["response_id", "status", "human_codes", "tool_codes", "only_human", "only_tool", "tool_themes", "text"]
    return pd.DataFrame(rows, columns=cols)


def evaluate_outdir(outdir: Path, gold_path: Path, gold_col: str, id_col: str | None = None,
                    sep: str = ";", sheet: str | None = None) -> Evaluation:
    responses, themes = read_outdir(outdir)
    gold = read_table(gold_path, sheet=sheet)
    ev = evaluate_tables(responses, themes, gold, gold_col, id_col, sep, source=str(gold_path))
    ev.summary = {"outdir": str(outdir), "gold": str(gold_path), "gold_col": gold_col, "id": id_col,
                  "sep": sep, **ev.summary}
    return ev


def to_json(ev: Evaluation) -> dict:
    """evaluation.json: the summary, how it was computed, and the per-label table."""
    def clean(v):
        return None if isinstance(v, float) and v != v else (round(v, 4) if isinstance(v, float) else v)

    per_label = [{k: clean(v) for k, v in row.items()} for row in ev.recovery.to_dict(orient="records")]
    return {
        "summary": {k: clean(v) for k, v in ev.summary.items()},
        "method": {
            "rows": "responses with a non-empty gold value; others are left out of every score",
            "nmi_ari_accuracy": "primary theme against the first gold label; responses with no theme count as "
                                "clusters of their own: '(no content)' and '(unassigned)'",
            "hungarian_accuracy": "share of responses whose primary theme is matched to their first gold label "
                                  "under the best one-to-one matching of themes to labels",
            "theme_recovery": f"for each gold label held by at least {ev.summary.get('min_gold_size')} responses, "
                              "the F1 of the "
                              "best-matching theme, response level, multi-label (a response counts for every "
                              "theme and every label it has); recovery_f1 is the plain mean over labels, "
                              "recovery_f1_weighted the mean weighted by label size",
            "agreement": "per gold label, one yes/no decision per response for each coder: the human applied "
                         "the code; the tool gave the theme that best matches it (by F1). Cohen's kappa and "
                         "Krippendorff's alpha (nominal, two coders); 'kappa'/'alpha' pool every decision, "
                         "'kappa_mean'/'alpha_mean' average the per-label figures",
            "unassigned_share": "unassigned responses / responses with content, among the scored rows",
        },
        "per_label": per_label,
        "notes": ev.notes,
    }


def write_evaluation(ev: Evaluation, out: Path) -> list[Path]:
    """evaluation.json, evaluation_crosstab.csv and disagreements.csv, each written whole."""
    from themes.io.safe import write_csv

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, write in [
        ("evaluation.json", lambda p: p.write_text(json.dumps(to_json(ev), indent=2, ensure_ascii=False) + "\n",
                                                   encoding="utf-8")),
        ("evaluation_crosstab.csv", lambda p: write_csv(ev.crosstab, p)),
        ("disagreements.csv", lambda p: write_csv(ev.disagreements, p)),
    ]:
        written.append(write_path(out / name, write))
    return written
