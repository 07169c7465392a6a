"""The evidence behind the clustering defaults (docs/method.md): how the number of themes and
the clustering method change NMI and theme recovery, at sentence level, on the benchmark sets.

    python benchmarks/method_sweep.py                 # K sweep with silhouette, all four sets
    python benchmarks/method_sweep.py --methods fft   # also k-means / UMAP variants on FFT

Each set is segmented and embedded as `themes extract` does (the embedding cache makes reruns
cheap). For every K of the sweep the Ward tree on PCA-48 is cut at K, the themes' centres are
the unit means, and every sentence goes to its nearest centre (cosine threshold 0.20), exactly
as in themes.discover.cluster/themes.results.assign; responses are scored as in benchmarks/quality.py.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd
from quality import load_sets  # benchmarks/ is the script's folder, so this resolves

from themes.evaluate.agreement import clustering_scores, recovery_means, theme_recovery  # noqa: E402

KS = (5, 10, 15, 20, 27, 30, 43, 60, 86, 120)


def segments_and_vectors(frame: pd.DataFrame):
    from themes.config import Settings
    from themes.embed.models import EmbeddingCache, SentenceTransformerEmbedder, embed_texts
    from themes.io.corpus import build_corpus
    from themes.text.segment import segment, spacy_splitter

    corpus = build_corpus(frame, text="text")
    segs = segment(corpus, spacy_splitter())
    emb = SentenceTransformerEmbedder()
    cache = EmbeddingCache(Settings().cache_path, f"{emb.name}@{emb.version}", emb.dimension)
    return corpus, segs, embed_texts(segs.texts, emb, cache)


def response_scores(corpus, segs, V, C, golds: dict, threshold: float = 0.20) -> dict:
    sims = V @ C.T
    pos, best = sims.argmax(axis=1), sims.max(axis=1)
    pos[best < threshold] = -1
    rows = segs.frame["row"].to_numpy()
    n = len(corpus)
    primary = np.where(corpus.frame["has_content"].to_numpy(), "(unassigned)", "(no content)").astype(object)
    top = np.full(n, -np.inf)
    sets = [set() for _ in range(n)]
    for r, p, b in zip(rows, pos, best):
        if p >= 0:
            sets[r].add(str(p))
            if b > top[r]:
                top[r], primary[r] = b, str(p)
    out = {}
    for name, gold in golds.items():
        keep = [i for i, g in enumerate(gold) if g]
        g = [gold[i] for i in keep]
        s = clustering_scores([primary[i] for i in keep], [x[0] for x in g])
        s.update(recovery_means(theme_recovery([sets[i] for i in keep], g)))
        out[name] = s
    return out


def unit_means(V, labels):
    C = np.stack([V[labels == k].mean(axis=0) for k in np.unique(labels)])
    return C / np.linalg.norm(C, axis=1, keepdims=True)


def sweep(ds, ks) -> None:
    from scipy.cluster.hierarchy import fcluster, linkage

    from themes.discover.cluster import choose_k, k_range, pick_k
    from themes.discover.tree import reduce

    corpus, segs, V = segments_and_vectors(ds.frame)
    idx = np.arange(len(V))
    if len(V) > 20000:
        idx = np.sort(np.random.default_rng(42).choice(len(V), 20000, replace=False))
    Z = reduce(V[idx].astype(np.float64), 48, 42)
    tree = linkage(Z, method="ward")
    hi, lo = k_range(len(idx), 2, 60, len(idx) // 3)
    _, sil = choose_k(V[idx], tree, 2, max(ks))
    window_k = pick_k({k: v for k, v in sil.items() if lo <= k <= hi})
    top = max(sil, key=sil.get)
    print(f"\n### {ds.name}: {len(segs)} sentences; window [{lo}, {hi}] picks K={window_k} "
          f"(highest silhouette in 2..{max(ks)}: K={top})\n")
    names = list(ds.golds)
    print("| K | silhouette | " + " | ".join(f"NMI {n} | recovery {n}" for n in names) + " |")
    print("|---|---|" + "---|---|" * len(names))
    for k in sorted(set(ks) | {window_k}):
        C = unit_means(V[idx], fcluster(tree, k, criterion="maxclust"))
        s = response_scores(corpus, segs, V, C, ds.golds)
        mark = " (chosen)" if k == window_k else ""
        print(f"| {k}{mark} | {sil.get(k, float('nan')):.3f} | "
              + " | ".join(f"{s[n]['nmi']:.3f} | {s[n]['recovery_f1']:.3f}" for n in names) + " |", flush=True)


def methods(ds, ks) -> None:
    """Ward on PCA-48 against k-means and UMAP variants at the same K (FFT)."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from sklearn.cluster import KMeans

    from themes.discover.tree import reduce

    corpus, segs, V = segments_and_vectors(ds.frame)
    names = list(ds.golds)
    print(f"\n### {ds.name}: clustering methods at fixed K\n")
    print("| method | K | seconds | " + " | ".join(f"NMI {n} | recovery {n}" for n in names) + " |")
    print("|---|---|---|" + "---|---|" * len(names))
    t = time.perf_counter()
    Z = reduce(V.astype(np.float64), 48, 42)
    reps = {"PCA-48": (Z, time.perf_counter() - t)}
    try:
        from umap import UMAP

        t = time.perf_counter()
        U = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=0).fit_transform(V)
        reps["UMAP-5"] = (U, time.perf_counter() - t)
    except ImportError:
        pass
    from quality import embed_responses

    X = embed_responses(ds.frame["text"].tolist())
    t = time.perf_counter()
    Zr = reduce(X.astype(np.float64), 48, 42)
    tree_r = linkage(Zr, method="ward")
    cost_r = time.perf_counter() - t
    for k in ks:
        lab = fcluster(tree_r, k, criterion="maxclust")
        C = unit_means(X, lab)
        sims = X @ C.T
        prim = np.where(sims.max(axis=1) >= 0.20, sims.argmax(axis=1), -1)
        cells = []
        for _name, gold in ds.golds.items():
            keep = [i for i, g in enumerate(gold) if g]
            g = [gold[i] for i in keep]
            sc = clustering_scores([str(prim[i]) for i in keep], [x[0] for x in g])
            sc.update(recovery_means(theme_recovery([{str(prim[i])} - {"-1"} for i in keep], g)))
            cells.append(f"{sc['nmi']:.3f} | {sc['recovery_f1']:.3f}")
        print(f"| Ward on PCA-48, whole responses | {k} | {cost_r:.1f} | " + " | ".join(cells) + " |", flush=True)
    for n, gold in ds.golds.items():  # supervised ceiling: each response to its nearest gold-class centre
        keep = [i for i, g in enumerate(gold) if g]
        y = np.array([gold[i][0] for i in keep])
        classes = np.unique(y)
        C = unit_means(X[keep], np.searchsorted(classes, y))
        prim = classes[np.argmax(X[keep] @ C.T, axis=1)]
        g = [gold[i] for i in keep]
        sc = clustering_scores(list(prim), list(y))
        sc.update(recovery_means(theme_recovery([{p} for p in prim], g)))
        print(f"| nearest gold-class centre (uses the labels: a ceiling) | {len(classes)} | - | {n}: NMI "
              f"{sc['nmi']:.3f}, recovery {sc['recovery_f1']:.3f} |", flush=True)
    for rep, (R, cost) in reps.items():
        t = time.perf_counter()
        tree = linkage(R, method="ward")
        tree_s = time.perf_counter() - t
        for k in ks:
            for alg in ("Ward", "k-means"):
                t = time.perf_counter()
                lab = fcluster(tree, k, criterion="maxclust") if alg == "Ward" else \
                    KMeans(n_clusters=k, n_init=3, random_state=0).fit_predict(R)
                secs = cost + (tree_s if alg == "Ward" else 0) + time.perf_counter() - t
                s = response_scores(corpus, segs, V, unit_means(V, lab), ds.golds)
                print(f"| {alg} on {rep} | {k} | {secs:.1f} | "
                      + " | ".join(f"{s[n]['nmi']:.3f} | {s[n]['recovery_f1']:.3f}" for n in names) + " |",
                      flush=True)


def resample(ds, n_fits: int = 3, share: float = 0.9) -> None:
    """A harder stability test than changing the seed (Ward on exact PCA is deterministic, so
    the seed only matters when there are more sentences than fit_sample): fit the default
    method on different 90% samples of the sentences, label every response, compare (ARI)."""
    from itertools import combinations

    from sklearn.metrics import adjusted_rand_score

    from themes.config import Settings
    from themes.discover.cluster import fit_centroids

    corpus, segs, V = segments_and_vectors(ds.frame)
    st = Settings()
    labels, ks = [], []
    for r in range(n_fits):
        idx = np.sort(np.random.default_rng(100 + r).choice(len(V), int(share * len(V)), replace=False))
        C, info = fit_centroids(V[idx], min_themes=st.min_themes, max_themes=st.max_themes,
                                min_theme_size=st.min_theme_size, fit_sample=st.fit_sample,
                                reduce_dims=st.reduce_dims, merge_similarity=st.merge_similarity, seed=r)
        ks.append(len(C))
        sims = V @ C.T
        pos = np.where(sims.max(axis=1) >= st.min_similarity, sims.argmax(axis=1), -1)
        best = pd.DataFrame({"row": segs.frame["row"].to_numpy(), "pos": pos, "s": sims.max(axis=1)})
        best = best[best["pos"] >= 0].sort_values("s", ascending=False).drop_duplicates("row")
        prim = np.full(len(corpus), -1)
        prim[best["row"].to_numpy()] = best["pos"].to_numpy()
        labels.append(prim)
    aris = [adjusted_rand_score(labels[i], labels[j]) for i, j in combinations(range(n_fits), 2)]
    print(f"| {ds.name} | {', '.join(map(str, ks))} | {np.mean(aris):.2f} (min {np.min(aris):.2f}) |", flush=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default="fft,so,ss,ag")
    ap.add_argument("--methods", default="", help="sets (e.g. fft) on which to compare clustering methods")
    ap.add_argument("--resample", default="", help="sets on which to measure stability across 90%% subsamples")
    args = ap.parse_args(argv)
    for ds in load_sets([s for s in args.sets.split(",") if s]):
        sweep(ds, KS)
    for ds in load_sets([s for s in args.methods.split(",") if s]):
        methods(ds, (30, 43, 86))
    if args.resample:
        print("\n| data set | themes in each fit | mean pairwise ARI of primary themes |\n|---|---|---|")
    for ds in load_sets([s for s in args.resample.split(",") if s]):
        resample(ds)


if __name__ == "__main__":
    sys.exit(main())
