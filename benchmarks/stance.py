"""Stance per answer against human coders: the FFT comments' coded sentiment.

Each FFT comment that was answered and coded 1-2 (positive) or 4-5 (negative) by the coders is
labelled by ``themes.text.stance.stance_labels`` on its whole text, by this checkout and by an
earlier commit (``--before``, default the commit before the survey cues for leading "Nothing.",
praise phrased as a negation, requests for change and long waits). Printed: the labels against
the coders, agreement on the answers the tool does not call neutral, the share it does not call
neutral, and agreement over all. The coders read the question ("what was good" / "what could
improve") and the tool does not: "Nothing." is neutral here, and the coders rated it 1 or 4 by
the question. Each version runs in a subprocess with its own ``src`` on the path.

    python benchmarks/stance.py [--before REF] [--no-docs]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from docs_section import export_src, machine, write_section

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "nhs-fft" / "fft_v6_tidy.csv"
BEFORE = "e3152ed,02a1024"   # before the first survey cues; before the requests, service words and waits

LABEL = """
import json, sys
from themes.text.stance import stance_labels
texts = json.load(open(sys.argv[1]))
json.dump(stance_labels(texts), open(sys.argv[2], "w"))
"""


def coded() -> tuple[list[str], np.ndarray]:
    d = pd.read_csv(DATA, dtype=str)
    d = d[(d["blank_or_did_not_answer"] == "0") & d["text"].notna()
          & d["sentiment_1pos_5neg"].isin(["1", "2", "4", "5"])]
    gold = np.where(d["sentiment_1pos_5neg"].isin(["1", "2"]), "positive", "negative")
    return d["text"].tolist(), gold


def labels(src: Path, texts: list[str], tmp: Path) -> np.ndarray:
    (tmp / "in.json").write_text(json.dumps(texts))
    env = {"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", LABEL, str(tmp / "in.json"), str(tmp / "out.json")], check=True, env=env)
    return np.array(json.loads((tmp / "out.json").read_text()))


def figures(lab: np.ndarray, gold: np.ndarray) -> dict:
    said = lab != "neutral"
    odd = np.arange(len(lab)) % 2 == 1   # the half not read while writing the cues of 02a1024..
    return {"agree_said": float((lab[said] == gold[said]).mean()), "said": float(said.mean()),
            "agree_said_odd": float((lab[said & odd] == gold[said & odd]).mean()),
            "agree_all": float((lab == gold).mean()),
            "table": {f"{t} / coders {g}": int(((lab == t) & (gold == g)).sum())
                      for t in ("positive", "neutral", "negative") for g in ("positive", "negative")}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default=BEFORE)
    ap.add_argument("--no-docs", action="store_true")
    args = ap.parse_args()
    texts, gold = coded()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sides = [(f"before ({ref})", export_src(ref, tmp / f"before-{ref}")) for ref in args.before.split(",")]
        for name, src in sides + [("after", ROOT / "src")]:
            f = figures(labels(src, texts, tmp), gold)
            rows.append(f"| {name} | {f['agree_said']:.3f} | {f['agree_said_odd']:.3f} | {f['said']:.3f} | {f['agree_all']:.3f} | "
                        + " | ".join(str(v) for v in f["table"].values()) + " |")
            print(rows[-1], flush=True)
    head = ("| Version | Agreement (not neutral) | same, odd rows | Not neutral | Agreement (all) | "
            + " | ".join(f"{t} / coders {g}" for t in ("positive", "neutral", "negative") for g in ("pos", "neg")) + " |")
    table = "\n".join([head, "|" + "---|" * (5 + 6)] + rows)
    print("\n" + table)
    if not args.no_docs:
        write_section(ROOT / "docs" / "benchmarks.md", "Stance", "\n".join([
            f"`python benchmarks/stance.py` ({len(texts):,} FFT comments the coders rated 1-2 or 4-5; "
            f"before = {args.before}), {machine()}.", "", table, "",
            "The cues added after 02a1024 (requests that open a sentence, service words VADER lacks, short and long "
            "waits) were written while reading the tool's errors on the even rows only; the odd rows are the held-out "
            "half.", "",
            "The coders read the question (\"what was good\" / \"what could improve\"); the tool does not, "
            "so \"Nothing.\" (rated 1 or 4 by its question) stays neutral."]))


if __name__ == "__main__":
    main()
