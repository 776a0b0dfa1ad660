"""The network's commands: `registry deploy`, `publish`, `audit` (and the registry options that
`infer` and `serve` share).

Transactions come from the node's first unlocked account (anvil's default) unless
``--private-key-file`` or ``$ZKVERIFY_PRIVATE_KEY`` holds a key; the key is never printed.
Exit codes: 0 done, 1 the registry refused by one of its rules (or `audit` found a recorded
proof that does not verify), 2 usage, 3 the node or the EVM failed (or `audit` could not
re-verify something).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..cli_options import check_circuit_id

KEY_HELP = ("File holding the private key that signs transactions (default: "
            "$ZKVERIFY_PRIVATE_KEY, else the node's first unlocked account).")


def _dump(obj: Any) -> None:
    click.echo(json.dumps(obj, indent=2))


def registry_options(required: bool = True, key: bool = True) -> Callable[[Any], Any]:
    """--registry ADDR, --rpc URL and (for commands that send transactions) --private-key-file."""
    def wrap(f: Any) -> Any:
        opts = [click.option("--registry", "registry_address", metavar="ADDR", required=required,
                             help="Address of the zkverify registry contract."),
                click.option("--rpc", "rpc_url", metavar="URL", required=required,
                             help="JSON-RPC URL of the chain's node.")]
        if key:
            opts.append(click.option("--private-key-file", type=click.Path(path_type=Path),
                                     help=KEY_HELP))
        for opt in reversed(opts):
            f = opt(f)
        return f
    return wrap


def open_registry(rpc_url: str, address: str, key_file: Path | None = None,
                  sign: bool = True) -> Any:
    from ..network.registry import Registry
    from ..network.wallet import Wallet, read_private_key

    wallet = Wallet.connect(rpc_url, read_private_key(key_file)) if sign else None
    return Registry(rpc_url, address, wallet)


@click.group("registry")
def registry_group() -> None:
    """The on-chain registry of circuits, nodes and verified inferences."""


@registry_group.command("deploy")
@click.option("--rpc", "rpc_url", metavar="URL", required=True, help="JSON-RPC URL of the node.")
@click.option("--private-key-file", type=click.Path(path_type=Path), help=KEY_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def deploy_cmd(rpc_url: str, private_key_file: Path | None, as_json: bool) -> None:
    """Deploy a new registry contract; prints its address."""
    from ..network.registry import deploy
    from ..network.wallet import Wallet, read_private_key

    wallet = Wallet.connect(rpc_url, read_private_key(private_key_file))
    address, gas = deploy(wallet)
    if as_json:
        _dump({"address": address, "gas": gas, "deployer": wallet.address})
    else:
        click.echo(f"registry deployed at {address} (gas {gas:,})")


@registry_group.command("show")
@registry_options(key=False)
@click.option("--circuit", "circuit_id", metavar="ID", callback=check_circuit_id,
              help="Only this circuit.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def show_cmd(registry_address: str, rpc_url: str, circuit_id: str | None, as_json: bool) -> None:
    """List the published circuits and their nodes."""
    from dataclasses import asdict

    reg = open_registry(rpc_url, registry_address, sign=False)
    ids = [circuit_id] if circuit_id else reg.circuit_ids()
    rows = []
    for cid in ids:
        entry = reg.require_circuit(cid)
        rows.append({**asdict(entry), "reusable": entry.reusable,
                     "nodes": [asdict(n) for n in reg.nodes(cid)]})
    if as_json:
        _dump({"registry": reg.address, "circuits": rows})
        return
    for r in rows:
        click.echo(f"{r['circuit_id']}  verifier {r['verifier']}  publisher {r['publisher']}  "
                   f"{len(r['nodes'])} node(s)")
        for n in r["nodes"]:
            click.echo(f"  {n['url']}  (owner {n['owner']})")


@click.command("publish")
@click.argument("circuit_dir", type=click.Path(path_type=Path))
@registry_options()
@click.option("--card-uri", default="", help="Where the card can be read (recorded on chain).")
@click.option("--verifier", "verifier_address", metavar="ADDR",
              help="Use this already deployed verifier (its code is checked) instead of deploying; "
                   "with --reusable, a deployed reusable verifier.")
@click.option("--reusable", is_flag=True,
              help="Use ezkl's reusable verifier: register this circuit's VKA with it (one "
                   "deployment serves many circuits; build with --reusable-verifier).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def publish(circuit_dir: Path, registry_address: str, rpc_url: str, private_key_file: Path | None,
            card_uri: str, verifier_address: str | None, reusable: bool, as_json: bool) -> None:
    """Deploy the circuit's Solidity verifier and register the circuit in the registry."""
    from ..errors import EvmError
    from ..evm import code_mismatch, load_verifier
    from ..manifest import CircuitDir
    from ..progress import for_terminal

    progress = for_terminal(as_json)
    cd = CircuitDir(circuit_dir)
    card = cd.check_integrity()
    reg = open_registry(rpc_url, registry_address, private_key_file)
    deploy_gas = register_gas = None
    digest = None
    warning = None
    if reusable:
        from ..network import reusable as ru

        with progress.stage("writing and compiling the reusable verifier"):
            contract = ru.compile_reusable(cd)
            words = ru.vka_words(cd)
        if verifier_address is None:
            with progress.stage("deploying the reusable verifier"):
                verifier_address, deploy_gas = reg.wallet.deploy(contract.bytecode)
        elif reg.client.get_code(verifier_address) != contract.runtime:
            raise EvmError(f"the contract at {verifier_address} is not ezkl's reusable verifier "
                           "(its code differs from the one compiled here)")
        register_gas = ru.register(reg.wallet, verifier_address, contract, words)
        digest = ru.vka_digest(words)
    else:
        with progress.stage("writing and compiling the Solidity verifier"):
            verifier = load_verifier(cd)
        warning = verifier.size_warning()
        if verifier_address is None:
            with progress.stage("deploying the verifier"):
                verifier_address, deploy_gas = reg.wallet.deploy(verifier.contract.bytecode)
        else:
            mismatch = code_mismatch(verifier, reg.client.get_code(verifier_address),
                                     verifier_address)
            if mismatch:
                raise EvmError(mismatch)
    receipt = reg.publish(card.circuit_id, card.vk_sha256, verifier_address, card_uri, digest)
    info = {"circuit_id": card.circuit_id, "verifier": verifier_address.lower(),
            "registry": reg.address, "name": card.name, "reusable": reusable,
            "vka_digest": digest, "deploy_gas": deploy_gas, "register_gas": register_gas,
            "publish_gas": receipt.gas_used, "tx_hash": receipt.tx_hash, "warning": warning}
    if as_json:
        _dump(info)
    else:
        click.echo(f"published {card.name} as circuit {card.circuit_id} (verifier "
                   f"{info['verifier']}{', reusable' if reusable else ''}, publish gas "
                   f"{receipt.gas_used:,})")
    if warning:
        click.echo(f"warning: {warning}", err=True)


@click.command("audit")
@registry_options(key=False)
@click.option("--circuit", "circuit_id", metavar="ID", callback=check_circuit_id,
              help="Only the inferences of this circuit.")
@click.option("--circuit-dir", "circuit_dirs", multiple=True, type=click.Path(path_type=Path),
              help="Public files to re-verify with (default: fetched from the circuit's nodes "
                   "and checked against its id). Repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print the audit as JSON.")
def audit(registry_address: str, rpc_url: str, circuit_id: str | None,
          circuit_dirs: tuple[Path, ...], as_json: bool) -> None:
    """Re-verify every inference recorded on chain: exit 0 all valid, 1 one is not, 3 unchecked."""
    from ..network.audit import audit as run_audit

    reg = open_registry(rpc_url, registry_address, sign=False)
    rows = run_audit(reg, circuit_id, list(circuit_dirs))
    invalid = [r for r in rows if r.checked and not r.valid]
    unchecked = [r for r in rows if not r.checked]
    code = 1 if invalid else (3 if unchecked else 0)
    if as_json:
        _dump({"registry": reg.address, "count": len(rows), "valid": len(rows) - len(invalid)
               - len(unchecked), "invalid": len(invalid), "unchecked": len(unchecked),
               "records": [r.as_dict() for r in rows]})
    else:
        for r in rows:
            word = ("valid" if r.valid else "INVALID") if r.checked else "unchecked"
            why = f": {r.reason}" if r.reason else f" (prediction {r.prediction})"
            click.echo(f"{word}: proof {r.proof_hash} of circuit {r.circuit_id[:16]}… by "
                       f"{r.submitter} (block {r.block}){why}")
        click.echo(f"{len(rows)} recorded, {len(invalid)} invalid, {len(unchecked)} unchecked")
    sys.exit(code)
