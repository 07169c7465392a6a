"""Codebook files of every kind themes reads, chosen by extension: YAML (themes' own) and
REFI-QDA (.qdc, or the codebook inside a .qdpx project)."""

from __future__ import annotations

from pathlib import Path

from themes.errors import ConfigError
from themes.exchange.qdc import read_qdc
from themes.model.codebook import Codebook, read_codebook


def read_qdc_codebook(path: str | Path) -> Codebook:
    """A REFI-QDA codebook (.qdc, or the codebook inside a .qdpx project) from any QDA program."""
    return read_qdc(path)


READERS = {".yaml": read_codebook, ".yml": read_codebook, ".qdc": read_qdc_codebook,
           ".qdpx": read_qdc_codebook}


def load_codebook(path: str | Path) -> Codebook:
    """Read a codebook in any format themes knows, chosen by the file's extension."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ConfigError(f"{path}: unknown codebook type '{path.suffix}'. Give a .yaml codebook "
                          "(`themes codebook export MODEL -o codebook.yaml` writes one) or a REFI-QDA .qdc.")
    return reader(path)


def is_codebook_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() in READERS
