"""`zkverify fetch`: a circuit's public files from a node, checked against the circuit id."""

from __future__ import annotations

from pathlib import Path

import click

from ..cli import emit_json
from ..cli_options import check_circuit_id, output_option


@click.command("fetch")
@click.argument("url")
@click.argument("circuit_id", metavar="CIRCUIT_ID", callback=check_circuit_id)
@output_option("Directory for card.json, settings.json, vk.key and kzg.srs (new or empty).",
               dest="out_dir")
@click.option("--json", "as_json", is_flag=True, help="Print what was fetched as JSON.")
def fetch(url: str, circuit_id: str, out_dir: Path, as_json: bool) -> None:
    """Download a circuit's public files: exit 0, 1 not what the id names, 2 usage, 3 node down.

    Nothing is written unless the card hashes to CIRCUIT_ID and settings, vk and SRS hash to
    what the card says; then `zkverify verify OUT_DIR PROOF --circuit-id CIRCUIT_ID` trusts
    nobody but the id.
    """
    from ..fetch import fetch as run_fetch

    res = run_fetch(url, circuit_id, out_dir)
    if as_json:
        emit_json({"out_dir": str(res.out_dir), "circuit_id": res.circuit_id, "name": res.name,
                   "files": res.files})
    else:
        click.echo(f"fetched circuit {res.name} ({res.circuit_id}) into {res.out_dir}: "
                   + ", ".join(f"{n} {b:,} B" for n, b in res.files.items()))
