"""Terminal side of `zkverify prove` on a batch: a progress bar, the summary, the exit code."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from .batch import Outcome, run_batch


@contextlib.contextmanager
def _bar(enabled: bool) -> Iterator[Any]:
    """A rich progress bar on a terminal; a no-op callback otherwise."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("proving"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[status]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=False) as progress:
        yield progress


def prove_batch(circuit_dir: Path, inputs: Path, out: Path, workers: int,
                ray_address: str | None, as_json: bool) -> int:
    """Run the batch; print the summary; 0 when every input was proved (or skipped), else 1."""
    counts = {"ok": 0, "skipped": 0, "failed": 0}
    with _bar(not as_json and sys.stderr.isatty()) as progress:
        task = None

        def on_outcome(o: Outcome, done: int, total: int) -> None:
            nonlocal task
            counts[o.status] += 1
            if progress is None:
                return
            if task is None:
                task = progress.add_task("prove", total=total, status="")
            status = (f"[green]{counts['ok']} ok[/] [dim]{counts['skipped']} skipped[/] "
                      f"[red]{counts['failed']} failed[/]")
            progress.update(task, completed=done, status=status)

        summary = run_batch(circuit_dir, inputs, out, workers, ray_address, on_outcome)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        print_summary(summary)
    return 1 if summary["failed"] else 0


def print_summary(s: dict[str, Any]) -> None:
    click.echo(f"{s['count']} inputs: {s['ok']} proved, {s['skipped']} skipped (already proved), "
               f"{s['failed']} failed in {s['seconds']:.1f}s ({s['proofs_per_minute']:.1f} proofs/min, "
               f"{s['backend']}, {s['workers']} worker{'s' if s['workers'] != 1 else ''}) "
               f"-> {s['out_dir']}")
    for f in s["failures"]:
        click.echo(f"  failed #{f['index']}: {f['error']}")
    click.echo(f"summary: {Path(s['out_dir']) / 'summary.json'}")
