"""Progress bars (rich) that a --quiet run turns off."""

from __future__ import annotations

import sys


class Bar:
    """A single progress bar: start(total, done), advance(n), stop()."""

    def __init__(self, description: str, quiet: bool = False):
        self.description = description
        self.quiet = quiet
        self._progress = None
        self._task = None

    def start(self, total: int, done: int = 0) -> None:
        if self.quiet or total - done <= 0:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                  TimeRemainingColumn(), transient=True, console=Console(stderr=True))
        self._progress.start()
        self._task = self._progress.add_task(self.description, total=total, completed=done)

    def advance(self, n: int) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, n)

    def stop(self) -> None:
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
