"""One validated settings object, with defaults that suit survey text."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from themes.errors import ConfigError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
BACKENDS = ("torch", "onnx")
DEVICES = ("auto", "cpu", "cuda")
DESCRIBERS = ("extractive", "local")
SAMPLE_CAP = 20_000  # sentences an engine that collects a sample keeps (streamed candidates, Spark's driver)


def default_cache_dir() -> Path:
    env = os.environ.get("THEMES_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "themes"


@dataclass(frozen=True)
class Settings:
    """Settings for a run. Validated on creation; ``replace`` returns a new, validated copy."""

    seed: int = 42
    model: str = DEFAULT_MODEL
    batch_size: int | None = None    # sentences per embedding batch (None: 16 on the CPU, 256 on a GPU)
    device: str = "auto"             # auto (a CUDA GPU when torch sees one), cpu or cuda
    backend: str = "torch"            # torch, or onnx (ONNX Runtime, same vectors; pip install 'themes[onnx]')
    n_themes: int | None = None      # force the number of themes (per question)
    min_themes: int = 2
    max_themes: int = 60
    min_theme_size: int = 3           # smallest theme, in segments, that is kept
    fit_sample: int | None = None    # fit on a seeded sample of this many distinct sentences (None: all)
    reduce_dims: int = 48             # PCA dimensions used for clustering (0: none)
    merge_similarity: float = 0.92    # themes whose centres are this close are merged
    min_similarity: float = 0.20      # below this cosine to every centre: unassigned
    codebook_similarity: float = 0.35  # extract --codebook: a segment this close to a codebook theme is its
    min_segment_words: int = 3        # shorter fragments join a neighbour
    max_segment_words: int = 120      # longer sentences are split (the model reads 256 word pieces)
    n_quotes: int = 5
    quote_max_words: int = 60
    normalise: bool = True            # embed, name and find keywords on text with handles, links, HTML, emoji out
    max_codes: int = 8                # a response takes at most this many themes (codes)
    code_margin: float = 0.0          # label CODEBOOK: a segment also takes codes this close to its best one
    stance_split: bool = False        # a theme whose answers split into positive and critical becomes two themes
    describe: str = "extractive"      # "local": a small packaged model writes names and definitions (checked)
    fine_tune: int = 0                # train: epochs of contrastive fine-tuning of the sentence model (0: none)
    use_cache: bool = True
    cache_dir: str | None = None

    def __post_init__(self) -> None:
        checks = [
            ("batch_size", self.batch_size is None or self.batch_size >= 1, "at least 1"),
            ("device", self.device in DEVICES, " or ".join(DEVICES)),
            ("backend", self.backend in BACKENDS, " or ".join(BACKENDS)),
            ("describe", self.describe in DESCRIBERS, " or ".join(DESCRIBERS)),
            ("min_themes", self.min_themes >= 1, "at least 1"),
            ("max_codes", self.max_codes >= 1, "at least 1"),
            ("fine_tune", 0 <= self.fine_tune <= 20, "0 (none) to 20 epochs"),
            ("code_margin", 0 <= self.code_margin < 1, "in [0, 1)"),
            ("max_themes", self.max_themes >= self.min_themes, "at least min_themes"),
            ("min_theme_size", self.min_theme_size >= 1, "at least 1"),
            ("fit_sample", self.fit_sample is None or self.fit_sample >= 100, "at least 100"),
            ("reduce_dims", self.reduce_dims >= 0, "0 (none) or more"),
            ("merge_similarity", 0 < self.merge_similarity <= 1, "in (0, 1]"),
            ("min_similarity", -1 <= self.min_similarity < 1, "in [-1, 1)"),
            ("codebook_similarity", -1 <= self.codebook_similarity < 1, "in [-1, 1)"),
            ("min_segment_words", self.min_segment_words >= 0, "0 or more"),
            ("max_segment_words", self.max_segment_words >= 8, "at least 8"),
            ("n_quotes", self.n_quotes >= 0, "0 or more"),
            ("quote_max_words", self.quote_max_words >= 5, "at least 5"),
        ]
        if self.n_themes is not None:
            checks.append(("n_themes", self.n_themes >= 1, "at least 1"))
        for name, ok, rule in checks:
            if not ok:
                raise ConfigError(f"Setting {name}={getattr(self, name)!r} is invalid: it must be {rule}.")

    @property
    def cache_path(self) -> Path:
        return Path(self.cache_dir).expanduser() if self.cache_dir else default_cache_dir()

    @property
    def sample_cap(self) -> int:
        """Sentences kept where an engine collects a sample: ``fit_sample``, else ``SAMPLE_CAP``."""
        return self.fit_sample or SAMPLE_CAP

    def replace(self, **changes) -> Settings:
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ConfigError(f"Unknown setting(s): {', '.join(sorted(unknown))}. Known: {', '.join(sorted(known))}.")
        return replace(self, **changes)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("cache_dir")  # where vectors are cached, and whether, does not change results
        d.pop("use_cache")
        d.pop("device")     # where the arithmetic runs does not change results
        return d


@dataclass(frozen=True)
class Components:
    """The parts a run builds when none is passed in, as factories: ``embedder(model, settings)``,
    ``splitter(settings)``, ``phrases(settings)``. ``None`` keeps the default (the sentence-
    transformers model, spaCy's sentence splitter and phrase finder). The one seam for test
    doubles and plug-ins where no object can be passed (the command line): see ``use_components``.
    """

    embedder: Callable | None = None
    splitter: Callable | None = None
    phrases: Callable | None = None
    generator: Callable | None = None   # generator(settings): ``name`` and ``generate(prompt) -> str`` (--describe local)


_COMPONENTS: ContextVar[Components] = ContextVar("themes_components", default=Components())  # noqa: B039 (frozen)


def components() -> Components:
    """The components in force (``use_components``), else the defaults."""
    return _COMPONENTS.get()


@contextmanager
def use_components(parts: Components):
    """Within the block, runs (CLI commands included) build their parts with ``parts``."""
    token = _COMPONENTS.set(parts)
    try:
        yield parts
    finally:
        _COMPONENTS.reset(token)
