"""Files and folders that appear whole or not at all: the one module that writes by
temp-then-rename, and the one cleanup path.

Output folders are written into a temporary folder beside OUTDIR (``.OUTDIR.tmp-HOST-PID-XXXX``)
and renamed into place at the end (``staged_outdir``), so an interrupted run never leaves a
half-written OUTDIR. An interrupted run (Ctrl-C, SIGTERM) removes its temporary folder; one that
was killed outright (SIGKILL, power loss) cannot, and the next run writing beside it removes
temporary folders whose process, on this host, is gone. A failed write (a full disk) becomes one
``OutputError`` that says nothing was written.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import tempfile
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from themes.errors import OutputError


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


def write_path(path: str | Path, produce: Callable[[Path], None]) -> Path:
    """Write ``path`` through ``produce(tmp)``, which writes a file at the temporary path it is
    given (beside ``path``, same suffix), then rename: readers see the old file or the whole new
    one. On any error the temporary file is removed and the error raised."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}.tmp{path.suffix}")
    try:
        produce(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


@contextmanager
def staged_files(folder: str | Path):
    """Yield an empty temporary folder inside ``folder``; when the block ends without error every
    file (or folder) written there replaces its namesake in ``folder``. Nothing is left behind
    either way, and a failed write (a full disk) becomes an ``OutputError``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".staged.tmp-", dir=folder))
    try:
        yield tmp
        for item in sorted(tmp.iterdir()):
            target = folder / item.name
            if target.is_dir():
                shutil.rmtree(target)
            os.replace(item, target)
    except OSError as exc:
        raise OutputError(f"{folder}: could not write the files ({exc.strerror or exc}); nothing was written. "
                          "Free some space or choose another -o.") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_file(path: str | Path, write: Callable, mode: str = "wb") -> None:
    """Write ``path`` through ``write(fh)`` into a temporary name beside it (``.<name>.<id>.tmp``),
    flush it to disk, then rename: readers see the old file or the whole new one. On any error
    the temporary file is removed and the error raised."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": ""})) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def check_outdir(outdir: Path, force: bool) -> None:
    if outdir.exists() and not outdir.is_dir():
        raise OutputError(f"{outdir}: exists and is not a folder. Choose another -o.")
    if outdir.is_dir() and any(outdir.iterdir()) and not force:
        raise OutputError(f"{outdir}: folder exists and is not empty. Use --force to replace it, or choose "
                          "another -o.")


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9.]", "_", socket.gethostname()) or "host"


def _temp_prefix(outdir: Path, kind: str) -> str:
    return f".{outdir.name}.{kind}-{_host()}-{os.getpid()}-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temp(outdir: Path) -> list[Path]:
    """Remove temporary folders left beside OUTDIR by runs on this host that were killed."""
    outdir = Path(outdir)
    parent = outdir.resolve().parent
    pattern = re.compile(rf"^\.{re.escape(outdir.name)}\.(tmp|old)-(?P<host>.+)-(?P<pid>\d+)-[^-]*$")
    removed = []
    if not parent.is_dir():
        return removed
    for path in parent.iterdir():
        m = pattern.match(path.name)
        if m and path.is_dir() and m["host"] == _host() and not _alive(int(m["pid"])):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def temp_outdir(outdir: str | Path, force: bool = False) -> Path:
    """A fresh temporary folder beside OUTDIR (stale ones from killed runs removed first);
    ``commit_outdir`` renames it into place."""
    outdir = Path(outdir)
    check_outdir(outdir, force)
    parent = outdir.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temp(outdir)
        return Path(tempfile.mkdtemp(prefix=_temp_prefix(outdir, "tmp"), dir=parent))
    except OSError as exc:
        raise OutputError(f"{parent}: cannot write here ({exc.strerror or exc}). Choose another -o.") from None


def commit_outdir(tmp: Path, outdir: str | Path) -> Path:
    """Replace OUTDIR by the finished temporary folder; with --force, the old folder is put back
    if the swap fails."""
    outdir = Path(outdir)
    parent = outdir.resolve().parent
    os.chmod(tmp, 0o755)
    if outdir.exists():
        old = Path(tempfile.mkdtemp(prefix=_temp_prefix(outdir, "old"), dir=parent))
        os.replace(outdir, old / "x")
        try:
            os.replace(tmp, outdir)
        except BaseException:
            os.replace(old / "x", outdir)
            old.rmdir()
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, outdir)
    return outdir


def discard_outdir(tmp: Path, outdir: str | Path, exc: BaseException) -> None:
    """Remove the temporary folder of a failed run; a full disk becomes a clear OutputError."""
    shutil.rmtree(tmp, ignore_errors=True)
    if isinstance(exc, OSError):
        raise OutputError(f"{outdir}: could not write the results ({exc.strerror or exc}); nothing was "
                          "written. Free some space or choose another -o.") from None


@contextmanager
def staged_outdir(outdir: str | Path, force: bool = False):
    """Yield a fresh temporary folder beside OUTDIR; when the block ends without error it replaces
    OUTDIR, and when it fails it is removed (a full disk becomes an ``OutputError``). Every
    command that writes an output folder goes through here."""
    tmp = temp_outdir(outdir, force)
    try:
        yield tmp
        commit_outdir(tmp, outdir)
    except BaseException as exc:
        discard_outdir(tmp, outdir, exc)
        raise
