"""Encode batch size on the CPU: seconds and the memory the encode adds, one subprocess per size.

    python benchmarks/batch.py                          # 12,000 distinct answers, sizes 8,16,32,64
    python benchmarks/batch.py --n 3000 --sizes 16,64   # a quick look
    python benchmarks/batch.py --first-sentence         # each answer's first sentence only

The answers are the first --n of speed.py's distinct pool (the FFT comments with duplicates
removed, StackOverflow and SearchSnippets titles and AG News, shuffled, seed 0), encoded whole
the way ``themes`` encodes a segment (SentenceTransformerEmbedder, the packaged model, no cache).
Each size runs in a fresh process: the model is loaded and warmed on 8 texts, then the resident
set is read (base MB) and the n answers are encoded once (s); peak MB is the process's maximum
resident set (getrusage), so "added" is what encoding at that batch size costs on top of the
loaded model. sentence-transformers sorts a call's texts by length and pads each batch to its
longest text, so a larger batch pads more and holds larger attention tensors at once.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from docs_section import machine  # benchmarks/ is the script's folder
from speed import draw_distinct

ROOT = Path(__file__).resolve().parents[1]


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def case(path: str, batch: int, first_sentence: bool) -> dict:
    import pandas as pd

    from themes.embed.models import SentenceTransformerEmbedder

    texts = pd.read_csv(path, dtype=str, keep_default_na=False)["text"].tolist()
    if first_sentence:
        texts = [t.split(". ")[0] for t in texts]
    embedder = SentenceTransformerEmbedder(batch_size=batch)
    embedder.embed(texts[:8])
    base = rss_mb()
    t = time.perf_counter()
    vectors = embedder.embed(texts)
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"batch": batch, "texts": len(texts), "dim": int(vectors.shape[1]), "s": seconds,
            "base_mb": base, "peak_mb": peak}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=12000, help="distinct answers to encode")
    ap.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=[8, 16, 32, 64])
    ap.add_argument("--first-sentence", action="store_true", help="encode each answer's first sentence only")
    ap.add_argument("--case", type=int, help=argparse.SUPPRESS)
    ap.add_argument("input", nargs="?", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(case(args.input, args.case, args.first_sentence)))
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="themes-batch-") as tmp:
        path = Path(tmp) / "answers.csv"
        draw_distinct(args.n, path)
        for size in args.sizes:
            cmd = [sys.executable, __file__, "--case", str(size), str(path)]
            cmd += ["--first-sentence"] if args.first_sentence else []
            out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
            rows.append(json.loads(out.strip().splitlines()[-1]))
            print(f"batch {size}: {rows[-1]['s']:.1f} s, peak {rows[-1]['peak_mb']:,.0f} MB", file=sys.stderr)
    what = "first sentences of" if args.first_sentence else "whole"
    command = " ".join(["python benchmarks/batch.py", *sys.argv[1:]])
    print(f"Machine: {machine()}\nCommand: `{command}`")
    print(f"\n{rows[0]['texts']:,} {what} distinct answers, encoded once per batch size in a fresh process\n")
    print("| batch size | encode s | base MB (model loaded) | peak MB | added MB |\n|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['batch']} | {r['s']:.1f} | {r['base_mb']:,.0f} | {r['peak_mb']:,.0f} | "
              f"{r['peak_mb'] - r['base_mb']:,.0f} |")


if __name__ == "__main__":
    main()
