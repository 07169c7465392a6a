"""Group tables with honest numbers: 95% Wilson intervals, and small cells suppressed.

Statistical disclosure control: a group with fewer than ``min_cell`` respondents shows its size
as "<5" (for min_cell 5) and no count or percentage; a count from 1 to min_cell - 1 shows as
"<5" with no percentage or interval (a percentage of a known base would give the count away).
Zero is shown: it identifies nobody in a group of at least min_cell.
"""

from __future__ import annotations

import math

import pandas as pd

Z95 = 1.959963984540054


def wilson(n: int, total: int, z: float = Z95) -> tuple[float, float]:
    """95% Wilson score interval for the proportion n / total (0..1); (0, 0) when total is 0."""
    if total <= 0:
        return 0.0, 0.0
    p = n / total
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def small(min_cell: int) -> str:
    return f"<{min_cell}"


MAX_GROUPS = 50  # groups of one --by column a report shows (the largest); crosstab.csv keeps them all


def largest_groups(crosstab: pd.DataFrame, limit: int = MAX_GROUPS) -> tuple[pd.DataFrame, list[str]]:
    """The crosstab with at most ``limit`` groups per --by column (those with most respondents),
    and a note for each column cut."""
    keep = pd.Series(True, index=crosstab.index)
    notes = []
    for attribute, part in crosstab[crosstab["attribute"] != "(all)"].groupby("attribute", sort=False):
        sizes = part.groupby("group", sort=False)["n_group"].max()
        if len(sizes) <= limit:
            continue
        top = set(sizes.sort_values(ascending=False, kind="mergesort").index[:limit])
        keep &= (crosstab["attribute"] != attribute) | crosstab["group"].isin(top)
        notes.append(f"--by {attribute} has {len(sizes):,} groups; the report shows the {limit} with most "
                     "respondents (crosstab.csv holds them all).")
    return crosstab[keep].reset_index(drop=True), notes


def cell_text(n: int, n_group: int, min_cell: int) -> tuple[bool, str, str, str]:
    """The one suppression rule every table and format shows: (suppressed, group size, count,
    percentage) as text; a group under min_cell hides its size, a count of 1 to min_cell - 1
    hides itself and its percentage."""
    hide_group = n_group < min_cell
    hide_n = hide_group or 0 < n < min_cell
    pct_txt = "" if hide_n else f"{100 * n / n_group:.0f}%" if n_group else ""
    return hide_n, small(min_cell) if hide_group else f"{n_group:,}", small(min_cell) if hide_n else f"{n:,}", pct_txt


OTHER = "Other (groups under {min_cell})"


def merge_small_groups(crosstab: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Groups with fewer than min_cell respondents, where an attribute has two or more of them,
    counted together as one 'Other' group (so a table is not a column of '<5' cells). Each
    respondent is in one group of an attribute, so the counts add up."""
    if min_cell <= 1 or crosstab.empty:
        return crosstab
    small_rows = (crosstab["n_group"] < min_cell) & (crosstab["attribute"] != "(all)")
    per_attr = crosstab[small_rows].groupby(["theme_id", "attribute"])["group"].transform("size")
    merge = pd.Series(False, index=crosstab.index)
    merge[per_attr.index] = per_attr >= 2
    if not merge.any():
        return crosstab
    keep = crosstab[~merge]
    other = (crosstab[merge].groupby(["theme_id", "theme", "attribute"], sort=False)[["n_group", "n"]].sum()
             .reset_index().assign(group=OTHER.format(min_cell=min_cell)))
    other["pct"] = (100 * other["n"] / other["n_group"]).round(1)
    out = pd.concat([keep, other[crosstab.columns]], ignore_index=True)
    order = {t: k for k, t in enumerate(dict.fromkeys(crosstab["theme_id"]))}
    attrs = {a: k for k, a in enumerate(dict.fromkeys(crosstab["attribute"]))}
    out["_o"] = [(order[t], attrs[a], g.startswith("Other (")) for t, a, g in
                 zip(out["theme_id"], out["attribute"], out["group"])]
    return out.sort_values("_o", kind="mergesort").drop(columns="_o").reset_index(drop=True)


def add_intervals(crosstab: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """crosstab.csv plus share, lo, hi (0..1), suppressed (bool) and display strings
    n_group_txt, n_txt, pct_txt, ci_txt that published outputs show."""
    out = crosstab.copy()
    lo, hi, share, suppressed, n_group_txt, n_txt, pct_txt, ci_txt = [], [], [], [], [], [], [], []
    for n_group, n in zip(out["n_group"].to_numpy(), out["n"].to_numpy()):
        n_group, n = int(n_group), int(n)
        a, b = wilson(n, n_group)
        hide_n, group_txt, count_txt, percent = cell_text(n, n_group, min_cell)
        lo.append(a)
        hi.append(b)
        share.append(n / n_group if n_group else 0.0)
        suppressed.append(hide_n)
        n_group_txt.append(group_txt)
        n_txt.append(count_txt)
        pct_txt.append(percent)
        ci_txt.append("" if hide_n or not n_group else f"{100 * a:.0f}\u2013{100 * b:.0f}%")
    out["share"], out["lo"], out["hi"], out["suppressed"] = share, lo, hi, suppressed
    out["n_group_txt"], out["n_txt"], out["pct_txt"], out["ci_txt"] = n_group_txt, n_txt, pct_txt, ci_txt
    return out


def theme_groups(table: pd.DataFrame, theme_id: int, attribute: str) -> pd.DataFrame:
    """Rows of an add_intervals table for one theme and one attribute, in group order."""
    part = table[(table["theme_id"] == theme_id) & (table["attribute"] == attribute)]
    return part.reset_index(drop=True)


def overall(table: pd.DataFrame, theme_id: int) -> dict:
    """The theme's '(all)' row: n, n_group, lo, hi and display strings (empty dict when absent)."""
    part = theme_groups(table, theme_id, "(all)")
    return part.iloc[0].to_dict() if len(part) else {}


def small_group_ids(responses: pd.DataFrame, by: tuple[str, ...], min_cell: int) -> set[str]:
    """Response ids whose combination of --by values (within their question) has fewer than
    min_cell respondents."""
    if not by:
        return set()
    keys = (["question"] if "question" in responses.columns else []) + list(by)
    size = responses.groupby(keys, sort=False)["response_id"].transform("size")
    return set(responses.loc[size < min_cell, "response_id"])


def small_groups_quoted(quotes: pd.DataFrame, responses: pd.DataFrame, by: tuple[str, ...],
                        min_cell: int) -> list[str]:
    """One warning per combination of --by values with fewer than min_cell respondents whose
    quotes a report shows (such a quote, with its attribution, could identify someone)."""
    if not by or quotes.empty:
        return []
    small_ids = small_group_ids(responses, by, min_cell)
    questions = list(dict.fromkeys(responses["question"])) if "question" in responses.columns else []
    qmap = dict(zip(responses["response_id"], responses["question"])) if questions else {}
    seen: dict[tuple, list[str]] = {}
    for rid, values in zip(quotes["response_id"], quotes[list(by)].itertuples(index=False, name=None)):
        if rid in small_ids:
            key = ((qmap[rid],) if questions else ()) + tuple(values)
            seen.setdefault(key, []).append(str(rid))
    out = []
    for key, ids in seen.items():
        values = key[1:] if questions else key
        q = str(key[0]) if questions else ""
        where = f" answering \"{q if len(q) <= 48 else q[:47].rstrip() + chr(0x2026)}\"" if len(questions) > 1 else ""
        label = ", ".join(f"{c}={v}" for c, v in zip(by, values))
        out.append(f"{label}{where}: {len(ids)} quote(s), response {', '.join(ids)}")
    return out
