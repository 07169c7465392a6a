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

import contextlib
import json
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
        swap_in(folder, tmp)
    except OSError as exc:
        raise OutputError(f"{folder}: could not write the files ({exc.strerror or exc}); nothing was written. "
                          "Free some space or choose another -o.") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def swap_in(folder: Path, tmp: Path) -> None:
    """Put every item of ``tmp`` in place of its namesake in ``folder``, all or none: the old items
    (files, folders, or symbolic links, which are moved and never followed) go aside into ``tmp``
    first; if any rename fails, the new items are taken out and the old ones put back."""
    old = Path(tempfile.mkdtemp(prefix=".old-", dir=tmp))
    items = sorted(p for p in tmp.iterdir() if p != old)
    aside: list[str] = []
    placed: list[str] = []
    try:
        for item in items:
            target = folder / item.name
            if target.is_symlink() or target.exists():
                os.replace(target, old / item.name)
                aside.append(item.name)
        for item in items:
            os.replace(item, folder / item.name)
            placed.append(item.name)
    except OSError:
        for name in placed:
            with contextlib.suppress(OSError):
                os.replace(folder / name, tmp / name)
        for name in aside:
            with contextlib.suppress(OSError):
                os.replace(old / name, folder / name)
        raise


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


MARKERS = ("run.json", "manifest.json")  # what a themes command writes into every folder it makes


def written_by_themes(folder: Path) -> bool:
    """True if ``folder`` holds the marker a themes command writes: a ``run.json`` naming the tool
    (``"tool": "themes"``, or the command and themes version of earlier releases), or the
    ``manifest.json`` of a saved model."""
    for name in MARKERS:
        try:
            data = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        versions = data.get("versions")
        if data.get("tool") == "themes" or data.get("format") == "themes-model" or (
                "command" in data and isinstance(versions, dict) and "themes" in versions):
            return True
    return False


def _never_replaced(target: Path, inputs) -> str | None:
    """Why --force may not replace ``target`` (resolved), or None."""
    home = Path.home().resolve()
    if target == Path(target.anchor):
        return "is the root folder"
    if target == home or target in home.parents:
        return "is your home folder" if target == home else "holds your home folder"
    cwd = Path.cwd().resolve()
    if target == cwd or target in cwd.parents:
        return "is the current folder" if target == cwd else "holds the current folder"
    for item in inputs:
        if item is not None and str(item) != "-":
            path = Path(item).resolve()
            if path == target or target in path.parents:
                return f"holds the input {item}"
    return None


def check_outdir(outdir: Path, force: bool, inputs=()) -> None:
    """Refuse an OUTDIR that is a file, or a non-empty folder without --force. --force replaces
    only a folder that a themes command wrote (``written_by_themes``), never the root or home
    folder, the current folder, or one holding an input (``inputs``)."""
    outdir = Path(outdir)
    if outdir.exists() and not outdir.is_dir():
        raise OutputError(f"{outdir}: exists and is not a folder. Choose another -o.")
    if not outdir.is_dir():
        return
    why = _never_replaced(outdir.resolve(), inputs)
    if why:
        raise OutputError(f"{outdir}: {why}; an output folder is written whole and replaces what was there, so "
                          "it cannot go here. Choose another -o, such as a new folder.")
    if not any(outdir.iterdir()):
        return
    if not force:
        raise OutputError(f"{outdir}: folder exists and is not empty. Use --force to replace it, or choose "
                          "another -o.")
    if not written_by_themes(outdir):
        raise OutputError(f"{outdir}: not a folder that themes wrote (no run.json or model manifest.json of "
                          "themes in it), and --force replaces only those. Choose another -o, or empty it "
                          "yourself.")


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
