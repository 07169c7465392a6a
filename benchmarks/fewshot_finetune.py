"""Probe for issue 14: does a SetFit-style contrastive fine-tune of the sentence model on a
codebook's few examples help coding? (Measured, not part of themes.)

FFT comments split by respondent as benchmarks/labelling.py does; 10 training comments per
scored code (the same seeded subsample as benchmarks/coding.py). The base model and the
model after the fine-tune are compared with the same two decision rules:

- centroid top-1: each test comment takes the code whose mean example vector is nearest;
- logistic: one-vs-rest logistic regression (C=10) on the example vectors, every code with
  p >= 0.5 (and, for comparison, 0.3), else the most likely one.

The fine-tune: pairs of two examples of the same code, 16 codes per batch (each other pair's
positive is a negative: MultipleNegativesRanking, symmetric, scale 20), AdamW lr 2e-5, a fixed
seed, ``--epochs`` passes of 10 pairs per code. Prints micro-F1 and exact set agreement over
the test comments that have a scored code.

    python benchmarks/fewshot_finetune.py --epochs 2
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))


def scores(pred: list[set], gold: list[set]) -> tuple[float, float]:
    tp = sum(len(p & g) for p, g in zip(pred, gold))
    fp = sum(len(p - g) for p, g in zip(pred, gold))
    fn = sum(len(g - p) for p, g in zip(pred, gold))
    return 2 * tp / max(2 * tp + fp + fn, 1), float(np.mean([p == g for p, g in zip(pred, gold)]))


def evaluate(tag: str, encode, examples, cats, test_texts, gold) -> None:
    from sklearn.linear_model import LogisticRegression

    texts = sorted({t for t, _ in examples})
    where = {t: i for i, t in enumerate(texts)}
    E, T = encode(texts), encode(test_texts)
    Y = np.zeros((len(texts), len(cats)), dtype=int)
    for t, c in examples:
        Y[where[t], cats.index(c)] = 1
    cent = np.stack([E[Y[:, k] == 1].mean(axis=0) for k in range(len(cats))])
    cent /= np.linalg.norm(cent, axis=1, keepdims=True)
    top1 = [{cats[int(np.argmax(r))]} for r in T @ cent.T]
    print(f"{tag} | centroid top-1 | micro-F1 {scores(top1, gold)[0]:.3f} | exact {scores(top1, gold)[1]:.3f}", flush=True)
    P = np.stack([LogisticRegression(C=10, max_iter=2000).fit(E, Y[:, k]).predict_proba(T)[:, 1]
                  for k in range(len(cats))], axis=1)
    for cut in (0.5, 0.3):
        pred = [{cats[k] for k in np.flatnonzero(r >= cut)} or {cats[int(np.argmax(r))]} for r in P]
        f1, exact = scores(pred, gold)
        print(f"{tag} | logistic p >= {cut} | micro-F1 {f1:.3f} | exact {exact:.3f}", flush=True)


def main() -> None:
    import coding
    import torch
    import torch.nn.functional as F

    from themes.embed.models import SentenceTransformerEmbedder

    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--per-code", type=int, default=10)
    args = ap.parse_args()
    torch.manual_seed(0)
    random.seed(0)
    L, cats, train, test = coding.fft_data()
    sub = L.subsample(train, cats, args.per_code)
    examples = [(t, c) for t, s in zip(sub["text"], sub["label_set"]) for c in sorted(s & set(cats))]
    gold = [set(s) & set(cats) for s in test["label_set"]]
    keep = [i for i, g in enumerate(gold) if g]
    test_texts, gold = [test["text"].iloc[i] for i in keep], [gold[i] for i in keep]
    st = SentenceTransformerEmbedder()._load()

    def encode(texts):
        with torch.no_grad():
            return st.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)

    evaluate("base", encode, examples, cats, test_texts, gold)
    by: dict = {}
    for t, c in examples:
        by.setdefault(c, []).append(t)
    codes = [c for c in by if len(by[c]) >= 2]
    st.train()
    opt = torch.optim.AdamW(st.parameters(), lr=2e-5)
    t0 = time.perf_counter()
    for _ in range(args.epochs):
        pairs = [(*random.sample(by[c], 2), c) for c in codes for _ in range(10)]
        random.shuffle(pairs)
        batches, cur, seen = [], [], set()
        for pair in pairs:
            if pair[2] not in seen:
                cur.append(pair)
                seen.add(pair[2])
            if len(cur) == 16:
                batches.append(cur)
                cur, seen = [], set()
        for b in batches:
            a = F.normalize(st(st.tokenize([x[0] for x in b]))["sentence_embedding"], dim=1)
            p = F.normalize(st(st.tokenize([x[1] for x in b]))["sentence_embedding"], dim=1)
            logits = 20.0 * a @ p.T
            target = torch.arange(len(b))
            loss = (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2
            opt.zero_grad()
            loss.backward()
            opt.step()
    st.eval()
    print(f"fine-tune: {args.epochs} epochs, {time.perf_counter() - t0:.0f} s", flush=True)
    evaluate("fine-tuned", encode, examples, cats, test_texts, gold)


if __name__ == "__main__":
    main()
