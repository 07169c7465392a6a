"""The embedder a run uses: the chosen backend (or a stand-in put in force with
``themes.config.use_components``), with the vector cache in front."""

from __future__ import annotations

import numpy as np

from themes.config import Settings, components
from themes.embed.device import batch_for, resolve_device
from themes.embed.models import CachedEmbedder, EmbeddingCache, SentenceTransformerEmbedder, embed_texts
from themes.errors import ConfigError
from themes.progress import Reporter
from themes.types import Segments


def new_embedder(model: str, settings: Settings):
    """The embedding model on the chosen backend (torch, or ONNX Runtime)."""
    if components().embedder is not None:
        return components().embedder(model, settings)
    if settings.backend == "onnx":
        from themes.embed.onnx import OnnxEmbedder

        if settings.device == "cuda":
            raise ConfigError("--backend onnx runs on the CPU only: use --backend torch with --device cuda.")
        return OnnxEmbedder(model, batch_for(settings.batch_size, "cpu"), settings.cache_path, quantize=False)
    device = resolve_device(settings.device)
    return SentenceTransformerEmbedder(model, batch_for(settings.batch_size, device), device=device)


def vector_cache(embedder, settings: Settings) -> EmbeddingCache | None:
    """The on-disk vector cache for this embedder, or None when the cache is off."""
    if not settings.use_cache:
        return None
    return EmbeddingCache(settings.cache_path, f"{embedder.name}@{getattr(embedder, 'version', '')}",
                          embedder.dimension)


def embed_with_cache(texts: list[str], embedder, settings: Settings, reporter: Reporter) -> np.ndarray:
    """Unit vectors of ``texts`` (cached ones read back), with a progress bar; the text is
    normalised first (themes.text.normalise) unless ``settings.normalise`` is off."""
    if settings.normalise:
        from themes.text.normalise import normalise_all

        texts = normalise_all(texts)
    return _vectors(texts, embedder, settings, reporter)


def embed_segments(segs: Segments, embedder, settings: Settings, reporter: Reporter, compact: bool = False):
    """Unit vectors of the segments (their normalised text, worked out at segmentation, unless
    normalisation is off); with ``compact``, as themes.types.SegmentVectors (one per distinct text)."""
    return _vectors(segs.texts_for(settings.normalise), embedder, settings, reporter, compact)


def _vectors(texts: list[str], embedder, settings: Settings, reporter: Reporter, compact: bool = False):
    return embed_texts(texts, embedder, vector_cache(embedder, settings), progress=reporter.bar("Embedding"),
                       compact=compact)


def cached(embedder, settings: Settings):
    """The embedder with the cache in front (theme-name phrases): a cached run loads no model."""
    cache = vector_cache(embedder, settings)
    return CachedEmbedder(embedder, cache) if cache is not None else embedder


def embedder_info(embedder) -> dict:
    """What a saved model records of its embedder (checked when it labels)."""
    return {"name": embedder.name, "version": getattr(embedder, "version", ""), "dimension": int(embedder.dimension)}
