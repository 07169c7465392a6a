"""Theme quality against human labels: `themes` against BERTopic and k-means, same data, same seeds.

    python benchmarks/quality.py            # full run (3 seeds), prints the table and writes it
                                            # into the "Quality" section of docs/benchmarks.md
    python benchmarks/quality.py --quick    # one seed, 2,000 rows per set; prints only

For each data set, every method sees the same texts. `themes` runs with its defaults through
`themes.extract` on a DataFrame (it splits responses into sentences and embeds those; NMI and ARI
use each response's primary theme, theme recovery every theme a response holds). BERTopic 0.17.4
runs with its defaults (UMAP's random_state set to the seed) on the response embeddings of the
same model, passed to `fit_transform`; its outlier topic -1 counts as unassigned. k-means gets
the true number of classes, on the same response embeddings. Embeddings come from the shared
cache (~/.cache/themes), so only the first run pays for them; wall time excludes embedding for
BERTopic and k-means, and includes segmenting, the cache lookup, clustering (Ward's tree is
refitted for every seed: the tree cache is emptied first) and naming for `themes`.
Data: ../shared/data (see its README); nothing here is copied into the repository.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from docs_section import machine, write_section  # noqa: E402  (benchmarks/ is the script's folder)

from themes.evaluate.agreement import clustering_scores, recovery_means, theme_recovery  # noqa: E402
from themes.evaluate.scoring import tool_labels  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
if not DATA.is_dir():
    DATA = Path("/work/shared/data")
SEEDS = (0, 1, 2)
OUTLIER = "(unassigned)"


@dataclass
class DataSet:
    name: str
    frame: pd.DataFrame            # one row per response; column "text"
    golds: dict                    # row label -> gold label lists per response, main label first
    by: tuple = ()


def _labels(column: pd.Series) -> list[list[str]]:
    return [[p.strip() for p in str(v).split(";") if p.strip()] for v in column]


def load_sets(keys: list[str]) -> list[DataSet]:
    out = []
    for key in keys:
        if key == "fft":
            d = pd.read_csv(DATA / "nhs-fft" / "fft_v6_tidy.csv")
            d = d[(d["blank_or_did_not_answer"] == 0) & d["text"].notna()]
            d = d[d["text"].astype(str).str.strip() != ""].reset_index(drop=True)
            frame = d[["text", "trust", "service_type_1"]].astype(str)
            out.append(DataSet("FFT", frame, {"FFT sub-categories": _labels(d["labels"]),
                                              "FFT parent categories": _labels(d["major_categories"])},
                               by=("trust", "service_type_1")))
        else:
            file = {"so": "stackoverflow", "ss": "searchsnippets", "ag": "agnews_8000"}[key]
            name = {"so": "StackOverflow", "ss": "SearchSnippets", "ag": "AgNews"}[key]
            d = pd.read_csv(DATA / "short-text" / f"{file}.csv")
            out.append(DataSet(name, d[["text"]].astype(str), {name: [[str(v)] for v in d["label"]]}))
    return out


def subsample(ds: DataSet, n: int, seed: int = 0) -> DataSet:
    if len(ds.frame) <= n:
        return ds
    idx = np.sort(np.random.default_rng(seed).choice(len(ds.frame), n, replace=False))
    return DataSet(ds.name, ds.frame.iloc[idx].reset_index(drop=True),
                   {k: [v[i] for i in idx] for k, v in ds.golds.items()}, ds.by)


def embed_responses(texts: list[str]) -> np.ndarray:
    from themes.config import Settings
    from themes.embed.models import EmbeddingCache, SentenceTransformerEmbedder, embed_texts

    emb = SentenceTransformerEmbedder()
    cache = EmbeddingCache(Settings().cache_path, f"{emb.name}@{emb.version}", emb.dimension)
    return embed_texts(texts, emb, cache)


@dataclass
class Run:
    """One method on one data set with one seed: labels per response and the time it took."""

    primary: list
    sets: list
    substantive: np.ndarray        # responses the method had something to say about
    n_themes: int
    seconds: float
    extra: dict = field(default_factory=dict)


def run_themes(ds: DataSet, seed: int) -> Run:
    import shutil

    import themes
    from themes.config import Settings

    shutil.rmtree(Settings().cache_path / "trees", ignore_errors=True)  # time the clustering, every seed
    t = time.perf_counter()
    res = themes.extract(ds.frame, text="text", by=list(ds.by), seed=seed, quiet=True)
    secs = time.perf_counter() - t
    primary, sets = tool_labels(res.responses)
    return Run(primary, sets, (res.responses["status"] != "no_content").to_numpy(), len(res.themes), secs)


def run_bertopic(ds: DataSet, X: np.ndarray, seed: int) -> Run:
    from bertopic import BERTopic
    from umap import UMAP

    # BERTopic 0.17.4's default UMAP, with the seed set
    umap = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", low_memory=False,
                random_state=seed)
    t = time.perf_counter()
    topics, _ = BERTopic(umap_model=umap).fit_transform(ds.frame["text"].tolist(), X)
    secs = time.perf_counter() - t
    topics = np.asarray(topics)
    primary = [OUTLIER if x < 0 else str(x) for x in topics]
    sets = [set() if x < 0 else {str(x)} for x in topics]
    return Run(primary, sets, np.ones(len(topics), bool), len(set(topics.tolist()) - {-1}), secs)


def run_kmeans(X: np.ndarray, k: int, seed: int) -> Run:
    from sklearn.cluster import KMeans

    t = time.perf_counter()
    lab = KMeans(n_clusters=k, random_state=seed).fit_predict(X)
    secs = time.perf_counter() - t
    return Run([str(x) for x in lab], [{str(x)} for x in lab], np.ones(len(lab), bool), k, secs)


def score(runs: list[Run], gold: list[list[str]]) -> dict:
    """Mean over seeds of each figure, and stability: mean pairwise ARI of the primary themes."""
    from sklearn.metrics import adjusted_rand_score

    keep = np.array([len(g) > 0 for g in gold])
    gold_k = [g for g in gold if g]
    per = []
    for r in runs:
        prim = [p for p, k in zip(r.primary, keep) if k]
        sets = [s for s, k in zip(r.sets, keep) if k]
        s = clustering_scores(prim, [g[0] for g in gold_k])
        s.update(recovery_means(theme_recovery(sets, gold_k)))
        sub = r.substantive[keep]
        unassigned = np.array([p == OUTLIER for p in prim])
        s["unassigned"] = float(unassigned[sub].mean()) if sub.any() else 0.0
        s["n_themes"] = r.n_themes
        s["seconds"] = r.seconds
        per.append(s)
    out = {k: float(np.mean([p[k] for p in per])) for k in per[0]}
    out["n_themes_all"] = [p["n_themes"] for p in per]
    out["nmi_all"] = [p["nmi"] for p in per]
    pairs = list(itertools.combinations(range(len(runs)), 2))
    out["stability"] = (float(np.mean([adjusted_rand_score(runs[i].primary, runs[j].primary) for i, j in pairs]))
                        if pairs else float("nan"))
    out["n_gold"] = len({g[0] for g in gold_k})
    return out


COLUMNS = ["Data set", "Method", "NMI", "ARI", "Recovery F1", "Recovery F1 (weighted)", "% unassigned",
           "Themes (gold)", "Stability", "Wall s"]


def row(data_name: str, method: str, s: dict) -> list[str]:
    ks = s["n_themes_all"]
    k = f"{min(ks)}" if min(ks) == max(ks) else f"{min(ks)}-{max(ks)}"
    stab = "-" if s["stability"] != s["stability"] else f"{s['stability']:.2f}"
    return [data_name, method, f"{s['nmi']:.3f}", f"{s['ari']:.3f}", f"{s['recovery_f1']:.3f}",
            f"{s['recovery_f1_weighted']:.3f}", f"{100 * s['unassigned']:.1f}", f"{k} ({s['n_gold']})", stab,
            f"{s['seconds']:.1f}"]


def markdown(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join(["---"] * len(COLUMNS)) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def checks(results: dict) -> list[str]:
    """The issue's done-when conditions, one line per data set."""
    lines = []
    for name, by_method in results.items():
        t, b = by_method["themes"], by_method["BERTopic"]
        ok = {
            "NMI >= BERTopic + 0.03": t["nmi"] >= b["nmi"] + 0.03,
            "recovery >= BERTopic + 0.05": t["recovery_f1"] >= b["recovery_f1"] + 0.05,
            "unassigned <= 5%": t["unassigned"] <= 0.05,
            "stability >= 0.85": t["stability"] >= 0.85 if t["stability"] == t["stability"] else True,
        }
        if name in ("FFT sub-categories", "StackOverflow"):
            g = t["n_gold"]
            ok[f"themes within 2x of {g}"] = all(g / 2 <= k <= 2 * g for k in t["n_themes_all"])
        lines.append(f"- {name}: " + "; ".join(f"{k} {'yes' if v else 'NO'}" for k, v in ok.items()) +
                     f" (NMI {t['nmi'] - b['nmi']:+.3f}, recovery {t['recovery_f1'] - b['recovery_f1']:+.3f})")
    return lines


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="one seed, 2,000 rows per set, print only")
    ap.add_argument("--sets", default="fft,so,ss,ag", help="comma-separated: fft, so, ss, ag")
    ap.add_argument("--methods", default="themes,bertopic,kmeans")
    ap.add_argument("--no-write", action="store_true", help="print the table without writing docs/benchmarks.md")
    args = ap.parse_args(argv)
    seeds = SEEDS[:1] if args.quick else SEEDS
    methods = args.methods.split(",")
    rows, results = [], {}
    for ds in load_sets(args.sets.split(",")):
        if args.quick:
            ds = subsample(ds, 2000)
        t = time.perf_counter()
        X = embed_responses(ds.frame["text"].tolist())
        print(f"{ds.name}: {len(ds.frame)} responses, embeddings ready in {time.perf_counter() - t:.1f} s",
              file=sys.stderr, flush=True)
        runs: dict[str, list[Run]] = {}
        if "themes" in methods:
            runs["themes"] = [run_themes(ds, s) for s in seeds]
        if "bertopic" in methods:
            runs["BERTopic"] = [run_bertopic(ds, X, s) for s in seeds]
        for gname, gold in ds.golds.items():
            res = {m: score(r, gold) for m, r in runs.items()}
            if "kmeans" in methods:
                k_true = len({g[0] for g in gold if g})
                res[f"k-means, K={k_true}"] = score([run_kmeans(X, k_true, s) for s in seeds], gold)
            for m, s in res.items():
                rows.append(row(gname, m, s))
                print(" | ".join(rows[-1]), file=sys.stderr, flush=True)
            results[gname] = res
    table = markdown(rows)
    print(table)
    lines = checks(results) if {"themes", "bertopic"} <= set(methods) else []
    print("\n".join(lines))
    if args.quick or args.no_write:
        return
    cmd = " ".join(["python benchmarks/quality.py", *(argv if argv is not None else sys.argv[1:])])
    from importlib.metadata import version

    from themes import __version__

    body = (f"Measured {time.strftime('%Y-%m-%d')} on {machine()}, with `{cmd}` "
            f"(themes {__version__}, BERTopic {version('bertopic')}, "
            f"all-MiniLM-L6-v2 embeddings, seeds {', '.join(map(str, seeds))}). Figures are means over the seeds; "
            "Themes gives the range over seeds and the gold number of classes in brackets; stability is the mean "
            "pairwise ARI of the primary themes between seeds. NMI and ARI compare each response's primary theme "
            "(BERTopic: topic) with its first gold label, counting unassigned responses (BERTopic's outliers) and, "
            "for `themes`, non-answers as clusters of their own. Recovery F1: for each gold label held by at least "
            "5 responses, the F1 of the best-matching theme (multi-label), averaged over labels (plain) or "
            "weighted by label size. % unassigned is of the responses with content. Wall time per seed: for "
            "`themes` the whole `extract` (segmenting, cached embeddings, clustering, naming); for BERTopic and "
            "k-means the fit on precomputed embeddings.\n\n" + table + "\n\nDone-when checks (issue 3):\n\n"
            + "\n".join(lines) + "\n")
    write_section(ROOT / "docs" / "benchmarks.md", "Quality", body)
    print(f"Wrote {ROOT / 'docs' / 'benchmarks.md'}", file=sys.stderr)


if __name__ == "__main__":
    main()
