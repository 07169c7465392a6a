"""Files and folders that appear whole or not at all."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_folder(dest: str | Path):
    """Yield an empty temporary folder beside ``dest``. When the block ends without error it
    takes the place of ``dest`` by renaming (an old ``dest`` is moved aside first, then removed);
    when the block fails it is removed and ``dest`` is left as it was."""
    dest = Path(dest)
    parent = dest.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=parent))
    try:
        yield tmp
        os.chmod(tmp, 0o755)
        if dest.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=parent))
            os.replace(dest, old / "x")
            os.replace(tmp, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_cache_file(path: str | Path, write: Callable, mode: str = "wb") -> None:
    """``write_file`` for a cache: makes the folder, and skips a file that cannot be written
    (a cache only saves time)."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        write_file(path, write, mode)
    except OSError:
        pass


def write_file(path: str | Path, write: Callable, mode: str = "wb") -> None:
    """Write ``path`` through ``write(fh)`` into a temporary name beside it (``.<name>.<id>.tmp``),
    flush it to disk, then rename: readers see the old file or the whole new one. On any error
    the temporary file is removed and the error raised."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
