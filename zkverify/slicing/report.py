"""What ``build --slices`` prints, and ``inspect`` of a sliced circuit or a sliced bundle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..estimating import predict
from ..manifest import CircuitDir, LinkClaim, SlicedBundle
from .build import SlicedBuildResult
from .card import SlicedCard, slice_dir

__all__ = ["inspect_sliced", "print_sliced_build", "slice_rows"]


def _mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def slice_rows(root: Path) -> list[dict[str, Any]]:
    """Per slice: its tensors in and out, rows, logrows, pk size and the cost model's prove time."""
    card = SlicedCard.load(root / "card.json")
    rows = []
    for i, ref in enumerate(card.slices):
        cd = CircuitDir(slice_dir(root, i))
        settings = cd.settings_json()
        est = predict(settings)
        rows.append({"slice": i, "id": ref.id, "inputs": ref.inputs, "outputs": ref.outputs,
                     "num_rows": int(settings.get("num_rows") or 0),
                     "logrows": int(settings["run_args"]["logrows"]),
                     "pk_bytes": cd.pk.stat().st_size if cd.pk.is_file() else None,
                     "estimated_prove_seconds": round(est.prove_seconds, 2),
                     "input_scale": settings["run_args"].get("input_scale"),
                     "output_scales": settings.get("model_output_scales")})
    return rows


def _table(console: Any, title: str, root: Path) -> None:
    from rich.table import Table

    t = Table(title=title)
    for col in ("slice", "in → out", "rows", "logrows", "pk.key", "est. prove"):
        t.add_column(col)
    for r in slice_rows(root):
        t.add_row(str(r["slice"]), f"{', '.join(r['inputs'])} → {', '.join(r['outputs'])}",
                  f"{r['num_rows']:,}", str(r["logrows"]),
                  _mb(r["pk_bytes"]) if r["pk_bytes"] is not None else "-",
                  f"{r['estimated_prove_seconds']:.1f} s")
    console.print(t)


def print_sliced_build(console: Any, res: SlicedBuildResult) -> None:
    card = res.card
    how = "Poseidon-hashed" if card.link == "hashed" else "KZG-committed (polycommit)"
    console.print(f"[bold]built[/bold] {res.circuit.path}: {len(card.slices)} slices linked by "
                  f"{how} boundaries (circuit id {card.circuit_id[:16]}…)")
    for i, cut in enumerate(res.cuts):
        console.print(f"  cut {i}: {', '.join(cut)}")
    _table(console, f"slices of {card.name}", res.circuit.path)
    for w in res.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}", highlight=False)


def inspect_sliced(path: Path, console: Any, as_json: bool) -> None:
    """A sliced circuit directory: the card's identity and a row per slice."""
    card = SlicedCard.load(path / "card.json")
    rows = slice_rows(path)
    if as_json:
        console.print_json(json.dumps({"kind": "sliced", "name": card.name,
                                       "circuit_id": card.circuit_id, "link": card.link,
                                       "visibility": card.visibility, "cuts": card.cuts,
                                       "slices": rows}))
        return
    console.print(f"sliced circuit {card.name} ({path}): {len(rows)} slices, link {card.link}, "
                  f"circuit id {card.circuit_id}")
    _table(console, "slices", path)


def inspect_sliced_bundle(path: Path, console: Any, as_json: bool) -> None:
    b = SlicedBundle.load(path)
    if as_json:
        d = b.model_dump(mode="json")
        d["slices"] = [{"circuit_id": s.circuit_id, "bytes": len(json.dumps(s.proof))}
                       for s in b.slices]
        d["proof_hash"] = b.proof_hash()
        console.print_json(json.dumps(d))
        return
    size = sum(len(json.dumps(s.proof)) for s in b.slices)
    console.print(f"sliced proof bundle {path}: circuit {b.circuit.name} ({b.circuit.id[:16]}…), "
                  f"{len(b.slices)} slice proofs ({size / 1e3:.1f} kB), prediction {b.prediction}, "
                  f"proof hash {b.proof_hash()}")
    for i, link in enumerate(b.links):
        what = (f"hash {link.hashes[0][:16]}…" if isinstance(link, LinkClaim)
                else f"commitment {link.commitments[0][:16]}…")
        console.print(f"  link {i}: {', '.join(link.tensors)} = {what}")
