"""`zkverify doctor`: versions, cache and SRS state, and what is missing with how to install it."""

from __future__ import annotations

import sys
from typing import Any

import click

from ..cli import emit_json


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def doctor(as_json: bool) -> None:
    """Check the installation: exit 0 when build/prove/verify can run, 1 when the core is missing."""
    from ..doctor import report
    from ..estimating import human_bytes

    rep = report()
    if as_json:
        emit_json(rep)
        sys.exit(0 if rep["ok"] else 1)
    checks: list[dict[str, Any]] = rep["checks"]  # type: ignore[assignment]
    for c in checks:
        mark = "ok  " if c["ok"] else ("MISSING" if c["core"] else "--  ")
        v = c["version"] or "not found"
        click.echo(f"{mark:<7} {c['name']:<12} {v:<28} {'(core)' if c['core'] else c['needed_for']}")
    cache: dict[str, Any] = rep["cache"]  # type: ignore[assignment]
    click.echo(f"cache   {cache['dir']}: {cache['entries']} entries, {human_bytes(cache['bytes'])}"
               + ("" if cache["writable"] else " (NOT writable)"))
    srs: list[dict[str, Any]] = rep["srs"]  # type: ignore[assignment]
    for s in srs:
        click.echo(f"srs     k={s['logrows']:<3} {s['provenance']:<9} {s['note']}")
    if not srs:
        click.echo("srs     none cached yet (build generates a dev SRS, or pass --srs FILE)")
    missing: list[dict[str, Any]] = rep["missing"]  # type: ignore[assignment]
    for m in missing:
        click.echo(f"to get {m['name']} ({m['needed_for']}): {m['install']}")
    click.echo("core usable" if rep["ok"] else "core NOT usable: see MISSING above")
    sys.exit(0 if rep["ok"] else 1)
