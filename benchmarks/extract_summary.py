"""Issue 2's figures: `themes extract` on the example corpus and on the FFT comments, beside
BERTopic's defaults on the same embeddings.

    .venv/bin/python benchmarks/extract_summary.py

For each data set: number of themes, % of substantive responses unassigned, wall time, and the
NMI of each response's primary theme against the first gold label (responses without a theme
count as one "none" cluster; for BERTopic, the outlier topic -1 is that cluster).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import normalized_mutual_info_score

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
if not SHARED.exists():
    SHARED = Path("/work/shared/data")


def datasets():
    board = pd.read_csv(ROOT / "corpora" / "board_survey.csv", dtype=str, keep_default_na=False)
    gold = pd.read_csv(ROOT / "corpora" / "board_survey_gold.csv", dtype=str, keep_default_na=False)
    board["gold"] = gold["themes"].str.split(";").str[0]
    yield ("example corpus (board survey)", board, dict(text="answer", id="response_id", by=["role", "trust_type"],
                                                        question="question"))
    fft = pd.read_csv(SHARED / "nhs-fft" / "fft_v6_tidy.csv", dtype=str, keep_default_na=False)
    fft = fft[(fft["blank_or_did_not_answer"] == "0") & (fft["text"].str.strip() != "")].reset_index(drop=True)
    fft["gold"] = fft["labels"].str.split(";").str[0]
    yield ("FFT comments (text rows)", fft, dict(text="text", id="comment_id", by=["trust", "service_type_1"]))


def nmi(gold: pd.Series, pred: pd.Series) -> float:
    keep = gold != ""
    return float(normalized_mutual_info_score(gold[keep], pred[keep]))


def run_themes(frame, cols, cache):
    import themes

    t = time.perf_counter()
    res = themes.extract(frame, seed=42, cache_dir=cache, **cols)
    wall = time.perf_counter() - t
    r = res.responses
    substantive = r["status"] != "no_content"
    unassigned = 100 * (r.loc[substantive, "status"] == "unassigned").mean()
    pred = r["primary_theme_id"].astype("string").fillna("none")
    return {"themes": len(res.themes), "unassigned %": unassigned, "wall s": wall,
            "NMI": nmi(frame["gold"], pred), "multi-theme %": 100 * (r.loc[substantive, "theme_ids"].str.count(";") >= 1).mean()}


def run_bertopic(frame, cols, cache):
    from bertopic import BERTopic
    from umap import UMAP

    import themes.embed.models as E
    from themes.io.answers import is_non_answer

    docs = frame[cols["text"]].tolist()
    keep = np.array([not is_non_answer(d) for d in docs])
    emb = E.SentenceTransformerEmbedder()
    cache_obj = E.EmbeddingCache(Path(cache), f"{emb.name}@{emb.version}", emb.dimension)
    vecs = E.embed_texts([d for d, k in zip(docs, keep) if k], emb, cache_obj)
    t = time.perf_counter()
    model = BERTopic(umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=42))
    topics, _ = model.fit_transform([d for d, k in zip(docs, keep) if k], vecs)
    wall = time.perf_counter() - t
    topics = np.asarray(topics)
    pred = pd.Series(["none"] * len(docs), dtype="string")
    pred[keep] = topics.astype(str)
    pred[keep & (pred == "-1")] = "none"
    return {"themes": int(len(set(topics) - {-1})), "unassigned %": 100 * float((topics == -1).mean()),
            "wall s": wall, "NMI": nmi(frame["gold"], pred), "multi-theme %": 0.0}


def main() -> None:
    from themes.config import default_cache_dir

    cache = str(default_cache_dir())
    rows = []
    for name, frame, cols in datasets():
        for method, fn in (("themes (defaults)", run_themes), ("BERTopic defaults, same embeddings", run_bertopic)):
            out = fn(frame, cols, cache)
            rows.append({"data": name, "n": len(frame), "method": method, **out})
            print(rows[-1], file=sys.stderr, flush=True)
    print(markdown_table(pd.DataFrame(rows)))


def markdown_table(frame: pd.DataFrame) -> str:
    def fmt(v):
        return f"{v:.3f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
