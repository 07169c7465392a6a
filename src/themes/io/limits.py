"""Limits on what a reader may expand: YAML aliases and compressed archive members.

A small file must not turn into a large one in memory: a YAML codebook whose aliases repeat a
big node, or a zip member that inflates far past its stored size. Each reader here refuses such
a file with a one-line ``ThemesError`` (the CLI's exit code 2) before it builds the large thing.
"""

from __future__ import annotations

import zipfile
from typing import IO

from themes.errors import ConfigError, InputError

YAML_EXPANDED_MAX = 10_000_000   # characters of text (and nodes) once aliases are expanded
MEMBER_MAX = 200_000_000         # bytes one archive member may inflate to


def yaml_expanded_size(node, seen: dict | None = None) -> int:
    """Characters and nodes a composed YAML node stands for once every alias is expanded (an
    alias costs its target's full size each time it is used). A node that contains itself is
    refused with ValueError."""
    seen = {} if seen is None else seen
    key = id(node)
    if key in seen:
        if seen[key] is None:
            raise ValueError("an alias refers to a node that contains it")
        return seen[key]
    seen[key] = None
    value = node.value
    if isinstance(value, str):
        size = 1 + len(value)
    elif node.tag.endswith(":map") or (value and isinstance(value[0], tuple)):
        size = 1 + sum(yaml_expanded_size(k, seen) + yaml_expanded_size(v, seen) for k, v in value)
    else:
        size = 1 + sum(yaml_expanded_size(v, seen) for v in value)
    seen[key] = size
    return size


def load_yaml(text: str, source: str, limit: int = YAML_EXPANDED_MAX):
    """``yaml.safe_load`` with a bound on alias expansion (billion laughs) and on nesting."""
    import yaml

    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            size = yaml_expanded_size(node)
        except ValueError as exc:
            raise ConfigError(f"{source}: {exc}. Write the codebook out without anchors (&) and aliases (*).") \
                from None
        if size > limit:
            raise ConfigError(f"{source}: its aliases (*name) expand it to over {limit:,} characters. Write each "
                              "value out in full instead of repeating it with anchors (&) and aliases (*).")
        return loader.construct_document(node)
    except RecursionError:
        raise ConfigError(f"{source}: nested too deeply to be a codebook. Check its indentation and brackets.") \
            from None
    finally:
        loader.dispose()


def read_member(archive: zipfile.ZipFile, name: str, source: str, limit: int | None = None) -> bytes:
    """One member of a zip archive, refused before reading if it claims to inflate past ``limit``
    bytes (``MEMBER_MAX``), and stopped at ``limit`` if it inflates further than it claimed."""
    limit = MEMBER_MAX if limit is None else limit
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise InputError(f"{source}: the member {name} expands to {info.file_size:,} bytes, more than the "
                         f"{limit:,} this reads. Export a smaller project.")
    with archive.open(info) as fh:
        return read_capped(fh, f"{source}: the member {name}", limit)


def read_capped(fh: IO[bytes], what: str, limit: int) -> bytes:
    """Read a stream whole, refusing one that runs past ``limit`` bytes."""
    data = fh.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"{what} expands to more than {limit:,} bytes. Export a smaller project.")
    return data


_LIBC: list = []


def release_freed_memory() -> None:
    """Hand memory that has been freed back to the system (glibc's ``malloc_trim``; nothing elsewhere).

    Encoding batch after batch of texts of every length leaves glibc's heap fragmented: the
    resident size of a 12,000-text embedding grew from 570 to 900 MB and kept growing with the
    number of texts, and stayed at 615 MB with a trim after each chunk, at the same speed
    (benchmarks/speed.py --cases peak measures the whole run)."""
    if not _LIBC:
        import ctypes
        import ctypes.util

        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            _LIBC.append(libc if hasattr(libc, "malloc_trim") else None)
        except OSError:
            _LIBC.append(None)
    if _LIBC[0] is not None:
        _LIBC[0].malloc_trim(0)


def peak_mb() -> float | None:
    """This process's peak resident size so far, in MB (None where the platform does not say)."""
    try:
        import resource
    except ImportError:   # Windows
        return None
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def use_system_memory_pool() -> None:
    """Let pyarrow allocate through the system allocator instead of its own pool (mimalloc or
    jemalloc in the wheels). pandas 3 keeps every text column in Arrow, and Arrow's pool keeps
    what it freed: segmenting 200,000 distinct answers left 837 MB resident (peak 1,021 MB) with
    the pool and 423 MB (peak 643 MB) through the system allocator, whose freed memory
    ``release_freed_memory`` hands back (benchmarks/speed.py --cases peak measures a whole run).
    Called at the start of each chain and by the CLI; nothing if pyarrow is absent."""
    try:
        import pyarrow
    except ImportError:
        return
    if pyarrow.default_memory_pool().backend_name != "system":
        pyarrow.set_memory_pool(pyarrow.system_memory_pool())
