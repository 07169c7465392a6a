"""Coding benchmark: `themes label CODEBOOK` against human codes, before (another git ref) and after
(this checkout), in one run.

Data (read in place, never copied): the NHS Friends and Family Test comments with the
pxtextmining v6 codes (../shared/data/nhs-fft, split by respondent exactly as
benchmarks/labelling.py does; 36 scored sub-categories) and the board survey
(corpora/board_survey.csv with corpora/board_survey_gold.csv; three questions, 11 codes;
tests/data/handcoded_sample.csv is a second coder on 60 answers).

Codebooks, built the same way for both sides:
- FFT "definitions": the 31 names and definitions of framework_definitions.qmd (no examples);
- FFT "definitions + document examples": the same with the example comments the framework
  document lists under each definition (a codebook as published, still no training data);
- FFT "N examples": all 36 scored codes, the definition where the document has one under the
  same name, and N training comments per code (N = 3, 10);
- board survey: each code's name and a one-line description written from it, and up to 3
  example answers per code from the training half (seeded, by respondent-free row split).
`themes train` on the FFT training rows (3 and 10 per code, and all; each also with
`--codebook` of the published definitions and document examples, and on that codebook alone;
10 per code also with `--fine-tune`, where that side has it) and TF-IDF + LinearSVC run too.

`label CODEBOOK` on the FFT rows is given the question each comment answers (`--question`, as an
analyst would label the export: "How could we improve?", "What was good?", ...), on both sides;
the `train` rows are not (with it, `train` fits one classifier per question).

Scores per method: micro- and macro-F1 over the scored codes, exact agreement (the set of codes
equals the human set) and primary-in-set (the tool's primary code is among the human ones),
over every test row with a human code; for the board survey also per question.

    python benchmarks/coding.py                 # before = main, after = this checkout
    python benchmarks/coding.py --before REF    # another git ref as "before"
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SEED = 20240601
BOARD_TEST_SHARE = 0.5
BOARD_DESCRIPTIONS = {
    "accountability": "Holding the board and leaders to account for race equality, with consequences.",
    "external_challenge": "External reviews, consultants or peers who challenge the board from outside.",
    "resources_fit": "Whether resources, funding and support fit the trust's needs.",
    "staff_networks": "Staff networks, such as the BME network, and listening to their members.",
    "data_targets": "Data, measures, targets and reporting such as WRES figures.",
    "board_diversity": "The diversity of the board itself and who sits on it.",
    "training_mentoring": "Training, mentoring, reverse mentoring and development programmes.",
    "pace_capacity": "The pace of change and the time and capacity to work on it.",
    "tokenism": "Tokenism, box-ticking and gestures without real change.",
    "health_inequalities": "Health inequalities among patients and communities.",
    "leadership": "Leadership commitment and visible leadership from the top.",
}


# ---------------------------------------------------------------- data and codebooks

def fft_data():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import labelling as L

    d = L.load()
    cats = L.categories(d)
    train, test = L.split(d)
    return L, cats, train, test


def document_examples(path: Path, names: set[str]) -> dict[str, list[str]]:
    text = path.read_text(encoding="utf-8")
    out = {}
    for m in re.finditer(r"^### (.+?)\n(.*?)(?=^:::|^### |\Z)", text, flags=re.S | re.M):
        name = m.group(1).strip()
        parts = re.split(r"^\s*Examples?:", m.group(2), flags=re.M)
        if name in names and len(parts) > 1:
            out[name] = [e.strip() for e in re.findall(r"[‘'](.+?)[’'](?:,|\s*$)", parts[1], flags=re.M)
                         if e.strip()]
    return out


def fft_codebooks(L, cats, train) -> dict[str, list[dict]]:
    path = L.data_dir() / "nhs-fft" / "framework_definitions.qmd"
    base = L.framework_codebook(path)
    defs = {t.name: t.description for t in base.themes}
    ex = document_examples(path, set(defs))
    books = {"definitions": [dict(name=n, description=d) for n, d in defs.items()],
             "definitions + document examples": [dict(name=n, description=d, examples=ex.get(n, []))
                                                 for n, d in defs.items()]}
    for n in (3, 10):
        rng = np.random.default_rng(SEED + n)
        book = []
        for c in cats:
            idx = np.flatnonzero([c in s for s in train["label_set"]])
            pick = rng.choice(idx, min(n, len(idx)), replace=False)
            book.append(dict(name=c, description=defs.get(c, ""), examples=train["text"].iloc[sorted(pick)].tolist()))
        books[f"{n} examples per code"] = book
    return books


def board_data():
    answers = pd.read_csv(ROOT / "corpora" / "board_survey.csv", dtype=str, keep_default_na=False)
    gold = pd.read_csv(ROOT / "corpora" / "board_survey_gold.csv", dtype=str, keep_default_na=False)
    d = answers.merge(gold, on="response_id")
    d["label_set"] = [[x for x in s.split(";") if x] for s in d["themes"]]
    rng = np.random.default_rng(SEED)
    test = rng.random(len(d)) < BOARD_TEST_SHARE
    second = pd.read_csv(ROOT / "tests" / "data" / "handcoded_sample.csv", dtype=str, keep_default_na=False)
    return d[~test].reset_index(drop=True), d[test].reset_index(drop=True), second


def board_codebook(train) -> list[dict]:
    rng = np.random.default_rng(SEED)
    book = []
    for code, desc in BOARD_DESCRIPTIONS.items():
        idx = np.flatnonzero([s[:1] == [code] for s in train["label_set"]])
        pick = rng.choice(idx, min(3, len(idx)), replace=False) if len(idx) else []
        book.append(dict(name=code.replace("_", " "), description=desc,
                         examples=train["answer"].iloc[sorted(pick)].tolist()))
    return book


# ---------------------------------------------------------------- scores

def scores(gold: list, pred: list[list[str]], cats: list[str]) -> dict:
    """micro/macro-F1 over ``cats``; exact set agreement and primary-in-set over rows with a code."""
    tp = {c: 0 for c in cats}
    fp, fn = dict(tp), dict(tp)
    for g, p in zip(gold, pred):
        g, p = set(g) & set(cats), set(p) & set(cats)
        for c in cats:
            tp[c] += (c in g) and (c in p)
            fp[c] += (c not in g) and (c in p)
            fn[c] += (c in g) and (c not in p)
    T, P, N = sum(tp.values()), sum(fp.values()), sum(fn.values())
    coded = [(set(g) & set(cats), p) for g, p in zip(gold, pred) if set(g) & set(cats)]
    return {"micro": 2 * T / max(2 * T + P + N, 1),
            "macro": float(np.mean([2 * tp[c] / max(2 * tp[c] + fp[c] + fn[c], 1) for c in cats])),
            "exact": float(np.mean([g == (set(p) & set(cats)) for g, p in coded])) if coded else float("nan"),
            "primary_in_set": float(np.mean([bool(p) and p[0] in g for g, p in coded])) if coded else float("nan"),
            "codes_per_answer": float(np.mean([len(p) for p in pred])) if pred else 0.0}


# ---------------------------------------------------------------- one side (run in a subprocess)

def predicted(result) -> list[list[str]]:
    return [[x for x in s.split(";") if x] for s in result.responses["theme_names"]]


def side(src: str) -> dict:
    """Every codebook method on this side's code (``src`` on sys.path); JSON-able results."""
    sys.path.insert(0, src)
    from themes.config import Settings
    from themes.model.codebook import Codebook, CodebookTheme
    from themes.pipeline import label, train

    settings = Settings(seed=42)
    out = {}
    L, cats, tr, te = fft_data()
    gold = [sorted(s & set(cats)) for s in te["label_set"]]
    variants = [("", settings)]
    if "code_margin" in Settings.__dataclass_fields__:   # this side can give several codes per sentence
        variants.append((", --code-margin 0.02", settings.replace(code_margin=0.02)))
    for tag, book in fft_codebooks(L, cats, tr).items():
        cb = Codebook(themes=[CodebookTheme(id=i + 1, **t) for i, t in enumerate(book)])
        for vtag, vset in variants:
            t = time.perf_counter()
            res = label(cb, te[["comment_id", "text", "question"]], text="text", id="comment_id",
                        question="question", settings=vset)
            out[f"fft | codebook: {tag}{vtag}"] = {**scores(gold, predicted(res), cats),
                                                  "seconds": time.perf_counter() - t}
    import inspect

    published = fft_codebooks(L, cats, tr)["definitions + document examples"]
    book = Codebook(themes=[CodebookTheme(id=i + 1, **t) for i, t in enumerate(published)])
    with_book = [("", None)]
    if "codebook" in inspect.signature(train).parameters:   # this side learns a codebook's texts too
        with_book.append((" --codebook (definitions + document examples)", book))
        from themes.model.training import codebook_frame

        t = time.perf_counter()
        model = train(codebook_frame(book), "codes", text="text", sep="\n", settings=settings)
        res = label(model, te[["comment_id", "text"]], text="text", id="comment_id", settings=settings)
        out["fft | themes train --codebook (definitions + document examples), no coded answers"] = {
            **scores(gold, predicted(res), cats), "seconds": time.perf_counter() - t}
    for n in (3, 10, None):
        sub = L.subsample(tr, cats, n)
        frame = sub.assign(scored=L.scored_labels(sub, cats))[["comment_id", "text", "scored"]]
        for btag, cb in with_book:
            t = time.perf_counter()
            model = train(frame, "scored", text="text", id="comment_id", settings=settings,
                          **({"codebook": cb} if cb is not None else {}))
            res = label(model, te[["comment_id", "text"]], text="text", id="comment_id", settings=settings)
            out[f"fft | themes train{btag}: {'all' if n is None else n} per code"] = {
                **scores(gold, predicted(res), cats), "seconds": time.perf_counter() - t}
            if n == 10 and "fine_tune" in Settings.__dataclass_fields__:   # this side can fine-tune the encoder
                tuned = settings.replace(fine_tune=2)
                t = time.perf_counter()
                model = train(frame, "scored", text="text", id="comment_id", settings=tuned,
                              **({"codebook": cb} if cb is not None else {}))
                res = label(model, te[["comment_id", "text"]], text="text", id="comment_id", settings=tuned)
                out[f"fft | themes train{btag} --fine-tune: {n} per code"] = {
                    **scores(gold, predicted(res), cats), "seconds": time.perf_counter() - t}
    btr, bte, _ = board_data()
    cb = Codebook(themes=[CodebookTheme(id=i + 1, **t) for i, t in enumerate(board_codebook(btr))])
    t = time.perf_counter()
    res = label(cb, bte[["response_id", "question", "answer"]], text="answer", id="response_id",
                question="question", settings=settings)
    pred = [[x.replace(" ", "_") for x in p] for p in predicted(res)]
    codes = list(BOARD_DESCRIPTIONS)
    gold_b = bte["label_set"].tolist()
    entry = {**scores(gold_b, pred, codes), "seconds": time.perf_counter() - t, "per_question": {}}
    for q in sorted(bte["question"].unique()):
        m = (bte["question"] == q).to_numpy()
        entry["per_question"][q] = scores([g for g, k in zip(gold_b, m) if k], [p for p, k in zip(pred, m) if k],
                                          codes)
    out["board survey | codebook: names, one-line descriptions, 3 examples"] = entry
    out["_board_pred"] = dict(zip(bte["response_id"], pred))
    return out


# ---------------------------------------------------------------- the run

def run_side(src: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--side", src], capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def svm_rows() -> dict:
    L, cats, tr, te = fft_data()
    gold = [sorted(s & set(cats)) for s in te["label_set"]]
    out = {}
    for n in (10, None):
        sub = L.subsample(tr, cats, n)
        pred, _, _ = L.run_svm(sub, te, cats)
        out[f"fft | TF-IDF + LinearSVC: {'all' if n is None else n} per code"] = scores(gold, [sorted(p) for p in pred],
                                                                                        cats)
    return out


def human_row(after: dict) -> dict:
    """The second coder against the gold codes, and the tool on the same answers."""
    _, bte, second = board_data()
    codes = list(BOARD_DESCRIPTIONS)
    both = bte.merge(second, on="response_id")
    gold = both["label_set"].tolist()
    coder = [[x for x in s.split(";") if x] for s in both["coder_themes"]]
    tool = [after["_board_pred"].get(r, []) for r in both["response_id"]]
    return {f"board survey | second human coder ({len(both)} test answers)": scores(gold, coder, codes),
            f"board survey | this checkout, same {len(both)} answers": scores(gold, tool, codes)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default="main", help="git ref measured as 'before' (default: main)")
    ap.add_argument("--side", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.side:
        print(json.dumps(side(args.side)))
        return
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from docs_section import export_src

    with tempfile.TemporaryDirectory() as tmp:
        before = run_side(str(export_src(args.before, Path(tmp))))
    after = run_side(str(ROOT / "src"))
    extra = {**svm_rows(), **human_row(after)}
    head = "| data and method | side | micro-F1 | macro-F1 | exact set | primary in set | codes/answer | s |"
    lines = [head, "|" + "---|" * 8]
    fmt = "| {m} | {side} | {micro:.3f} | {macro:.3f} | {exact:.3f} | {primary_in_set:.3f} | {codes_per_answer:.2f} | {s} |"
    for m in [k for k in after if not k.startswith("_")]:
        for tag, res in ((f"before ({args.before})", before.get(m)), ("after", after[m])):
            if res:
                lines.append(fmt.format(m=m, side=tag, s=f"{res.get('seconds', 0):.1f}", **res))
    for m, res in extra.items():
        lines.append(fmt.format(m=m, side="-", s="", **res))
    print("\n".join(lines))
    key = "board survey | codebook: names, one-line descriptions, 3 examples"
    print("\nBoard survey per question (exact set / primary in set):")
    for q in after[key]["per_question"]:
        b, a = before[key]["per_question"][q], after[key]["per_question"][q]
        print(f"- {q}: before {b['exact']:.3f} / {b['primary_in_set']:.3f}; after {a['exact']:.3f} / "
              f"{a['primary_in_set']:.3f}")


if __name__ == "__main__":
    main()
