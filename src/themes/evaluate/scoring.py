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
from themes.evaluate.coders import SMALL_CODE, coder_figures, name_matching
from themes.io.atomic import write_path
from themes.io.corpus import read_table
from themes.io.outdir import read_output
from themes.types import NO_CONTENT, UNASSIGNED

MIN_GOLD_SIZE = 1   # every code is scored; codes under SMALL_CODE responses are flagged
PSEUDO = {NO_CONTENT: "(no content)", UNASSIGNED: "(unassigned)"}


@dataclass
class Evaluation:
    """What `themes evaluate` reports: summary figures and the tables behind them."""

    summary: dict
    recovery: pd.DataFrame          # per gold label: best theme, F1 (and kappa, alpha)
    crosstab: pd.DataFrame          # themes (rows) x gold labels (columns), response counts
    disagreements: pd.DataFrame     # responses where tool and human codes differ
    notes: list[str] = field(default_factory=list)
    codes: pd.DataFrame = field(default_factory=pd.DataFrame)   # per code: the tool (and a second coder) against gold


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
        if "_second" in gold:
            joined["second_list"] = gold["_second"].to_numpy()
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
        if "_second" in gold:
            joined["second_list"] = joined["response_id"].map(dict(zip(ids, gold["_second"])))
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
                    min_size: int = MIN_GOLD_SIZE, gold2_col: str | None = None) -> Evaluation:
    """Score an output's responses table against a gold table (both as read from CSV). Theme
    recovery and agreement cover the gold labels held by at least ``min_size`` responses (all,
    by default). With ``gold2_col`` a second coder's codes are scored against the same gold
    codes, beside the tool's on the same responses."""
    responses = responses.assign(response_id=responses["response_id"].astype(str))  # a Result's tables work too
    if gold2_col is not None:
        from themes.io.corpus import check_column

        check_column(gold, gold2_col, "--gold2", source)
        gold = gold.assign(_second=gold[gold2_col].map(lambda v: split_labels("" if pd.isna(v) else v, sep)))
    joined, notes = join_gold(responses, gold, gold_col, id_col, sep, source)
    primary, sets = tool_labels(joined)
    gold_sets = joined["gold"].tolist()
    names = dict(zip(themes["theme_id"].astype(str), themes["name"]))

    summary = {"n_scored": len(joined), "min_gold_size": min_size}
    summary.update(clustering_scores(primary, [g[0] for g in gold_sets]))
    rec = theme_recovery(sets, gold_sets, min_size)
    summary.update(recovery_means(rec))
    by_name = name_matching(themes, {g for s in gold_sets for g in s})
    if by_name is not None:
        mapping = {g: next((t for t, c in by_name.items() if c == g), None) for g in rec["gold"]}
        rec = _by_name_recovery(rec, mapping, sets, gold_sets)
    else:
        mapping = dict(zip(rec["gold"], rec["theme"]))
    rec["small"] = rec["n_gold"] < SMALL_CODE
    agree, overall = agreement(sets, gold_sets, mapping)
    tool_codes = _tool_codes(sets, mapping, names, by_name)
    questions = joined["question"].astype(str).tolist() if "question" in joined else None
    figures, per_code = coder_figures(tool_codes, [set(g) for g in gold_sets], questions)
    summary["matching"] = "by name" if by_name is not None else "best overlap"
    summary["tool_vs_gold"] = figures
    if gold2_col is not None:
        second = joined["second_list"]
        has = [bool(x) for x in second]
        rows2 = [i for i, h in enumerate(has) if h]
        q2 = [questions[i] for i in rows2] if questions else None
        summary["second_vs_gold"], per2 = coder_figures([set(second.iat[i]) for i in rows2],
                                                        [set(gold_sets[i]) for i in rows2], q2)
        summary["tool_vs_gold_same_rows"] = coder_figures([tool_codes[i] for i in rows2],
                                                          [set(gold_sets[i]) for i in rows2], q2)[0]
        second_cols = per2[["code", "n_coder", "f1", "kappa", "alpha"]].set_axis(
            ["code", "n_second", "f1_second", "kappa_second", "alpha_second"], axis=1)
        per_code = per_code.merge(second_cols, on="code", how="left")
        joined["second"] = [";".join(x) for x in second]
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
    return Evaluation(summary=summary, recovery=rec, crosstab=tab, codes=per_code,
                      disagreements=_disagreements(joined, sets, tool_codes, names), notes=notes)


def _by_name_recovery(rec: pd.DataFrame, mapping: dict, sets: list, gold_sets: list) -> pd.DataFrame:
    """The recovery table with each code paired with the theme of its own name (or none)."""
    rows = []
    for g, n_gold in zip(rec["gold"], rec["n_gold"]):
        t = mapping.get(g)
        n_t = sum(t in s for s in sets) if t is not None else 0
        ov = sum(t in s and g in gs for s, gs in zip(sets, gold_sets)) if t is not None else 0
        rows.append([g, int(n_gold), t, n_t, ov, ov / n_t if n_t else 0.0, ov / n_gold,
                     2 * ov / (n_gold + n_t) if n_gold + n_t else 0.0])
    out = pd.DataFrame(rows, columns=rec.columns[:8])
    return out


def _tool_codes(sets: list, mapping: dict, names: dict, by_name: dict | None) -> list[set]:
    """Each response's themes as codes: by name, or through the best-overlap pairing (a theme
    paired with no code stays itself, by name, so it counts against agreement)."""
    if by_name is not None:
        return [{by_name.get(t, names.get(t, t)) for t in s} for s in sets]
    back: dict[str, list[str]] = {}
    for g, t in mapping.items():
        if t is not None:
            back.setdefault(t, []).append(g)
    return [{c for t in s for c in back.get(t, [names.get(t, t)])} for s in sets]


def _disagreements(joined: pd.DataFrame, sets: list[set[str]], tool_codes: list[set], names: dict) -> pd.DataFrame:
    """Responses where the human codes and the tool's codes differ, with both sides in full
    (and the second coder's, when given)."""
    rows = []
    for i, (s, g) in enumerate(zip(sets, joined["gold"])):
        tool = sorted(tool_codes[i])
        if set(g) == set(tool):
            continue
        row = {"response_id": joined["response_id"].iat[i], "status": joined["status"].iat[i],
               "human_codes": ";".join(g), "tool_codes": ";".join(tool),
               "only_human": ";".join(c for c in g if c not in tool),
               "only_tool": ";".join(c for c in tool if c not in g),
               "tool_themes": ";".join(f"{t} {names.get(t, '')}".strip() for t in sorted(s, key=_theme_order))}
        if "second" in joined:
            row["second_coder_codes"] = joined["second"].iat[i]
        row["text"] = joined["text"].iat[i] if "text" in joined else ""
        rows.append(row)
    cols = ["response_id", "status", "human_codes", "tool_codes", "only_human", "only_tool", "tool_themes",
            *(["second_coder_codes"] if "second" in joined else []), "text"]
    return pd.DataFrame(rows, columns=cols)


def _theme_order(t: str):
    return (0, int(t), "") if str(t).isdigit() else (1, 0, str(t))


def evaluate_outdir(outdir: Path, gold_path: Path, gold_col: str, id_col: str | None = None,
                    sep: str = ";", sheet: str | None = None, gold2_col: str | None = None) -> Evaluation:
    responses, themes = read_outdir(outdir)
    gold = read_table(gold_path, sheet=sheet)
    ev = evaluate_tables(responses, themes, gold, gold_col, id_col, sep, source=str(gold_path), gold2_col=gold2_col)
    ev.summary = {"outdir": str(outdir), "gold": str(gold_path), "gold_col": gold_col, "id": id_col,
                  "sep": sep, **ev.summary}
    return ev


def to_json(ev: Evaluation) -> dict:
    """evaluation.json: the summary, how it was computed, and the per-label table."""
    def clean(v):
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if hasattr(v, "item"):   # numpy scalars
            v = v.item()
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
            "matching": "how themes became codes: 'by name' when the output came from a codebook or a trained "
                        "model, or its themes carry the codes' names; 'best overlap' (each code paired with "
                        "the theme that overlaps it most) for discovered themes only",
            "tool_vs_gold": "code-level agreement of the tool's codes with the gold codes, pooled and per "
                            "question: exact set agreement, micro/macro F1, pooled and macro Cohen's kappa and "
                            "Krippendorff's alpha; 'second_vs_gold' is the same for the --gold2 coder, beside "
                            "'tool_vs_gold_same_rows' (the tool on the responses the second coder coded)",
        },
        "per_code": [{k: clean(v) for k, v in row.items()} for row in ev.codes.to_dict(orient="records")],
        "per_label": per_label,
        "notes": ev.notes,
    }


def write_evaluation(ev: Evaluation, out: Path) -> list[Path]:
    """evaluation.json, evaluation_crosstab.csv, disagreements.csv and evaluation_codes.csv (per
    code: the tool's and a second coder's F1, kappa and alpha), each written whole."""
    from themes.io.safe import write_csv

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, write in [
        ("evaluation.json", lambda p: p.write_text(json.dumps(to_json(ev), indent=2, ensure_ascii=False) + "\n",
                                                   encoding="utf-8")),
        ("evaluation_crosstab.csv", lambda p: write_csv(ev.crosstab, p)),
        ("disagreements.csv", lambda p: write_csv(ev.disagreements, p)),
        ("evaluation_codes.csv", lambda p: write_csv(ev.codes, p)),
    ]:
        written.append(write_path(out / name, write))
    return written
