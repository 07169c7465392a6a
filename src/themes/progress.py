"""Progress that a --quiet run turns off: a bar with an ETA on a terminal (rich), and a plain
line every few seconds when stderr is not one (log files, notebooks, CI)."""

from __future__ import annotations

import sys
import time

LINE_EVERY_S = 5.0


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else \
        f"{seconds // 60}:{seconds % 60:02d}"


class Lines:
    """Progress as lines: 'Embedding: 1,200/5,000 (24%), ETA 0:41', at most one every
    ``every`` seconds, and one at the end."""

    def __init__(self, description: str, total: int, done: int = 0, every: float = LINE_EVERY_S, stream=None):
        self.description, self.total, self.done, self.every = description, total, done, every
        self.stream = stream or sys.stderr
        self.t0 = self.last = time.monotonic()
        self.first = done

    def advance(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last >= self.every and self.done < self.total:
            self.last = now
            self._say(now)

    def _say(self, now: float, final: bool = False) -> None:
        made = self.done - self.first
        eta = (now - self.t0) / made * (self.total - self.done) if made > 0 else None
        tail = f", took {_clock(now - self.t0)}" if final else f", ETA {_clock(eta)}" if eta is not None else ""
        print(f"{self.description}: {self.done:,}/{self.total:,} ({100 * self.done / self.total:.0f}%){tail}",
              file=self.stream, flush=True)

    def stop(self) -> None:
        self._say(time.monotonic(), final=True)


class Bar:
    """A single progress bar: start(total, done), advance(n), stop()."""

    def __init__(self, description: str, quiet: bool = False):
        self.description = description
        self.quiet = quiet
        self._progress = None
        self._task = None
        self._lines: Lines | None = None

    def start(self, total: int, done: int = 0) -> None:
        if self.quiet or total - done <= 0:
            return
        if not sys.stderr.isatty():
            self._lines = Lines(self.description, total, done)
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                  TimeRemainingColumn(), transient=True, console=Console(stderr=True))
        self._progress.start()
        self._task = self._progress.add_task(self.description, total=total, completed=done)

    def advance(self, n: int) -> None:
        if self._lines is not None:
            self._lines.advance(n)
        if self._progress is not None:
            self._progress.advance(self._task, n)

    def stop(self) -> None:
        if self._lines is not None:
            self._lines.stop()
            self._lines = None
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


class Reporter:
    """Stage messages and bars; silent when quiet."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet

    def bar(self, description: str) -> Bar:
        return Bar(description, self.quiet)

    def say(self, message: str) -> None:
        if not self.quiet:
            print(message, file=sys.stderr)
