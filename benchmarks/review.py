"""How fast `themes review` opens and answers on 50,000 responses.

    python benchmarks/review.py [OUTDIR] [--rows 50000]

Without OUTDIR it synthesises one (no model download): 50,000 answers to two questions, made
from a few topic vocabularies, with two --by columns; a 2,000-answer extract fits the model and
`themes label` labels all 50,000 with it, both with the tests' deterministic fake embedder
(tests/conftest.py) and the regex sentence splitter. Then it times, through real HTTP on
127.0.0.1: loading the folder and showing the overview (the figure to keep under 3 s), a
theme's first page of answers, a search, one merge and one move, and saving.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
TOPICS = [
    "national scorecard accountability regulators boards targets measured",
    "external consultancy support challenge consultants review useful",
    "staff networks lived experience stories listening voices",
    "recruitment promotion pipeline senior leaders diverse shortlists",
    "training workshops reverse mentoring board development sessions",
    "data dashboards ethnicity reporting workforce metrics gaps",
    "time pressure finance elective recovery priorities competing",
    "executive sponsor leadership commitment visible role modelling",
]


def synthesise(rows: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    words = [t.split() for t in TOPICS]
    answers = []
    for _ in range(rows):
        picks = rng.choice(len(TOPICS), size=rng.integers(1, 3), replace=False)
        sentences = [" ".join(rng.choice(words[p], size=rng.integers(5, 9))).capitalize() + "." for p in picks]
        answers.append(" ".join(sentences))
    return pd.DataFrame({"response_id": [f"S{i:06d}" for i in range(rows)],
                         "question": np.where(rng.random(rows) < 0.5, "What would help?", "What support did you use?"),
                         "role": rng.choice(["Chair", "NED", "Chief Executive", "Director"], rows),
                         "region": rng.choice(["North", "Midlands", "London", "South"], rows),
                         "answer": answers})


def build(folder: Path, rows: int) -> Path:
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import FakeEmbedder
    from themes.commands import extract_file, label_file
    from themes.config import Components, use_components
    from themes.text.phrases import simple_phrases
    from themes.text.segment import regex_splitter

    frame = synthesise(rows)
    frame.head(2000).to_csv(folder / "sample.csv", index=False)
    frame.to_csv(folder / "all.csv", index=False)
    parts = Components(embedder=lambda model, settings: FakeEmbedder(), splitter=lambda settings: regex_splitter,
                       phrases=lambda settings: simple_phrases)
    columns = dict(text="answer", id="response_id", by=("role", "region"), question="question", quiet=True)
    with use_components(parts):
        t = time.perf_counter()
        extract_file(folder / "sample.csv", folder / "fit", n_themes=6, use_cache=False, **columns)
        label_file(folder / "fit" / "model", folder / "all.csv", folder / "out", **columns)
        print(f"synthesised {rows} responses in {time.perf_counter() - t:.1f} s: {folder / 'out'}")
    return folder / "out"


def request(port: int, token: str, method: str, path: str, body=None) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    headers = {"X-Review-Token": token, "Origin": f"http://127.0.0.1:{port}", "Content-Type": "application/json"}
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    res = conn.getresponse()
    data = json.loads(res.read())
    conn.close()
    assert data.get("ok"), data
    return data["result"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("outdir", nargs="?")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--model", default=None)
    args = parser.parse_args()
    from themes.review.server import ReviewServer
    from themes.review.session import ReviewSession

    tmp = Path(tempfile.mkdtemp(prefix="review-bench-"))
    outdir = Path(args.outdir) if args.outdir else build(tmp, args.rows)
    model = args.model or (outdir.parent / "fit" / "model" if not args.outdir else None)
    timings = []
    t0 = time.perf_counter()
    session = ReviewSession(outdir, model=model)
    timings.append(("load the folder", time.perf_counter() - t0))
    server = ReviewServer(session).start()
    try:
        t = time.perf_counter()
        ov = request(server.port, server.token, "GET", "/api/overview")
        timings.append(("overview (HTTP)", time.perf_counter() - t))
        timings.append(("open to overview, total", time.perf_counter() - t0))
        themes = [th for q in ov["questions"] for th in q["themes"]]
        biggest = max(themes, key=lambda th: th["n"])
        steps = [("theme page 1 (25 answers)", "GET", f"/api/theme?id={biggest['id']}&page=1", None),
                 ("theme page 40", "GET", f"/api/theme?id={biggest['id']}&page=40", None),
                 ("search 'consultancy'", "GET", "/api/search?q=consultancy", None)]
        same_q = [th for th in ov["questions"][0]["themes"]][:2]
        steps += [("merge two themes", "POST", "/api/merge", {"theme_ids": [same_q[0]["id"], same_q[1]["id"]]}),
                  ("move one answer", "POST", "/api/move_answer", {"response_id": "S000001", "theme_id": None}),
                  ("undo", "POST", "/api/undo", {}),
                  ("save (rewrite the folder)", "POST", "/api/save", {})]
        for name, method, path, body in steps:
            t = time.perf_counter()
            request(server.port, server.token, method, path, body)
            timings.append((name, time.perf_counter() - t))
    finally:
        server.close()
    n = len(session.data.responses)
    print(f"\n`themes review` on {n:,} responses, {len(session.data.segments):,} sentences, {len(themes)} themes")
    print(f"{'step':<30} {'seconds':>8}")
    for name, sec in timings:
        print(f"{name:<30} {sec:>8.2f}")


if __name__ == "__main__":
    main()
