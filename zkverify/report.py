"""Human-readable summaries (rich tables) of builds, circuit directories and proof bundles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from .circuit import BuildResult
from .errors import UsageError
from .manifest import MANIFEST, CircuitDir, Manifest, ProofBundle


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def quant_line(q: dict[str, Any]) -> str:
    if q.get("max_abs_error") is None:
        return f"no float reference: {q.get('float_reference')}"
    line = (f"max abs error {q['max_abs_error']:.4g}, mean abs error {q['mean_abs_error']:.4g} "
            f"on {q['samples']} samples")
    if q.get("argmax_agreement") is not None:
        line += f", argmax agreement {q['argmax_agreement'] * 100:.1f}%"
    return line


def print_build(console: Any, res: BuildResult) -> None:
    m = res.manifest
    for w in res.warnings:  # on stderr, as every other command's warnings (stdout: the result)
        click.echo(f"warning: {w}", err=True)
    console.print(f"[bold]{m.name}[/] → {res.circuit.path}")
    console.print(f"  logrows {m.logrows}, {m.num_rows} rows, scales "
                  f"{m.run_args.get('input_scale')}/{m.run_args.get('param_scale')}, "
                  f"pk {_mb(m.keys.get('pk_bytes', 0))}, SRS {m.srs.get('source')}, keys "
                  f"{'reused from cache' if res.keys_reused else 'generated'}")
    q = m.quantization
    color = "green" if q.get("within_tolerance", True) else "red"
    console.print(f"  quantization: [{color}]{quant_line(q)}[/]")
    if q.get("tolerance") is None and q.get("min_agreement") is None:
        console.print("  [dim](no --tolerance given: drift is reported, not enforced)[/]")


def _print_card(console: Any, cd: CircuitDir, as_json: bool) -> None:
    from rich.table import Table

    from .card import Card

    card = Card.load(cd.card)
    if as_json:
        console.print_json(json.dumps({"circuit_id": card.circuit_id,
                                       "card": card.to_json()}))
        return
    t = Table(title=f"circuit card {cd.card}", show_header=False)
    t.add_row("circuit", card.name)
    t.add_row("circuit id", card.circuit_id)
    for k in ("model_sha256", "settings_sha256", "vk_sha256", "srs_sha256"):
        t.add_row(k, getattr(card, k))
    t.add_row("SRS", f"{card.srs_provenance()} (logrows {card.srs.logrows})")
    t.add_row("visibility", ", ".join(f"{k} {v}" for k, v in card.visibility.items()))
    t.add_row("weights bound", "yes" if card.weights_bound else "NO")
    for tensor, rule in zip(card.output_tensors(), card.output_rules(), strict=True):
        t.add_row(f"output {tensor.name}", f"{tensor.dtype}{list(tensor.shape)}, {rule}")
    for tensor in card.input_tensors():
        t.add_row(f"input {tensor.name}", f"{tensor.dtype}{list(tensor.shape)}")
    console.print(t)


def inspect_path(path: Path, console: Any, as_json: bool) -> None:
    from .slicing.card import is_sliced

    if path.is_dir() and is_sliced(path):
        from .slicing.report import inspect_sliced

        inspect_sliced(path, console, as_json)
        return
    if path.is_file() and _is_sliced_bundle(path):
        from .slicing.report import inspect_sliced_bundle

        inspect_sliced_bundle(path, console, as_json)
        return
    if path.is_dir():
        cd = CircuitDir(path)
        if not cd.manifest_path.is_file() and cd.card.is_file():
            _print_card(console, cd, as_json)  # a public-only directory (what a node publishes)
            return
        m = cd.load_manifest()
        if as_json:
            console.print_json(json.dumps(m.model_dump(mode="json")))
            return
        _print_manifest(console, cd, m)
        return
    if not path.exists():
        raise UsageError(f"{path}: no such file or directory")
    if path.name == MANIFEST:
        inspect_path(path.parent, console, as_json)
        return
    b = ProofBundle.load(path)
    if as_json:
        d = b.model_dump(mode="json")
        d["proof"] = {"bytes": len(json.dumps(b.proof)), "proof_hash": b.proof_hash()}
        console.print_json(json.dumps(d))
        return
    from rich.table import Table

    t = Table(title=f"proof bundle {path}", show_header=False)
    t.add_row("circuit", b.circuit.name)
    for k in ("model_sha256", "settings_sha256", "vk_sha256"):
        t.add_row(k, getattr(b.circuit, k))
    t.add_row("format", b.format)
    t.add_row("prediction", str(b.prediction))
    if isinstance(b, ProofBundle):
        for key, claims in (("output", b.outputs), ("input", b.inputs)):
            for c in claims:
                shown = _short(None if c.values is None else [c.values])
                if c.hash is not None:
                    shown = f"hashed ({c.hash[:16]}…)"
                t.add_row(f"{key} {c.name}", f"{c.dtype}{c.shape}: {shown}")
    else:
        t.add_row("outputs", _short(b.outputs))
        t.add_row("inputs", _short(b.inputs))
    t.add_row("visibility", ", ".join(f"{k} {v}" for k, v in b.visibility.items()))
    t.add_row("proof hash", b.proof_hash())
    t.add_row("proof size", f"{len(json.dumps(b.proof)) / 1e3:.1f} kB")
    t.add_row("made", f"{b.created_at} by zkverify {b.zkverify_version}, ezkl {b.ezkl_version}")
    console.print(t)


def _is_sliced_bundle(path: Path) -> bool:
    try:
        return json.loads(path.read_text()).get("kind") == "sliced"
    except (OSError, ValueError, AttributeError):
        return False


def _short(v: Any, n: int = 8) -> str:
    if v is None:
        return "(not public)"
    flat = [x for row in v for x in row]
    s = ", ".join(str(x) if isinstance(x, bool | int) else f"{x:.4g}" for x in flat[:n])
    return f"[{s}{', …' if len(flat) > n else ''}] ({len(flat)} values)"


def _print_manifest(console: Any, cd: CircuitDir, m: Manifest) -> None:
    from rich.table import Table

    t = Table(title=f"circuit {m.name} ({cd.path})", show_header=False)
    t.add_row("source", f"{m.source.get('kind')} {m.source.get('path')}")
    t.add_row("input / output shape", f"{m.input_shapes} → {m.output_shapes}")
    t.add_row("visibility", ", ".join(f"{k} {v}" for k, v in m.visibility.items()))
    t.add_row("logrows / rows", f"{m.logrows} / {m.num_rows}")
    ra = m.run_args
    t.add_row("scales", f"input {ra.get('input_scale')}, param {ra.get('param_scale')}")
    t.add_row("SRS", f"{m.srs.get('source')} (k={m.srs.get('logrows')})")
    if cd.pk.exists():
        t.add_row("pk.key", _mb(cd.pk.stat().st_size))
    if m.quantization:
        t.add_row("quantization", quant_line(m.quantization))
    t.add_row("timings", ", ".join(f"{k} {v:.2f}s" for k, v in m.timings.items()))
    t.add_row("versions", f"zkverify {m.zkverify_version}, ezkl {m.ezkl_version}")
    for name, h in m.artifacts.items():
        t.add_row(name, h[:16] + "…")
    if m.keys.get("cache_key"):
        t.add_row("key cache id", str(m.keys["cache_key"])[:16] + "…")
    console.print(t)
