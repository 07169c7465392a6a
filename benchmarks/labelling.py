"""Labelling benchmark: `themes train` against a TF-IDF + linear SVM baseline and a zero-shot codebook.

Data: the NHS Friends and Family Test comments labelled with the pxtextmining v6 framework
(../shared/data/nhs-fft/fft_v6_tidy.csv), text rows only (blank_or_did_not_answer == 0, text
not empty). Split by respondent (no respondent on both sides), 75% / 25%, fixed seed.
Scored: micro- and macro-F1 over the sub-categories (the ';'-joined `labels` column) with at
least 20 examples among the text rows, "Not assigned" left out (it is the absence of a
category). Every test row counts, so a label predicted on a row with none of those
categories is a false positive.

Methods, trained on the same rows (training rows that carry at least one scored category):
- `themes train` (one-vs-rest logistic regression on all-MiniLM-L6-v2 response vectors,
  per-label thresholds from 5 held-out folds, each pulled towards the shared one), then
  `themes label` on the test rows;
- TF-IDF (words and word pairs, sublinear tf) + one-vs-rest LinearSVC, scikit-learn defaults;
- the zero-shot codebook built from framework_definitions.qmd (names + definitions only, no
  examples, nothing trained), through `themes label CODEBOOK --question` (each comment with the
  question it answers, as an analyst would label the export).
Training sizes: 10, 50 and all examples per category (a seeded sample of rows per category).

    python benchmarks/labelling.py            # prints the table, writes docs/benchmarks.md "Labelling"
    python benchmarks/labelling.py --no-write # prints only
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from docs_section import machine, write_section  # noqa: E402  (benchmarks/ is the script's folder)

from themes.model.codebook import Codebook, CodebookTheme  # noqa: E402
from themes.pipeline import label, train  # noqa: E402

SEED = 20240601
MIN_EXAMPLES = 20
TEST_SHARE = 0.25
SIZES = (10, 50, None)
LEFT_OUT = {"Not assigned", "Labelling not possible"}
ANCHOR = "pxtextmining's supervised ensemble (32 v7 sub-categories, its own split): micro-F1 0.77, macro-F1 0.71."


def data_dir() -> Path:
    here = ROOT.parent / "shared" / "data"
    return here if here.is_dir() else Path("/work/shared/data")


def load() -> pd.DataFrame:
    d = pd.read_csv(data_dir() / "nhs-fft" / "fft_v6_tidy.csv", dtype=str, keep_default_na=False)
    d = d[(d["blank_or_did_not_answer"] == "0") & (d["text"].str.strip() != "")].reset_index(drop=True)
    d["label_set"] = [frozenset(x.strip() for x in s.split(";") if x.strip()) for s in d["labels"]]
    return d


def categories(d: pd.DataFrame) -> list[str]:
    counts = pd.Series([x for s in d["label_set"] for x in s]).value_counts()
    return sorted(c for c, n in counts.items() if n >= MIN_EXAMPLES and c not in LEFT_OUT)


def split(d: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    people = np.array(sorted(d["respondent_id"].unique()))
    rng = np.random.default_rng(SEED)
    test_people = set(rng.choice(people, int(round(TEST_SHARE * len(people))), replace=False))
    test = d["respondent_id"].isin(test_people)
    return d[~test].reset_index(drop=True), d[test].reset_index(drop=True)


def subsample(train_rows: pd.DataFrame, cats: list[str], n: int | None) -> pd.DataFrame:
    """Rows with a scored category; with n, up to n seeded rows per category (their union)."""
    rows = train_rows[[bool(s & set(cats)) for s in train_rows["label_set"]]]
    if n is None:
        return rows.reset_index(drop=True)
    rng = np.random.default_rng(SEED + n)
    keep: set[int] = set()
    for c in cats:
        idx = np.flatnonzero([c in s for s in rows["label_set"]])
        keep |= set(rng.choice(rows.index[idx], min(n, len(idx)), replace=False).tolist())
    return rows.loc[sorted(keep)].reset_index(drop=True)


def f1_scores(gold: list[frozenset], pred: list[set], cats: list[str]) -> tuple[float, float]:
    tp = {c: 0 for c in cats}
    fp = dict(tp)
    fn = dict(tp)
    for g, p in zip(gold, pred):
        for c in cats:
            tp[c] += (c in g) and (c in p)
            fp[c] += (c not in g) and (c in p)
            fn[c] += (c in g) and (c not in p)
    T, P, N = sum(tp.values()), sum(fp.values()), sum(fn.values())
    micro = 2 * T / (2 * T + P + N) if T + P + N else 0.0
    per = [2 * tp[c] / (2 * tp[c] + fp[c] + fn[c]) if tp[c] + fp[c] + fn[c] else 0.0 for c in cats]
    return micro, float(np.mean(per))


def scored_labels(frame: pd.DataFrame, cats: list[str]) -> pd.Series:
    return pd.Series([";".join(sorted(s & set(cats))) for s in frame["label_set"]], index=frame.index)


def predicted(result) -> list[set]:
    return [set(x.split(";")) - {""} for x in result.responses["theme_names"]]


def run_themes(train_rows, test_rows, cats, settings):
    frame = train_rows.assign(scored=scored_labels(train_rows, cats))[["comment_id", "text", "scored"]]
    t = time.perf_counter()
    model = train(frame, "scored", text="text", id="comment_id", settings=settings)
    t_train = time.perf_counter() - t
    t = time.perf_counter()
    res = label(model, test_rows[["comment_id", "text"]], text="text", id="comment_id", settings=settings)
    return predicted(res), t_train, time.perf_counter() - t, model.info


def run_svm(train_rows, test_rows, cats):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer
    from sklearn.svm import LinearSVC

    t = time.perf_counter()
    mlb = MultiLabelBinarizer(classes=cats)
    Y = mlb.fit_transform([s & set(cats) for s in train_rows["label_set"]])
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    X = vec.fit_transform(train_rows["text"])
    clf = OneVsRestClassifier(LinearSVC(random_state=SEED)).fit(X, Y)
    t_train = time.perf_counter() - t
    t = time.perf_counter()
    P = clf.predict(vec.transform(test_rows["text"]))
    pred = [set(np.array(cats)[row.astype(bool)]) for row in np.asarray(P)]
    return pred, t_train, time.perf_counter() - t


def framework_codebook(path: Path) -> Codebook:
    """Names and definitions (the text between each '### Name' and its 'Examples:') from the
    framework document; examples are not used."""
    text = path.read_text(encoding="utf-8")
    themes = []
    for m in re.finditer(r"^### (.+?)\n(.*?)(?=^:::|^### |\Z)", text, flags=re.S | re.M):
        name = m.group(1).strip()
        if name in LEFT_OUT:
            continue
        definition = re.split(r"^\s*Examples?:", m.group(2), flags=re.M)[0]
        definition = " ".join(definition.split())
        themes.append(CodebookTheme(name=name, id=len(themes) + 1, description=definition))
    return Codebook(themes=themes, source=str(path))


def run_zero_shot(test_rows, settings):
    book = framework_codebook(data_dir() / "nhs-fft" / "framework_definitions.qmd")
    t = time.perf_counter()
    res = label(book, test_rows[["comment_id", "text", "question"]], text="text", id="comment_id",
                question="question", settings=settings)   # as an analyst would label the export
    return predicted(res), time.perf_counter() - t, book


def table(rows: list[dict]) -> str:
    head = "| method | training examples per category | training rows | micro-F1 | macro-F1 | train s | label s |"
    lines = [head, "|" + "---|" * 7]
    for r in rows:
        lines.append(f"| {r['method']} | {r['size']} | {r['n_train']} | {r['micro']:.3f} | {r['macro']:.3f} | "
                     f"{r['train_s']:.1f} | {r['label_s']:.1f} |")
    return "\n".join(lines)


def main() -> None:
    from themes.config import Settings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-write", action="store_true", help="print the table only")
    args = ap.parse_args()
    settings = Settings(seed=42)
    d = load()
    cats = categories(d)
    train_rows, test_rows = split(d)
    gold = [s & set(cats) for s in test_rows["label_set"]]
    print(f"{len(d)} text rows, {len(cats)} categories with >= {MIN_EXAMPLES} examples; "
          f"train {len(train_rows)} rows ({train_rows['respondent_id'].nunique()} respondents), "
          f"test {len(test_rows)} rows ({test_rows['respondent_id'].nunique()} respondents)", flush=True)
    rows = []
    for n in SIZES:
        sub = subsample(train_rows, cats, n)
        size = "all" if n is None else str(n)
        pred, t_train, t_label, info = run_themes(sub, test_rows, cats, settings)
        micro, macro = f1_scores(gold, pred, cats)
        rows.append(dict(method="themes train", size=size, n_train=len(sub), micro=micro, macro=macro,
                         train_s=t_train, label_s=t_label))
        print(f"  themes train {size}: micro {micro:.3f} macro {macro:.3f} (held-out folds "
              f"{info['heldout_micro_f1']:.3f}, top-1 fallback {info['fallback_top1']})", flush=True)
        pred, t_train, t_label = run_svm(sub, test_rows, cats)
        micro, macro = f1_scores(gold, pred, cats)
        rows.append(dict(method="TF-IDF + LinearSVC", size=size, n_train=len(sub), micro=micro, macro=macro,
                         train_s=t_train, label_s=t_label))
        print(f"  TF-IDF + SVM {size}: micro {micro:.3f} macro {macro:.3f}", flush=True)
    pred, t_label, book = run_zero_shot(test_rows, settings)
    micro, macro = f1_scores(gold, pred, cats)
    covered = sorted(set(cats) & {t.name for t in book.themes})
    rows.append(dict(method="zero-shot codebook (names + definitions)", size="0", n_train=0, micro=micro,
                     macro=macro, train_s=0.0, label_s=t_label))
    out = table(rows)
    print()
    print(out)
    notes = (
        f"{len(test_rows)} test rows from {test_rows['respondent_id'].nunique()} respondents; "
        f"{len(cats)} scored sub-categories. The framework document defines {len(book.themes)} categories "
        f"(v7 names); {len(covered)} of the {len(cats)} scored v6 categories have a definition under the same "
        "name, so the zero-shot codebook cannot reach the others (they count as misses). "
        "`label s` includes embedding the test rows (cached after the first run) and the new-candidate grouping."
    )
    print("\n" + notes)
    if not args.no_write:
        body = (f"Command: `python benchmarks/labelling.py` ({time.strftime('%Y-%m-%d')}; {machine()}, CPU only; "
                f"all-MiniLM-L6-v2; seed {SEED}).\n\n"
                "NHS Friends and Family Test comments (`fft_v6_tidy.csv`, text rows), split by respondent "
                f"into {100 - int(100 * TEST_SHARE)}% training and {int(100 * TEST_SHARE)}% test rows. Micro- and "
                f"macro-F1 over the sub-categories with at least {MIN_EXAMPLES} examples (\"Not assigned\" left "
                "out), every test row counted. Training sizes are a seeded sample of up to N rows per "
                "category; both trained methods see the same rows.\n\n" + out + "\n\n" + notes +
                f"\n\nPublished anchor (different split and framework version): {ANCHOR}\n")
        write_section(ROOT / "docs" / "benchmarks.md", "Labelling", body)
        print("\nWrote the Labelling section of docs/benchmarks.md")


if __name__ == "__main__":
    main()
