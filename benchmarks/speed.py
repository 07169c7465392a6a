"""Speed and memory of `themes` against the embedding floor and BERTopic, on one machine.

    python benchmarks/speed.py                     # 1,000 / 10,000 / 50,000 responses (the table)
    python benchmarks/speed.py --sizes 500         # a quick look
    python benchmarks/speed.py --million           # + `label` of 1,000,000 short responses
    python benchmarks/speed.py --data distinct --sizes 10000,50000 --cases memory
                                                   # distinct text: floor, cold and warm extract only
    python benchmarks/speed.py --fit-only 200000   # the clustering step alone on synthetic vectors
    python benchmarks/speed.py --data distinct --sizes 50000,200000 --cases peak
                                                   # one cold extract each: peak memory ("Memory at scale")

--data fft (default): responses drawn with replacement (seed 0) from
../shared/data/nhs-fft/fft_v6_tidy.csv; they repeat a lot, which flatters every figure.
--data distinct: distinct answers, no repeats: the FFT comments (both files) with duplicates
removed, StackOverflow and SearchSnippets titles and AG News, shuffled (seed 0), about 55,000 in
all (the shared data hold no more distinct text than that); past that, pairs of two different
answers joined into one response, each pair once. Every
case runs in its own subprocess; its wall time includes start-up and model loading, and its peak
memory is that process's maximum resident set (os.wait4). Cases:
  floor    raw SentenceTransformer.encode of the same segments `themes` makes (same model, batch
           size), every segment as a plain encode call gets them; timed around encode only (model
           loaded, text segmented beforehand). Also reported: the encode of the distinct segments
           only, which is what `themes` itself embeds (it embeds each distinct text once), so the
           "x distinct" column shows the cost of everything but the model
  cold     `themes extract` with an empty embedding cache
  warm     `themes extract` again, cache filled
  bertopic BERTopic() defaults, fit_transform on the responses, same embedding model
  label    `themes label` with the model `cold` saved, empty cache
  onnx     the floor and `extract`/`label` with --backend onnx (fp32), and the raw encode of an
           int8-quantised export (not offered: see the agreement line), with the share of responses
           whose primary theme matches the torch backend's `label`
The table is printed and written into the "Speed" section of docs/benchmarks.md (--data distinct:
the "Memory" section). Under it, the stages of each cold extract from its run.json (start-up and
model loading are the rest of the wall time).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from docs_section import write_section  # benchmarks/ is the script's folder

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
SIZES = (1_000, 10_000, 50_000)


def data_dir() -> Path:
    here = ROOT.parent / "shared" / "data"
    return here if here.is_dir() else Path("/work/shared/data")


def draw(n: int, path: Path, seed: int = 0, max_words: int | None = None) -> None:
    import numpy as np
    import pandas as pd

    src = pd.read_csv(data_dir() / "nhs-fft" / "fft_v6_tidy.csv", dtype=str, keep_default_na=False)
    src = src[src["text"].str.strip() != ""]
    if max_words:
        src = src[src["text"].str.split().str.len() <= max_words]
    idx = np.random.default_rng(seed).integers(0, len(src), n)
    out = pd.DataFrame({"id": [f"r{i + 1}" for i in range(n)], "trust": src["trust"].to_numpy()[idx],
                        "text": src["text"].to_numpy()[idx]})
    out.to_csv(path, index=False)


def draw_distinct(n: int, path: Path, seed: int = 0) -> None:
    import numpy as np
    import pandas as pd

    d = data_dir()
    texts = [pd.read_csv(d / "nhs-fft" / "fft_v6_tidy.csv", dtype=str, keep_default_na=False)["text"],
             pd.read_csv(d / "nhs-fft" / "phase1_text_data.csv", dtype=str, keep_default_na=False)["feedback"]]
    texts += [pd.read_csv(d / "short-text" / f, dtype=str, keep_default_na=False)["text"]
              for f in ("stackoverflow.csv", "searchsnippets.csv", "agnews_8000.csv")]
    pool = pd.concat(texts, ignore_index=True).str.strip()
    pool = pool[pool.str.split().str.len() >= 2].drop_duplicates().to_numpy()
    rng = np.random.default_rng(seed)
    texts = pool[rng.permutation(len(pool))[:n]].tolist()
    seen = set(texts)
    while len(texts) < n:   # past the pool: two different answers joined, each pair once (distinct text)
        a, b = rng.integers(len(pool), size=2)
        joined = f"{pool[a].rstrip('.!? ')}. {pool[b]}"
        if a != b and joined not in seen:
            seen.add(joined)
            texts.append(joined)
    pd.DataFrame({"id": [f"r{i + 1}" for i in range(n)], "trust": [f"g{i % 7}" for i in range(n)],
                  "text": texts}).to_csv(path, index=False)


def run(cmd: list[str], env: dict | None = None) -> dict:
    """Run one case in a subprocess: wall seconds and that process's peak RSS (MB)."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=ROOT)
    out, err = b"", b""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"case failed ({' '.join(cmd)}):\n{err.decode()[-3000:]}")
    return {"wall_s": wall, "peak_mb": usage.ru_maxrss / 1024, "stdout": out.decode()}


def themes_cmd(*args: str) -> list[str]:
    return [PY, "-m", "themes.cli", *args]


# ----- cases that run inside their own subprocess (python speed.py --case NAME INPUT)

def case_floor(path: str, backend: str, cache: str) -> dict:
    import pandas as pd

    from themes.config import Settings
    from themes.embed.device import batch_for
    from themes.embed.models import resolve_model_path
    from themes.io.corpus import load_corpus
    from themes.text.segment import segment, spacy_splitter

    settings = Settings()
    corpus = load_corpus(path, text="text", id="id")
    segs = segment(corpus, spacy_splitter(), settings.min_segment_words, settings.max_segment_words)
    distinct = pd.unique(pd.Series(segs.texts)).tolist()
    from sentence_transformers import SentenceTransformer

    if backend == "torch":
        model = SentenceTransformer(str(resolve_model_path(settings.model)), device="cpu", local_files_only=True)
        encode = lambda x: model.encode(x, batch_size=batch_for(settings.batch_size, "cpu"), normalize_embeddings=True,  # noqa: E731
                                        show_progress_bar=False)
    else:  # themes' own ONNX export (sentence-transformers' ONNX backend cannot be installed alongside)
        from themes.embed.onnx import OnnxEmbedder

        encode = OnnxEmbedder(settings.model, batch_for(settings.batch_size, "cpu"), cache, quantize=backend == "onnx-int8").embed
    encode(distinct[:8])  # warm-up (and the one-off ONNX export), not timed
    t = time.perf_counter()
    encode(distinct)
    out = {"distinct_s": time.perf_counter() - t, "segments": len(segs), "unique": len(distinct)}
    if backend == "torch":  # the floor proper: every segment, repeats included
        t = time.perf_counter()
        encode(segs.texts)
        out["encode_s"] = time.perf_counter() - t
    return out


def case_fit(n: int, kind: str = "matrix") -> dict:
    """The clustering step alone (fit_centroids, default settings) on n distinct synthetic unit
    vectors: 60 directions in 384 dimensions with noise, seed 0. ``kind`` "segments": as extract
    hands them over (themes.types.SegmentVectors), the distinct vectors and each of 3.6 x n
    segments' row (every row once, in order, then repeats: 200,000 answers gave 386,181
    segments of 107,945 distinct texts)."""
    import numpy as np

    from themes.discover.cluster import fit_centroids

    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 384), dtype=np.float32)[rng.integers(0, 60, n)]
    for s in range(0, n, 10_000):  # in blocks: the vectors are the only large array
        X[s:s + 10_000] += 1.2 * rng.standard_normal((len(X[s:s + 10_000]), 384), dtype=np.float32)
        X[s:s + 10_000] /= np.linalg.norm(X[s:s + 10_000], axis=1, keepdims=True)
    if kind == "segments":
        from themes.types import SegmentVectors

        X = SegmentVectors(X, np.r_[np.arange(n), rng.integers(0, n, int(2.6 * n))])
    t = time.perf_counter()
    cents, info = fit_centroids(X)
    return {"fit_s": time.perf_counter() - t, "themes": len(cents), "n_fit": info["n_fit"]}


def fit_only(sizes: list[int], before: str | None) -> str:
    """Peak RSS and seconds of the clustering step alone, this checkout and (``before``) another."""
    lines = ["| checkout | vectors as | distinct vectors | sentences fitted on | themes | fit s | peak MB |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for label, src in ([("before (" + before + ")", before)] if before else []) + [("this", str(ROOT / "src"))]:
        for kind in ("matrix", "segments"):
            for n in sizes:
                r = run([PY, __file__, "--case", "fit", "--n", str(n), "--kind", kind], {"PYTHONPATH": src})
                out = json.loads(r["stdout"])
                lines.append(f"| {label} | {kind} | {n:,} | {out['n_fit']:,} | {out['themes']} | {out['fit_s']:.1f} "
                             f"| {r['peak_mb']:,.0f} |")
    return "\n".join(lines) + "\n"


def case_agreement(model: str, path: str, reference: str, cache: str) -> dict:
    """int8 ONNX: primary theme agreement with the torch backend's responses.csv."""
    import pandas as pd

    from themes.embed.onnx import OnnxEmbedder
    from themes.pipeline import label

    ref = pd.read_csv(reference, dtype=str, keep_default_na=False)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    res = label(model, frame, text="text", id="id", embedder=OnnxEmbedder(cache_dir=cache, quantize=True),
                cache_dir=cache)
    return {"agree": agreement(ref, res.responses.astype({"primary_theme_id": str}).replace("<NA>", ""))}


def agreement(a, b) -> float:
    """Share of responses with content whose primary theme is the same in both tables."""
    keep = a["status"].to_numpy() != "no_content"
    return float((a["primary_theme_id"].to_numpy() == b["primary_theme_id"].to_numpy())[keep].mean())


def case_bertopic(path: str) -> dict:
    import pandas as pd
    from bertopic import BERTopic
    from sentence_transformers import SentenceTransformer

    from themes.config import Settings
    from themes.embed.models import resolve_model_path

    docs = pd.read_csv(path, dtype=str, keep_default_na=False)["text"].tolist()
    model = SentenceTransformer(str(resolve_model_path(Settings().model)), device="cpu", local_files_only=True)
    topics, _ = BERTopic(embedding_model=model).fit_transform(docs)
    return {"topics": len(set(topics))}


# ----- the table

def clear(cache: Path) -> None:
    """Empty the embedding, text and tree caches (the one-off ONNX export stays)."""
    for folder in [*cache.glob("emb-*"), *cache.glob("txt-*"), *cache.glob("trees")]:
        shutil.rmtree(folder, ignore_errors=True)


def measure(n: int, work: Path, data: str = "fft", cases: str = "all") -> list[dict]:
    src = work / f"r{n}.csv"
    (draw_distinct if data == "distinct" else draw)(n, src)
    cache = work / "cache"
    env = {"THEMES_CACHE_DIR": str(cache)}
    rows: list[dict] = []

    def add(case, seconds, peak_mb, agree=None):
        rows.append({**base, "case": case, "seconds": seconds, "peak_mb": peak_mb, "agree": agree})

    floors = {}
    for backend in ("torch", "onnx", "onnx-int8")[:1 if cases == "memory" else 3]:
        r = run([PY, __file__, "--case", "floor", "--backend", backend, "--cache", str(cache), str(src)])
        floors[backend] = {**json.loads(r["stdout"]), "peak_mb": r["peak_mb"]}
    info = floors["torch"]
    base = {"responses": n, "segments": info["segments"], "unique": info["unique"]}
    add("floor (raw encode)", info["encode_s"], info["peak_mb"])
    add("raw encode, distinct segments only", info["distinct_s"], info["peak_mb"])
    common = ["--text", "text", "--id", "id", "--by", "trust", "--quiet", "--force"]
    clear(cache)
    for name in ("extract cold", "extract warm, tree refitted", "extract warm"):
        if name == "extract warm, tree refitted":  # vectors and sentence splits cached, Ward's tree not
            shutil.rmtree(cache / "trees", ignore_errors=True)
        r = run(themes_cmd("extract", str(src), *common, "-o", str(work / f"x{n}")), env)
        add(name, r["wall_s"], r["peak_mb"])
        if name == "extract cold":
            run_json = json.loads((work / f"x{n}" / "run.json").read_text())
            rows[-1]["stages"] = run_json.get("timings", {})
            rows[-1]["fit"] = run_json.get("fit", run_json.get("fit_info", {}))
    if cases == "memory":
        clear(cache)
        return finish(rows, info, n)
    r = run([PY, __file__, "--case", "bertopic", str(src)])
    add("BERTopic defaults", r["wall_s"], r["peak_mb"])
    clear(cache)
    model = str(work / f"x{n}" / "model")
    r = run(themes_cmd("label", model, str(src), *common, "-o", str(work / f"l{n}")), env)
    add("label (saved model)", r["wall_s"], r["peak_mb"])
    ref = read(work / f"l{n}" / "responses.csv")
    for backend in ("onnx", "onnx-int8"):
        add(f"raw encode, distinct segments, ONNX {backend[5:] or 'fp32'}", floors[backend]["distinct_s"],
            floors[backend]["peak_mb"])
    clear(cache)
    r = run(themes_cmd("extract", str(src), *common, "--backend", "onnx", "-o", str(work / f"xo{n}")), env)
    add("extract cold --backend onnx", r["wall_s"], r["peak_mb"])
    clear(cache)
    r = run(themes_cmd("label", model, str(src), *common, "--backend", "onnx", "-o", str(work / f"lo{n}")), env)
    add("label --backend onnx", r["wall_s"], r["peak_mb"], agreement(ref, read(work / f"lo{n}" / "responses.csv")))
    clear(cache)
    r = run([PY, __file__, "--case", "agree-int8", "--cache", str(cache), "--model", model,
             "--reference", str(work / f"l{n}" / "responses.csv"), str(src)])
    add("label, ONNX int8 (not offered)", r["wall_s"], r["peak_mb"], json.loads(r["stdout"])["agree"])
    clear(cache)
    return finish(rows, info, n)


def finish(rows: list[dict], info: dict, n: int) -> list[dict]:
    for row in rows:
        row["x_floor"] = row["seconds"] / info["encode_s"]
        row["x_distinct"] = row["seconds"] / info["distinct_s"]
        row["per_s"] = n / row["seconds"]
    return rows


def read(path: Path):
    import pandas as pd

    return pd.read_csv(path, dtype=str, keep_default_na=False)


def million(work: Path) -> dict:
    import pandas as pd

    model_src = work / "fit.csv"
    draw(2_000, model_src, seed=1)
    env = {"THEMES_CACHE_DIR": str(work / "mcache")}
    run(themes_cmd("extract", str(model_src), "--text", "text", "--id", "id", "--quiet", "--force", "-o",
                   str(work / "mfit")), env)
    src = work / "million.csv"
    draw(1_000_000, src, seed=2, max_words=25)
    r = run(themes_cmd("label", str(work / "mfit" / "model"), str(src), "--text", "text", "--id", "id", "--by",
                       "trust", "--quiet", "--force", "-o", str(work / "mout")), env)
    rows = sum(len(b) for b in pd.read_csv(work / "mout" / "responses.csv", usecols=[0], chunksize=100_000, dtype=str))
    if rows != 1_000_000:
        raise SystemExit(f"label of the million wrote {rows:,} response rows, not 1,000,000")
    return {"responses": 1_000_000, "case": "label 1,000,000 short responses (streamed, cache on)",
            "seconds": r["wall_s"],
            "peak_mb": r["peak_mb"], "per_s": 1_000_000 / r["wall_s"]}


def peak(n: int, work: Path, backend: str = "torch") -> dict:
    """--cases peak: one cold extract of n distinct responses (--data distinct), its peak memory
    (``backend``: the embedding backend, --peak-backend)."""
    src = work / f"p{n}.csv"
    draw_distinct(n, src)
    cache = work / f"pcache{n}"
    r = run(themes_cmd("extract", str(src), "--text", "text", "--id", "id", "--by", "trust", "--quiet", "--force",
                       "-o", str(work / f"p{n}"), *(("--backend", backend) if backend != "torch" else ())),
            {"THEMES_CACHE_DIR": str(cache)})
    run_json = json.loads((work / f"p{n}" / "run.json").read_text())
    segments = sum(len(b) for b in read_chunks(work / f"p{n}" / "segments.csv"))
    fit = [v for v in (run_json.get("fit") or {}).values() if isinstance(v, dict) and "n_fit" in v]
    shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(work / f"p{n}", ignore_errors=True)
    return {"responses": n, "segments": segments, "distinct": sum(v["n_fit"] for v in fit),
            "leaves": sum(v.get("tree_leaves", 0) for v in fit), "seconds": r["wall_s"], "peak_mb": r["peak_mb"],
            "stages": run_json.get("timings", {})}


def read_chunks(path: Path):
    import pandas as pd

    return pd.read_csv(path, usecols=[0], chunksize=200_000, dtype=str)


def peak_table(rows: list[dict], command: str) -> str:
    lines = [f"Machine: {platform.node()} · {platform.machine()} · {os.cpu_count()} CPUs · Python "
             f"{platform.python_version()} · {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
             f"Command: `{command}`", "",
             "| responses | segments | distinct sentences fitted | tree leaves | cold extract s | peak MB | "
             "< 1,500 MB |", "|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {r['responses']:,} | {r['segments']:,} | {r['distinct']:,} | {r['leaves']:,} | "
                     f"{r['seconds']:.0f} | {r['peak_mb']:,.0f} | {'yes' if r['peak_mb'] < 1500 else 'NO'} |")
    lines += ["", "Stages (run.json timings, s): " + "; ".join(
        f"{r['responses']:,}: " + ", ".join(f"{k[:-2]} {v:.0f}" for k, v in r["stages"].items() if k.endswith("_s"))
        for r in rows), "",
        "Peak resident MB once each stage is done (run.json timings, *_peak_mb; the last column above also counts "
        "writing the folder): " + "; ".join(
            f"{r['responses']:,}: " + ", ".join(f"{k[:-8]} {v:,.0f}" for k, v in r["stages"].items()
                                                if k.endswith("_peak_mb")) for r in rows), "",
        "Responses are distinct text (`--data distinct`): the pool of about 55,000 distinct answers first, then "
        "pairs of two different pool answers joined into one response, each pair once. Past the pool the "
        "responses are distinct but their sentences repeat, so the distinct sentences embedded and fitted grow "
        "more slowly than the responses; what grows with the responses is segmenting, assignment, the tables "
        "and the files."]
    return "\n".join(lines) + "\n"


def help_time() -> float:
    run(themes_cmd("--help"))  # file-system cache warm
    return min(run(themes_cmd("--help"))["wall_s"] for _ in range(3))


def table(rows: list[dict], extra: list[dict], help_s: float, command: str) -> str:
    lines = [f"Machine: {platform.node()} · {platform.machine()} · {os.cpu_count()} CPUs · Python "
             f"{platform.python_version()} · {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
             f"Command: `{command}`", "",
             "| responses | segments (distinct) | case | seconds | x floor | x distinct | responses/s | peak MB "
             "| agrees with torch |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        agree = f"{r['agree']:.1%}" if r.get("agree") is not None else ""
        lines.append(f"| {r['responses']:,} | {r['segments']:,} ({r['unique']:,}) | {r['case']} | {r['seconds']:.1f} "
                     f"| {r['x_floor']:.2f} | {r['x_distinct']:.2f} | {r['per_s']:,.0f} | {r['peak_mb']:,.0f} | {agree} |")
    for r in extra:
        lines.append(f"| {r['responses']:,} | | {r['case']} | {r['seconds']:.1f} | | | {r['per_s']:,.0f} "
                     f"| {r['peak_mb']:,.0f} | |")
    lines += ["", "Stages of each cold extract (run.json timings; start-up is the wall time outside the pipeline: "
              "interpreter, imports, reading the file; \"other\" is assignment, quotes, tables and the 2-D map; "
              "writing the folder comes after the pipeline and is in start-up):", ""]
    for r in rows:
        st = r.get("stages")
        if not st:
            continue
        known = {k: v for k, v in st.items() if k.endswith("_s") and k != "total_s"}   # not the *_peak_mb
        other = st.get("total_s", 0) - sum(known.values())
        parts = [f"start-up and writing {r['seconds'] - st.get('total_s', 0):.1f} s"]
        parts += [f"{k[:-2]} {v:.1f} s" for k, v in known.items()] + [f"other {other:.1f} s"]
        fit = r.get("fit") or {}
        fitted = [f"{v.get('n_fit', 0):,} distinct sentences -> {v.get('tree_leaves', 0):,} tree leaves"
                  for v in fit.values() if isinstance(v, dict)]
        lines.append(f"- {r['responses']:,}: " + ", ".join(parts) + (f" ({'; '.join(fitted)})" if fitted else ""))
    lines += ["", f"`themes --help`: {help_s:.2f} s.", "",
              "Reading it: the floor encodes every segment, as a plain `model.encode(segments)` call would. "
              "`themes` embeds each distinct text once, so on answers drawn with replacement from the 6,205 FFT "
              "comments its embedding cost follows the distinct segments (\"x distinct\" compares with the encode "
              "of those alone). Cold runs start with empty embedding and text caches and include loading the "
              "models. Warm runs read vectors, sentence splits, name phrases, keyword terms and Ward's tree from "
              "the cache (the tree is keyed by the exact fit vectors, so a rerun with another --n-themes reuses "
              "it too) and still choose K, form and name the themes, assign, pick quotes, tabulate, find "
              "sub-groups and write every file; \"tree refitted\" is the same run without the cached tree. "
              "BERTopic embeds every response (its default does not deduplicate).", "", *checks(rows)]
    return "\n".join(lines) + "\n"


def checks(rows: list[dict]) -> list[str]:
    out = ["Targets (10,000 and 50,000 responses):", ""]
    by = {(r["responses"], r["case"]): r for r in rows}

    def mark(ok: bool) -> str:
        return "yes" if ok else "NO"

    for n in sorted({r["responses"] for r in rows}):
        if n < 10_000:
            continue
        if (n, "BERTopic defaults") not in by:  # --cases memory: floor, cold, warm and memory only
            c, d = by[(n, "extract cold")], by[(n, "raw encode, distinct segments only")]["seconds"]
            out += [f"- {n:,}: cold / encode of the distinct segments {c['seconds'] / d:.2f} (<= 1.25: "
                    f"{mark(c['seconds'] / d <= 1.25)}); cold extract peak {c['peak_mb']:,.0f} MB (< 1,500 MB: "
                    f"{mark(c['peak_mb'] < 1500)})"]
            continue
        f, c, w, b, lab = (by[(n, k)]["seconds"] for k in ("floor (raw encode)", "extract cold", "extract warm",
                                                             "BERTopic defaults", "label (saved model)"))
        d = by[(n, "raw encode, distinct segments only")]["seconds"]
        wt = by[(n, "extract warm, tree refitted")]["seconds"]
        out += [f"- {n:,}: cold/floor {c / f:.2f} (<= 1.25: {mark(c / f <= 1.25)}; cold / encode of the distinct "
                f"segments alone {c / d:.2f}); warm/cold {w / c:.1%} (<= 15%: {mark(w / c <= 0.15)}; with Ward's "
                f"tree refitted {wt / c:.1%}); BERTopic/cold {b / c:.2f} (>= 1.3: {mark(b / c >= 1.3)}); "
                f"label/floor throughput {f / lab:.0%} (>= 85%: {mark(f / lab >= 0.85)})"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=list(SIZES))
    ap.add_argument("--million", action="store_true", help="also label 1,000,000 short responses")
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    ap.add_argument("--data", choices=("fft", "distinct"), default="fft",
                    help="fft: draws with replacement from the FFT comments; distinct: distinct answers only")
    ap.add_argument("--cases", choices=("all", "memory", "peak"), default="all",
                    help="memory: only the floor and the torch extract runs (no BERTopic, ONNX or label)")
    ap.add_argument("--peak-backend", choices=("torch", "onnx"), default="torch",
                    help="with --cases peak: the embedding backend of the measured extracts")
    ap.add_argument("--fit-only", type=lambda s: [int(x) for x in s.split(",")],
                    help="time the clustering step alone on this many synthetic distinct vectors")
    ap.add_argument("--before", help="with --fit-only: another checkout's src/ to measure first")
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    ap.add_argument("input", nargs="?", help=argparse.SUPPRESS)
    for hidden in ("--backend", "--cache", "--model", "--reference", "--kind"):
        ap.add_argument(hidden, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        cases = {"floor": lambda: case_floor(args.input, args.backend or "torch", args.cache),
                 "bertopic": lambda: case_bertopic(args.input),
                 "fit": lambda: case_fit(args.n, args.kind or "matrix"),
                 "agree-int8": lambda: case_agreement(args.model, args.input, args.reference, args.cache)}
        print(json.dumps(cases[args.case]()))
        return
    command = "python benchmarks/speed.py " + " ".join(sys.argv[1:])
    if args.fit_only:
        text = (f"Machine: {platform.node()} · {platform.machine()} · {os.cpu_count()} CPUs · "
                f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\nCommand: `{command.strip()}`\n\n"
                + fit_only(args.fit_only, args.before))
        print(text)
        if not args.no_write:
            write_section(ROOT / "docs" / "benchmarks.md", "Clustering memory", text)
        return
    if args.cases == "peak":
        with tempfile.TemporaryDirectory(prefix="themes-speed-") as tmp:
            text = peak_table([peak(n, Path(tmp), args.peak_backend) for n in args.sizes], command.strip())
        print(text)
        if not args.no_write:
            write_section(ROOT / "docs" / "benchmarks.md", "Memory at scale", text)
        return
    with tempfile.TemporaryDirectory(prefix="themes-speed-") as tmp:
        work = Path(tmp)
        rows = [r for n in args.sizes for r in measure(n, work, args.data, args.cases)]
        extra = [million(work)] if args.million else []
        text = table(rows, extra, help_time(), command.strip())
    print(text)
    if not args.no_write:
        write_section(ROOT / "docs" / "benchmarks.md", "Memory" if args.data == "distinct" else "Speed", text)


if __name__ == "__main__":
    main()
