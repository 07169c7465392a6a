"""What themes say about each theme, before (the last commit without the meaning layer) and after
(this checkout), in one run: the issue-19 measures.

    python benchmarks/naming.py              # board survey, FFT (all comments pooled, and by their
                                             # question), the FFT phase-1 export by its question,
                                             # and 3,000 rows of each short-text set
    python benchmarks/naming.py --full       # the short-text sets in full
    python benchmarks/naming.py --sets board,fft
    python benchmarks/naming.py --versions before,after,local   # also this checkout with --describe local
                                                                 # (needs themes[describe])

Both versions run as a user runs them: ``themes extract`` on the same CSV (per question where the
data has questions; the FFT comments twice: pooled, as the issue first measured them, and with
their own ``question`` column, "What was good?", "How could we improve?", "FFT Why?" and two more), then ``themes label`` with a codebook made of only that run's theme names
and descriptions (no examples, no keywords). "Before" is the source of commit BASELINE, exported
with ``git archive`` into a temporary folder and run with the same interpreter and packages.
Every figure is computed here from the files each run wrote, with checks of our own (regular
expressions, spaCy's entity recogniser over the answers, the embedding model), not with the
tool's own filters:

- fidelity: share of extract's labelled responses whose primary theme ``label`` gives back from
  the names-and-descriptions codebook (target >= 0.80);
- name ~ code: mean cosine (all-MiniLM-L6-v2) between each theme's name and the human code that
  overlaps its responses most (Jaccard);
- one word: share of single-word names (target <= 10%); entity: names that are a handle, URL,
  e-mail, contain a person's name found in the answers, or are a place found in the answers on
  its own (a string spaCy tags as a place in at least half the answers that write it; target
  0; organisations are not counted: spaCy's small model tags too many products and acronyms as
  organisations); templated: descriptions whose wording, with the theme's own name
  and keyword words blanked, repeats another theme's (target 0); negation: names whose negation
  disagrees with the theme's segments that use the name's words (a negation within five words
  before a name word or two after it, or "nothing"/"nobody"/"no one" earlier in its clause;
  target 0);
- stance (FFT): themes with at least 10 single-theme answers on both sides where the minority side holds over
  25% and the description does not say views are mixed; sides by the coders' sentiment (1-2
  positive, 4-5 negative) and, as the issue first asked, by question type ("what was good" /
  "what could improve"): 1,192 answers to "could improve" were coded 1, most positive, so the
  question type is a weak proxy for an answer's stance;
- themes per response against the coders' mean on the multi-label sets (target <= 1.25x).

Data: ../shared/data and corpora/ (nothing is copied into the repository).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from docs_section import export_src, machine, write_section  # noqa: E402
from quality import embed_responses  # noqa: E402  (the same cached model as the quality benchmark)

DATA = ROOT.parent / "shared" / "data"
if not DATA.is_dir():
    DATA = Path("/work/shared/data")
BASELINE = "7fa7cd1"   # README pointer commit just before the meaning layer (0c4e3f2) landed
NEGATION = {"no", "not", "never", "nothing", "none", "without", "lack", "lacking", "lacks", "cannot",
            "nobody", "neither", "nor", "n't", "dont", "didnt", "doesnt", "isnt", "wasnt", "cant", "wont"}
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
HANDLE_URL = re.compile(r"(?<!\w)@\w+|https?://|www\.|\b[\w.+-]+@[\w-]+\.\w+", re.IGNORECASE)
NEGATING_PRONOUNS = {"nothing", "nobody", "none", "noone"}
CLAUSE = re.compile(r"[,.;:!?]+|\bbut\b", re.IGNORECASE)
MIXED = re.compile(r"\bmixed\b|\bsplit\b|\bboth\b", re.IGNORECASE)


@dataclass
class Set:
    name: str
    frame: pd.DataFrame             # columns: id, text, [question], by columns
    gold: dict                      # id -> list of human codes
    question: str | None = None
    by: tuple = ()
    polarity: dict = field(default_factory=dict)   # id -> "good" / "improve" (FFT question types)
    sentiment: dict = field(default_factory=dict)  # id -> "good" / "improve" (FFT coders' sentiment 1-2 / 4-5)


def _codes(value) -> list[str]:
    return [p.strip().replace("_", " ") for p in str(value).split(";") if p.strip() and str(value) != "nan"]


def load(key: str, rows: int | None) -> Set:
    if key == "board":
        d = pd.read_csv(ROOT / "corpora" / "board_survey.csv", dtype=str)
        g = pd.read_csv(ROOT / "corpora" / "board_survey_gold.csv", dtype=str)
        frame = d.rename(columns={"response_id": "id", "answer": "text"})[["id", "text", "question", "role", "trust_type"]]
        return Set("Board survey", frame, {r.response_id: _codes(r.themes) for r in g.itertuples()},
                   question="question", by=("role", "trust_type"))
    if key in ("fft", "fftq"):
        d = pd.read_csv(DATA / "nhs-fft" / "fft_v6_tidy.csv", dtype=str)
        d = d[(d["blank_or_did_not_answer"] == "0") & d["text"].notna() & (d["text"].str.strip() != "")]
        # "fftq": as a user with the export would run it, each of its five question texts ("What was
        # good?", "How could we improve?", "FFT Why?", ...) as --question
        cols = ["id", "text", "trust", "service_type_1"] + (["question"] if key == "fftq" else [])
        frame = d.rename(columns={"comment_id": "id"})[cols]
        pol = {"what_good": "good", "could_improve": "improve"}
        return Set("FFT" if key == "fft" else "FFT, --question question", frame.reset_index(drop=True),
                   {i: [c for c in _codes(v) if c != "Labelling not possible"] for i, v in zip(d["comment_id"], d["labels"])},
                   question="question" if key == "fftq" else None, by=("trust", "service_type_1"),
                   polarity={i: pol[q] for i, q in zip(d["comment_id"], d["question_type"]) if q in pol},
                   sentiment={i: "good" if v in ("1", "2") else "improve"
                              for i, v in zip(d["comment_id"], d["sentiment_1pos_5neg"]) if v in ("1", "2", "4", "5")})
    if key == "p1":
        # the FFT phase-1 export: three trusts' answers to five questions, staff often named
        d = pd.read_csv(DATA / "nhs-fft" / "phase1_text_data.csv", dtype=str)
        d = d[d["feedback"].notna() & (d["feedback"].str.strip() != "")].reset_index(drop=True)
        frame = d.rename(columns={"row_index": "id", "feedback": "text"})[["id", "text", "question", "organization"]]
        return Set("FFT phase 1, --question question", frame, {i: _codes(v) for i, v in zip(d["row_index"], d["subcategory"])},
                   question="question", by=("organization",))
    file, name = {"so": ("stackoverflow", "StackOverflow"), "ss": ("searchsnippets", "SearchSnippets"),
                  "ag": ("agnews_8000", "AgNews")}[key]
    d = pd.read_csv(DATA / "short-text" / f"{file}.csv", dtype=str)
    if rows and len(d) > rows:
        d = d.iloc[np.sort(np.random.default_rng(0).choice(len(d), rows, replace=False))]
    d = d.reset_index(drop=True)
    d["id"] = [f"r{i + 1}" for i in range(len(d))]
    # the human code's name ("linq", "business"), not its number: names are compared with it
    return Set(name, d[["id", "text"]], {i: [str(v)] for i, v in zip(d["id"], d["label_name"])})


def themes_cli(src: Path, args: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(src)}
    if src.resolve() != (ROOT / "src").resolve():
        # the baseline keeps caches of its own: reading a tree or vectors cached by this checkout
        # changed its number of themes from run to run (FFT: 28, then 17)
        env["THEMES_CACHE_DIR"] = str(Path.home() / ".cache" / f"themes-baseline-{BASELINE}")
    cmd = [sys.executable, "-c", "import sys; from themes.cli import main; sys.exit(main())", *args]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"themes {' '.join(args[:2])} failed ({src}):\n{done.stderr[-2000:]}")


def run_version(src: Path, ds: Set, csv: Path, work: Path, extra: tuple = ()) -> dict:
    """extract, then label with the run's own names and descriptions; the files both wrote."""
    import yaml

    cols = ["--text", "text", "--id", "id"] + (["--question", ds.question] if ds.question else [])
    by = ["--by", ",".join(ds.by)] if ds.by else []
    out = work / "extract"
    t = time.perf_counter()
    themes_cli(src, ["extract", str(csv), *cols, *by, "-o", str(out), "--quiet", *extra])
    secs = time.perf_counter() - t
    themes = pd.read_csv(out / "themes.csv", dtype=str, keep_default_na=False)
    book = {"format": "themes-codebook", "version": 1, "themes": [
        {"id": int(r.theme_id), "name": r.name, "description": r.description, "question": getattr(r, "question", "")}
        for r in themes.itertuples()]}
    (work / "codebook.yaml").write_text(yaml.safe_dump(book, sort_keys=False, allow_unicode=True))
    themes_cli(src, ["label", str(work / "codebook.yaml"), str(csv), *cols, "-o", str(work / "label"), "--quiet"])
    read = lambda folder, name: pd.read_csv(work / folder / name, dtype=str, keep_default_na=False)  # noqa: E731
    return {"themes": themes, "responses": read("extract", "responses.csv"),
            "segments": read("extract", "segments.csv"), "label": read("label", "responses.csv"), "seconds": secs}


# ---- the measures -------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    return WORD.findall(str(text).lower().replace("\u2019", "'"))


def fidelity(run: dict) -> float:
    ext, lab = run["responses"], run["label"].set_index("response_id")
    ext = ext[ext["primary_theme"] != ""]
    got = lab.loc[ext["response_id"], "primary_theme"].to_numpy()
    return float(np.mean(got == ext["primary_theme"].to_numpy())) if len(ext) else float("nan")


def members(responses: pd.DataFrame) -> dict:
    out: dict = {}
    for rid, ids in zip(responses["response_id"], responses["theme_ids"]):
        for t in str(ids).split(";"):
            if t:
                out.setdefault(t, set()).add(rid)
    return out


def name_code_similarity(run: dict, ds: Set, embed) -> float:
    by_code: dict = {}
    for rid, codes in ds.gold.items():
        for c in codes:
            by_code.setdefault(c, set()).add(rid)
    if not by_code:
        return float("nan")
    theme_members = members(run["responses"])
    codes = sorted(by_code)
    pairs = []
    for r in run["themes"].itertuples():
        m = theme_members.get(r.theme_id, set())
        if not m:
            continue
        best = max(codes, key=lambda c: len(m & by_code[c]) / len(m | by_code[c]))
        pairs.append((r.name, best))
    if not pairs:
        return float("nan")
    a, b = embed([p[0] for p in pairs]), embed([p[1] for p in pairs])
    return float(np.mean(np.sum(a * b, axis=1)))


def entity_strings(texts: list[str]) -> tuple[set, set]:
    """(person names, places and organisations) that spaCy finds in the answers, lower-cased."""
    from themes.text.segment import shared_spacy

    nlp = shared_spacy()
    people, tagged = set(), Counter()
    # a word the answers also write in lower case ("felt", "better") is not a name, whatever
    # the small model tagged at the start of a sentence
    lower = {w for t in texts for w in re.findall(r"\b[a-z]+\b", t)}
    for doc in nlp.pipe(texts, batch_size=256):
        for e in doc.ents:
            s = e.text.lower().strip(" .,'\"")
            if e.label_ == "PERSON" and any(w not in lower for w in words(s)):
                people.add(s)
            elif e.label_ in {"GPE", "LOC", "FAC"}:
                tagged[re.sub(r"^the\s+", "", s)] += 1
    # a place is what the model calls a place in at least half the answers that write it: "Visual
    # Studio" (tagged GPE in 1 of the 97 StackOverflow titles holding it) and "Bash script" (FAC in
    # 1 of 35) are products
    padded = [f" {' '.join(words(t))} " for t in texts]
    places = {p for p, k in tagged.items() if words(p)
              and k >= 0.5 * sum(f" {' '.join(words(p))} " in t for t in padded)}
    return people, places


def is_entity_name(name: str, people: set, places: set) -> bool:
    low = name.lower().strip(" .,'\"")
    if HANDLE_URL.search(name):
        return True
    if re.sub(r"^the\s+", "", low) in places:
        return True
    padded = f" {' '.join(words(low))} "
    return any(f" {' '.join(words(p))} " in padded for p in people if words(p))


def templated(themes: pd.DataFrame) -> int:
    """Descriptions whose skeleton (the theme's own name and keyword words blanked) another shares."""
    skeletons = []
    for r in themes.itertuples():
        own = set(words(r.name)) | set(words(str(r.keywords).replace(";", " ")))
        skeletons.append(" ".join("_" if w in own else w for w in words(r.description)))
    counts = pd.Series(skeletons).value_counts()
    return int(sum(counts[s] > 1 for s in skeletons if s))


def negated_at(tokens: list[str], i: int) -> bool:
    """A negation among the five words before, the word itself, or the two after ("no exams",
    "exams were not timed", "absolutely nothing", "could not have done any better"), or a
    negating pronoun earlier in the clause ("nothing could have been done better"; ``tokens``
    are one clause's)."""
    near = tokens[max(0, i - 5):i + 3]
    before = tokens[:i]
    return any(t in NEGATION or t.endswith("n't") for t in near) or any(t in NEGATING_PRONOUNS for t in before) \
        or any(a == "no" and b == "one" for a, b in zip(before, before[1:]))


def clauses(text: str) -> list[list[str]]:
    """The words of each clause (split at punctuation and "but")."""
    return [words(c) for c in CLAUSE.split(str(text))]


def negation_mismatches(run: dict) -> list[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as STOP

    segs = run["segments"]
    out = []
    for r in run["themes"].itertuples():
        name_toks = words(r.name)
        name_neg = any(t in NEGATION or t.endswith("n't") for t in name_toks)
        stems = [t[:5] for t in name_toks if t not in NEGATION and t not in STOP and len(t) >= 3]
        if not stems:
            continue
        support = negs = 0
        for text in segs.loc[segs["theme_id"] == r.theme_id, "text"]:
            hits = [(c, i) for c in clauses(text) for i, t in enumerate(c) if any(t.startswith(s) for s in stems)]
            if hits:
                support += 1
                negs += any(negated_at(c, i) for c, i in hits)
        if support >= 3 and ((name_neg and negs / support < 0.25) or (not name_neg and negs / support > 0.6)):
            out.append(f"{r.name} ({negs}/{support} negated)")
    return out


def stance_mixed(run: dict, polarity: dict) -> list[str]:
    """Themes whose single-theme answers split on stance (an answer with several themes says
    several things, and the coders gave it one sentiment for all of them)."""
    out = []
    single = run["responses"][~run["responses"]["theme_ids"].str.contains(";")]
    theme_members = members(single)
    for r in run["themes"].itertuples():
        sides = [polarity.get(i) for i in theme_members.get(r.theme_id, set())]
        good, bad = sides.count("good"), sides.count("improve")
        if good + bad >= 10 and min(good, bad) / (good + bad) > 0.25 and not MIXED.search(r.description):
            out.append(f"{r.name} ({good} good / {bad} improve)")
    return out


def per_response(run: dict, ds: Set) -> tuple[float, float]:
    n = [len([t for t in str(v).split(";") if t]) for v in run["responses"]["theme_ids"]]
    tool = float(np.mean([k for k in n if k])) if any(n) else float("nan")
    gold = [len(v) for v in ds.gold.values() if v]
    return tool, float(np.mean(gold)) if gold else float("nan")


def measure(run: dict, ds: Set, embed, people: set, places: set) -> dict:
    names = run["themes"]["name"].tolist()
    tool, gold = per_response(run, ds)
    ents = [n for n in names if is_entity_name(n, people, places)]
    neg = negation_mismatches(run)
    mixed = stance_mixed(run, ds.polarity) if ds.polarity else []
    coded = stance_mixed(run, ds.sentiment) if ds.sentiment else []
    return {
        "themes": len(names), "fidelity": fidelity(run), "name_code": name_code_similarity(run, ds, embed),
        "one_word": float(np.mean([len(words(n)) <= 1 for n in names])) if names else float("nan"),
        "entity": len(ents), "templated": templated(run["themes"]), "negation": len(neg),
        "stance": len(mixed) if ds.polarity else None, "stance_coders": len(coded) if ds.sentiment else None,
        "per_response": tool, "gold_per_response": gold,
        "seconds": run["seconds"], "examples": {"entity": ents[:5], "negation": neg[:5], "stance (question type)": mixed[:5],
                                            "stance (coders)": coded[:5]},
        "names": names,
    }


COLUMNS = ["Data set", "Version", "Themes", "Fidelity", "Name ~ code", "One word", "Entity", "Templated",
           "Negation", "Mixed (coders)", "Mixed (question type)", "Themes/response (coders)", "Extract s"]


def row(ds: str, version: str, m: dict) -> list[str]:
    ratio = m["per_response"] / m["gold_per_response"] if m["gold_per_response"] == m["gold_per_response"] else None
    per = (f"{m['per_response']:.2f} ({m['gold_per_response']:.2f}, {ratio:.2f}x)"
           if ratio and m["gold_per_response"] > 1.0 else f"{m['per_response']:.2f}")
    return [ds, version, str(m["themes"]), f"{m['fidelity']:.3f}", f"{m['name_code']:.3f}",
            f"{100 * m['one_word']:.0f}%", str(m["entity"]), str(m["templated"]), str(m["negation"]),
            "-" if m["stance_coders"] is None else str(m["stance_coders"]),
            "-" if m["stance"] is None else str(m["stance"]), per, f"{m['seconds']:.0f}"]


def markdown(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join(["---"] * len(COLUMNS)) + "|"]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def checks(results: dict) -> list[str]:
    lines = []
    for name, by in results.items():
        a, b = by["after"], by["before"]
        ratio = a["per_response"] / a["gold_per_response"] if a["gold_per_response"] > 1.0 else None
        ok = {"fidelity >= 0.80": a["fidelity"] >= 0.80, "name ~ code up": a["name_code"] > b["name_code"],
              "one word <= 10%": a["one_word"] <= 0.10, "entity 0": a["entity"] == 0,
              "templated 0": a["templated"] == 0, "negation 0": a["negation"] == 0}
        if a["stance"] is not None:
            ok["mixed by coders' sentiment 0"] = a["stance_coders"] == 0
            ok["mixed by question type 0"] = a["stance"] == 0
        if ratio is not None:
            ok["themes/response <= 1.25x"] = ratio <= 1.25
        lines.append(f"{name}: " + "; ".join(f"{k} {'yes' if v else 'NO'}" for k, v in ok.items()))
    return lines


def describe_lines(results: dict) -> list[str]:
    """What --describe local changes against the extractive default, per data set."""
    out = []
    for name, by in results.items():
        a, b = by["after"], by["local"]
        changed = sum(x != y for x, y in zip(a["names"], b["names"]))
        out.append(f"{name}, --describe local against the default: fidelity {b['fidelity']:.3f} "
                   f"({b['fidelity'] - a['fidelity']:+.3f}), name ~ code {b['name_code']:.3f} "
                   f"({b['name_code'] - a['name_code']:+.3f}), {changed} of {len(a['names'])} names changed, "
                   f"extract {b['seconds'] - a['seconds']:+.0f} s")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="board,fft,fftq,p1,so,ss,ag")
    ap.add_argument("--full", action="store_true", help="the short-text sets in full (default: 3,000 rows each)")
    ap.add_argument("--no-docs", action="store_true", help="print only; do not rewrite docs/benchmarks.md")
    ap.add_argument("--versions", default="before,after", help="which to run (default before,after; 'local' is "
                    "this checkout with --describe local)")
    ap.add_argument("--extract-args", default="", help="extra options for the after version's extract, e.g. "
                    "'--no-stance-split'")
    ap.add_argument("--json", help="also write every figure (and every name) to this JSON file")
    args = ap.parse_args()
    embed = embed_responses
    results, rows = {}, []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        wanted = args.versions.split(",")
        sources = {k: v for k, v in (("before", export_src(BASELINE, tmp / "baseline") if "before" in wanted else None),
                                     ("after", ROOT / "src"), ("local", ROOT / "src")) if k in wanted}
        for key in args.sets.split(","):
            ds = load(key, None if args.full else 3000)
            csv = tmp / f"{key}.csv"
            ds.frame.to_csv(csv, index=False)
            people, places = entity_strings(ds.frame["text"].fillna("").astype(str).tolist())
            results[ds.name] = {}
            for version, src in sources.items():
                work = tmp / key / version
                work.mkdir(parents=True)
                extra = tuple(args.extract_args.split()) if version == "after" else ()
                extra = ("--describe", "local") if version == "local" else extra
                m = measure(run_version(src, ds, csv, work, extra), ds, embed, people, places)
                results[ds.name][version] = m
                rows.append(row(ds.name, "after, --describe local" if version == "local" else version, m))
                print(" | ".join(rows[-1]), flush=True)
                for k, v in m["examples"].items():
                    if v:
                        print(f"    {k}: {'; '.join(v)}", flush=True)
    table = markdown(rows)
    lines = checks(results) if {"before", "after"} <= set(sources) else []
    lines += describe_lines(results) if {"after", "local"} <= set(sources) else []
    print("\n" + table + "\n\n" + "\n".join(lines))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    if not args.no_docs:
        scope = "full" if args.full else "3,000 rows of each short-text set"
        write_section(ROOT / "docs" / "benchmarks.md", "Naming", "\n".join([
            f"`python benchmarks/naming.py{' --full' if args.full else ''}` ({scope}; before = commit "
            f"{BASELINE}, the last without the meaning layer; after = this checkout"
            + ("; after, --describe local = this checkout with `extract --describe local`" if "local" in sources else "")
            + f"), {machine()}.", "",
            table, "", "Targets (after):", "", *[f"- {x}" for x in lines]]))


if __name__ == "__main__":
    main()
