"""Speed and memory of `themes` against the embedding floor and BERTopic, on one machine.

    python benchmarks/speed.py                     # 1,000 / 10,000 / 50,000 responses (the table)
    python benchmarks/speed.py --sizes 500         # a quick look
    python benchmarks/speed.py --million           # + `label` of 1,000,000 short responses

Responses are drawn with replacement (seed 0) from ../shared/data/nhs-fft/fft_v6_tidy.csv. Every
case runs in its own subprocess; its wall time includes start-up and model loading, and its peak
memory is that process's maximum resident set (os.wait4). Cases:
  floor    raw SentenceTransformer.encode of the unique segments `themes` embeds (same model,
           batch size); timed around encode only (model loaded, text segmented beforehand)
  cold     `themes extract` with an empty embedding cache
  warm     `themes extract` again, cache filled
  bertopic BERTopic() defaults, fit_transform on the responses, same embedding model
  label    `themes label` with the model `cold` saved, empty cache
The table is printed and written into the "Speed" section of docs/benchmarks.md.
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

def case_floor(path: str, backend: str) -> dict:
    import pandas as pd

    from themes.config import Settings
    from themes.embed import resolve_model_path
    from themes.ingest import load_corpus
    from themes.segment import segment, spacy_splitter

    settings = Settings()
    corpus = load_corpus(path, text="text", id="id")
    segs = segment(corpus, spacy_splitter(), settings.min_segment_words, settings.max_segment_words)
    texts = pd.unique(pd.Series(segs.texts)).tolist()
    from sentence_transformers import SentenceTransformer

    kw = {"backend": "onnx"} if backend == "onnx" else {}
    model = SentenceTransformer(str(resolve_model_path(settings.model)), device="cpu", local_files_only=True, **kw)
    model.encode(texts[:8], batch_size=settings.batch_size)  # warm-up, not timed
    t = time.perf_counter()
    model.encode(texts, batch_size=settings.batch_size, normalize_embeddings=True, show_progress_bar=False)
    return {"encode_s": time.perf_counter() - t, "segments": len(segs), "unique": len(texts)}


def case_bertopic(path: str) -> dict:
    import pandas as pd
    from bertopic import BERTopic
    from sentence_transformers import SentenceTransformer

    from themes.config import Settings
    from themes.embed import resolve_model_path

    docs = pd.read_csv(path, dtype=str, keep_default_na=False)["text"].tolist()
    model = SentenceTransformer(str(resolve_model_path(Settings().model)), device="cpu", local_files_only=True)
    topics, _ = BERTopic(embedding_model=model).fit_transform(docs)
    return {"topics": len(set(topics))}


# ----- the table

def measure(n: int, work: Path) -> list[dict]:
    src = work / f"r{n}.csv"
    draw(n, src)
    cache = work / f"cache{n}"
    rows = []
    floor = run([PY, __file__, "--case", "floor", str(src)])
    info = json.loads(floor["stdout"])
    base = {"responses": n, "segments": info["segments"], "unique": info["unique"]}
    rows.append({**base, "case": "floor (raw encode)", "seconds": info["encode_s"], "peak_mb": floor["peak_mb"]})
    common = ["--text", "text", "--id", "id", "--by", "trust", "--quiet", "--force"]
    env = {"THEMES_CACHE_DIR": str(cache)}
    shutil.rmtree(cache, ignore_errors=True)
    for name in ("extract cold", "extract warm"):
        r = run(themes_cmd("extract", str(src), *common, "-o", str(work / f"x{n}")), env)
        rows.append({**base, "case": name, "seconds": r["wall_s"], "peak_mb": r["peak_mb"]})
    r = run([PY, __file__, "--case", "bertopic", str(src)])
    rows.append({**base, "case": "BERTopic defaults", "seconds": r["wall_s"], "peak_mb": r["peak_mb"]})
    shutil.rmtree(cache, ignore_errors=True)
    r = run(themes_cmd("label", str(work / f"x{n}" / "model"), str(src), *common, "-o", str(work / f"l{n}")), env)
    rows.append({**base, "case": "label (saved model)", "seconds": r["wall_s"], "peak_mb": r["peak_mb"]})
    shutil.rmtree(cache, ignore_errors=True)
    for row in rows:
        row["x_floor"] = row["seconds"] / info["encode_s"]
        row["per_s"] = n / row["seconds"]
    return rows


def million(work: Path) -> dict:
    model_src = work / "fit.csv"
    draw(2_000, model_src, seed=1)
    env = {"THEMES_CACHE_DIR": str(work / "mcache")}
    run(themes_cmd("extract", str(model_src), "--text", "text", "--id", "id", "--quiet", "--force", "-o",
                   str(work / "mfit")), env)
    src = work / "million.csv"
    draw(1_000_000, src, seed=2, max_words=25)
    r = run(themes_cmd("label", str(work / "mfit" / "model"), str(src), "--text", "text", "--id", "id", "--by",
                       "trust", "--quiet", "--force", "--no-cache", "-o", str(work / "mout")), env)
    return {"responses": 1_000_000, "case": "label 1,000,000 short responses", "seconds": r["wall_s"],
            "peak_mb": r["peak_mb"], "per_s": 1_000_000 / r["wall_s"]}


def help_time() -> float:
    run(themes_cmd("--help"))  # file-system cache warm
    return min(run(themes_cmd("--help"))["wall_s"] for _ in range(3))


def table(rows: list[dict], extra: list[dict], help_s: float, command: str) -> str:
    lines = [f"Machine: {platform.node()} · {platform.machine()} · {os.cpu_count()} CPUs · Python "
             f"{platform.python_version()} · {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
             f"Command: `{command}`", "",
             "| responses | segments (unique) | case | seconds | x floor | responses/s | peak MB |",
             "|---:|---:|---|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['responses']:,} | {r['segments']:,} ({r['unique']:,}) | {r['case']} | {r['seconds']:.1f} "
                     f"| {r['x_floor']:.2f} | {r['per_s']:,.0f} | {r['peak_mb']:,.0f} |")
    for r in extra:
        lines.append(f"| {r['responses']:,} | | {r['case']} | {r['seconds']:.1f} | | {r['per_s']:,.0f} "
                     f"| {r['peak_mb']:,.0f} |")
    lines += ["", f"`themes --help`: {help_s:.2f} s.", "", *checks(rows)]
    return "\n".join(lines) + "\n"


def checks(rows: list[dict]) -> list[str]:
    out = ["Targets (10,000 and 50,000 responses):", ""]
    by = {(r["responses"], r["case"]): r for r in rows}
    for n in sorted({r["responses"] for r in rows}):
        if n < 10_000:
            continue
        f, c, w, b, lab = (by[(n, k)] for k in ("floor (raw encode)", "extract cold", "extract warm",
                                                  "BERTopic defaults", "label (saved model)"))
        out += [f"- {n:,}: cold/floor {c['seconds'] / f['seconds']:.2f} (<= 1.25); warm/cold "
                f"{w['seconds'] / c['seconds']:.0%} (<= 15%); BERTopic/cold {b['seconds'] / c['seconds']:.2f} "
                f"(>= 1.3); label/floor throughput {f['seconds'] / lab['seconds']:.0%} (>= 85%)"]
    return out


def write_section(text: str, path: Path = ROOT / "docs" / "benchmarks.md") -> None:
    """Replace (or add) the '## Speed' section; other sections stay as they are."""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    section = "## Speed\n\n" + text
    lines = doc.splitlines(keepends=True)
    start = next((i for i, l in enumerate(lines) if l.strip() == "## Speed"), None)
    if start is None:
        doc = doc.rstrip("\n") + "\n\n" + section
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        doc = "".join(lines[:start]) + section + ("\n" + "".join(lines[end:]) if end < len(lines) else "")
    path.write_text(doc, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=list(SIZES))
    ap.add_argument("--million", action="store_true", help="also label 1,000,000 short responses")
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("input", nargs="?", help=argparse.SUPPRESS)
    ap.add_argument("--backend", default="torch", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        result = case_floor(args.input, args.backend) if args.case == "floor" else case_bertopic(args.input)
        print(json.dumps(result))
        return
    command = "python benchmarks/speed.py " + " ".join(sys.argv[1:])
    with tempfile.TemporaryDirectory(prefix="themes-speed-") as tmp:
        work = Path(tmp)
        rows = [r for n in args.sizes for r in measure(n, work)]
        extra = [million(work)] if args.million else []
        text = table(rows, extra, help_time(), command.strip())
    print(text)
    if not args.no_write:
        write_section(text)


if __name__ == "__main__":
    main()
