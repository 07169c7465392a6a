"""BERTopic export: an OUTDIR's fitted themes as a folder that ``BERTopic.load(DIR)`` reads.

The layout is what ``BERTopic.save(DIR, serialization="safetensors", save_ctfidf=True)`` writes
(BERTopic 0.17, ``bertopic/_save_utils.py``), so BERTopic's visualisations, ``get_topic_info``,
``find_topics`` and ``transform`` work on themes' themes:

- ``topics.json``: one topic per live theme (not deleted or merged), numbered 0, 1, ... in the
  model's order; its keywords as the representation; its name as the custom label; the fitted
  documents' topics (each answer with text, in responses.csv order, takes its primary theme,
  edits applied; an unassigned answer is topic -1, "Unassigned").
- ``topic_embeddings.safetensors``: the themes' centroids (unit length), with an all-zero row
  for topic -1 when there is one, so ``transform`` (nearest centroid by cosine, no threshold)
  never picks it while a theme is closer than orthogonal.
- ``ctfidf.safetensors`` and ``ctfidf_config.json``: BERTopic's c-TF-IDF of the answers grouped
  by topic, with the scikit-learn ``CountVectorizer`` (words and word pairs, English stop words)
  that rebuilds it, as BERTopic computes it.
- ``config.json``: BERTopic's parameters, and the embedding model's hub name when it is the one
  themes ships (all-MiniLM-L6-v2); pass ``embedding_model=`` to ``BERTopic.load`` to embed
  offline.
- ``run.json``: themes' own record of the export (BERTopic ignores it), so ``--force`` may replace
  the folder later.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from themes.errors import InputError
from themes.io.atomic import check_outdir, staged_outdir
from themes.io.outdir import read_output
from themes.model.persist import find_model, load_model
from themes.types import LABELLED, UNASSIGNED, live_mask, resolve_rows

TOP_N_WORDS = 10
PAD = ("", 1e-05)                  # BERTopic's filler for a representation shorter than top_n_words
OUTLIER_LABEL = "Unassigned"
HUB_NAMES = {"all-minilm-l6-v2": "sentence-transformers/all-MiniLM-L6-v2",
             "sentence-transformers/all-minilm-l6-v2": "sentence-transformers/all-MiniLM-L6-v2"}
FILES = ("config.json", "topics.json", "topic_embeddings.safetensors", "ctfidf.safetensors", "ctfidf_config.json")


def document_topics(responses, table) -> tuple[list[str], np.ndarray]:
    """The texts of the answers with content and each one's BERTopic topic: the position among the
    live themes of its first theme (strongest first) that survives the model's edits, else -1."""
    rows = resolve_rows(table)
    live_rows = np.flatnonzero(live_mask(table))
    topic_of_row = {int(r): t for t, r in enumerate(live_rows)}
    topic_of_id = {int(tid): topic_of_row.get(int(rows[r]), -1) for r, tid in enumerate(table["theme_id"])}
    keep = responses["status"].isin([LABELLED, UNASSIGNED]).to_numpy()
    texts, topics = [], []
    for status, ids, text in zip(responses["status"][keep], responses["theme_ids"][keep], responses["text"][keep]):
        topic = -1
        if status == LABELLED:
            for tid in (int(x) for x in str(ids).split(";") if x.strip()):
                if topic_of_id.get(tid, -1) >= 0:
                    topic = topic_of_id[tid]
                    break
        texts.append(text)
        topics.append(topic)
    return texts, np.asarray(topics, dtype=np.int64)


def class_tfidf(texts: list[str], topics: np.ndarray, order: list[int]):
    """BERTopic's c-TF-IDF of ``texts`` grouped by topic (rows in ``order``): the fitted
    CountVectorizer, the topics x terms matrix (scipy CSR) and the idf weights, or Nones when the
    answers hold no word outside the stop words."""
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.preprocessing import normalize

    vectorizer = CountVectorizer(ngram_range=(1, 2), stop_words="english")
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # empty vocabulary
        return None, None, None
    group = sp.csr_matrix((np.ones(len(texts)), ([order.index(int(t)) for t in topics], np.arange(len(texts)))),
                          shape=(len(order), len(texts)))
    per_topic = (group @ counts).tocsr()
    df = np.squeeze(np.asarray(per_topic.sum(axis=0)), axis=0).astype(np.float64)
    avg = int(per_topic.sum(axis=1).mean())  # BERTopic's ClassTfidfTransformer.fit, whole number included
    idf = np.log(avg / df + 1)
    matrix = (normalize(per_topic.astype(np.float64), axis=1, norm="l1") @ sp.diags(idf, format="csr")).tocsr()
    matrix.sort_indices()
    return vectorizer, matrix, idf


def representation(keywords: list[str], row: np.ndarray | None, vocab: dict) -> list[list]:
    """A theme's keywords with their c-TF-IDF weights (0 when not a term of the vectorizer), padded
    to TOP_N_WORDS as BERTopic pads."""
    words = [[k, float(row[vocab[k.lower()]]) if row is not None and k.lower() in vocab else 0.0]
             for k in keywords[:TOP_N_WORDS]]
    return words + [list(PAD)] * (TOP_N_WORDS - len(words))


def top_terms(row: np.ndarray | None, terms: np.ndarray) -> list[str]:
    if row is None:
        return []
    best = [i for i in np.argsort(-row, kind="stable")[:TOP_N_WORDS] if row[i] > 0]
    return [str(terms[i]) for i in best]


def bertopic_config(embedder: dict) -> dict:
    """config.json: BERTopic's own parameters (``get_params()`` without the sub-models)."""
    config = {"calculate_probabilities": False, "language": "english", "low_memory": False, "min_topic_size": 10,
              "n_gram_range": [1, 2], "nr_topics": None, "seed_topic_list": None, "top_n_words": TOP_N_WORDS,
              "verbose": False, "zeroshot_min_similarity": 0.7, "zeroshot_topic_list": None}
    hub = HUB_NAMES.get(str(embedder.get("name", "")).strip().lower())
    if hub:
        config["embedding_model"] = hub
    return config


def bertopic_folder(folder: str | Path) -> dict:
    """What an OUTDIR becomes in BERTopic's format: the JSON files as dicts, the arrays as
    numpy dicts (``topic_embeddings``, ``ctfidf``, None without terms), and counts."""
    folder = Path(folder)
    if not (folder / "responses.csv").is_file():
        raise InputError(f"{folder}: no responses.csv. BERTopic needs the fitted answers: give the output folder "
                         "that `themes extract` or `themes label` wrote, not a model folder.")
    model = load_model(find_model(folder))
    table = model.table
    responses = read_output(folder, "responses.csv", required=("status", "theme_ids", "text"))
    texts, topics = document_topics(responses, table)
    live = table[live_mask(table)].reset_index(drop=True)
    outliers = int((topics == -1).any())
    order = ([-1] if outliers else []) + list(range(len(live)))
    vectorizer, matrix, idf = class_tfidf(texts, topics, order) if texts else (None, None, None)
    dense = matrix.toarray() if matrix is not None else None
    vocab = {str(k): int(v) for k, v in vectorizer.vocabulary_.items()} if vectorizer is not None else {}
    terms = vectorizer.get_feature_names_out() if vectorizer is not None else np.array([])
    row = (lambda t: dense[order.index(t)]) if dense is not None else (lambda t: None)
    keywords = {t: list(kw) for t, kw in enumerate(live["keywords"])}
    if outliers:
        keywords[-1] = top_terms(row(-1), terms)
    sizes = {t: int((topics == t).sum()) for t in order}
    centroids = np.asarray(model.theme_set.centroids, dtype=np.float32)[live_mask(table)]
    embeddings = np.vstack([np.zeros((outliers, centroids.shape[1]), np.float32), centroids])
    topics_json = {
        "topic_representations": {str(t): representation(keywords[t], row(t), vocab) for t in order},
        "topics": [int(t) for t in topics],
        "topic_sizes": {str(t): sizes[t] for t in order},
        "topic_mapper": [[t, t] for t in order],
        "topic_labels": {str(t): f"{t}_" + "_".join(w for w, _ in representation(keywords[t], None, {})[:4])
                         for t in order},
        "custom_labels": ([OUTLIER_LABEL] if outliers else []) + [str(n) for n in live["name"]],
        "_outliers": outliers,
        "topic_aspects": {},
    }
    out = {"config": bertopic_config(model.embedder), "topics": topics_json,
           "topic_embeddings": {"topic_embeddings": np.ascontiguousarray(embeddings)}, "ctfidf": None,
           "ctfidf_config": None,
           "counts": {"topics": len(live), "documents": len(texts), "unassigned": sizes.get(-1, 0),
                      "terms": len(vocab)}}
    if matrix is not None:
        out["ctfidf"] = {"indptr": matrix.indptr, "indices": matrix.indices, "data": matrix.data,
                         "shape": np.array(matrix.shape), "diag": idf}
        params = vectorizer.get_params()
        for name in ("tokenizer", "preprocessor", "dtype"):
            params.pop(name, None)
        out["ctfidf_config"] = {"ctfidf_model": {"bm25_weighting": False, "reduce_frequent_words": False},
                                "vectorizer_model": {"params": params, "vocab": vocab}}
    return out


def write_bertopic(folder: str | Path, dest: str | Path, force: bool = False) -> dict:
    """Write ``folder`` (an OUTDIR) as a BERTopic safetensors folder at ``dest``, whole or not at
    all; a non-empty ``dest`` needs ``force`` and must be one themes wrote. Returns the counts."""
    import safetensors.numpy

    from themes import __version__

    dest = Path(dest)
    check_outdir(dest, force, inputs=(folder,))
    data = bertopic_folder(folder)
    with staged_outdir(dest, force) as tmp:
        for name in ("config", "topics", "ctfidf_config"):
            if data[name] is not None:
                (tmp / f"{name}.json").write_text(json.dumps(data[name], indent=2), encoding="utf-8")
        for name in ("topic_embeddings", "ctfidf"):
            if data[name] is not None:
                safetensors.numpy.save_file(data[name], str(tmp / f"{name}.safetensors"))
        run = {"tool": "themes", "command": "export --bertopic", "source": Path(folder).resolve().name,
               "versions": {"themes": __version__}, "format": "bertopic-safetensors", "counts": data["counts"]}
        (tmp / "run.json").write_text(json.dumps(run, indent=2), encoding="utf-8")
    return data["counts"]
