"""Progress reporting for long stages: a rich spinner on a terminal, silence elsewhere."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from typing import Protocol


class Progress(Protocol):
    def stage(self, name: str) -> contextlib.AbstractContextManager[None]: ...

    def note(self, message: str) -> None: ...


class NullProgress:
    """Records stage timings and notes, prints nothing."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.notes: list[str] = []

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(time.perf_counter() - t0, 3)

    def note(self, message: str) -> None:
        self.notes.append(message)


class RichProgress(NullProgress):
    """A spinner per stage on stderr, then a tick line with the stage's time."""

    def __init__(self) -> None:
        super().__init__()
        from rich.console import Console

        self.console = Console(stderr=True)

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        with self.console.status(f"{name}…"), super().stage(name):
            yield
        self.console.print(f"[green]✓[/] {name} [dim]{self.timings[name]:.2f}s[/]")

    def note(self, message: str) -> None:
        super().note(message)
        self.console.print(f"  [cyan]•[/] {message}")


def for_terminal(json_output: bool = False) -> NullProgress:
    """RichProgress when stderr is a terminal and the user did not ask for JSON."""
    if json_output or not sys.stderr.isatty():
        return NullProgress()
    return RichProgress()
