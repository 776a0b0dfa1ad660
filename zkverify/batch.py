"""Batch proving: many inputs -> one proof bundle each, resumable, on a local pool or on Ray.

A proof directory holds::

    proof-000000.json ...  one bundle per input, named by the input's 0-based index
    journal.jsonl          one line per finished proof: index, input sha256, proof hash
    summary.json           the summary of the last run

Resume rule (cheap, but real): an existing bundle is skipped only when the journal says it
was proved here from an input with the same sha256 (of its float64 values, whatever the file
form), the file's sha256 is the one journaled when it was written (so any edit, truncation or
replacement is caught without re-running ezkl verify), and it parses as a bundle naming this
circuit (model, settings and vk hashes). Anything else is proved again and replaced
atomically. Bundles and the summary are written atomically and only by this (driver)
process, so Ctrl-C, SIGTERM or SIGKILL never leave a half-written bundle; a journal line cut
short by a kill is ignored.
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import numpy as np

from .batching import Packed, pack_all
from .errors import InputError, ZkVerifyError
from .files import _parse_int, sha256_bytes, sha256_file, write_json_atomic
from .inputs import Feed, Named, coerce_feed, feed_sha256, load_input_file
from .manifest import ProofBundle
from .proving import Prover
from .tensors import Tensor

JOURNAL, SUMMARY = "journal.jsonl", "summary.json"
_STALE_TMP = re.compile(r"^\.(proof-\d+\.json|summary\.json)\..*\.tmp$")


def bundle_name(index: int) -> str:
    return f"proof-{index:06d}.json"


def input_sha256(feed: Feed | Packed) -> str:
    """Identity of one input: its values (a one-float-input model's as float64, as journals of
    the first format recorded them), whatever file form they came in."""
    if isinstance(feed, Packed):
        return feed_sha256([*feed.feed, np.asarray([feed.real])])
    if len(feed) == 1 and feed[0].dtype == np.float64:
        return sha256_bytes(np.ascontiguousarray(feed[0], dtype=np.float64).tobytes())
    return feed_sha256(feed)


@dataclass(frozen=True)
class Item:
    index: int
    values: Feed | Packed | None
    error: str | None = None


@dataclass
class Outcome:
    index: int
    status: str  # "ok" | "skipped" | "failed"
    error: str | None = None
    prove_seconds: float = 0.0
    bundle: dict[str, Any] | None = field(default=None, repr=False)


def is_batch_input(path: Path, tensors: Sequence[Tensor]) -> bool:
    """A .jsonl file, or an .npy/.npz whose arrays hold more than one input (or a batch axis)."""
    if path.suffix == ".jsonl":
        return True
    if path.suffix not in (".npy", ".npz") or not path.is_file() or not tensors:
        return False
    try:
        data = load_input_file(path)
    except InputError:
        return False  # the single-input path reports the unreadable file
    arrays = list(data.values()) if isinstance(data, Named) else [data]
    if len(arrays) != len(tensors):
        return False
    return any(a.size != t.size or a.ndim == len(t.shape) + 1
               for a, t in zip(arrays, tensors, strict=True))


def load_items(path: Path, tensors: Sequence[Tensor]) -> list[Item]:
    """Every input of a batch file; a bad line or row becomes a failed item, not an error."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.suffix == ".jsonl":
        items = list(_jsonl_items(path, tensors))
        if not items:
            raise InputError(f"{path}: no inputs (empty batch: one JSON input per line expected)")
        return items
    if path.suffix not in (".npy", ".npz"):
        raise InputError(f"{path}: a batch of inputs is a .jsonl, .npy or .npz file")
    data = load_input_file(path)
    if not isinstance(data, Named):
        data = Named({tensors[0].name: data}) if len(tensors) == 1 else data
    names = [t.name for t in tensors]
    if isinstance(data, Named) and all(k == f"arr_{i}" for i, k in enumerate(data)) and len(
            data) == len(tensors):
        data = Named(dict(zip(names, data.values(), strict=True)))
    if not isinstance(data, Named) or sorted(data) != sorted(names):
        raise InputError(f"{path}: expected one array per model input ({', '.join(names)})")
    arrays = [np.asarray(data[n]) for n in names]
    counts = []
    for a, t in zip(arrays, tensors, strict=True):
        if a.size == 0 or a.size % t.size:
            raise InputError(f"{path}: {a.size} values is not a whole number of inputs of shape "
                             f"{list(t.shape)} (input {t.name!r})")
        counts.append(a.size // t.size)
    if len(set(counts)) != 1:
        raise InputError(f"{path}: the inputs hold different numbers of samples ({counts})")
    items = []
    for i in range(counts[0]):
        row = Named({t.name: a.reshape(-1, t.size)[i] for a, t in zip(arrays, tensors,
                                                                      strict=True)})
        try:
            items.append(Item(i, coerce_feed(row, tensors, f"{path}[{i}]")))
        except InputError as e:
            items.append(Item(i, None, str(e)))
    return items


def packed_items(items: list[Item], prover: Prover) -> list[Item]:
    """A batched circuit's tasks: B inputs per proof, in input order. Every input must be valid
    (a bad one would shift every later input into another proof)."""
    bad = next((i for i in items if i.values is None), None)
    if bad is not None:
        raise InputError(f"{bad.error} (a batched circuit packs {prover.batch_size} inputs per "
                         f"proof: fix or remove this input)")
    assert prover.batch_size
    feeds = [i.values for i in items if isinstance(i.values, list)]
    return [Item(k, p) for k, p in enumerate(pack_all(feeds, prover.inputs, prover.batch_size))]


def _jsonl_items(path: Path, tensors: Sequence[Tensor]) -> Iterator[Item]:
    index = 0
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue  # blank lines are not inputs
            where = f"{path}:{lineno}"
            try:
                yield Item(index, coerce_feed(json.loads(line, parse_int=_parse_int), tensors,
                                              where))
            except json.JSONDecodeError as e:
                yield Item(index, None, f"{where}: not valid JSON ({e.msg})")
            except InputError as e:
                yield Item(index, None, str(e))
            index += 1


def read_journal(out_dir: Path) -> dict[int, dict[str, Any]]:
    records: dict[int, dict[str, Any]] = {}
    path = out_dir / JOURNAL
    if not path.is_file():
        return records
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            rec = json.loads(line)
            records[int(rec["index"])] = rec
        except (ValueError, KeyError, TypeError):
            continue  # a line cut short by a kill
    return records


def already_done(out_dir: Path, item: Item, hashes: dict[str, str],
                 journal: dict[int, dict[str, Any]]) -> bool:
    """The resume rule from the module docstring."""
    rec = journal.get(item.index)
    path = out_dir / bundle_name(item.index)
    if rec is None or item.values is None or not path.is_file():
        return False
    if rec.get("input_sha256") != input_sha256(item.values):
        return False
    try:
        bundle = ProofBundle.load(path)
    except ZkVerifyError:
        return False
    if rec.get("bundle_sha256") != sha256_file(path):
        return False
    c = bundle.circuit
    same_circuit = (c.model_sha256, c.settings_sha256, c.vk_sha256) == (
        hashes["model_sha256"], hashes["settings_sha256"], hashes["vk_sha256"])
    return same_circuit and rec.get("proof_hash") == bundle.proof_hash()


def prove_item(prover: Prover, index: int, values: Feed | Packed) -> Outcome:
    """Prove one input (or B, packed), turning a zkverify error into a failed outcome (workers
    call this)."""
    try:
        if isinstance(values, Packed):
            bundle = prover.prove_values(values.feed, real=values.real)
        else:
            bundle = prover.prove_values(values)
    except ZkVerifyError as e:
        return Outcome(index, "failed", str(e))
    return Outcome(index, "ok", prove_seconds=round(prover.last_prove_seconds, 4),
                   bundle=bundle.model_dump(mode="json"))


def _on_sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # handled like Ctrl-C: stop, keep finished bundles


def run_batch(circuit_dir: str | Path, inputs: str | Path, out_dir: str | Path,
              workers: int = 1, ray_address: str | None = None,
              on_outcome: Callable[[Outcome, int, int], None] | None = None) -> dict[str, Any]:
    """Prove every input of ``inputs`` into ``out_dir``; return (and write) the summary."""
    from .backends import run_local, run_pool, run_ray

    prover = Prover(circuit_dir)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a directory (a batch writes one bundle "
                         f"per input into a directory)")
    items = load_items(Path(inputs), prover.sample_inputs())
    if prover.batch_size:
        items = packed_items(items, prover)
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.iterdir():
        if _STALE_TMP.match(stale.name):
            stale.unlink(missing_ok=True)  # left by a SIGKILL mid-write: never a bundle
    journal = read_journal(out)
    total = len(items)
    outcomes: dict[int, Outcome] = {}
    todo: list[tuple[int, Feed | Packed]] = []
    for item in items:
        if item.error is not None:
            outcomes[item.index] = Outcome(item.index, "failed", item.error)
        elif already_done(out, item, prover.hashes, journal):
            outcomes[item.index] = Outcome(item.index, "skipped")
        elif item.values is not None:
            todo.append((item.index, item.values))
    for o in outcomes.values():
        if on_outcome:
            on_outcome(o, len(outcomes), total)
    hashes_by_index = {index: input_sha256(values) for index, values in todo}
    t0 = time.perf_counter()
    interrupted = False

    def record(o: Outcome) -> None:
        if o.status == "ok" and o.bundle is not None:
            bundle = ProofBundle.model_validate(o.bundle)
            path = out / bundle_name(o.index)
            bundle.save(path)
            with open(out / JOURNAL, "a", encoding="utf-8") as f:
                f.write(json.dumps({"index": o.index, "input_sha256": hashes_by_index[o.index],
                                    "bundle_sha256": sha256_file(path),
                                    "proof_hash": bundle.proof_hash(),
                                    "prediction": bundle.prediction}) + "\n")
            o.bundle = None
        outcomes[o.index] = o
        if on_outcome:
            on_outcome(o, len(outcomes), total)

    old = signal.getsignal(signal.SIGTERM)
    in_main = _in_main_thread()
    if in_main:
        signal.signal(signal.SIGTERM, _on_sigterm)
    backend = "ray" if ray_address else ("pool" if workers > 1 else "local")
    try:
        if ray_address:
            workers = run_ray(prover, todo, record, ray_address, workers)
        elif workers > 1:
            run_pool(prover, todo, record, workers)
        else:
            run_local(prover, todo, record)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, old)
        # Also on errors: what finished is on disk and the summary says so.
        summary = summarize(prover, inputs, out, outcomes, total, time.perf_counter() - t0,
                            backend, workers, interrupted)
        write_json_atomic(out / SUMMARY, summary)
    if interrupted:
        raise KeyboardInterrupt
    return summary


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def summarize(prover: Prover, inputs: str | Path, out: Path, outcomes: dict[int, Outcome],
              total: int, seconds: float, backend: str, workers: int,
              interrupted: bool) -> dict[str, Any]:
    by = {s: [o for o in outcomes.values() if o.status == s] for s in ("ok", "skipped", "failed")}
    proved = len(by["ok"])
    mean_prove = (sum(o.prove_seconds for o in by["ok"]) / proved) if proved else None
    summary: dict[str, Any] = {
        "circuit": prover.hashes["name"], "inputs": str(inputs), "out_dir": str(out),
        "count": total, "ok": proved, "skipped": len(by["skipped"]), "failed": len(by["failed"]),
        "not_run": total - len(outcomes), "interrupted": interrupted,
        "seconds": round(seconds, 3),
        "proofs_per_minute": round(proved / seconds * 60, 2) if proved and seconds > 0 else 0.0,
        "mean_prove_seconds": round(mean_prove, 4) if mean_prove is not None else None,
        "backend": backend, "workers": workers,
        "failures": [{"index": o.index, "error": o.error}
                     for o in sorted(by["failed"], key=lambda o: o.index)],
    }
    if prover.batch_size:  # a batched circuit: each proof holds up to B inputs
        summary["batch_size"] = prover.batch_size
    predicted = prover.manifest.estimate.get("predicted", {})
    if mean_prove is not None and predicted.get("prove_seconds"):
        # How far the estimator was off for this machine (measured / predicted).
        summary["prove_seconds_vs_estimate"] = round(mean_prove / predicted["prove_seconds"], 3)
    return summary


# Terminal side of `zkverify prove` on a batch: a progress bar, the summary, the exit code.

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
